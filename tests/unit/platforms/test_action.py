"""The GitHub Action: action.yml's contract, its run and post steps (platforms.action) against the CLI contracts."""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from pip_tls_setup.platforms import action
from pip_tls_setup.platforms.cli_contract import Result

REPO = Path(__file__).resolve().parents[3]
ACTION = yaml.safe_load((REPO / "action.yml").read_text())
INPUTS = {
    "ca",
    "ca-file",
    "ca-fingerprints",
    "targets",
    "bootstrap-python",
    "mode",
    "scan",
    "scan-paths",
    "system-store",
    "verify",
    "cleanup",
    "sarif-file",
    "index-url",
    "find-links",
}
OUTPUTS = {"bundle-path", "proxy", "intercepted", "issuer", "findings", "tool-path"}

SETUP_JSON = {
    "bundle": "/etc/pip-tls-setup/ca-bundle.pem",
    "cas": [{"subject": "CN=Corp", "sha256": "0" * 64, "not_after": "2031-01-01T00:00:00"}],
    "targets": [],
    "changes": [{"path": "/etc/pip.conf", "action": "update", "reason": "cert ="}],
    "env": {"SSL_CERT_FILE": "/etc/pip-tls-setup/ca-bundle.pem"},
    "notes": [],
    "verify": {"ok": True},
}
HEADLINE = {"proxy": "http://alice:****@127.0.0.1:3128", "intercepted": True, "issuer": "CN=Corp", "product": None}
DOCTOR_JSON = {"summary": HEADLINE}
VERIFIED_SETUP_JSON = {**SETUP_JSON, "verify": {"ok": True, "headline": {**HEADLINE, "verdict": "verified"}}}
FINDING = {"rule": "PTS101", "severity": "error", "path": ".github/workflows/ci.yml", "line": 5, "message": "trusted"}


class FakeCLI:
    def __init__(
        self,
        scan: tuple[int, list[dict[str, Any]]] = (0, []),
        setup: int = 0,
        undo: int = 0,
        verified: bool = True,
    ) -> None:
        self.scan, self.setup, self.undo = scan, setup, undo
        self.setup_json = VERIFIED_SETUP_JSON if verified else SETUP_JSON
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.timeouts: dict[str, float | None] = {}
        self.lock = threading.Lock()

    def __call__(self, args: Sequence[str], env: Mapping[str, str], timeout: float | None = None) -> Result:
        with self.lock:
            self.calls.append((list(args), dict(env)))
            self.timeouts[args[0]] = timeout
        if args[0] == "doctor":
            return Result(list(args), 1, json.dumps(DOCTOR_JSON), "")
        if args[0] == "scan":
            code, findings = self.scan
            return Result(list(args), code, json.dumps({"findings": findings}), "")
        if args[0] == "undo":
            if self.undo:
                return Result(list(args), 2, "", "pip-tls-setup: error: journal.json: is not a journal\n")
            return Result(list(args), 0, json.dumps({"restored": ["/etc/pip.conf"], "removed": ["/x.crt"]}), "")
        if self.setup == 2:
            return Result(list(args), 2, "", "pip-tls-setup: error: $PIP_TLS_SETUP_CA: is empty; give the CA\n")
        return Result(list(args), self.setup, json.dumps(self.setup_json), "")

    def args_of(self, command: str, fmt: str | None = None) -> list[str]:
        return next(a for a, _ in self.calls if a[0] == command and (fmt is None or fmt in a))


def run(env: dict[str, str], cli: FakeCLI, tmp_path: Path) -> tuple[int, str, str, str]:
    output, summary, state = tmp_path / "output", tmp_path / "summary.md", tmp_path / "state"
    env = {
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_STATE": str(state),
        "GITHUB_WORKSPACE": "/w",
        "RUNNER_TEMP": "/runner/tmp",
        **env,
    }
    out = io.StringIO()
    code = action.run(env, out, io.StringIO(), call=cli)
    files = "".join(p.read_text() + "\n" for p in (output, summary) if p.exists())
    return code, out.getvalue(), files, state.read_text() if state.exists() else ""


