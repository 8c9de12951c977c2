"""GitLab: dotenv report, shell exports, the component's run steps, and the component file itself."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from pip_tls_setup.platforms import gitlab
from pip_tls_setup.platforms.cli_contract import Result

REPO = Path(__file__).resolve().parents[3]
TEMPLATE = REPO / "templates" / "pip-tls-setup" / "template.yml"


class FakeCLI:
    """Answers like the CLI's documented contracts; records what was asked."""

    def __init__(self, answers: dict[str, Result]) -> None:
        self.answers = answers
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    def __call__(self, args: Sequence[str], env: Mapping[str, str]) -> Result:
        self.calls.append((list(args), dict(env)))
        key = " ".join(args[:2]) if len(args) > 1 and args[1] in ("--help", "--json") else args[0]
        if args[0] == "scan":
            key = "scan " + (args[args.index("--format") + 1] if "--format" in args else "text")
        return self.answers.get(key, Result(list(args), 0, "", ""))


SETUP_JSON = {
    "bundle": "/etc/pip-tls-setup/ca-bundle.pem",
    "env": {"SSL_CERT_FILE": "/etc/pip-tls-setup/ca-bundle.pem", "PIP_CERT": "/etc/pip-tls-setup/ca bundle.pem"},
    "changes": [],
}
DOCTOR_JSON = {"summary": {"proxy": "http://127.0.0.1:3128", "intercepted": True, "issuer": "CN=Corp Root"}}


def test_dotenv_is_what_gitlab_accepts() -> None:
    assert gitlab.dotenv({"A": "1", "B_2": "x\ny"}) == "A=1\nB_2=x y\n"
    with pytest.raises(ValueError):
        gitlab.dotenv({"1BAD": "x"})
    with pytest.raises(ValueError):
        gitlab.dotenv({"BIG": "x" * 6000})


def test_shell_exports_are_quoted() -> None:
    assert gitlab.shell_exports({"A": "/p/with space", "bad name": "x"}) == "export A='/p/with space'\n"


def test_run_setup_writes_env_file_and_dotenv_report(tmp_path: Path) -> None:
    cli = FakeCLI(
        {
            "doctor --json": Result(["doctor"], 1, json.dumps(DOCTOR_JSON), ""),
            "setup --help": Result(["setup"], 0, "--no-verify --no-system-store", ""),
            "setup --json": Result(["setup"], 0, json.dumps(SETUP_JSON), "warning: something\n"),
        }
    )
    ca = tmp_path / "ca-file"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {
        "PTS_DIR": str(tmp_path / "private"),
        "PTS_DOTENV": str(tmp_path / "pip-tls-setup.env"),
        "PTS_SYSTEM_STORE": "false",
        "PTS_VERIFY": "false",
        "PTS_PYTHON_TARGETS": "/usr/bin/python3, /opt/venv/bin/python",
        "PIP_TLS_SETUP_CA": str(ca),  # a File-type CI/CD variable holds a path
        "HOME": "/root",
    }
    out, err = io.StringIO(), io.StringIO()
    assert gitlab.run_setup(env, out, err, call=cli) == 0
    setup_args, setup_env = next((a, e) for a, e in cli.calls if a[:2] == ["setup", "--json"])
    assert setup_args[2:4] == ["--ca", str(ca)]
    assert "--no-system-store" in setup_args and "--no-verify" in setup_args
    assert setup_args.count("--python") == 2
    assert "PIP_TLS_SETUP_CA" not in setup_env and not any(k.startswith("PTS_") for k in setup_env)
    exports = (tmp_path / "private" / "env.sh").read_text()
    assert "export PIP_CERT='/etc/pip-tls-setup/ca bundle.pem'" in exports
    report = (tmp_path / "pip-tls-setup.env").read_text()
    assert "PIP_TLS_SETUP_BUNDLE=/etc/pip-tls-setup/ca-bundle.pem\n" in report
    assert "PIP_TLS_SETUP_INTERCEPTED=true\n" in report
    assert "SSL_CERT_FILE" not in report  # later jobs without setup would point at a missing file
    assert "TLS interception: yes" in out.getvalue() and "warning: something" in err.getvalue()


