"""The project's own workflows and every documented ``uses:``: pinned by full commit SHA, least privilege."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
DOCUMENTED = [
    REPO / "action.yml",
    REPO / "README.md",
    *sorted((REPO / "examples").rglob("*.yml")),
    *sorted((REPO / "examples").rglob("*.yaml")),
    *sorted((REPO / "docs").rglob("*.md")),
]
USES = re.compile(r"""^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(#.*)?$""", re.MULTILINE)
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$")
# Jobs that sign or publish, and only those, may ask for an OIDC token.
OIDC_JOBS = {"release.yml": {"image", "pypi", "github-release"}}


def uses_in(path: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2) or "") for m in USES.finditer(path.read_text(encoding="utf-8"))]


def workflow(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_there_are_a_ci_and_a_release_workflow() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "release.yml"}
    assert workflow(REPO / ".github/workflows/release.yml")[True]["push"]["tags"] == ["v*"]  # 'on:' reads as True
    ci = workflow(REPO / ".github/workflows/ci.yml")[True]
    assert "push" in ci and "pull_request" in ci


@pytest.mark.parametrize("path", WORKFLOWS + DOCUMENTED, ids=lambda p: str(p.relative_to(REPO)))
def test_every_uses_is_pinned_by_full_commit_sha(path: Path) -> None:
    for ref, _ in uses_in(path):
        if ref.startswith("./") or ref.startswith("docker://"):
            continue
        assert PINNED.match(ref), f"{path.relative_to(REPO)}: {ref} is not pinned by a 40-hex commit SHA"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_pins_name_their_version(path: Path) -> None:
    for ref, comment in uses_in(path):
        if ref.startswith("./"):
            continue
        assert re.match(r"#\s*v\d+\.\d+\.\d+\b", comment), f"{ref}: the pin needs a '# vX.Y.Z' comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_bounded_jobs(path: Path) -> None:
    data = workflow(path)
    assert data["permissions"] == {}, "permissions: {} at the top; each job asks for what it needs"
    for name, job in data["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{name}: timeout-minutes"
        assert "permissions" in job, f"{name}: explicit permissions"
        if (job["permissions"] or {}).get("id-token") == "write":
            assert name in OIDC_JOBS.get(path.name, set()), f"{name}: id-token: write where nothing is signed"
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, f"{name}: persist-credentials"
            assert "${{" not in str(step.get("run", "")), f"{name}: expressions reach run: through env only"


def test_the_action_runs_on_the_three_platforms_with_a_generated_ca() -> None:
    job = workflow(REPO / ".github/workflows/ci.yml")["jobs"]["action"]
    assert job["strategy"]["matrix"]["os"] == ["ubuntu-latest", "macos-latest", "windows-latest"]
    steps = job["steps"]
    assert any(step.get("uses") == "./" for step in steps)
    assert any("make_ca" in str(step.get("run", "")) for step in steps)


def test_the_release_builds_with_the_release_script_and_publishes_by_trusted_publishing() -> None:
    jobs = workflow(REPO / ".github/workflows/release.yml")["jobs"]
    build = "\n".join(str(s.get("run", "")) for s in jobs["build"]["steps"])
    assert 'tools/release.py --tag "$TAG"' in build
    publish = [s for s in jobs["pypi"]["steps"] if "gh-action-pypi-publish" in str(s.get("uses", ""))]
    assert publish and "password" not in publish[0].get("with", {})
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}
    image_steps = " ".join(str(s.get("uses", "")) + str(s.get("run", "")) for s in jobs["image"]["steps"])
    assert "cosign sign" in image_steps and "attest-build-provenance" in image_steps
    for step in jobs["image"]["steps"]:
        if "build-push-action" in str(step.get("uses", "")):
            assert step["with"]["platforms"] == "linux/amd64,linux/arm64"
            assert step["with"]["sbom"] is True
    assert "refs/tags/" in str(jobs["major-tag"]["steps"][0]["run"])
