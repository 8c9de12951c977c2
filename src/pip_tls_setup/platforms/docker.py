"""Container image builds: a ``RUN`` step cannot set ``ENV`` for later layers.

``setup`` makes trust durable through files (the OS store, the global pip config, each Python's
certifi), which later layers inherit. What only the environment can carry (``SSL_CERT_FILE`` for
httpx/uv/OpenSSL tools, ``NODE_EXTRA_CA_CERTS``, ``REQUESTS_CA_BUNDLE`` for requests outside pip, ...)
must be written into the Dockerfile as ``ENV`` lines: inside a container, with no other place to send
the variables, ``setup`` prints exactly those lines.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from pip_tls_setup import envexport
from pip_tls_setup.plan import EnvVar

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


def render_env(
    variables: Sequence[EnvVar],
    chosen: str | None,
    on_host: bool,
    env: Mapping[str, str] | None = None,
    markers: Sequence[str] = MARKERS,
) -> str:
    """The variables for stdout: the chosen format, else Dockerfile ``ENV`` lines inside a container."""
    if chosen:
        return envexport.render(variables, chosen)
    if on_host and variables and in_container(env, markers):
        return HEADER + envexport.render(variables, "dockerfile")
    return envexport.render(variables, "shell")
