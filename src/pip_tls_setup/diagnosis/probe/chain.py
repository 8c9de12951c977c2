"""The chain a peer presented: captured from the TLS object, described, checked offline.

Nothing here trusts what it sees: the chain is only described (names,
fingerprints, validity, hostname) and compared with anchors.
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography import x509


@dataclass(frozen=True)
class ChainCert:
    der: bytes = field(repr=False)
    subject: str
    issuer: str
    common_name: str
    organization: str
    issuer_common_name: str
    issuer_organization: str
    sha256: str
    not_before: datetime
    not_after: datetime
    is_ca: bool
    self_signed: bool
    key_id: str | None = None  # subjectKeyIdentifier, hex
    authority_key_id: str | None = None  # authorityKeyIdentifier's keyIdentifier, hex: which key signed it

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "sha256": self.sha256,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "ca": self.is_ca,
            "self_signed": self.self_signed,
            "key_id": self.key_id,
            "authority_key_id": self.authority_key_id,
        }

    @property
    def x509(self) -> x509.Certificate:
        from cryptography import x509 as _x509

        return _x509.load_der_x509_certificate(self.der)


def describe_chain(ders: Sequence[bytes]) -> list[ChainCert]:
    import hashlib
    import warnings

    from cryptography import x509 as _x509

    from pip_tls_setup.ca.certs import common_name, is_ca, organization

    found: list[ChainCert] = []
    for der in ders:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                cert = _x509.load_der_x509_certificate(der)
            except ValueError:
                continue
        found.append(
            ChainCert(
                der=der,
                subject=cert.subject.rfc4514_string(),
                issuer=cert.issuer.rfc4514_string(),
                common_name=common_name(cert.subject),
                organization=organization(cert.subject),
                issuer_common_name=common_name(cert.issuer),
                issuer_organization=organization(cert.issuer),
                sha256=hashlib.sha256(der).hexdigest(),
                not_before=cert.not_valid_before_utc,
                not_after=cert.not_valid_after_utc,
                is_ca=is_ca(cert),
                self_signed=cert.subject == cert.issuer,
                key_id=subject_key_id(cert),
                authority_key_id=authority_key_id(cert),
            )
        )
    return found


def subject_key_id(cert: x509.Certificate) -> str | None:
    from cryptography import x509 as _x509

    try:
        return cert.extensions.get_extension_for_class(_x509.SubjectKeyIdentifier).value.digest.hex()
    except (_x509.ExtensionNotFound, ValueError):
        return None


def authority_key_id(cert: x509.Certificate) -> str | None:
    from cryptography import x509 as _x509

    try:
        value = cert.extensions.get_extension_for_class(_x509.AuthorityKeyIdentifier).value
    except (_x509.ExtensionNotFound, ValueError):
        return None
    return value.key_identifier.hex() if value.key_identifier else None


def _san(cert: ChainCert) -> x509.SubjectAlternativeName | None:
    from cryptography import x509 as _x509

    try:
        return cert.x509.extensions.get_extension_for_class(_x509.SubjectAlternativeName).value
    except (_x509.ExtensionNotFound, ValueError):
        return None


def san_names(cert: ChainCert) -> list[str]:
    """The DNS names, then the IP addresses, of the certificate's subjectAltName."""
    from cryptography import x509 as _x509

    san = _san(cert)
    if san is None:
        return []
    return [str(v) for v in san.get_values_for_type(_x509.DNSName)] + [
        str(v) for v in san.get_values_for_type(_x509.IPAddress)
    ]


def hostname_matches(cert: ChainCert, host: str) -> bool:
    """RFC 6125 as OpenSSL applies it for Python: SAN only, one left-most wildcard label, IPs exactly."""
    import ipaddress

    from cryptography import x509 as _x509

    san = _san(cert)
    if san is None:
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        return address in san.get_values_for_type(_x509.IPAddress)
    wanted = host.lower().rstrip(".")
    for name in san.get_values_for_type(_x509.DNSName):
        pattern = name.lower().rstrip(".")
        if pattern == wanted:
            return True
        wildcard = pattern.startswith("*.") and pattern.count(".") >= 2
        if wildcard and "." in wanted and wanted.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def validity_problems(chain: Sequence[ChainCert], now: datetime | None = None) -> list[str]:
    now = now or datetime.now(timezone.utc)
    problems: list[str] = []
    for cert in chain:
        name = cert.common_name or cert.subject
        if cert.not_after < now:
            problems.append(f"'{name}' expired on {cert.not_after:%Y-%m-%d}")
        elif cert.not_before > now:
            problems.append(f"'{name}' is not valid before {cert.not_before:%Y-%m-%d %H:%M} UTC")
    return problems


def anchored_in(chain: Sequence[ChainCert], anchors: Sequence[x509.Certificate]) -> x509.Certificate | None:
    """The anchor (from ``anchors``) some presented certificate is, or is directly issued by (offline)."""
    import hashlib

    from cryptography.hazmat.primitives.serialization import Encoding

    by_fp = {hashlib.sha256(a.public_bytes(Encoding.DER)).hexdigest(): a for a in anchors}
    by_subject: dict[Any, list[x509.Certificate]] = {}
    for anchor in anchors:
        by_subject.setdefault(anchor.subject, []).append(anchor)
    for cert in chain:
        if cert.sha256 in by_fp:
            return by_fp[cert.sha256]
        parsed = cert.x509
        for candidate in by_subject.get(parsed.issuer, []):
            try:
                parsed.verify_directly_issued_by(candidate)
            except Exception:  # noqa: S112 - a signature that does not verify is simply not this anchor
                continue
            return candidate
    return None


# --------------------------------------------------------------------------- capture from the TLS object


def _ders(certs: Sequence[Any]) -> list[bytes]:
    """DER bytes of what ``get_(un)verified_chain`` returned (bytes on 3.13, Certificate objects on 3.10-3.12)."""
    import _ssl

    return [c if isinstance(c, bytes) else c.public_bytes(_ssl.ENCODING_DER) for c in certs]


def unverified_chain(obj: Any) -> tuple[list[bytes], str]:
    """The chain the peer presented: 3.13 public API, 3.10-3.12 private API, the leaf alone before."""
    if sys.version_info >= (3, 13):
        getter = getattr(obj, "get_unverified_chain", None)
        if getter is not None:
            return _ders(getter() or []), "full"
    inner = getattr(obj, "_sslobj", None)
    getter = getattr(inner, "get_unverified_chain", None)
    if getter is not None:
        return _ders(getter() or []), "full"
    leaf = obj.getpeercert(binary_form=True)
    return ([leaf] if leaf else []), "leaf-only"


def verified_anchor(obj: Any) -> str | None:
    """The subject of the anchor OpenSSL verified against (3.10+), else None."""
    getter = getattr(obj, "get_verified_chain", None) if sys.version_info >= (3, 13) else None
    if getter is None:
        getter = getattr(getattr(obj, "_sslobj", None), "get_verified_chain", None)
    if getter is None:
        return None
    try:
        certs = getter() or []
    except (ssl.SSLError, ValueError):
        return None
    if not certs:
        return None
    described = describe_chain(_ders(certs[-1:]))
    return described[0].subject if described else None
