"""macOS: the System keychain through ``security`` (command plan; unit-tested with a fake ``security``,
since no macOS runs here)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pip_tls_setup.ca.certs import CACert
from pip_tls_setup.inject.plan import Command, FileChange, Plan
from pip_tls_setup.inject.stores.base import Query, TrustStore, slug, staged_read
from pip_tls_setup.target.root import Root

SYSTEM_KEYCHAIN = "/Library/Keychains/System.keychain"


class MacOSKeychain(TrustStore):
    family = "macos"
    description = "macOS System keychain"

    def system_bundle(self, root: Root) -> str | None:
        # Python on macOS does not read the keychain; its OpenSSL bundle is the base.
        for candidate in (
            "/etc/ssl/cert.pem",
            "/opt/homebrew/etc/openssl@3/cert.pem",
            "/usr/local/etc/openssl@3/cert.pem",
        ):
            if root.host(candidate).is_file():
                return candidate
        return None

    def plan(self, root: Root, certs: Sequence[CACert], plan: Plan, query: Query, staging_dir: str) -> None:
        listing = query(["security", "find-certificate", "-a", "-Z", SYSTEM_KEYCHAIN])
        present = listing.stdout.upper() if listing.returncode == 0 else ""
        for cert in certs:
            if f"SHA-256 HASH: {cert.sha256.upper()}" in present:
                continue
            path = f"{staging_dir}/anchor-{slug(cert.common_name)}-{cert.sha256[:12]}.pem"
            data = cert.pem().encode("ascii")
            reason = "certificate file for security add-trusted-cert"
            plan.add_file(FileChange(path, staged_read(root, path), data, reason, depth=2, shared=True))
            sha1 = hashlib.sha1(cert.der, usedforsecurity=False).hexdigest().upper()
            plan.commands.append(
                Command(
                    ("security", "add-trusted-cert", "-d", "-r", "trustRoot", "-k", SYSTEM_KEYCHAIN, path),
                    f"trust {cert.common_name} in the System keychain",
                    undo=("security", "delete-certificate", "-t", "-Z", sha1, SYSTEM_KEYCHAIN),
                    in_root=False,
                )
            )
        if certs:
            plan.note(
                "info",
                "os-store",
                "macOS Pythons do not read the keychain (only pip >= 24.2 via truststore does); "
                "the combined bundle and SSL_CERT_FILE/REQUESTS_CA_BUNDLE cover the rest",
            )
