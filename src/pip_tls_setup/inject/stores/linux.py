"""Linux stores fed through an anchor directory and a refresh command."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pip_tls_setup.ca.certs import CACert, fingerprint, parse_bundle
from pip_tls_setup.inject.plan import Command, FileChange, Plan
from pip_tls_setup.inject.stores.base import Query, TrustStore, slug
from pip_tls_setup.target.root import Root

MANAGED_PREFIX = "pip-tls-setup-"


@dataclass(frozen=True)
class AnchorDirStore(TrustStore):
    family: str
    description: str
    anchor_dir: str
    suffix: str
    refresh: tuple[str, ...]
    undo_refresh: tuple[str, ...]
    bundles: tuple[str, ...]  # first existing one is the system bundle
    outputs: tuple[str, ...]

    def system_bundle(self, root: Root) -> str | None:
        for candidate in self.bundles:
            if root.host(candidate).is_file():
                return candidate
        return None

    def anchor_name(self, cert: CACert) -> str:
        return f"{MANAGED_PREFIX}{slug(cert.common_name)}-{cert.sha256[:12]}{self.suffix}"

    def plan(self, root: Root, certs: Sequence[CACert], plan: Plan, query: Query, staging_dir: str) -> None:
        tool = root.which(self.refresh[0])
        if tool is None:
            plan.note(
                "warning",
                "os-store",
                f"{self.refresh[0]} is not installed in {root}; the OS trust store was left alone "
                f"(install the ca-certificates package, then run pip-tls-setup again)",
            )
            return
        directory = root.host(self.anchor_dir)
        desired = {self.anchor_name(c): c.pem().encode("ascii") for c in certs}
        existing = sorted(p.name for p in directory.glob(f"{MANAGED_PREFIX}*")) if directory.is_dir() else []
        changed = False
        for name in existing:
            if name not in desired:
                path = f"{self.anchor_dir}/{name}"
                plan.add_file(FileChange(path, _read(directory / name), None, "corporate CA no longer supplied"))
                changed = True
        for name, data in sorted(desired.items()):
            before = _read(directory / name)
            if before != data:
                plan.add_file(FileChange(f"{self.anchor_dir}/{name}", before, data, "corporate CA for the OS store"))
                changed = True
        if changed or not self._bundle_has(root, certs):
            plan.commands.append(
                Command(
                    self.refresh,
                    f"rebuild the {self.description} bundle",
                    outputs=self.outputs,
                    undo=self.undo_refresh,
                )
            )

    def _bundle_has(self, root: Root, certs: Sequence[CACert]) -> bool:
        bundle = self.system_bundle(root)
        if bundle is None:
            return False
        present = {fingerprint(c) for c in parse_bundle(root.host(bundle).read_bytes())}
        return all(c.sha256 in present for c in certs)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


DEBIAN = AnchorDirStore(
    family="debian",
    description="Debian/Ubuntu (update-ca-certificates)",
    anchor_dir="/usr/local/share/ca-certificates",
    suffix=".crt",
    refresh=("update-ca-certificates",),
    undo_refresh=("update-ca-certificates", "--fresh"),
    bundles=("/etc/ssl/certs/ca-certificates.crt",),
    outputs=("/etc/ssl/certs/ca-certificates.crt",),
)
ALPINE = AnchorDirStore(
    family="alpine",
    description="Alpine (update-ca-certificates)",
    anchor_dir="/usr/local/share/ca-certificates",
    suffix=".crt",
    refresh=("update-ca-certificates",),
    undo_refresh=("update-ca-certificates",),
    bundles=("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem"),
    outputs=("/etc/ssl/certs/ca-certificates.crt",),
)
RHEL = AnchorDirStore(
    family="rhel",
    description="RHEL/Fedora/Amazon Linux (update-ca-trust)",
    anchor_dir="/etc/pki/ca-trust/source/anchors",
    suffix=".pem",
    refresh=("update-ca-trust", "extract"),
    undo_refresh=("update-ca-trust", "extract"),
    bundles=("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/pki/tls/certs/ca-bundle.crt"),
    outputs=("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",),
)
SUSE = AnchorDirStore(
    family="suse",
    description="SUSE (update-ca-certificates)",
    anchor_dir="/etc/pki/trust/anchors",
    suffix=".pem",
    refresh=("update-ca-certificates",),
    undo_refresh=("update-ca-certificates",),
    bundles=("/var/lib/ca-certificates/ca-bundle.pem", "/etc/ssl/ca-bundle.pem"),
    outputs=("/var/lib/ca-certificates/ca-bundle.pem",),
)
ARCH = AnchorDirStore(
    family="arch",
    description="Arch (update-ca-trust)",
    anchor_dir="/etc/ca-certificates/trust-source/anchors",
    suffix=".crt",
    refresh=("update-ca-trust",),
    undo_refresh=("update-ca-trust",),
    bundles=("/etc/ssl/certs/ca-certificates.crt",),
    outputs=("/etc/ssl/certs/ca-certificates.crt",),
)

FAMILIES: dict[str, AnchorDirStore] = {s.family: s for s in (DEBIAN, ALPINE, RHEL, SUSE, ARCH)}