def test_run_setup_rejects_bad_mode(tmp_path: Path) -> None:
    err = io.StringIO()
    assert gitlab.run_setup({"PTS_MODE": "off"}, io.StringIO(), err, call=FakeCLI({})) == 2
    assert err.getvalue().startswith("pip-tls-setup: error: input mode:")


@pytest.mark.parametrize(("mode", "code", "expected"), [("enforce", 1, 1), ("warn", 1, 0), ("enforce", 0, 0)])
def test_run_scan_exit_codes(tmp_path: Path, mode: str, code: int, expected: int) -> None:
    findings = {"findings": [{"rule": "PTS101", "severity": "error", "path": "r.txt", "line": 1, "message": "m"}]}
    cli = FakeCLI(
        {
            "scan text": Result(["scan"], code, "r.txt:1: error PTS101\n", ""),
            "scan json": Result(["scan"], code, json.dumps(findings), ""),
        }
    )
    env = {"PTS_MODE": mode, "PTS_SCAN_PATHS": "app insecure"}
    assert gitlab.run_scan(env, io.StringIO(), io.StringIO(), call=cli) == expected
    formats = [a[a.index("--format") + 1] for a, _ in cli.calls if "--format" in a]
    assert formats == ["gitlab", "sarif", "json"]
    assert all(a[1:3] == ["app", "insecure"] for a, _ in cli.calls)


def test_run_scan_when_scan_is_missing() -> None:
    cli = FakeCLI({"scan text": Result(["scan"], 2, "", "pip-tls-setup: error: scan: is not implemented yet")})
    assert gitlab.run_scan({}, io.StringIO(), io.StringIO(), call=cli) == 2


# ---------------------------------------------------------------- the component file


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!reference", lambda loader, node: ["!reference", *loader.construct_sequence(node)])


def _template() -> tuple[dict[str, Any], dict[str, Any]]:
    header, body = list(yaml.load_all(TEMPLATE.read_text(), Loader=_Loader))
    return header, body


def test_component_declares_typed_inputs_with_defaults() -> None:
    header, _ = _template()
    inputs = header["spec"]["inputs"]
    for name, spec in inputs.items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", name), name
        assert spec["type"] in ("string", "boolean", "number", "array"), name
        assert "default" in spec and spec.get("description"), name
    assert inputs["mode"]["options"] == ["enforce", "warn"]
    body = TEMPLATE.read_text().split("\n---\n", 1)[1]
    used = set(re.findall(r"\$\[\[ inputs\.([a-z0-9-]+) \]\]", body))
    assert used == set(inputs), used ^ set(inputs)


def test_component_has_no_global_keywords_and_the_expected_jobs() -> None:
    _, body = _template()
    globals_ = {"default", "stages", "workflow", "variables", "image", "services", "before_script", "after_script"}
    assert not globals_ & set(body)
    hidden = body[".pip-tls-setup"]
    assert hidden["artifacts"]["reports"]["dotenv"] == "pip-tls-setup.env"
    assert hidden["before_script"][0] == ["!reference", ".pip-tls-setup-bootstrap", "script"]
    scan = body["pip-tls-setup-scan"]
    assert scan["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert "pip-tls-setup.sarif" in scan["artifacts"]["paths"]
    assert scan["artifacts"]["when"] == "always"


def test_component_embeds_the_current_bootstrap_and_lock() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_gitlab_template.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    script = _template()[1][".pip-tls-setup-bootstrap"]["script"][0]
    assert "--require-hashes" in (REPO / "entrypoint" / "bootstrap.py").read_text()
    assert "<<'PTS_BOOTSTRAP_PY'" in script and "<<'PTS_REQUIREMENTS_LOCK'" in script
    assert "--tool-sha256" in script and "--hash=sha256:" in script
