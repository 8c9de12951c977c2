"""Every --json output has the one envelope and validates against its schema in docs/schemas/."""

from __future__ import annotations

import json
import venv
from pathlib import Path

import jsonschema
import pytest
from corplab.pki import make_ca, make_leaf

from support.schemas import SCHEMAS, validate

CA = make_ca("Contract Test Root CA", "Example Corp")


def _data(run) -> dict:  # type: ignore[no-untyped-def]
    data = json.loads(run.stdout)
    assert list(data)[:4] == ["schema_version", "tool_version", "command", "ok"]
    return data


def test_the_schemas_are_valid_json_schemas() -> None:
    for path in SCHEMAS.glob("*.schema.json"):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_inspect(tool, tmp_path: Path) -> None:
    CA.write(tmp_path / "ca.pem")
    make_leaf(CA, ["index.corp.test"]).write(tmp_path / "leaf.pem")
    (tmp_path / "bad.pem").write_text("garbage\n")
    for files, ok in (([tmp_path / "ca.pem"], True), ([tmp_path / "leaf.pem", tmp_path / "bad.pem"], False)):
        data = _data(tool("inspect", *map(str, files), "--json"))
        assert data["ok"] is ok
        validate("inspect", data)


def test_setup_dry_run_setup_and_undo(tool, tmp_path: Path) -> None:
    venv.create(tmp_path / "venv", with_pip=False)
    common = [
        "--ca",
        str(CA.write(tmp_path / "corp.pem")),
        "--python",
        str(tmp_path / "venv" / "bin" / "python"),
        "--no-system-store",
        "--bundle",
        str(tmp_path / "out" / "bundle.pem"),
        "--offline",
        "--json",
    ]
    dry = _data(tool("setup", *common, "--dry-run"))
    assert dry["ok"] is True and dry["dry_run"] is True
    validate("setup", dry)
    done = tool("setup", *common)
    assert done.returncode == 0, done.stderr
    validate("setup", _data(done))
    undone = tool("undo", "--json")
    assert undone.returncode == 0, undone.stderr
    validate("undo", _data(undone))
    nothing = tool("undo", "--json")
    assert nothing.returncode == 1
    data = _data(nothing)
    assert data["ok"] is False and data["journal"] is None
    validate("undo", data)


@pytest.mark.parametrize("command", ["setup", "undo", "inspect", "doctor", "scan", "verify"])
def test_the_schema_names_its_command(command: str) -> None:
    schema = json.loads((SCHEMAS / f"{command}.schema.json").read_text())
    assert schema["properties"]["command"] == {"const": command}


def test_doctor_and_verify_offline(tool, tmp_path: Path) -> None:
    venv.create(tmp_path / "venv", with_pip=False)
    python = str(tmp_path / "venv" / "bin" / "python")
    for command in ("doctor", "verify"):
        data = _data(tool(command, "--python", python, "--offline", "--json"))
        assert data["command"] == command
        validate(command, data)


def test_every_command_has_a_schema() -> None:
    from pip_tls_setup.cli import COMMANDS

    for module in COMMANDS:
        assert (SCHEMAS / f"{module.NAME}.schema.json").is_file(), module.NAME
