"""Read the certificates of a root's OS trust store (what ``--ca-from-os-store`` chooses from).

- Linux families: the store's bundle (``/etc/ssl/certs/ca-certificates.crt``,
  ``tls-ca-bundle.pem``, ...) and its anchor directory (a certificate placed
  there but not yet in the bundle still counts: the admin put it there), read
  through ``--root``.
- macOS: the keychains, with ``security find-certificate -a -p KEYCHAIN`` (PEM
  on stdout) for the System keychain, the system roots and the user's search
  list.
- Windows: ``LocalMachine\\Root``, ``LocalMachine\\CA``, ``CurrentUser\\Root``
  and ``CurrentUser\\CA`` through PowerShell (one base64 DER certificate per
  line); ``certutil -store`` prints summaries, not certificates, so it is not
  used for reading.

macOS and Windows are command plans run with ``stores.run_query``; their unit
tests feed fake command output, since neither runs here.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pip_tls_setup.inject import stores
from pip_tls_setup.inject.stores.linux import AnchorDirStore
from pip_tls_setup.inject.stores.macos import MacOSKeychain
from pip_tls_setup.inject.stores.windows import WindowsRootStore
from pip_tls_setup.target.root import Root

if TYPE_CHECKING:
    from cryptography import x509

MACOS_KEYCHAINS = (
    "/Library/Keychains/System.keychain",
    "/System/Library/Keychains/SystemRootCertificates.keychain",
)
MACOS_PLAN: tuple[tuple[str, ...], ...] = (
    *(("security", "find-certificate", "-a", "-p", keychain) for keychain in MACOS_KEYCHAINS),
    ("security", "find-certificate", "-a", "-p"),  # the user's keychain search list (login keychain)
)
WINDOWS_STORES = (
    "Cert:\\LocalMachine\\Root",
    "Cert:\\LocalMachine\\CA",
    "Cert:\\CurrentUser\\Root",
    "Cert:\\CurrentUser\\CA",
)
WINDOWS_SCRIPT = (
    "Get-ChildItem -Path "
    + ", ".join(f"'{store}'" for store in WINDOWS_STORES)
    + " | ForEach-Object { [Convert]::ToBase64String($_.RawData) }"
)
WINDOWS_PLAN: tuple[tuple[str, ...], ...] = (
    ("powershell", "-NoProfile", "-NonInteractive", "-Command", WINDOWS_SCRIPT),
)


@dataclass(frozen=True)
class StoreCert:
    cert: x509.Certificate
    origin: str  # the file, keychain or store it came from


@dataclass(frozen=True)
class StoreRead:
    certs: list[StoreCert]
    description: str  # what was read, for messages
    problems: list[str]  # commands that failed, files that could not be read


def read(root: Root, store: stores.TrustStore | None, query: stores.Query = stores.run_query) -> StoreRead:
    """Every certificate of the OS store of ``root`` (Linux files; macOS/Windows through their tools)."""
    if isinstance(store, MacOSKeychain) and root.is_host:
        return _commands(MACOS_PLAN, query, _pem_output, "the macOS keychains")
    if isinstance(store, WindowsRootStore) and root.is_host:
        return _commands(WINDOWS_PLAN, query, _base64_lines, "the Windows certificate stores")
    if isinstance(store, AnchorDirStore):
        return _linux(root, store)
    return StoreRead([], "no OS trust store", [f"no OS trust store this tool can read was found in {root}"])


def _linux(root: Root, store: AnchorDirStore) -> StoreRead:
    from pip_tls_setup.ca.certs import parse_bundle

    found: list[StoreCert] = []
    problems: list[str] = []
    files: list[str] = []
    bundle = store.system_bundle(root)
    if bundle is not None:
        files.append(bundle)
    directory = root.host(store.anchor_dir)
    if directory.is_dir():
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            files.append(store.anchor_dir + "/" + str(path.relative_to(directory)))
    for logical in files:
        try:
            data = root.host(logical).read_bytes()
        except OSError as exc:
            problems.append(f"{logical}: {exc.strerror}")
            continue
        found.extend(StoreCert(cert, logical) for cert in parse_bundle(data) + _der(data))
    where = ", ".join(part for part in (bundle, store.anchor_dir) if part)
    description = f"the {store.description} store in {root} ({where})"
    return StoreRead(found, description, problems)


def _der(data: bytes) -> list[x509.Certificate]:
    """A DER anchor file (RHEL and SUSE accept them in the anchor directory)."""
    if data[:1] != b"\x30":
        return []
    from cryptography import x509 as _x509

    try:
        return [_x509.load_der_x509_certificate(data)]
    except ValueError:
        return []


def _commands(
    plan: Sequence[Sequence[str]],
    query: stores.Query,
    parse: Callable[[str], list[x509.Certificate]],
    description: str,
) -> StoreRead:
    found: list[StoreCert] = []
    problems: list[str] = []
    for argv in plan:
        done = query(argv)
        if done.returncode != 0:
            problems.append(f"{' '.join(argv[:3])} ... exited with {done.returncode}")
            continue
        origin = argv[-1] if argv[0] == "security" and len(argv) > 4 else description
        found.extend(StoreCert(cert, origin) for cert in parse(done.stdout))
    return StoreRead(found, description, problems)


def _pem_output(text: str) -> list[x509.Certificate]:
    from pip_tls_setup.ca.certs import parse_bundle

    return parse_bundle(text.encode("ascii", "replace"))


def _base64_lines(text: str) -> list[x509.Certificate]:
    from cryptography import x509 as _x509

    found: list[x509.Certificate] = []
    for line in text.split():
        try:
            found.append(_x509.load_der_x509_certificate(base64.b64decode(line, validate=True)))
        except (binascii.Error, ValueError):
            continue
    return found
