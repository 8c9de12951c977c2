"""The GitLab CI/CD component on a real runner: gitlab-ci-local (npm) with the shell executor, behind
the lab's intercepting proxy, inside a private mount namespace so the host stays untouched.

The project under test holds the component (``templates/pip-tls-setup/template.yml``), an app whose
requirements name a lab package, and a planted ``--trusted-host``. It includes the component the way
GitLab documents for testing a component in its own project
(``component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/pip-tls-setup@$CI_COMMIT_SHA``). The bootstrap installs
the tool's wheel (built reproducibly from the working tree, pinned by sha256) and the locked dependencies
through the proxy: from the lab's index (``index-url``), or, for a release with no inputs at all, the
tool from a stand-in for the component project's package registry (``runners/registry.py``).
"""

from __future__ import annotations

import json
import re
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
from corplab.index import PackageIndex
from corplab.proxy import InterceptingProxy
from registry import Registry

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sandbox.available(), reason="needs root and unshare (private mount namespace)"),
    pytest.mark.skipif(shutil.which("gitlab-ci-local") is None, reason="gitlab-ci-local is not installed"),
]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "runners" / "gitlab"
FIXTURE = FIXTURES / "component.gitlab-ci.yml"
PROJECT = "platform/pip-tls-setup"  # the component project (git remote below): its registry holds the wheel
JOB_TOKEN = "glcbt-64_job-token-of-this-job"
WATCHED = ("/etc/ssl/certs", "/usr/local/share/ca-certificates", "/etc/pip.conf", "/etc/pip-tls-setup")
DERIVED = ("/etc/ssl/certs/java/cacerts",)  # Java's keystore, rebuilt by update-ca-certificates' hook


@dataclass
class Pipeline:
    returncode: int
    log: str
    project: Path
    state: Path

    def artifact(self, job: str, name: str) -> Path | None:
        found = sorted((self.project / ".gitlab-ci-local" / "artifacts" / job).rglob(name))
        return found[0] if found else None


def make_project(project: Path, ci: str, template: str | None = None) -> None:
    (project / "templates" / "pip-tls-setup").mkdir(parents=True)
    (project / "templates" / "pip-tls-setup" / "template.yml").write_text(
        template or (REPO / "templates" / "pip-tls-setup" / "template.yml").read_text()
    )
    (project / ".gitlab-ci.yml").write_text(ci)
    git = ["git", "-C", str(project), "-c", "user.email=ci@corp.test", "-c", "user.name=ci"]
    for argv in (
        ["init", "-q"],
        ["remote", "add", "origin", f"git@gitlab.corp.test:{PROJECT}.git"],
        ["add", "-A"],
        ["commit", "-qm", "pipeline under test"],
    ):
        subprocess.run([*git, *argv], check=True, capture_output=True)


def run_pipeline(project: Path, work: Path, variables: dict[str, tuple[str, str]]) -> Pipeline:
    """gitlab-ci-local in the sandbox; ``variables``: name -> (type, value), as CI/CD variables."""
    (project / ".gitlab-ci-local-variables.yml").write_text(
        yaml.safe_dump({k: {"type": kind, "values": {"*": v}} for k, (kind, v) in variables.items()})
    )
    argv = ["gitlab-ci-local", "--force-shell-executor", "--no-color", "--home", str(work / "gcl-home")]
    state = work / "sandbox"
    done = subprocess.run(
        sandbox.sandboxed(argv, state, before=sandbox.normalise_store(state), snapshot=WATCHED),
        cwd=project,
        env=clean_env(work / "home"),
        capture_output=True,
        text=True,
        check=False,
    )
    return Pipeline(done.returncode, done.stdout + done.stderr, project, state)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    work = tmp_path_factory.mktemp("gitlab")
    wheel = toolwheel.build(work / "tool-wheel")
    with Lab(work / "lab") as lab:
        for locked in images.lock_wheels("/usr/bin/python3").glob("*.whl"):
            shutil.copy(locked, lab.packages)
        shutil.copy(wheel, lab.packages)
        project = work / "project"
        ci = FIXTURE.read_text().replace("@@TOOL_SHA256@@", toolwheel.sha256(wheel))
        make_project(project, ci.replace("@@INDEX_URL@@", lab.index_url))
        (project / "app").mkdir()
        (project / "app" / "requirements.txt").write_text("corp-hello\n")
        (project / "insecure").mkdir()
        (project / "insecure" / "requirements.txt").write_text("--trusted-host index.corp.test\ncorp-hello\n")
        jobtmp = work / "job-tmp"
        jobtmp.mkdir()
        variables = {
            "HTTPS_PROXY": ("variable", lab.proxy_url),
            "PIP_INDEX_URL": ("variable", lab.index_url),
            "PIP_TLS_SETUP_CA": ("variable", lab.ca.pem.decode()),  # the PEM text works as well as a File
            "TMPDIR": ("variable", str(jobtmp)),
        }
        yield run_pipeline(project, work, variables)
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


