"""The Dockerfile ENV hint appears only inside an image build: not in CI jobs or devcontainers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pip_tls_setup.inject.plan import EnvVar
from pip_tls_setup.platforms import docker

VARIABLES = [EnvVar("SSL_CERT_FILE", "/etc/pip-tls-setup/ca-bundle.pem", "combined bundle")]


def test_buildkit_run_steps_are_an_image_build(tmp_path: Path) -> None:
    assert docker.in_image_build({}, markers=[str(tmp_path / "none")], hostname="buildkitsandbox")


@pytest.mark.parametrize(
    "env",
    [
        {"GITLAB_CI": "true", "CI": "true"},  # a GitLab docker-executor job: /.dockerenv, but a job
        {"GITHUB_ACTIONS": "true"},
        {"REMOTE_CONTAINERS": "true", "TERM": "xterm"},  # a VS Code devcontainer
        {"CODESPACES": "true"},
        {"TERM": "xterm-256color"},  # docker run -it: a person at a terminal
    ],
)
def test_jobs_and_interactive_containers_are_not(env: dict[str, str], tmp_path: Path) -> None:
    marker = tmp_path / ".dockerenv"
    marker.write_text("")
    assert not docker.in_image_build(env, markers=[str(marker)], hostname="0123456789ab")
    assert docker.build_hint(VARIABLES, None, True, env, markers=[str(marker)]) == ""


def test_the_classic_builder_is(tmp_path: Path) -> None:
    marker = tmp_path / ".dockerenv"
    marker.write_text("")
    assert docker.in_image_build({"PATH": "/usr/bin"}, markers=[str(marker)], hostname="0123456789ab")


def test_a_plain_host_is_not(tmp_path: Path) -> None:
    assert not docker.in_image_build({}, markers=[str(tmp_path / "none")], hostname="laptop")
