"""Windows: LocalMachine\\Root through ``certutil`` (command plan; unit-tested with a fake
``certutil``, since no Windows runs here)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pip_tls_setup.ca.certs import CACert
from pip_tls_setup.inject.plan import Command, FileChange, Plan
from pip_tls_setup.inject.stores.base import Query, TrustStore, slug, staged_read
from pip_tls_setup.target.root import Root


class WindowsRootStore(TrustStore):
    family = "windows"
    description = "Windows LocalMachine Root store"

    def system_bundle(self, root: Root) -> str | None:
        return None  # no PEM bundle: certifi's roots are the base

    def plan(self, root: Root, certs: Sequence[CACert], plan: Plan, query: Query, staging_dir: str) -> None:
        for cert in certs:
            thumbprint = hashlib.sha1(cert.der, usedforsecurity=False).hexdigest()
            if query(["certutil", "-store", "Root", thumbprint]).returncode == 0:
                continue
            path = f"{staging_dir}/anchor-{slug(cert.common_name)}-{cert.sha256[:12]}.crt"
            data = cert.pem().encode("ascii")
            reason = "certificate file for certutil -addstore"
            plan.add_file(FileChange(path, staged_read(root, path), data, reason, depth=2, shared=True))
            plan.commands.append(
                Command(
                    ("certutil", "-addstore", "-f", "Root", path),
                    f"trust {cert.common_name} in LocalMachine\\Root",
                    undo=("certutil", "-delstore", "Root", thumbprint),
                    in_root=False,
                )
            )
