"""Linux stores fed through an anchor directory and a refresh command."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from pip_tls_setup.ca.certs import CACert, fingerprint, parse_bundle
from pip_tls_setup.inject import safefs
from pip_tls_setup.inject.plan import Command, FileChange, Plan
from pip_tls_setup.inject.stores.base import Query, TrustStore, slug
from pip_tls_setup.target.root import Root, check_writable

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
    # What a killed run of the refresh tool leaves behind: ``stale`` would be built on by its next run
    # (removed before every refresh), ``temporary`` only clutters (removed after an interrupted run of ours).
    stale: tuple[str, ...] = ()
    temporary: tuple[str, ...] = ()
    # Directories the refresh rewrites wholesale (links, hash links): snapshotted, restored exactly on undo.
    snapshot: tuple[str, ...] = ()

    @property
    def leftovers(self) -> tuple[str, ...]:
        return self.stale + self.temporary

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
        desired = {self.anchor_name(c): c.pem().encode("ascii") for c in certs}
        changed = False
        for name in self._managed(root):
            if name not in desired:
                before = self._anchor(root, name)
                plan.add_file(
                    FileChange(f"{self.anchor_dir}/{name}", before, None, "corporate CA no longer supplied", depth=2)
                )
                changed = True
        for name, data in sorted(desired.items()):
            before = self._anchor(root, name)
            if before != data:
                path = f"{self.anchor_dir}/{name}"
                plan.add_file(FileChange(path, before, data, "corporate CA for the OS store", depth=2, shared=True))
                changed = True
        if changed or not self._bundle_has(root, certs):
            for output in self.outputs:
                check_writable(root.writable(output), f"{self.description} bundle {output}")
            plan.commands.append(
                Command(
                    self.refresh,
                    f"rebuild the {self.description} bundle",
                    outputs=self.outputs,
                    undo=self.undo_refresh,
                    stale=self.stale,
                    snapshot=self.snapshot,
                )
            )

    def _managed(self, root: Root) -> list[str]:
        """Our anchors in the anchor directory (which must be a real directory, not a link: exit 2)."""
        probe = root.writable(f"{self.anchor_dir}/{MANAGED_PREFIX}", 2)
        if not check_writable(probe, f"{self.description} anchor directory", dirs_only=True):
            return []
        with safefs.directory(probe) as dfd:
            if dfd is None:
                return []
            names = os.listdir(probe.host.parent) if dfd == -1 else os.listdir(dfd)
        return sorted(n for n in names if n.startswith(MANAGED_PREFIX))

    def _anchor(self, root: Root, name: str) -> bytes | None:
        target = root.writable(f"{self.anchor_dir}/{name}", 2)
        check_writable(target)
        return safefs.read(target)

    def _bundle_has(self, root: Root, certs: Sequence[CACert]) -> bool:
        bundle = self.system_bundle(root)
        if bundle is None:
            return False
        present = {fingerprint(c) for c in parse_bundle(root.host(bundle).read_bytes())}
        return all(c.sha256 in present for c in certs)


DEBIAN = AnchorDirStore(
    family="debian",
    description="Debian/Ubuntu (update-ca-certificates)",
    anchor_dir="/usr/local/share/ca-certificates",
    suffix=".crt",
    refresh=("update-ca-certificates",),
    undo_refresh=("update-ca-certificates", "--fresh"),
    bundles=("/etc/ssl/certs/ca-certificates.crt",),
    # The hook of ca-certificates-java (when installed) rewrites the JKS keystore too: restored byte for byte.
    outputs=("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/java/cacerts"),
    # update-ca-certificates appends to ca-certificates.crt.new (a stale one doubles the bundle) and keeps
    # its lists in mktemp files under /tmp; SIGKILL skips its cleanup trap.
    stale=("/etc/ssl/certs/ca-certificates.crt.new",),
    temporary=("/tmp/ca-certificates.tmp.*",),  # noqa: S108 (inside the root; removed, never created)
    # update-ca-certificates turns a regular NAME.pem into its link and rehash adds <hash>.N links: see certsdir.
    snapshot=("/etc/ssl/certs",),
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
    bundles=("/etc/ca-certificates/extracted/tls-ca-bundle.pem", "/etc/ssl/certs/ca-certificates.crt"),
    # /etc/ssl/certs/ca-certificates.crt is Arch's link to this file: we back up and restore the file itself.
    outputs=("/etc/ca-certificates/extracted/tls-ca-bundle.pem",),
)

FAMILIES: dict[str, AnchorDirStore] = {s.family: s for s in (DEBIAN, ALPINE, RHEL, SUSE, ARCH)}
