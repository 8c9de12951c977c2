"""The GitHub Action: action.yml's contract and its run step (platforms.action) against the CLI contracts."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from pip_tls_setup.platforms import action
from pip_tls_setup.platforms.cli_contract import Result

REPO = Path(__file__).resolve().parents[3]
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
INPUTS = {"ca", "ca-file", "ca-fingerprints", "python", "mode", "scan", "system-store", "verify", "sarif-file"}
OUTPUTS = {"bundle-path", "proxy", "intercepted", "issuer", "findings"}

SETUP_JSON = {
    "bundle": "/etc/pip-tls-setup/ca-bundle.pem",
    "cas": [{"subject": "CN=Corp", "sha256": "0" * 64, "not_after": "2031-01-01T00:00:00"}],
    "targets": [],
    "changes": [{"path": "/etc/pip.conf", "action": "update", "reason": "cert ="}],
    "env": {"SSL_CERT_FILE": "/etc/pip-tls-setup/ca-bundle.pem"},
    "notes": [],
    "verify": {"ok": True},
}
DOCTOR_JSON = {
    "summary": {"proxy": "http://alice:****@127.0.0.1:3128", "intercepted": True, "issuer": "CN=Corp", "product": None}
}
FINDING = {"rule": "PTS101", "severity": "error", "path": ".github/workflows/ci.yml", "line": 5, "message": "trusted"}


class FakeCLI:
    def __init__(self, scan: tuple[int, list[dict[str, Any]]] = (0, []), setup: int = 0, help_text: str = "") -> None:
        self.scan, self.setup, self.help_text = scan, setup, help_text
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    def __call__(self, args: Sequence[str], env: Mapping[str, str]) -> Result:
        self.calls.append((list(args), dict(env)))
        if args[:2] == ["setup", "--help"]:
            return Result(list(args), 0, self.help_text or "--no-verify --mode", "")
        if args[0] == "doctor":
            return Result(list(args), 1, json.dumps(DOCTOR_JSON), "")
        if args[0] == "scan":
            code, findings = self.scan
            return Result(list(args), code, json.dumps({"findings": findings}), "")
        if self.setup == 2:
            return Result(list(args), 2, "", "pip-tls-setup: error: $PIP_TLS_SETUP_CA: is empty; give the CA\n")
        return Result(list(args), self.setup, json.dumps(SETUP_JSON), "")

    def args_of(self, command: str) -> list[str]:
        return next(a for a, _ in self.calls if a[0] == command and "--help" not in a)


def run(env: dict[str, str], cli: FakeCLI, tmp_path: Path) -> tuple[int, str, str, str]:
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": "/w", **env}
    out, err = io.StringIO(), io.StringIO()
    code = action.run(env, out, err, call=cli)
    outputs = output.read_text() if output.exists() else ""
    text = summary.read_text() if summary.exists() else ""
    return code, out.getvalue(), outputs + "\n" + text, err.getvalue()


# ---------------------------------------------------------------- action.yml


def test_inputs_outputs_and_composite_steps() -> None:
    assert set(ACTION["inputs"]) == INPUTS
    assert all(spec.get("description") for spec in ACTION["inputs"].values())
    assert set(ACTION["outputs"]) == OUTPUTS
    for name, spec in ACTION["outputs"].items():
        assert spec["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
    assert ACTION["runs"]["using"] == "composite"
    assert [step["id"] for step in ACTION["runs"]["steps"]] == ["bootstrap", "run"]


def test_inputs_reach_scripts_only_through_env() -> None:
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step["run"], step["run"]
        for value in step.get("env", {}).values():
            assert re.fullmatch(r"\$\{\{ (inputs|github|steps)\.[a-z_.-]+ \}\}", value), value
    used = {m for step in ACTION["runs"]["steps"] for m in re.findall(r"inputs\.([a-z-]+)", json.dumps(step))}
    assert used == INPUTS


def test_bootstrap_is_hash_pinned_from_the_action_path() -> None:
    script = ACTION["runs"]["steps"][0]["run"]
    assert "entrypoint/bootstrap.py" in script and "--tool-source" in script and "--github-output" in script


# ---------------------------------------------------------------- the run step


def test_clean_run_sets_outputs_summary_and_masks_first(tmp_path: Path) -> None:
    cli = FakeCLI()
    env = {
        "HTTPS_PROXY": "http://alice:pa55word@127.0.0.1:3128",
        "PTS_PYTHON": "/venv/bin/python",
        "PTS_SCAN": ".",
        "GITHUB_ENV": str(tmp_path / "env"),
    }
    code, out, files, _ = run(env, cli, tmp_path)
    assert code == 0
    assert out.splitlines()[0] == "::add-mask::pa55word"
    assert "bundle-path<<ghadelimiter_" in files and "/etc/pip-tls-setup/ca-bundle.pem" in files
    assert re.search(r"intercepted<<(\S+)\ntrue\n\1", files)
    assert "## pip-tls-setup: passed" in files and "http://alice:****@127.0.0.1:3128" in files
    assert "pa55word" not in files
    setup = cli.args_of("setup")
    assert setup[:2] == ["setup", "--json"] and setup[2:4] == ["--python", "/venv/bin/python"]
    assert setup[-2:] == ["--mode", "enforce"]
    _, setup_env = next(c for c in cli.calls if c[0][:2] == ["setup", "--json"])
    assert setup_env["GITHUB_ENV"] == str(tmp_path / "env")  # setup exports through $GITHUB_ENV
    assert "GITHUB_STEP_SUMMARY" not in setup_env and not any(k.startswith("PTS_") for k in setup_env)
    _, doctor_env = cli.calls[0]
    assert "GITHUB_STEP_SUMMARY" not in doctor_env and "GITHUB_ENV" not in doctor_env


def test_findings_in_enforce_mode_fail_before_setup(tmp_path: Path) -> None:
    cli = FakeCLI(scan=(1, [FINDING]))
    code, out, files, _ = run({"PTS_MODE": "enforce"}, cli, tmp_path)
    assert code == 1
    assert "::error file=.github/workflows/ci.yml,line=5,title=PTS101::trusted" in out
    assert not any(a[:2] == ["setup", "--json"] for a, _ in cli.calls)
    assert re.search(r"findings<<(\S+)\n1\n\1", files)
    assert "setup was not run" in files


def test_findings_in_warn_mode_warn_and_set_up(tmp_path: Path) -> None:
    cli = FakeCLI(scan=(1, [FINDING]))
    code, out, _, _ = run({"PTS_MODE": "warn", "PTS_SARIF_FILE": "out.sarif"}, cli, tmp_path)
    assert code == 0
    assert "::warning file=.github/workflows/ci.yml,line=5," in out
    assert any(a[:2] == ["setup", "--json"] for a, _ in cli.calls)
    assert any(a[-4:] == ["--format", "sarif", "--output", "out.sarif"] for a, _ in cli.calls)


def test_flags_map_to_cli_options(tmp_path: Path) -> None:
    cli = FakeCLI()
    env = {"PTS_SYSTEM_STORE": "false", "PTS_VERIFY": "False", "PTS_CA_FILE": "a.pem\nb.cer", "PTS_SCAN": "false"}
    assert run(env, cli, tmp_path)[0] == 0
    setup = cli.args_of("setup")
    assert "--no-system-store" in setup and "--no-verify" in setup
    assert setup[2:6] == ["--ca", "a.pem", "--ca", "b.cer"]
    assert not any(a[0] == "scan" for a, _ in cli.calls)


def test_optional_cli_options_are_only_used_when_the_tool_has_them(tmp_path: Path) -> None:
    cli = FakeCLI(help_text="--no-system-store")
    assert run({"PTS_VERIFY": "false", "PTS_SCAN": "false"}, cli, tmp_path)[0] == 0
    setup = cli.args_of("setup")
    assert "--mode" not in setup and "--no-verify" not in setup


def test_bad_input_is_one_error_annotation_and_exit_2(tmp_path: Path) -> None:
    cli = FakeCLI()
    code, out, files, _ = run({"PTS_MODE": "off"}, cli, tmp_path)
    assert code == 2
    assert out.startswith("::error title=pip-tls-setup::input mode: 'off' is not enforce or warn")
    assert cli.calls == []
    assert "## pip-tls-setup: failed" in files
    code, out, _, _ = run({"PTS_SYSTEM_STORE": "maybe"}, FakeCLI(), tmp_path)
    assert code == 2 and "input system-store" in out
    code, out, _, _ = run({"PTS_SCAN": "--output=/etc/passwd"}, FakeCLI(), tmp_path)
    assert code == 2 and "looks like an option" in out


def test_setup_errors_become_annotations(tmp_path: Path) -> None:
    code, out, files, err = run({"PTS_SCAN": "false"}, FakeCLI(setup=2), tmp_path)
    assert code == 2
    assert "::error title=pip-tls-setup::$PIP_TLS_SETUP_CA: is empty; give the CA" in out
    assert "pip-tls-setup: error:" in err  # the tool's own line stays in the log
    assert "### Errors" in files


def test_runtime_policy_findings_from_setup_are_annotated(tmp_path: Path) -> None:
    blocked = {
        **SETUP_JSON,
        "changes": [],
        "blocked": True,
        "findings": [
            {
                "rule": "PTS101",
                "severity": "error",
                "path": "env:PIP_TRUSTED_HOST",
                "line": None,
                "message": "pip is told to trust host 'index.corp.test'",
                "title": "pip trusts a host",
            }
        ],
    }

    class Blocked(FakeCLI):
        def __call__(self, args: Sequence[str], env: Mapping[str, str]) -> Result:
            if args[:2] == ["setup", "--json"]:
                self.calls.append((list(args), dict(env)))
                return Result(list(args), 1, json.dumps(blocked), "pip-tls-setup: error: insecure installer config\n")
            return super().__call__(args, env)

    code, out, files, _ = run({"PTS_SCAN": "false"}, Blocked(), tmp_path)
    assert code == 1
    assert "::error title=PTS101 pip trusts a host::env:PIP_TRUSTED_HOST: pip is told to trust host" in out
    assert "insecure installer config" not in out  # one annotation per finding, no duplicate summary line
    assert re.search(r"findings<<(\S+)\n1\n\1", files)
    assert "setup refused to run" in files


# ---------------------------------------------------------------- the other wrappers' files


def test_pre_commit_hook_runs_the_scan_of_the_whole_repository() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "pip-tls-setup-scan" and hook["language"] == "python"
    assert hook["entry"] == "pip-tls-setup scan" and hook["args"] == ["."]
    assert hook["pass_filenames"] is False and hook["always_run"] is True
    assert 'pip-tls-setup = "pip_tls_setup.cli:main"' in (REPO / "pyproject.toml").read_text()


def test_dockerfiles_take_the_ca_as_a_secret_and_print_what_setup_prints() -> None:
    from pip_tls_setup.inject.edits import envexport

    block = envexport.render(
        envexport.variables("/etc/pip-tls-setup/ca-bundle.pem", "/etc/pip-tls-setup/ca-bundle-corporate.pem"),
        "dockerfile",
    )
    for name in ("Dockerfile", "Dockerfile.alpine", "Dockerfile.ubi"):
        text = (REPO / "examples" / name).read_text()
        assert "RUN --mount=type=secret,id=corp-ca --mount=type=bind,target=/src" in text, name
        assert "pip-tls-setup scan /src && pip-tls-setup --ca /run/secrets/corp-ca" in text, name
        assert "COPY --from=pip-tls-setup /pip-tls-setup /usr/local/bin/pip-tls-setup" in text, name
        assert block in text, name  # the ENV lines the step prints, verbatim
        assert not re.search(r"^(ARG|ENV)\s+\S*(PROXY|proxy|CA\b)", text, re.M), name  # never in the image
    tool = (REPO / "Dockerfile").read_text()
    assert "--mount=type=secret,id=corp-ca,required=false" in tool
    assert "COPY --from=build /out/pip-tls-setup /pip-tls-setup" in tool
    assert "USER 65534:65534" in tool
