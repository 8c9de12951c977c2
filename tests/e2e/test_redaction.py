"""Proxy passwords never appear in any output of any command, in any format.

Credentials sit where users put them: HTTPS_PROXY (the one that works),
http_proxy and ALL_PROXY (a percent-encoded password, a bare token), PIP_PROXY,
and ``proxy =`` in the venv's own pip.conf. Every command runs in every output
format (text, JSON, SARIF..., env formats, $GITHUB_ENV, $GITHUB_STEP_SUMMARY,
--env-file, --output), on success and on failure paths (a wrong password, a
malformed URL, a dead proxy). Every byte of stdout, stderr and every file the
tool wrote is searched for every spelling of every secret: the raw password,
its percent-encoded form, and the base64 of the Basic credentials.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest
from corplab.isolation import clean_env, isolated
from corplab.lab import PACKAGE, Lab
from corplab.servers import closed_port
from corplab.venvs import make_venv

from support.runs import Run, run_cmd

sys.path.insert(0, str(Path(__file__).resolve().parent / "runners"))

import sandbox

pytestmark = pytest.mark.e2e

GOOD = ("alice", "S3cretPass9")
WRONG = ("alice", "Wr0ngPass3")
ENCODED = ("bob", "Enc@Pass7", "Enc%40Pass7")  # user, decoded, as written in the URL
TOKEN = "tok3nXYZsecret"
PIP_PASS = ("dave", "PipPr0xy8")
CONF_PASS = ("carol", "C0nfPass5")
MALFORMED = ("erin", "Bad9Pass")
INDEX_TOKEN = "IdxT0kenSecret1"  # a private index's token in PIP_INDEX_URL
SLASH = ("frank", "Sl/ash9Pass", "Sl%2Fash9Pass")  # pasted with a literal "/" (what people do)
AT = ("gina", "p@ss@W0rd7")  # "@" in the password, not percent-encoded


def spellings() -> list[str]:
    found = [GOOD[1], WRONG[1], ENCODED[1], ENCODED[2], TOKEN, PIP_PASS[1], CONF_PASS[1], MALFORMED[1], INDEX_TOKEN]
    found += [SLASH[1], SLASH[2], AT[1], "p%40ss%40W0rd7"]
    for user, password in (GOOD, WRONG, PIP_PASS, CONF_PASS, MALFORMED, ENCODED[:2], SLASH[:2], AT):
        found.append(base64.b64encode(f"{user}:{password}".encode()).decode())
    found.append(base64.b64encode(f"{TOKEN}:".encode()).decode())
    found.append(base64.b64encode(f"__token__:{INDEX_TOKEN}".encode()).decode())
    return found


def leaks(text: str) -> list[str]:
    return [s for s in spellings() if s in text]


class Recorder:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.runs: list[tuple[str, Run]] = []

    def __call__(self, label: str, *args: str, **env: str) -> Run:
        argv = [sys.executable, "-m", "pip_tls_setup", *args]
        run = run_cmd(isolated(argv), clean_env(self.tmp / "home", **env))
        self.runs.append((label, run))
        assert "Traceback" not in run.stderr, (label, run.stderr)
        return run


def written_files(tmp: Path, skip: list[Path]) -> list[Path]:
    files = []
    for path in tmp.rglob("*"):
        if path.is_file() and not any(path.is_relative_to(s) for s in skip):
            files.append(path)
    return files


def _unmasked(text: str) -> str:
    """Output without its ``::add-mask::`` lines: telling GitHub what to mask is the one place a secret goes."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("::add-mask::"))


