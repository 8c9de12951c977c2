"""The GitLab CI/CD component on a real runner: gitlab-ci-local (npm) with the shell executor, behind
the lab's intercepting proxy, inside a private mount namespace so the host stays untouched.

The project under test holds the component (``templates/pip-tls-setup/template.yml``), an app whose
requirements name a lab package, and a planted ``--trusted-host``. It includes the component the way
GitLab documents for testing a component in its own project
(``component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/pip-tls-setup@$CI_COMMIT_SHA``). The bootstrap installs
the tool's wheel (built from the working tree, pinned by sha256) and the locked dependencies from the
lab's index through the proxy.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from corplab.isolation import clean_env
from corplab.lab import Lab

sys.path.insert(0, str(Path(__file__).resolve().parent / "runners"))

import images
import sandbox
import toolwheel

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (private mount namespace)"),
    pytest.mark.skipif(shutil.which("gitlab-ci-local") is None, reason="gitlab-ci-local is not installed"),
]

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "runners" / "gitlab" / "component.gitlab-ci.yml"


@dataclass
class Pipeline:
    returncode: int
    log: str
    project: Path
    state: Path

    def artifact(self, job: str, name: str) -> Path | None:
        found = sorted((self.project / ".gitlab-ci-local" / "artifacts" / job).rglob(name))
        return found[0] if found else None


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    work = tmp_path_factory.mktemp("gitlab")
    wheel = toolwheel.build(work / "tool-wheel")
    with Lab(work / "lab") as lab:
        for locked in images.lock_wheels("/usr/bin/python3").glob("*.whl"):
            shutil.copy(locked, lab.packages)
        shutil.copy(wheel, lab.packages)
        project = work / "project"
        (project / "templates" / "pip-tls-setup").mkdir(parents=True)
        shutil.copy(REPO / "templates" / "pip-tls-setup" / "template.yml", project / "templates" / "pip-tls-setup")
        (project / "app").mkdir()
        (project / "app" / "requirements.txt").write_text("corp-hello\n")
        (project / "insecure").mkdir()
        (project / "insecure" / "requirements.txt").write_text("--trusted-host index.corp.test\ncorp-hello\n")
        ci = FIXTURE.read_text().replace("@@TOOL_SHA256@@", toolwheel.sha256(wheel))
        (project / ".gitlab-ci.yml").write_text(ci.replace("@@INDEX_URL@@", lab.index_url))
        git = ["git", "-C", str(project), "-c", "user.email=ci@corp.test", "-c", "user.name=ci"]
        for argv in (
            ["init", "-q"],
            ["remote", "add", "origin", "git@gitlab.corp.test:platform/pip-tls-setup.git"],
            ["add", "-A"],
            ["commit", "-qm", "pipeline under test"],
        ):
            subprocess.run([*git, *argv], check=True, capture_output=True)
        jobtmp = work / "job-tmp"
        jobtmp.mkdir()
        variables = {
            "HTTPS_PROXY": lab.proxy_url,
            "PIP_INDEX_URL": lab.index_url,
            "PIP_TLS_SETUP_CA": lab.ca.pem.decode(),  # what a masked CI/CD variable holds
            "TMPDIR": str(jobtmp),
        }
        (project / ".gitlab-ci-local-variables.yml").write_text(
            yaml.safe_dump({k: {"type": "variable", "values": {"*": v}} for k, v in variables.items()})
        )
        argv = ["gitlab-ci-local", "--force-shell-executor", "--no-color", "--home", str(work / "gcl-home")]
        state = work / "sandbox"
        done = subprocess.run(
            sandbox.sandboxed(argv, state),
            cwd=project,
            env=clean_env(work / "home"),
            capture_output=True,
            text=True,
            check=False,
        )
        yield Pipeline(done.returncode, done.stdout + done.stderr, project, state)
        assert not list(jobtmp.iterdir()), "after_script leaves the private directory behind"


def test_job_extending_the_hidden_job_installs_through_the_proxy(pipeline: Pipeline) -> None:
    assert "PASS  install" in pipeline.log, pipeline.log[-8000:]
    assert "Successfully installed corp-hello" in pipeline.log
    assert "imported: hello through the proxy, with verification on" in pipeline.log
    assert "in this job SSL_CERT_FILE=/etc/pip-tls-setup/ca-bundle.pem" in pipeline.log
    assert not Path("/etc/pip-tls-setup").exists()  # the host was not touched


def test_dotenv_report_carries_the_bundle_path(pipeline: Pipeline) -> None:
    report = pipeline.artifact("install", "pip-tls-setup.env")
    assert report is not None, pipeline.log[-4000:]
    values = dict(line.split("=", 1) for line in report.read_text().splitlines())
    assert values["PIP_TLS_SETUP_BUNDLE"] == "/etc/pip-tls-setup/ca-bundle.pem"
    assert values["PIP_TLS_SETUP_INTERCEPTED"] == "true"
    assert "Example Corp TLS Inspection Root CA" in values["PIP_TLS_SETUP_ISSUER"]


def test_scan_job_fails_on_planted_trusted_host(pipeline: Pipeline) -> None:
    assert "FAIL  pip-tls-setup-scan" in pipeline.log, pipeline.log[-8000:]
    assert pipeline.returncode != 0
    assert "insecure/requirements.txt:1" in pipeline.log


def test_scan_job_writes_code_quality_and_sarif(pipeline: Pipeline) -> None:
    report = pipeline.artifact("pip-tls-setup-scan", "gl-code-quality-report.json")
    assert report is not None, pipeline.log[-4000:]
    issues = json.loads(report.read_text())
    assert any(
        issue["location"]["path"] == "insecure/requirements.txt" and issue["location"]["lines"]["begin"] == 1
        for issue in issues
    ), issues
    assert all({"description", "check_name", "fingerprint", "severity", "location"} <= set(issue) for issue in issues)
    sarif = pipeline.artifact("pip-tls-setup-scan", "pip-tls-setup.sarif")
    assert sarif is not None
    assert json.loads(sarif.read_text())["version"] == "2.1.0"


@pytest.mark.parametrize("kind", ["project", "remote"])
def test_include_project_and_remote_resolve_with_inputs(tmp_path: Path, kind: str) -> None:
    """``include: project:`` and ``include: remote:`` give the same jobs with the inputs applied.

    gitlab-ci-local reads such includes from its include cache when they are there (no fetch), so the
    component file is placed where a fetch of tag v0.1.0 would put it.
    """
    app = tmp_path / "app"
    app.mkdir()
    ref, path = "v0.1.0", "templates/pip-tls-setup/template.yml"
    if kind == "project":
        cached = app / ".gitlab-ci-local" / "includes" / "gitlab.corp.test" / "platform" / "pip-tls-setup" / ref / path
        include = f"  - project: platform/pip-tls-setup\n    ref: {ref}\n    file: {path}\n"
    else:
        url = f"https://gitlab.corp.test/platform/pip-tls-setup/-/raw/{ref}/{path}"
        cached = app / ".gitlab-ci-local" / "includes" / url.removeprefix("https://")
        include = f"  - remote: {url}\n"
    cached.parent.mkdir(parents=True)
    shutil.copy(REPO / path, cached)
    (app / ".gitlab-ci.yml").write_text(
        "stages: [test, build]\ninclude:\n"
        + include
        + "    inputs:\n      mode: warn\n      scan: false\n      tool-sha256: '"
        + "ab" * 32
        + "'\nbuild:\n  stage: build\n  extends: .pip-tls-setup\n  script: [python3 -m pip --version]\n"
    )
    git = ["git", "-C", str(app), "-c", "user.email=ci@corp.test", "-c", "user.name=ci"]
    for argv in (
        ["init", "-q"],
        ["remote", "add", "origin", "git@gitlab.corp.test:platform/app.git"],
        ["add", ".gitlab-ci.yml"],
        ["commit", "-qm", "app"],
    ):
        subprocess.run([*git, *argv], check=True, capture_output=True)
    env = clean_env(tmp_path / "home")
    base = ["gitlab-ci-local", "--no-color", "--home", str(tmp_path / "gcl-home")]
    preview = subprocess.run([*base, "--preview"], cwd=app, env=env, capture_output=True, text=True, check=False)
    assert preview.returncode == 0, preview.stdout + preview.stderr
    expanded = yaml.safe_load(preview.stdout)
    job = expanded["build"]
    assert job["variables"]["PTS_MODE"] == "warn"
    assert job["variables"]["PTS_TOOL_SHA256"] == "ab" * 32
    assert any("bootstrap.py" in line for line in job["before_script"])
    assert job["artifacts"]["reports"]["dotenv"] == "pip-tls-setup.env"
    listed = subprocess.run([*base, "--list"], cwd=app, env=env, capture_output=True, text=True, check=False)
    assert listed.returncode == 0 and "build" in listed.stdout
    assert "pip-tls-setup-scan" not in listed.stdout  # scan: false removes the job