def test_after_script_undoes_everything_when_cleanup_applies(pipeline: Pipeline) -> None:
    assert "pip-tls-setup: cleanup (cleanup: always): restored" in pipeline.log, pipeline.log[-8000:]
    assert sandbox.snapshot_changes(pipeline.state, ignored=DERIVED) == []


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
        + "    inputs:\n      mode: warn\n      scan: false\n      targets: [/usr/bin/python3]\n      tool-sha256: '"
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
    # into a file: Node cuts a long write to a pipe short when the process exits
    with (tmp_path / "preview.yml").open("w") as sink:
        preview = subprocess.run([*base, "--preview"], cwd=app, env=env, stdout=sink, stderr=subprocess.PIPE, text=True)
    assert preview.returncode == 0, preview.stderr
    expanded = yaml.safe_load((tmp_path / "preview.yml").read_text())
    job = expanded["build"]
    assert job["variables"]["PTS_MODE"] == "warn"
    assert job["variables"]["PTS_TOOL_SHA256"] == "ab" * 32
    assert job["variables"]["PTS_TARGETS"].strip() == '["/usr/bin/python3"]'  # an array, as JSON text
    assert any("bootstrap.py" in line for line in job["before_script"])
    assert job["artifacts"]["reports"]["dotenv"] == "pip-tls-setup.env"
    listed = subprocess.run([*base, "--list"], cwd=app, env=env, capture_output=True, text=True, check=False)
    assert listed.returncode == 0 and "build" in listed.stdout
    assert "pip-tls-setup-scan" not in listed.stdout  # scan: false removes the job


# ---------------------------------------------------------------- a release that installs itself


def stamped(wheel: Path) -> str:
    """The template as a release tags it: its own version, wheel hash and registry project as defaults."""
    tool = [sys.executable, str(REPO / "tools" / "build_gitlab_template.py")]
    done = subprocess.run(
        [
            *tool,
            "--template",
            str(wheel.parent / "template.yml"),
            "--stamp",
            f"version={toolwheel.version()}",
            "--stamp",
            f"tool-sha256={toolwheel.sha256(wheel)}",
            "--stamp",
            f"registry-project={PROJECT}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "wrote" in done.stderr
    return (wheel.parent / "template.yml").read_text()


@dataclass
class Release:
    pipeline: Pipeline
    requests: list[tuple[str, int]]


@pytest.fixture(scope="module")
def release_parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, Path, Path]]:
    work = tmp_path_factory.mktemp("release")
    wheel = toolwheel.build(work / "wheel")
    shutil.copy(REPO / "templates" / "pip-tls-setup" / "template.yml", work / "wheel" / "template.yml")
    with Lab(work / "lab") as lab:  # the job's index: the locked dependencies, not the tool
        for locked in images.lock_wheels("/usr/bin/python3").glob("*.whl"):
            shutil.copy(locked, lab.packages)
        yield lab, wheel, work


def run_release(lab: Lab, wheel: Path, work: Path, name: str, served: Path) -> Release:
    files = work / f"{name}-registry"
    files.mkdir()
    shutil.copy(served, files / wheel.name)
    with PackageIndex(lab.venv, files, work) as index, Registry(index.url, PROJECT, JOB_TOKEN) as registry:
        routes = {**lab.upstreams(), "gitlab.corp.test": registry.url}
        with InterceptingProxy(lab.venv, lab.ca, routes, work, name=f"{name}-proxy") as proxy:
            project = work / f"{name}-project"
            make_project(project, (FIXTURES / "release.gitlab-ci.yml").read_text(), stamped(wheel))
            jobtmp = work / f"{name}-tmp"
            jobtmp.mkdir()
            variables = {
                "HTTPS_PROXY": ("variable", proxy.url),
                "PIP_INDEX_URL": ("variable", lab.index_url),
                "PIP_TLS_SETUP_CA": ("file", lab.ca.pem.decode()),  # type File, as the docs recommend
                "CI_JOB_TOKEN": ("variable", JOB_TOKEN),
                "TMPDIR": ("variable", str(jobtmp)),
            }
            done = run_pipeline(project, work / name, variables)
    return Release(done, registry.requests)


def test_a_release_with_no_inputs_installs_itself_from_the_project_registry(
    release_parts: tuple[Lab, Path, Path],
) -> None:
    lab, wheel, work = release_parts
    assert not list(lab.packages.glob("pip_tls_setup-*"))  # the job's own index does not have the tool
    release = run_release(lab, wheel, work, "good", wheel)
    log = release.pipeline.log
    assert "PASS  install" in log, log[-8000:]
    assert f"pip-tls-setup {toolwheel.version()}" in log
    assert "in this job SSL_CERT_FILE=/etc/pip-tls-setup/ca-bundle.pem" in log
    prefix = f"/api/v4/projects/{PROJECT.replace('/', '%2F')}/packages/pypi/"
    assert (prefix + "simple/pip-tls-setup/", 200) in release.requests, release.requests
    assert any(path.endswith(f"/{wheel.name}") and status == 200 for path, status in release.requests)
    assert all(status != 401 for _, status in release.requests)  # the job token was sent with every request
    assert JOB_TOKEN not in log


def test_a_tampered_wheel_in_the_registry_fails_the_job(release_parts: tuple[Lab, Path, Path]) -> None:
    lab, wheel, work = release_parts
    swapped = toolwheel.tampered(wheel, work / "swapped")
    assert toolwheel.sha256(swapped) != toolwheel.sha256(wheel)
    release = run_release(lab, wheel, work, "tampered", swapped)
    log = release.pipeline.log
    assert "FAIL  install" in log, log[-8000:]
    (line,) = [text for text in log.splitlines() if text.startswith("install ") and "pip-tls-setup: error:" in text]
    assert re.search(rf"error: pip-tls-setup=={toolwheel.version()} from https://(\S+:\*+@)?gitlab\.corp\.test/", line)
    assert "does not match the sha256 pinned for it" in line and JOB_TOKEN not in log
    assert "in this job SSL_CERT_FILE" not in log
