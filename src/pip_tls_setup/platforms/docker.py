"""Container image builds: a ``RUN`` step cannot set ``ENV`` for later layers.

``setup`` makes trust durable through files (the OS store, the global pip config, each Python's
certifi), which later layers inherit. What only the environment can carry (``SSL_CERT_FILE`` for
httpx/uv/OpenSSL tools, ``NODE_EXTRA_CA_CERTS``, ``REQUESTS_CA_BUNDLE`` for requests outside pip, ...)
must be written into the Dockerfile as ``ENV`` lines: inside an image build (not a CI job or a devcontainer)
``setup`` prints exactly those lines on stderr (the build log), unless ``-q``; ``--env-format dockerfile``
prints them on stdout.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence

from pip_tls_setup.inject.edits import envexport
from pip_tls_setup.inject.plan import EnvVar

MARKERS = ("/.dockerenv", "/run/.containerenv")
HEADER = (
    "# RUN cannot set ENV for later layers. The CA now lives in files that later layers inherit\n"
    "# (OS store, pip config, certifi); add these lines after this step for tools that read only\n"
    "# the environment:\n"
)


def in_container(env: Mapping[str, str] | None = None, markers: Sequence[str] = MARKERS) -> bool:
    """Inside a container or an image build (Docker/BuildKit, Podman/Buildah, containerd)."""
    env = os.environ if env is None else env
    return bool(env.get("container")) or any(os.path.exists(marker) for marker in markers)


# Set in the environment of jobs and of interactive containers, never inside an image build's RUN step.
NOT_A_BUILD = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "REMOTE_CONTAINERS", "CODESPACES", "DEVCONTAINER", "TERM_PROGRAM")
BUILDKIT_HOSTNAME = "buildkitsandbox"  # every BuildKit RUN step runs under this host name


def in_image_build(
    env: Mapping[str, str] | None = None,
    markers: Sequence[str] = MARKERS,
    hostname: str | None = None,
) -> bool:
    """Inside an image build's ``RUN`` step (BuildKit, the classic builder, Kaniko), where ``ENV`` lines
    are the only way to carry variables to later layers: not a CI job or a devcontainer that merely runs
    in a container."""
    env = os.environ if env is None else env
    if any(env.get(name) for name in NOT_A_BUILD):
        return False
    name = hostname if hostname is not None else socket.gethostname()
    if name == BUILDKIT_HOSTNAME or os.path.isdir("/kaniko"):
        return True
    # The classic builder marks its RUN containers like any container, but gives them no terminal (TERM).
    return in_container(env, markers) and not env.get("TERM")


def build_hint(
    variables: Sequence[EnvVar],
    chosen: str | None,
    on_host: bool,
    env: Mapping[str, str] | None = None,
    markers: Sequence[str] = MARKERS,
) -> str:
    """Inside an image build, the ``ENV`` lines to add, for stderr.

    stdout keeps the ``export`` lines (or the chosen format) everywhere, so
    ``eval "$(pip-tls-setup ...)"`` works the same in a devcontainer as on a laptop.
    """
    if chosen or not on_host or not variables or not in_image_build(env, markers):
        return ""
    return HEADER + envexport.render(variables, "dockerfile")