def _ci_run_steps(tmp: Path, python: Path, ca_file: Path, env: dict[str, str]) -> list[tuple[str, Run]]:
    if not sandbox.available():
        pytest.skip("the CI run steps need root and unshare (a private mount namespace)")
    runs: list[tuple[str, Run]] = []
    work = tmp / "ci"
    for name, module, extra in (
        ("action run", "pip_tls_setup.platforms.action", ["run"]),
        ("gitlab setup", "pip_tls_setup.platforms.gitlab", ["setup"]),
    ):
        state = work / name.replace(" ", "-")
        (state / "files").mkdir(parents=True)
        step_env = {
            **env,
            "PTS_TARGETS": str(python),
            "PTS_SYSTEM_STORE": "false",
            "PTS_SCAN": "false",
            "PTS_VERIFY": "true",
            "PTS_CLEANUP": "never",
            "GITHUB_ACTIONS": "true" if "action" in name else "",
            "GITLAB_CI": "true" if "gitlab" in name else "",
            "GITHUB_OUTPUT": str(state / "files" / "output"),
            "GITHUB_STEP_SUMMARY": str(state / "files" / "summary.md"),
            "GITHUB_STATE": str(state / "files" / "state"),
            "GITHUB_ENV": str(state / "files" / "env"),
            "GITHUB_WORKSPACE": str(state / "files"),
            "RUNNER_TEMP": str(state / "files" / "runner-temp"),
            "PTS_DIR": str(state / "files" / "pts"),
            "PTS_DOTENV": str(state / "files" / "pip-tls-setup.env"),
            "PTS_CA_FILE": str(ca_file),
        }
        argv = sandbox.sandboxed([sys.executable, "-m", module, *extra], state / "ns")
        run = run_cmd(argv, clean_env(tmp / "home", **{k: v for k, v in step_env.items() if v}))
        assert "Traceback" not in run.stderr, (name, run.stderr)
        assert run.returncode == 0, (name, run.output)
        written = state / "files" / ("output" if "action" in name else "pip-tls-setup.env")
        assert "PIP_TLS_SETUP_BUNDLE" in written.read_text() or "bundle-path" in written.read_text(), name
        runs.append((name, run))
    return runs


def _pasted_passwords(
    tool: Recorder,
    python: Path,
    base: dict[str, str],
    dead: int,
    setup: list[str],
    state: list[str],
    ci: dict[str, str],
) -> None:
    """Passwords as people paste them: a literal "/" and unencoded "@" (proxies that cannot work, and whose
    every error message must still hide them)."""
    for label, (user, password) in (("slash", SLASH[:2]), ("at", AT)):
        pasted = {**base, "HTTPS_PROXY": f"http://{user}:{password}@127.0.0.1:{dead}"}
        for command in ("doctor", "verify"):
            for fmt in ([], ["--json"]):
                tool(f"{command} {label} {fmt}", command, "--python", str(python), *fmt, **pasted, **ci)
        tool(f"setup {label}", *setup, "--json", **pasted, **ci)
        tool(f"undo {label}", "undo", *state, **pasted)


