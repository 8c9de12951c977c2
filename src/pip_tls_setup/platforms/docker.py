"""Container image builds: a ``RUN`` step cannot set ``ENV`` for later layers.

``setup`` makes trust durable through files (the OS store, the global pip config, each Python's
certifi), which later layers inherit. What only the environment can carry (``SSL_CERT_FILE`` for
httpx/uv/OpenSSL tools, ``NODE_EXTRA_CA_CERTS``, ``REQUESTS_CA_BUNDLE`` for requests outside pip, ...)
must be written into the Dockerfile as ``ENV`` lines: inside a container ``setup`` prints exactly those
lines on stderr (the build log), and ``--env-format dockerfile`` prints them on stdout.
"""

from __future__ import annotations

import os
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


def build_hint(
    variables: Sequence[EnvVar],
    chosen: str | None,
    on_host: bool,
    env: Mapping[str, str] | None = None,
    markers: Sequence[str] = MARKERS,
) -> str:
    """Inside a container (likely an image build), the ``ENV`` lines to add, for stderr.

    stdout keeps the ``export`` lines (or the chosen format) everywhere, so
    ``eval "$(pip-tls-setup ...)"`` works the same in a devcontainer as on a laptop;
    the marker files cannot tell an image build from an interactive container.
    """
    if chosen or not on_host or not variables or not in_container(env, markers):
        return ""
    return HEADER + envexport.render(variables, "dockerfile")
