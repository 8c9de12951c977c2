"""Per target: which anchors its pip applies to one index URL, and whether they accept the chain seen.

``trust_of`` reads the answers of the target's own pip session (``pip_view``):
its ``verify`` value (a CA file, True, False or ``""``), whether its truststore
context is mounted and whether a proxy is in use; the kinds are documented in
``docs/doctor.md`` (``trust.kind``). ``trusts_chain`` is the offline anchor
check of doctor's per-index verdict; ``verify`` is the real proof.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pip_tls_setup.diagnosis import probe
from pip_tls_setup.target import pythons
from pip_tls_setup.target.root import Root

if TYPE_CHECKING:
    from cryptography import x509

_HASHED = re.compile(r"^[0-9a-f]{8}\.[0-9]+$")
TRUSTSTORE_CANDIDATES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)
BUG_NOTE = "pip 24.2-25.1.x behind a proxy"
EMPTY_CURL_NOTE = "(CURL_CA_BUNDLE is empty and this pip's requests is older than 2.28)"


def pip_version(target: pythons.Target) -> tuple[int, ...]:
    return target.pip.version_tuple if target.pip else ()


def proxy_bug(target: pythons.Target, proxy_in_use: bool) -> bool:
    """pip 24.2-25.1.x builds the proxy connection without its truststore context (fixed in 25.2, #13343)."""
    version = pip_version(target)
    return proxy_in_use and target.version >= (3, 10) and (24, 2) <= version[:2] < (25, 2)


def _trust(kind: str, description: str, files: Sequence[str], os_store: bool, source: str) -> dict[str, Any]:
    return {"kind": kind, "description": description, "files": list(files), "os_store": os_store, "source": source}


def _pip_certifi(target: pythons.Target) -> str | None:
    return target.pip.certifi.where if target.pip and target.pip.certifi else None


def _openssl_paths(target: pythons.Target) -> tuple[str | None, str | None]:
    """OpenSSL's default CA file and CA directory in this target (``ssl.get_default_verify_paths``)."""
    paths = target.verify_paths or {}
    return paths.get("cafile"), paths.get("capath")


def _os_files(target: pythons.Target, root: Root) -> list[str]:
    """What truststore reads on Linux: OpenSSL's default file (else the first bundle found), and its CApath."""
    defaults, capath = _openssl_paths(target)
    files = [defaults] if defaults else [c for c in TRUSTSTORE_CANDIDATES if root.host(c).is_file()][:1]
    if capath:
        files.append(capath)  # OpenSSL also looks up hashed certificates there
    return files


def trust_of(
    target: pythons.Target, entry: Mapping[str, Any], env: Mapping[str, str], root: Root, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Which anchors this target's pip applies to one index URL (from its own session's answers)."""
    verify = entry.get("verify", True)
    context = bool(entry.get("ssl_context"))
    bug = context and proxy_bug(target, bool(entry.get("proxy")))
    if verify is False or verify == "":
        description = "certificate verification is OFF for this index " + (EMPTY_CURL_NOTE if verify == "" else "")
        return _trust("verification-off", description, [], False, _verify_source(str(verify), env, options))
    if isinstance(verify, str):
        return _ca_file(target, verify, context and not bug, bug, root, _verify_source(verify, env, options))
    if context and not bug:
        files = [*_os_files(target, root), *_optional(_pip_certifi(target))]
        description = "the OS store (truststore) + pip's vendored certifi"
        return _trust("truststore", description, files, True, "pip default (truststore)")
    if bug:
        return _openssl_defaults(target, env)
    return _certifi(target)


def _optional(value: str | None) -> list[str]:
    return [value] if value else []


def _ca_file(
    target: pythons.Target, verify: str, truststore: bool, bug: bool, root: Root, source: str
) -> dict[str, Any]:
    """A CA file set by ``cert``/``PIP_CERT``/``REQUESTS_CA_BUNDLE``: added to truststore, or alone."""
    if truststore:
        files = [*_os_files(target, root), *_optional(_pip_certifi(target)), verify]
        description = f"the OS store + pip's certifi + {verify} ({source})"
        return _trust("truststore+file", description, files, True, source)
    why = f" ({BUG_NOTE})" if bug else ""
    return _trust("file", f"{verify} alone ({source}){why}", [verify], False, source)


def _openssl_defaults(target: pythons.Target, env: Mapping[str, str]) -> dict[str, Any]:
    defaults, capath = _openssl_paths(target)
    description = (
        f"OpenSSL's default CA file ({defaults or 'none found'}), not the OS store via truststore "
        f"and not pip's certifi ({BUG_NOTE})"
    )
    source = "SSL_CERT_FILE" if env.get("SSL_CERT_FILE") else "OpenSSL default paths"
    return _trust("openssl-defaults", description, [f for f in (defaults, capath) if f], False, source)


def _certifi(target: pythons.Target) -> dict[str, Any]:
    pip_certifi = _pip_certifi(target)
    patched = bool(target.pip and target.pip.certifi and target.pip.certifi.patched)
    description = (
        f"pip's vendored certifi, patched by the distribution to read {pip_certifi} (the OS bundle)"
        if patched
        else f"pip's vendored certifi ({pip_certifi}) only"
    )
    return _trust("certifi", description, _optional(pip_certifi), patched, "pip default (vendored certifi)")


def _verify_source(path: str, env: Mapping[str, str], options: Mapping[str, Any]) -> str:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if name in env and env[name] == path:
            return name
    if options.get("cert") == path:
        return "PIP_CERT" if env.get("PIP_CERT") == path else "pip config (cert =)"
    return "pip's session"


def load_anchors(root: Root, files: Iterable[str]) -> list[x509.Certificate]:
    """The certificates in these CA files and CApath directories (logical paths inside ``root``)."""
    from pip_tls_setup.ca.certs import parse_bundle

    anchors: list[x509.Certificate] = []
    for logical in files:
        host = root.host(logical)
        try:
            if host.is_dir():  # a CApath: OpenSSL reads only the hashed names
                for entry in sorted(host.iterdir()):
                    if _HASHED.match(entry.name):
                        anchors.extend(parse_bundle(entry.read_bytes()))
            else:
                anchors.extend(parse_bundle(host.read_bytes()))
        except OSError:
            continue
    return anchors


def trusts_chain(trust: Mapping[str, Any], chain: Sequence[probe.ChainCert], root: Root, platform: str) -> bool | None:
    """Do these anchors accept the chain the probe saw (offline)? None when it cannot be told here."""
    if not chain or trust["kind"] == "verification-off":
        return None
    anchors = load_anchors(root, trust["files"])
    if anchors and probe.anchored_in(chain, anchors) is not None:
        return True
    if trust["os_store"] and platform in ("darwin", "win32"):
        return None  # the keychain / CryptoAPI cannot be read offline: verify tells
    return False if trust["files"] else None
