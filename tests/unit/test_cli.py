"""The CLI contract: help with examples, one-line errors, exit codes, nothing changed on bad input."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from corplab.pki import make_ca, make_leaf
from cryptography.hazmat.primitives import serialization


def snapshot(base: Path) -> dict[str, str]:
    found = {}
    for dirpath, dirnames, files in os.walk(base):
        for name in files + dirnames:
            path = Path(dirpath) / name
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


@pytest.mark.parametrize("command", ["setup", "undo", "inspect", "doctor", "scan", "verify"])
def test_every_command_has_help_with_a_description(tool, command: str) -> None:
    run = tool(command, "--help")
    assert run.returncode == 0
    assert "usage: pip-tls-setup " + command in run.stdout


def test_top_level_help_has_examples(tool) -> None:
    run = tool("--help")
    assert run.returncode == 0 and "examples:" in run.stdout and "exit codes" in run.stdout


def test_usage_error_is_one_line_exit_2(tool) -> None:
    run = tool("setup", "--no-such-option")
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("pip-tls-setup: error:")


def test_no_ca_is_an_input_error(tool, tmp_path: Path) -> None:
    run = tool("setup", "--python", "/bin/false", "--no-system-store", "--bundle", str(tmp_path / "b.pem"))
    assert run.returncode == 2


@pytest.fixture(scope="module")
def ca():
    return make_ca("Example Corp Root CA", "Example Corp")


def _bad_inputs(tmp: Path, ca) -> dict[str, tuple[list[str], str]]:
    key_path = tmp / "key.pem"
    key_pem = ca.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_path.write_bytes(key_pem)
    (tmp / "empty.pem").write_bytes(b"")
    (tmp / "garbage.crt").write_bytes(os.urandom(300))
    (tmp / "truncated.pem").write_bytes(ca.pem[:200])
    make_leaf(ca, ["index.corp.test"]).write(tmp / "leaf.pem")
    make_ca("Old Corp Root", expired=True).write(tmp / "expired.pem")
    make_ca("Future Corp Root", not_yet_valid=True).write(tmp / "future.pem")
    ca.write(tmp / "corp.pem")
    (tmp / "nocerts").mkdir()
    (tmp / "nocerts" / "readme.txt").write_text("nothing here")
    return {
        "missing": (["--ca", str(tmp / "missing.pem")], "does not exist"),
        "empty": (["--ca", str(tmp / "empty.pem")], "is empty"),
        "garbage": (["--ca", str(tmp / "garbage.crt")], "not a certificate"),
        "truncated": (["--ca", str(tmp / "truncated.pem")], "truncated"),
        "private-key": (["--ca", str(key_path)], "private key"),
        "leaf": (["--ca", str(tmp / "leaf.pem")], "leaf"),
        "expired": (["--ca", str(tmp / "expired.pem")], "expired"),
        "not-yet-valid": (["--ca", str(tmp / "future.pem")], "not valid before"),
        "fingerprint-mismatch": (
            ["--ca", str(tmp / "corp.pem"), "--ca-fingerprint", "sha256:" + "ab" * 32],
            "matches no",
        ),
        "bad-fingerprint": (["--ca", str(tmp / "corp.pem"), "--ca-fingerprint", "sha1:abcd"], "SHA-256"),
        "dir-without-certs": (["--ca", str(tmp / "nocerts")], "without certificate files"),
    }


CASES = [
    "missing",
    "empty",
    "garbage",
    "truncated",
    "private-key",
    "leaf",
    "expired",
    "not-yet-valid",
    "fingerprint-mismatch",
    "bad-fingerprint",
    "dir-without-certs",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_exit_2_one_line_nothing_changed(tool, tmp_path: Path, ca, case: str) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    args, expected = _bad_inputs(inputs, ca)[case]
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text("ID=debian\n")
    (root / "etc" / "pip.conf").write_text("[global]\ntimeout = 30\n")
    before = snapshot(root)
    state_before = snapshot(tmp_path / "state") if (tmp_path / "state").exists() else {}
    run = tool("setup", *args, "--root", str(root), "--dry-run")
    run_real = tool("setup", *args, "--root", str(root))
    for result in (run, run_real):
        assert result.returncode == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("pip-tls-setup: error: ")
        assert expected in lines[0]
        assert "Traceback" not in result.output
    assert snapshot(root) == before
    assert (snapshot(tmp_path / "state") if (tmp_path / "state").exists() else {}) == state_before
    if case == "private-key":
        body = b"".join((inputs / "key.pem").read_bytes().splitlines()[1:-1]).decode()
        for chunk in (body[i : i + 24] for i in range(0, len(body) - 24, 24)):
            assert chunk not in run_real.output


def test_inspect_reports_and_exits_1_on_leaf(tool, tmp_path: Path, ca) -> None:
    make_leaf(ca, ["index.corp.test"]).write(tmp_path / "leaf.pem")
    make_ca("Weak Corp Root", bc_critical=False).write(tmp_path / "weak.pem")
    run = tool("inspect", str(tmp_path / "weak.pem"), "--json")
    assert run.returncode == 0
    import json

    data = json.loads(run.stdout)
    assert data["certificates"][0]["findings"][0]["code"] == "strict-basic-constraints-not-critical"
    leaf = tool("inspect", str(tmp_path / "leaf.pem"))
    assert leaf.returncode == 1 and "not-a-ca" in leaf.stdout


def test_inspect_reports_every_file_and_exits_2_when_one_is_bad(tool, tmp_path: Path, ca) -> None:
    import json

    make_ca("First Root").write(tmp_path / "a.pem")
    (tmp_path / "bad.pem").write_text("not a certificate\n")
    make_ca("Second Root").write(tmp_path / "b.pem")
    files = [str(tmp_path / n) for n in ("a.pem", "bad.pem", "b.pem")]
    run = tool("inspect", *files)
    assert run.returncode == 2
    assert "First Root" in run.stdout and "Second Root" in run.stdout
    assert run.stderr.count("pip-tls-setup: error: ") == 1 and "bad.pem" in run.stderr
    data = json.loads(tool("inspect", *files, "--json").stdout)
    assert [f["error"] is None for f in data["files"]] == [True, False, True]
    assert len(data["certificates"]) == 2 and data["ok"] is False


def test_undo_without_a_journal_says_where_it_looked_and_fails(tool, tmp_path: Path) -> None:
    run = tool("undo")
    assert run.returncode == 1
    assert "nothing to undo" in run.stderr and str(tmp_path / "state") in run.stderr
    assert run.stderr.count("\n") == 1


@pytest.mark.parametrize("option", ["--bundle", "--env-file"])
def test_output_path_that_is_a_directory_is_bad_input(tool, tmp_path: Path, ca, option: str) -> None:
    import venv

    venv.create(tmp_path / "venv", with_pip=False)
    (tmp_path / "adir").mkdir()
    args = [
        "setup",
        "--ca",
        str(ca.write(tmp_path / "corp.pem")),
        "--python",
        str(tmp_path / "venv/bin/python"),
        "--no-system-store",
        "--offline",
        "--bundle",
        str(tmp_path / "out/b.pem"),
    ]
    args += [option, str(tmp_path / "adir")]
    run = tool(*args)
    assert run.returncode == 2, run.output
    assert run.stderr.strip().count("\n") == 0 and "is a directory" in run.stderr
    assert not (tmp_path / "out").exists()