def test_proxy_passwords_never_leak(lab: Lab, tmp_path: Path) -> None:
    ci_runs: list[tuple[str, Run]] = []
    python = make_venv(tmp_path / "venv", requests=True)
    configured = make_venv(tmp_path / "venv-conf")
    dead = closed_port()
    with lab.another_proxy(lab.ca, name="auth-redact", proxyauth=":".join(GOOD)) as proxy:
        port = proxy.port
        (tmp_path / "venv-conf" / "pip.conf").write_text(
            f"[global]\nproxy = http://{CONF_PASS[0]}:{CONF_PASS[1]}@127.0.0.1:{port}\n"
        )
        base = {
            "PIP_INDEX_URL": lab.index_url.replace("https://", f"https://__token__:{INDEX_TOKEN}@"),
            "http_proxy": f"http://{ENCODED[0]}:{ENCODED[2]}@127.0.0.1:{dead}",
            "ALL_PROXY": f"http://{TOKEN}@127.0.0.1:{dead}",
            "NO_PROXY": "localhost",
        }
        good = {**base, "HTTPS_PROXY": f"http://{GOOD[0]}:{GOOD[1]}@127.0.0.1:{port}"}
        wrong = {**base, "HTTPS_PROXY": f"http://{WRONG[0]}:{WRONG[1]}@127.0.0.1:{port}"}
        pip_only = {**base, "PIP_PROXY": f"http://{PIP_PASS[0]}:{PIP_PASS[1]}@127.0.0.1:{dead}"}
        malformed = {**base, "HTTPS_PROXY": f"http://{MALFORMED[0]}:{MALFORMED[1]}@127.0.0.1:notaport"}
        summary = tmp_path / "out" / "step-summary.md"
        github_env = tmp_path / "out" / "github-env"
        summary.parent.mkdir()
        github_env.write_text("")
        ci = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ENV": str(github_env)}
        state = ["--state-dir", str(tmp_path / "state")]
        setup = ["setup", "--ca", str(lab.ca_path), "--python", str(python), "--no-system-store"]
        setup += ["--bundle", str(tmp_path / "out" / "bundle.pem"), *state, "--probe-project", PACKAGE]
        tool = Recorder(tmp_path)

        for name, env in (("good", good), ("wrong", wrong), ("pip-proxy", pip_only)):
            for fmt in ([], ["--json"]):
                tool(f"doctor {name} {fmt}", "doctor", "--python", str(python), *fmt, **env, **ci)
                tool(f"verify {name} {fmt}", "verify", "--python", str(python), *fmt, **env, **ci)
        trusted = tool("doctor --ca", "doctor", "--python", str(python), "--ca", str(lab.ca_path), **good)
        assert "intercepted-trusted" in trusted.stdout, trusted.output
        for fmt in ([], ["--json"]):
            tool(f"doctor conf {fmt}", "doctor", "--python", str(configured), *fmt, **good, **ci)
            tool(f"verify conf {fmt}", "verify", "--python", str(configured), *fmt, **good, **ci)
        conf = tool("doctor conf", "doctor", "--python", str(configured), **good)
        assert "venv-conf/pip.conf [global] proxy =" in conf.stdout  # it names where the proxy comes from

        tool("setup dry text", *setup, "--dry-run", **wrong)
        tool("setup dry json", *setup, "--dry-run", "--json", **wrong)
        failed = tool("setup wrong password", *setup, "--json", **wrong)
        assert failed.returncode == 1  # applied, then verify named the 407
        tool("undo after failed", "undo", *state, **good)
        for fmt in ("shell", "dotenv", "github", "gitlab", "dockerfile", "powershell"):
            tool(f"setup {fmt}", *setup, "--env-format", fmt, **good)
        ok = tool("setup env-file", *setup, "--env-file", str(tmp_path / "out" / "later.env"), **good, **ci)
        assert ok.returncode == 0, ok.output
        tool("setup json", *setup, "--json", **good, **ci)
        tool("verify env-file", "verify", "--python", str(python), "--env-file", str(tmp_path / "out" / "later.env"))
        tool("inspect", "inspect", str(lab.ca_path), **good)
        tool("inspect json", "inspect", str(lab.ca_path), "--json", **good)
        for fmt in ("text", "json", "sarif", "github", "gitlab"):
            tool(f"scan {fmt}", "scan", str(tmp_path / "venv-conf" / "pip.conf"), "--format", fmt, **good, **ci)
            tool(f"scan runtime {fmt}", "scan", "--runtime", "--python", str(configured), "--format", fmt, **good, **ci)
        tool(
            "scan output",
            "scan",
            str(tmp_path / "venv"),
            "--format",
            "sarif",
            "--output",
            str(tmp_path / "out" / "s.sarif"),
        )
        tool("undo json", "undo", *state, "--json", **good)

        for command in ("doctor", "verify", "setup"):
            bad = tool(
                f"{command} malformed",
                command,
                "--python",
                str(python),
                *(["--ca", str(lab.ca_path), "--no-system-store", *state] if command == "setup" else []),
                **malformed,
            )
            assert bad.returncode == 2, bad.output
            assert bad.stderr.startswith("pip-tls-setup: error: HTTPS_PROXY: 'http://erin:****@127.0.0.1:notaport'")

        for command in ("setup", "doctor", "verify", "scan", "undo", "inspect"):
            tool(f"{command} help", command, "--help")

        _pasted_passwords(tool, python, base, dead, setup, state, ci)

        # The CI run steps, in a private mount namespace (they set up the runner's own /etc):
        # the Action's (outputs, step summary, masks) and the GitLab component's (env.sh, dotenv report).
        ci_runs.extend(_ci_run_steps(tmp_path, python, lab.ca_path, good))

    problems = [(label, leaks(run.output)) for label, run in tool.runs if leaks(run.output)]
    problems += [(label, leaks(_unmasked(run.output))) for label, run in ci_runs if leaks(_unmasked(run.output))]
    # The backups hold the originals of files setup changed (the test's venv: no secret in them), the
    # journal what it did; both are searched. The venvs and the overlays' lower layers are the inputs.
    skip = [tmp_path / "venv", tmp_path / "venv-conf", tmp_path / "home"]
    for path in written_files(tmp_path, skip):
        found = leaks(path.read_text(errors="replace"))
        if found:
            problems.append((str(path), found))
    assert not problems, problems
    assert "****" in summary.read_text()  # the summaries did mention the proxy, masked
    print(
        f"{len(tool.runs)} runs and {len(written_files(tmp_path, skip))} files checked for {len(spellings())} spellings"
    )