def state_values(text: str) -> dict[str, str]:
    return {m.group(1): m.group(3) for m in re.finditer(r"^(\w+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S)}


# ---------------------------------------------------------------- action.yml


def test_inputs_outputs_and_a_javascript_action_with_a_post_step() -> None:
    assert set(ACTION["inputs"]) == INPUTS
    assert all(spec.get("description") for spec in ACTION["inputs"].values())
    assert all(spec.get("required") is False and "default" in spec for spec in ACTION["inputs"].values())
    assert set(ACTION["outputs"]) == OUTPUTS
    runs = ACTION["runs"]
    assert runs["using"] == "node24"
    assert (runs["main"], runs["post"], runs["post-if"]) == ("action/main.js", "action/post.js", "always()")
    assert all((REPO / runs[key]).is_file() for key in ("main", "post"))


def test_inputs_reach_the_python_side_only_through_the_environment() -> None:
    assert "${{" not in json.dumps(ACTION["runs"])
    lib = (REPO / "action" / "lib.js").read_text()
    assert "shell:" not in lib and "exec(" not in lib and "execSync" not in lib  # no shell ever
    read = set(re.findall(r"(?:input|listInput)\('([a-z-]+)'", lib))
    run_inputs = set(re.findall(r"'([a-z-]+)'", lib.split("const RUN_INPUTS = [", 1)[1].split("];", 1)[0]))
    assert read | run_inputs == INPUTS
    assert {"ca", "ca-fingerprints"} <= read  # -> PIP_TLS_SETUP_CA, PIP_TLS_SETUP_CA_FINGERPRINTS
    builtins = {"child_process", "fs", "path", "os"}
    for name in ("lib.js", "main.js", "post.js"):
        required = set(re.findall(r"require\('([^']+)'\)", (REPO / "action" / name).read_text()))
        assert required <= builtins | {"./lib"}, name  # no npm dependencies


# ---------------------------------------------------------------- the run step


def test_clean_run_sets_outputs_summary_state_and_masks_first(tmp_path: Path) -> None:
    cli = FakeCLI()
    env = {
        "HTTPS_PROXY": "http://alice:pa55word@127.0.0.1:3128",
        "PTS_TARGETS": "/venv/bin/python",
        "PTS_TOOL_PATH": "/cache/venv/bin/pip-tls-setup",
        "GITHUB_ENV": str(tmp_path / "env"),
        "RUNNER_ENVIRONMENT": "github-hosted",
    }
    code, out, files, state = run(env, cli, tmp_path)
    assert code == 0
    assert out.splitlines()[0] == "::add-mask::pa55word"
    assert "bundle-path<<ghadelimiter_" in files and "/etc/pip-tls-setup/ca-bundle.pem" in files
    assert re.search(r"intercepted<<(\S+)\ntrue\n\1", files)
    assert re.search(r"tool-path<<(\S+)\n/cache/venv/bin/pip-tls-setup\n\1", files)
    assert "## pip-tls-setup: passed" in files and "http://alice:****@127.0.0.1:3128" in files
    assert "pa55word" not in files
    setup = cli.args_of("setup")
    assert setup[:4] == ["setup", "--json", "--python", "/venv/bin/python"]
    assert setup[4:6] == ["--mode", "enforce"] and "--state-dir" not in setup  # root, no cleanup: CLI default
    _, setup_env = next(c for c in cli.calls if c[0][0] == "setup")
    assert setup_env["GITHUB_ENV"] == str(tmp_path / "env")  # setup exports through $GITHUB_ENV
    assert not {"GITHUB_STEP_SUMMARY", "GITHUB_STATE"} & set(setup_env)
    assert not any(k.startswith("PTS_") for k in setup_env)
    assert not any(a[0] == "doctor" for a, _ in cli.calls)  # verify's headline filled the outputs
    assert re.search(r"pts_cleanup<<(\S+)\nfalse\n\1", state)
    assert "cleanup: auto, RUNNER_ENVIRONMENT=github-hosted" in state


def test_no_help_probes_and_a_verified_setup_needs_no_doctor(tmp_path: Path) -> None:
    cli = FakeCLI()
    _, out, _, _ = run({"PTS_SARIF_FILE": "out.sarif"}, cli, tmp_path)
    assert not any("--help" in a for a, _ in cli.calls)
    assert [a[0] for a, _ in cli.calls] == ["scan", "scan", "setup"]  # one JSON run for every path, one SARIF
    assert cli.args_of("scan", "sarif")[-4:] == ["--format", "sarif", "--output", "out.sarif"]
    assert "pip-tls-setup: proxy http://alice:****@127.0.0.1:3128; TLS interception: yes (issuer CN=Corp)" in out


def test_doctor_explains_when_setup_fails_or_does_not_verify(tmp_path: Path) -> None:
    for cli in (FakeCLI(setup=1), FakeCLI(verified=False)):
        _, out, files, _ = run({}, cli, tmp_path)
        assert [a[0] for a, _ in cli.calls] == ["scan", "setup", "doctor"]
        doctor, doctor_env = cli.calls[-1]
        assert doctor[doctor.index("--timeout") + 1] == f"{action.BUDGET_SECONDS:g}"
        assert cli.timeouts["doctor"] == action.BUDGET_SECONDS + action.DOCTOR_GRACE_SECONDS
        assert "GITHUB_ENV" not in doctor_env  # read-only: it exports nothing
        assert "::group::pip-tls-setup: diagnose" in out.splitlines()
        assert re.search(r"intercepted<<(\S+)\ntrue\n\1", files)


def test_each_phase_is_a_log_group(tmp_path: Path) -> None:
    _, out, _, _ = run({}, FakeCLI(), tmp_path)
    lines = out.splitlines()
    starts = [line for line in lines if line.startswith("::group::")]
    assert starts == ["::group::pip-tls-setup: scan", "::group::pip-tls-setup: set up"]
    assert lines.count("::endgroup::") == 2
    assert lines.index(starts[1]) > lines.index("::endgroup::")


def test_findings_in_enforce_mode_fail_before_setup(tmp_path: Path) -> None:
    cli = FakeCLI(scan=(1, [FINDING]))
    code, out, files, _ = run({"PTS_MODE": "enforce"}, cli, tmp_path)
    assert code == 1
    assert "::error file=.github/workflows/ci.yml,line=5,title=PTS101::trusted" in out
    assert [a[0] for a, _ in cli.calls] == ["scan", "doctor"]  # nothing installed; doctor still fills the outputs
    assert re.search(r"findings<<(\S+)\n1\n\1", files)
    assert "setup was not run" in files


def test_findings_in_warn_mode_warn_and_set_up(tmp_path: Path) -> None:
    cli = FakeCLI(scan=(1, [FINDING]))
    code, out, _, _ = run({"PTS_MODE": "warn"}, cli, tmp_path)
    assert code == 0
    assert "::warning file=.github/workflows/ci.yml,line=5," in out
    assert any(a[0] == "setup" for a, _ in cli.calls)


def test_one_scan_root_prefixes_annotation_paths(tmp_path: Path) -> None:
    finding = {**FINDING, "path": "requirements.txt", "line": 1}
    _, out, _, _ = run({"PTS_SCAN_PATHS": "app"}, FakeCLI(scan=(1, [finding])), tmp_path)
    assert "::error file=app/requirements.txt,line=1," in out
    _, out, _, _ = run({"PTS_SCAN_PATHS": "app\nlib"}, FakeCLI(scan=(1, [{**finding, "path": "app/r.txt"}])), tmp_path)
    assert "::error file=app/r.txt,line=1," in out


def test_more_findings_than_github_shows_are_all_in_the_summary(tmp_path: Path) -> None:
    many = [{**FINDING, "line": n, "message": f"trusted {n}"} for n in range(1, 24)]
    code, out, files, _ = run({"PTS_MODE": "enforce"}, FakeCLI(scan=(1, many)), tmp_path)
    assert code == 1
    assert out.count("::error file=") == 23
    assert "23 error and 0 warning annotations: GitHub shows at most 10 of each per step" in out
    assert all(f"| error | PTS101 | `.github/workflows/ci.yml:{n}` | trusted {n} |" in files for n in range(1, 24))


def test_flags_map_to_cli_options(tmp_path: Path) -> None:
    cli = FakeCLI()
    env = {"PTS_SYSTEM_STORE": "false", "PTS_VERIFY": "False", "PTS_CA_FILE": "a.pem\nb.cer", "PTS_SCAN": "false"}
    assert run(env, cli, tmp_path)[0] == 0
    setup = cli.args_of("setup")
    assert "--no-system-store" in setup and "--no-verify" in setup
    assert setup[2:6] == ["--ca", "a.pem", "--ca", "b.cer"]
    assert not any(a[0] == "scan" for a, _ in cli.calls)


def test_cleanup_on_a_self_hosted_runner_journals_in_the_job_directory(tmp_path: Path) -> None:
    cli = FakeCLI()
    code, _, files, state = run({"RUNNER_ENVIRONMENT": "self-hosted"}, cli, tmp_path)
    assert code == 0
    setup = cli.args_of("setup")
    assert setup[setup.index("--state-dir") + 1] == "/runner/tmp/pip-tls-setup/state"
    values = state_values(state)
    assert values["pts_cleanup"] == "true" and values["pts_state_dir"] == "/runner/tmp/pip-tls-setup/state"
    assert values["pts_python"]
    assert "undone at the end of the job" in files
    _, _, _, state = run({"RUNNER_ENVIRONMENT": "github-hosted", "PTS_CLEANUP": "always"}, FakeCLI(), tmp_path)
    assert "pts_cleanup<<" in state and state_values(state)["pts_cleanup"] == "true"


def test_without_cleanup_a_user_without_root_keeps_the_journal_in_its_state_dir(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """On GitHub-hosted runners the job runs as 'runner' with sudo: /var/lib/pip-tls-setup is not writable."""
    monkeypatch.setattr(action.os, "geteuid", lambda: 1001, raising=False)
    cli = FakeCLI()
    env = {"RUNNER_ENVIRONMENT": "github-hosted", "HOME": "/home/runner"}
    assert run(env, cli, tmp_path)[0] == 0
    setup = cli.args_of("setup")
    assert setup[setup.index("--state-dir") + 1] == "/home/runner/.local/state/pip-tls-setup"


def test_bad_input_is_one_error_annotation_and_exit_2(tmp_path: Path) -> None:
    cli = FakeCLI()
    code, out, files, _ = run({"PTS_MODE": "off"}, cli, tmp_path)
    assert code == 2
    assert out.startswith("::error title=pip-tls-setup::input mode: 'off' is not enforce or warn")
    assert cli.calls == []
    assert "## pip-tls-setup: failed" in files
    for env, name in (
        ({"PTS_SYSTEM_STORE": "maybe"}, "input system-store"),
        ({"PTS_SCAN_PATHS": "--output=/etc/passwd"}, "looks like an option"),
        ({"PTS_CLEANUP": "sometimes"}, "input cleanup: 'sometimes' is not auto or always or never"),
    ):
        code, out, _, _ = run(env, FakeCLI(), tmp_path)
        assert code == 2 and name in out


def test_setup_errors_become_annotations_and_are_not_printed_twice(tmp_path: Path) -> None:
    code, out, files, _ = run({"PTS_SCAN": "false"}, FakeCLI(setup=2), tmp_path)
    assert code == 2
    assert "::error title=pip-tls-setup::$PIP_TLS_SETUP_CA: is empty; give the CA" in out
    assert "pip-tls-setup: error:" not in out  # the annotation is the one line shown
    assert "### Errors" in files


def test_no_line_is_printed_twice(tmp_path: Path) -> None:
    _, out, _, _ = run({"PTS_SARIF_FILE": "s.sarif"}, FakeCLI(scan=(1, [FINDING])), tmp_path)
    lines = [line for line in out.splitlines() if line.strip() and line != "::endgroup::"]
    assert len(lines) == len(set(lines)), lines


def test_what_setup_also_prints_on_stderr_is_shown_once(tmp_path: Path) -> None:
    """setup --json prints its warnings and findings on stderr too; the step shows each once."""
    note = {"level": "warning", "topic": "certifi", "message": "debian's certifi reads the OS bundle: left alone"}
    finding = {
        "rule": "PTS101",
        "severity": "warning",
        "path": "env:PIP_TRUSTED_HOST",
        "line": None,
        "message": "pip is told to trust host 'index.corp.test'",
    }
    stderr = (
        "warning: certifi: debian's certifi reads the OS bundle: left alone\n"
        "env:PIP_TRUSTED_HOST: warning PTS101 pip is told to trust host 'index.corp.test'\n"
        "warning: CN=Corp: Python 3.13 will refuse it: basicConstraints not critical\n"
    )

    class Noisy(FakeCLI):
        def __call__(self, args: Sequence[str], env: Mapping[str, str], timeout: float | None = None) -> Result:
            if args[0] == "setup":
                data = {**SETUP_JSON, "notes": [note], "findings": [finding]}
                return Result(list(args), 0, json.dumps(data), stderr)
            return super().__call__(args, env, timeout)

    _, out, _, _ = run({"PTS_SCAN": "false", "PTS_MODE": "warn"}, Noisy(), tmp_path)
    assert out.count("debian's certifi reads the OS bundle") == 1
    assert out.count("pip is told to trust host") == 1  # the annotation
    assert "basicConstraints not critical" in out  # said only on stderr: relayed


def test_hostile_text_from_the_cli_cannot_start_a_workflow_command(tmp_path: Path) -> None:
    class Hostile(FakeCLI):
        def __call__(self, args: Sequence[str], env: Mapping[str, str], timeout: float | None = None) -> Result:
            if args[0] == "setup":
                data = {**SETUP_JSON, "cas": [{"subject": "CN=x\n::error::owned", "sha256": "0", "not_after": ""}]}
                return Result(list(args), 0, json.dumps(data), "::warning::from stderr\n")
            return super().__call__(args, env, timeout)

    _, out, _, _ = run({"PTS_SCAN": "false"}, Hostile(), tmp_path)
    assert not any(line.lstrip().startswith(("::error::owned", "::warning::from")) for line in out.splitlines())
    assert "> ::warning::from stderr" in out and "CN=x\\n::error::owned" in out


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
        def __call__(self, args: Sequence[str], env: Mapping[str, str], timeout: float | None = None) -> Result:
            if args[0] == "setup":
                self.calls.append((list(args), dict(env)))
                return Result(list(args), 1, json.dumps(blocked), "pip-tls-setup: error: insecure installer config\n")
            return super().__call__(args, env, timeout)

    code, out, files, _ = run({"PTS_SCAN": "false"}, Blocked(), tmp_path)
    assert code == 1
    assert "::error title=PTS101 pip trusts a host::env:PIP_TRUSTED_HOST: pip is told to trust host" in out
    assert "insecure installer config" not in out  # one annotation per finding, no duplicate summary line
    assert re.search(r"findings<<(\S+)\n1\n\1", files)
    assert "setup refused to run" in files


# ---------------------------------------------------------------- the post step


def test_post_undoes_with_the_journal_main_used(tmp_path: Path) -> None:
    cli = FakeCLI()
    summary = tmp_path / "summary.md"
    env = {
        "STATE_pts_cleanup": "true",
        "STATE_pts_reason": "cleanup: auto, RUNNER_ENVIRONMENT=self-hosted",
        "STATE_pts_state_dir": "/runner/tmp/pip-tls-setup/state",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    out = io.StringIO()
    assert action.post(env, out, call=cli) == 0
    assert cli.calls[0][0] == ["undo", "--json", "--state-dir", "/runner/tmp/pip-tls-setup/state"]
    assert "restored 1, removed 1" in out.getvalue() and "restored /etc/pip.conf" in out.getvalue()
    assert "## pip-tls-setup: cleanup" in summary.read_text()
    out = io.StringIO()
    assert action.post({**env, "STATE_pts_cleanup": "false"}, out, call=FakeCLI()) == 0
    assert out.getvalue().startswith("pip-tls-setup: no cleanup (cleanup: auto")
    out = io.StringIO()
    assert action.post(env, out, call=FakeCLI(undo=2)) == 1
    assert out.getvalue().startswith("::error title=pip-tls-setup cleanup::journal.json: is not a journal")


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
