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

    def __call__(self, args: Sequence[str], env: Mapping[str, str], timeout: float | None = None) -> Result:
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
        "PTS_TARGETS": ' ["/usr/bin/python3", "/opt/venv/bin/python"]',  # a type: array input
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
    assert setup_args[setup_args.index("--mode") + 1] == "enforce"


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
    env = {"PTS_MODE": mode, "PTS_SCAN_PATHS": ' ["app", "insecure"]'}
    assert gitlab.run_scan(env, io.StringIO(), io.StringIO(), call=cli) == expected
    formats = sorted(a[a.index("--format") + 1] for a, _ in cli.calls if "--format" in a)
    assert formats == ["gitlab", "json", "sarif"]
    assert all(a[1:3] == ["app", "insecure"] for a, _ in cli.calls)


def test_run_scan_stops_on_bad_input() -> None:
    cli = FakeCLI({"scan text": Result(["scan"], 2, "", "pip-tls-setup: error: x: is bad; fix it")})
    err = io.StringIO()
    assert gitlab.run_scan({}, io.StringIO(), err, call=cli) == 2
    assert "pip-tls-setup: error: x: is bad" in err.getvalue()


def test_runner_cas_are_used_and_unpinned_ones_left_out(tmp_path: Path) -> None:
    from corplab.pki import make_ca

    server, extra = make_ca("GitLab Server CA", "Corp"), make_ca("Extra CA", "Corp")
    server_file = tmp_path / "server-ca.pem"
    server_file.write_bytes(server.pem)
    env = {"CI_SERVER_TLS_CA_FILE": str(server_file), "ADDITIONAL_CA_CERT_BUNDLE": extra.pem.decode()}
    err = io.StringIO()
    args = gitlab.runner_cas(env, str(tmp_path / "private"), err)
    assert args == ["--ca", str(tmp_path / "private" / "runner-cas.pem")]
    assert (tmp_path / "private" / "runner-cas.pem").read_text().count("BEGIN CERTIFICATE") == 2
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    pin = hashlib.sha256(x509.load_pem_x509_certificate(extra.pem).public_bytes(Encoding.DER)).hexdigest()
    env["PIP_TLS_SETUP_CA_FINGERPRINTS"] = f"sha256:{pin}"
    args = gitlab.runner_cas(env, str(tmp_path / "pinned"), err)
    assert (tmp_path / "pinned" / "runner-cas.pem").read_text().count("BEGIN CERTIFICATE") == 1
    assert "$CI_SERVER_TLS_CA_FILE" in err.getvalue() and "left out" in err.getvalue()
    server_file.write_text("not a certificate")
    cli = FakeCLI({})
    err = io.StringIO()
    code = gitlab.run_setup({**env, "PTS_DIR": str(tmp_path / "p")}, io.StringIO(), err, call=cli)
    assert code == 2 and err.getvalue().startswith("pip-tls-setup: error: $CI_SERVER_TLS_CA_FILE")
    assert cli.calls == []


def test_undo_in_after_script_only_where_cleanup_applies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = FakeCLI({"undo --json": Result(["undo"], 0, json.dumps({"restored": ["/etc/pip.conf"], "removed": []}), "")})
    env = {"PTS_DIR": str(tmp_path), "PTS_CLEANUP": "auto"}
    monkeypatch.setattr(gitlab.cli_contract, "in_container", lambda: True)
    out = io.StringIO()
    assert gitlab.run_undo(env, out, io.StringIO(), call=cli) == 0
    assert cli.calls == [] and "no cleanup (cleanup: auto, the job runs in a container)" in out.getvalue()
    monkeypatch.setattr(gitlab.cli_contract, "in_container", lambda: False)
    out = io.StringIO()
    assert gitlab.run_undo(env, out, io.StringIO(), call=cli) == 0
    assert cli.calls[0][0] == ["undo", "--json", "--state-dir", str(tmp_path / "state")]
    assert "restored 1, removed 0" in out.getvalue()


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
    assert "$[[ inputs.sarif-file ]]" in scan["artifacts"]["paths"]
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
    assert "--tool-sha256" in script and "--hash=sha256:" in script and "--runner-cas" in script


def test_component_list_inputs_are_arrays_and_required_ones_have_real_defaults() -> None:
    inputs = _template()[0]["spec"]["inputs"]
    for name in ("targets", "scan-paths", "ca-file", "find-links"):
        assert inputs[name]["type"] == "array", name
    assert all(spec["default"] != "" for name, spec in inputs.items() if "required" in spec["description"].lower())
    assert inputs["version"]["default"] == __import__("pip_tls_setup").__version__
    assert inputs["cleanup"]["options"] == ["auto", "always", "never"]


def test_release_stamp_rewrites_the_plain_defaults(tmp_path: Path) -> None:
    copy = tmp_path / "template.yml"
    copy.write_text(TEMPLATE.read_text())
    tool = [sys.executable, str(REPO / "tools" / "build_gitlab_template.py"), "--template", str(copy)]
    stamps = ["--stamp", "version=1.2.3", "--stamp", f"tool-sha256={'ab' * 32}", "--stamp", "registry-project=g/p"]
    done = subprocess.run([*tool, *stamps], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    header = yaml.load_all(copy.read_text(), Loader=_Loader).__next__()["spec"]["inputs"]
    assert (header["version"]["default"], header["tool-sha256"]["default"]) == ("1.2.3", "ab" * 32)
    assert header["registry-project"]["default"] == "g/p"
    bad = subprocess.run([*tool, "--stamp", "mode=warn"], capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "not a stampable input" in bad.stderr
