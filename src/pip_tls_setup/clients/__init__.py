"""Clients as first-class targets: one small module per client behind ``base.Client`` (like ``inject.stores``).

``REGISTRY`` is exhaustive and ordered: the order doctor lists them in and verify probes them. ``--client NAME`` /
``--no-client NAME`` choose among these names; the default is every client found.
"""

from __future__ import annotations

from collections.abc import Sequence

from pip_tls_setup.clients.base import Client, ClientError, ClientPlan, Context, Edit, Found, Probe, ProbeRequest
from pip_tls_setup.clients.conda import Conda
from pip_tls_setup.clients.curl import Curl
from pip_tls_setup.clients.git import Git
from pip_tls_setup.clients.node import Node, Npm
from pip_tls_setup.clients.pip import Pip
from pip_tls_setup.clients.projecttools import HATCH, PDM, PIPENV, POETRY
from pip_tls_setup.clients.urllib import Urllib
from pip_tls_setup.clients.uv import Uv
from pip_tls_setup.clients.venvs import ToolVenvs

__all__ = [
    "REGISTRY",
    "Client",
    "ClientError",
    "ClientPlan",
    "Context",
    "Edit",
    "Found",
    "Probe",
    "ProbeRequest",
    "discover",
    "names",
    "select",
]

REGISTRY: dict[str, Client] = {
    c.name: c
    for c in (Pip(), Uv(), PIPENV, POETRY, PDM, HATCH, ToolVenvs(), Conda(), Git(), Curl(), Npm(), Node(), Urllib())
}


def names() -> list[str]:
    return list(REGISTRY)


def select(include: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[Client]:
    """The clients ``--client`` / ``--no-client`` leave (unknown names: exit 2, naming the known ones)."""
    for name in [*include, *exclude]:
        if name not in REGISTRY:
            raise ClientError(
                f"--client {name}" if name in include else f"--no-client {name}",
                "is not a client pip-tls-setup knows",
                "choose from " + ", ".join(REGISTRY),
            )
    return [REGISTRY[n] for n in REGISTRY if (not include or n in include) and n not in exclude]


def discover(ctx: Context, chosen: Sequence[Client]) -> list[tuple[Client, Found]]:
    """Each chosen client that is present here."""
    found: list[tuple[Client, Found]] = []
    for client in chosen:
        result = client.find(ctx)
        if result is not None:
            found.append((client, result))
    return found
