"""Certificates: load PEM / DER / PKCS#7, the CA model, and the lint.

Everything here is pure: bytes in, certificates and findings out. Error
messages name the origin (a file or an environment variable) and never
include the bytes themselves, so a private key pasted by mistake is not
echoed back into a CI log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from pip_tls_setup.ca import pem
from pip_tls_setup.errors import InputError

_PRIVATE_KEY_FIX = (
    "never hand a private key to pip-tls-setup (it only needs the CA certificate); "
    "export the certificate alone and rotate the key if it was shared"
)
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class CACert:
    """One certificate and where it came from (a path, or `$PIP_TLS_SETUP_CA`)."""

    cert: x509.Certificate
    origin: str

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def subject(self) -> str:
        return self.cert.subject.rfc4514_string()

    @property
    def issuer(self) -> str:
        return self.cert.issuer.rfc4514_string()

    @property
    def common_name(self) -> str:
        return common_name(self.cert.subject) or self.subject or self.sha256[:16]

    @property
    def not_before(self) -> datetime:
        return self.cert.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        return self.cert.not_valid_after_utc

    @property
    def self_signed(self) -> bool:
        return self.cert.subject == self.cert.issuer

    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def labelled_pem(self) -> str:
        """PEM with the header lines certifi's own bundle uses; the names escaped to one printable line each.

        A subject is the CA author's text: unescaped, a newline in it would start a line of
        the bundle, and a PEM block hidden there would be trusted without its pin.
        """
        return (
            f"# Subject: {pem.printable(self.subject)}\n# Issuer: {pem.printable(self.issuer)}\n"
            f"# SHA256 Fingerprint: {self.sha256}\n{self.pem()}"
        )


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return ""
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def common_name(name: x509.Name) -> str:
    return _first(name, NameOID.COMMON_NAME)


def organization(name: x509.Name) -> str:
    return _first(name, NameOID.ORGANIZATION_NAME)


# --------------------------------------------------------------------------- loading


def load_certificates(data: bytes, origin: str) -> list[CACert]:
    """Parse every certificate in ``data`` (PEM, DER or PKCS#7, PEM or DER).

    Raises :class:`InputError` for empty input, truncated PEM, private keys and
    anything that is not a certificate.
    """
    data = _as_ascii_text(data)
    if not data.strip():
        raise InputError(origin, "is empty", "give a PEM, DER or PKCS#7 file with the CA certificate")
    if b"-----BEGIN" in data:
        return _load_pem(data, origin)
    return _load_der(data, origin)


_UTF16_BEGIN = ("-----BEGIN".encode("utf-16-le"), "-----BEGIN".encode("utf-16-be"))


def _as_ascii_text(data: bytes) -> bytes:
    """PEM text as Windows tools write it, made plain: UTF-16 with or without a BOM (PowerShell 5.1's
    ``>`` and ``Out-File``), a UTF-8 BOM (Notepad). DER and PKCS#7 bytes are returned unchanged."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff")) or any(marker in data[:4096] for marker in _UTF16_BEGIN)
    if not utf16:
        return data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:  # no BOM: ASCII text in UTF-16 has its zero bytes first (big-endian) or second (little-endian)
        encoding = "utf-16-be" if data[:1] == b"\x00" else "utf-16-le"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return data  # not text after all: let the DER/PKCS#7 readers say what it is
    return text.lstrip("\ufeff").encode("ascii", "replace")


def _load_pem(data: bytes, origin: str) -> list[CACert]:
    found_pem = pem.scan(data)
    if any(b"PRIVATE KEY" in label for label in found_pem.begin_labels):
        raise InputError(origin, "contains a private key", _PRIVATE_KEY_FIX)
    blocks = found_pem.blocks
    if found_pem.truncated:
        raise InputError(
            origin,
            "has a truncated PEM block (a BEGIN line without its END line)",
            "copy the whole certificate, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----",
        )
    found: list[CACert] = []
    for label, body in blocks:
        der = _b64(body, origin)
        if label == b"CERTIFICATE":
            found.append(CACert(_der_cert(der, origin), _numbered(origin, len(found))))
        elif label == b"TRUSTED CERTIFICATE":
            # OpenSSL's "trusted" form: the certificate followed by trust settings.
            found.append(CACert(_der_cert(_first_tlv(der, origin), origin), _numbered(origin, len(found))))
        elif label in (b"PKCS7", b"CMS"):
            for cert in _pkcs7(der, origin):
                found.append(CACert(cert, _numbered(origin, len(found))))
        else:
            kind = label.decode("ascii", "replace").lower()
            raise InputError(
                origin,
                f"holds a PEM '{kind}' block, not a certificate",
                "give the CA certificate (-----BEGIN CERTIFICATE-----)",
            )
    if not found:
        raise InputError(origin, "holds no certificate", "give a PEM, DER or PKCS#7 file with the CA certificate")
    return _renumber(found, origin)


def _load_der(data: bytes, origin: str) -> list[CACert]:
    try:
        return [CACert(x509.load_der_x509_certificate(data), origin)]
    except ValueError:
        pass
    try:
        certs = pkcs7.load_der_pkcs7_certificates(data)
    except ValueError:
        certs = []
    if certs:
        return _renumber([CACert(c, origin) for c in certs], origin)
    if _is_der_private_key(data):
        raise InputError(origin, "contains a private key", _PRIVATE_KEY_FIX)
    raise InputError(
        origin,
        "is not a certificate (tried PEM, DER and PKCS#7)",
        "export the corporate root CA as Base-64 (PEM) or DER .cer/.crt, or as a .p7b bundle",
    )


def _is_der_private_key(data: bytes) -> bool:
    try:
        serialization.load_der_private_key(data, password=None)
    except TypeError:
        return True  # encrypted: still a private key
    except (ValueError, Exception):
        return False
    return True


def _b64(body: bytes, origin: str) -> bytes:
    try:
        return base64.b64decode(b"".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(
            origin, "has a damaged PEM block (invalid base64)", "copy the certificate again, unmodified"
        ) from None


def _der_cert(der: bytes, origin: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise InputError(
            origin, "has a damaged certificate (it does not parse as X.509)", "copy the certificate again, unmodified"
        ) from None


def _pkcs7(der: bytes, origin: str) -> list[x509.Certificate]:
    try:
        certs = pkcs7.load_der_pkcs7_certificates(der)
    except ValueError:
        raise InputError(origin, "has a damaged PKCS#7 block", "export the .p7b again") from None
    if not certs:
        raise InputError(origin, "is a PKCS#7 bundle without certificates", "export the .p7b again with the CA")
    return certs


def _first_tlv(der: bytes, origin: str) -> bytes:
    """The first DER element (the certificate inside an OpenSSL TRUSTED CERTIFICATE)."""
    if len(der) < 2 or der[0] != 0x30:
        raise InputError(origin, "has a damaged certificate", "copy the certificate again, unmodified")
    length = der[1]
    offset = 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(der[2 : 2 + count], "big")
        offset = 2 + count
    return der[: offset + length]


def _numbered(origin: str, index: int) -> str:
    return f"{origin}#{index + 1}"


def _renumber(found: list[CACert], origin: str) -> list[CACert]:
    """`file.pem` for a single certificate, `file.pem#N` only when there are several."""
    if len(found) == 1:
        return [CACert(found[0].cert, origin)]
    return [CACert(c.cert, _numbered(origin, i)) for i, c in enumerate(found)]


def dedupe(certs: list[CACert]) -> list[CACert]:
    """Drop repeats by SHA-256, keeping the first origin and the original order."""
    seen: set[str] = set()
    unique: list[CACert] = []
    for cert in certs:
        if cert.sha256 not in seen:
            seen.add(cert.sha256)
            unique.append(cert)
    return unique


def parse_bundle(data: bytes) -> list[x509.Certificate]:
    """Every parseable certificate of a trust bundle; damaged entries are skipped."""
    certs: list[x509.Certificate] = []
    with warnings.catch_warnings():
        # OS bundles carry a few legacy roots cryptography warns about (negative serials).
        warnings.simplefilter("ignore")
        for label, body in pem.scan(data).blocks:
            if label != b"CERTIFICATE":
                continue
            try:
                certs.append(x509.load_der_x509_certificate(base64.b64decode(b"".join(body.split()))))
            except (ValueError, binascii.Error):
                continue
    return certs


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


# --------------------------------------------------------------------------- lint

Level = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class LintFinding:
    """One problem of a certificate. ``consequence`` is the shared "what breaks" text several findings have
    in common (the Python 3.13 strict X.509 tail): human output says it once, ``text`` holds both."""

    level: Level
    code: str
    message: str
    consequence: str = ""

    @property
    def text(self) -> str:
        return f"{self.message}. {self.consequence}" if self.consequence else self.message


def consequences(findings: Iterable[LintFinding]) -> list[str]:
    """The distinct shared consequences of ``findings``, in order: human output prints each once, after
    the findings' own short messages."""
    return list(dict.fromkeys(f.consequence for f in findings if f.consequence))


STRICT_CONSEQUENCE = (
    "Python 3.13's default SSL context (VERIFY_X509_STRICT) rejects it, which breaks "
    "httpx, aiohttp, urllib and requests (urllib3 >= 2.4) on Python 3.13 even when the CA is trusted; "
    "pip's own truststore context is not strict. Ask the proxy's administrators for a CA reissued "
    "with the extension fixed"
)


def lint(
    ca: CACert,
    now: datetime | None = None,
    companions: Iterable[CACert] | None = None,
    *,
    subjects: Collection[x509.Name] | None = None,
) -> list[LintFinding]:
    """Check that ``ca`` can serve as a trust anchor, and flag what breaks it on Python 3.13.

    ``subjects`` (the subject names of every supplied CA, built once by the caller) finds a
    certificate's issuer in constant time; ``companions`` is the older, per-call spelling.
    """
    now = now or datetime.now(timezone.utc)
    cert = ca.cert
    findings: list[LintFinding] = list(_critical_findings(cert))
    bc = _extension(cert, x509.BasicConstraints)
    v1 = cert.version == x509.Version.v1
    if v1:
        findings.append(_V1_ROOT if ca.self_signed else _V1_NOT_ROOT)
    elif bc is None or not bc.value.ca:
        findings.append(LintFinding("error", "not-a-ca", _NOT_A_CA))
    if cert.not_valid_after_utc < now:
        findings.append(
            LintFinding(
                "error",
                "expired",
                f"expired on {cert.not_valid_after_utc:%Y-%m-%d}; OpenSSL rejects every chain through it. "
                "Get the current CA from the proxy's administrators",
            )
        )
    elif cert.not_valid_before_utc > now:
        findings.append(
            LintFinding(
                "error",
                "not-yet-valid",
                f"is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC; "
                "check the runner's clock or wait until the CA is valid",
            )
        )
    elif cert.not_valid_after_utc - now < timedelta(days=EXPIRY_WARNING_DAYS):
        days = (cert.not_valid_after_utc - now).days
        findings.append(
            LintFinding(
                "warning",
                "expires-soon",
                f"expires in {days} day(s), on {cert.not_valid_after_utc:%Y-%m-%d}; plan its replacement",
            )
        )
    if bc is not None and bc.value.ca:
        findings.extend(_strict_findings(ca, bc.critical))
        findings.extend(_strength_findings(ca))
        known = subjects if subjects is not None else {c.cert.subject for c in companions or ()}
        findings.extend(_chain_findings(ca, known))
    elif v1 and ca.self_signed:
        findings.extend(_strength_findings(ca))
    return findings


# OpenSSL's X509_supported_extension() (crypto/x509/v3_purp.c, unchanged through 3.x): the
# extensions its verifier acts on. Any other extension marked critical makes OpenSSL refuse
# every chain through the certificate ("unhandled critical extension"), trust anchor included.
OPENSSL_HANDLED_CRITICAL = {
    "2.16.840.1.113730.1.1": "nsCertType",
    "2.5.29.15": "keyUsage",
    "2.5.29.17": "subjectAltName",
    "2.5.29.19": "basicConstraints",
    "2.5.29.32": "certificatePolicies",
    "2.5.29.31": "cRLDistributionPoints",
    "2.5.29.37": "extendedKeyUsage",
    "1.3.6.1.5.5.7.1.7": "sbgp-ipAddrBlock",
    "1.3.6.1.5.5.7.1.8": "sbgp-autonomousSysNum",
    "1.3.6.1.5.5.7.48.1.5": "ocspNoCheck",
    "2.5.29.36": "policyConstraints",
    "1.3.6.1.5.5.7.1.14": "proxyCertInfo",
    "2.5.29.30": "nameConstraints",
    "2.5.29.33": "policyMappings",
    "2.5.29.54": "inhibitAnyPolicy",
}
_UNHANDLED_CRITICAL = (
    "has a critical extension OpenSSL does not handle ({extension}); OpenSSL (pip, requests, curl) refuses "
    "every chain through it with 'unhandled critical extension'. Ask the proxy's administrators for a CA "
    "without it, or with the extension not marked critical"
)
_MALFORMED_EXTENSIONS = (
    "has malformed or duplicate extensions ({detail}); OpenSSL refuses it as an invalid certificate. "
    "Export the CA again, or ask its administrators for a well-formed one"
)


_NOT_A_CA = (
    "is a leaf (server) certificate, not a CA (basicConstraints CA:TRUE is missing); "
    "trusting it would not fix pip. Give the proxy's root CA instead"
)
# An X.509 v1 certificate has no extensions at all. OpenSSL accepts a self-signed v1 certificate as a
# trust anchor (X509_check_ca: "self-signed v1"), so pip, requests and curl work; under
# VERIFY_X509_STRICT (Python 3.13's default context) it is an "invalid CA certificate".
_V1_ROOT = LintFinding(
    "warning",
    "v1-root",
    "is a self-signed X.509 v1 root (a certificate format without extensions): OpenSSL accepts it as a "
    "trust anchor, so pip, requests and curl work, but Python 3.13's strict X.509 check rejects it "
    "('invalid CA certificate'), which breaks httpx, aiohttp, urllib and requests (urllib3 >= 2.4) on 3.13. "
    "Ask the proxy's administrators for a v3 CA with basicConstraints CA:TRUE (critical)",
)
_V1_NOT_ROOT = LintFinding(
    "error",
    "not-a-ca",
    "is an X.509 v1 certificate that is not self-signed: OpenSSL never accepts a v1 certificate as an "
    "issuer below the root. Give the proxy's root CA instead",
)


def _critical_findings(cert: x509.Certificate) -> list[LintFinding]:
    try:
        extensions = list(cert.extensions)
    except ValueError as exc:
        detail = pem.printable(str(exc), 120)
        return [LintFinding("error", "malformed-extensions", _MALFORMED_EXTENSIONS.format(detail=detail))]
    found: list[LintFinding] = []
    for extension in extensions:
        oid = extension.oid.dotted_string
        if extension.critical and oid not in OPENSSL_HANDLED_CRITICAL:
            name = getattr(extension.oid, "_name", "Unknown OID")
            shown = oid if name == "Unknown OID" else f"{oid} {name}"
            message = _UNHANDLED_CRITICAL.format(extension=pem.printable(shown, 120))
            found.append(LintFinding("error", "unhandled-critical-extension", message))
    return found


def _strict_findings(ca: CACert, bc_critical: bool) -> list[LintFinding]:
    cert = ca.cert
    found: list[LintFinding] = []
    if not bc_critical:
        found.append(
            LintFinding(
                "warning",
                "strict-basic-constraints-not-critical",
                'basicConstraints is not marked critical: "Basic Constraints of CA cert not marked critical"',
                STRICT_CONSEQUENCE,
            )
        )
    ku = _extension(cert, x509.KeyUsage)
    if ku is None:
        found.append(
            LintFinding(
                "warning",
                "strict-key-usage-missing",
                'has no keyUsage extension: "CA cert does not include key usage extension"',
                STRICT_CONSEQUENCE,
            )
        )
    elif not ku.value.key_cert_sign:
        found.append(
            LintFinding(
                "warning",
                "strict-key-usage-no-cert-sign",
                "keyUsage does not include keyCertSign, so OpenSSL does not accept it as an issuer "
                '("invalid CA certificate")',
                STRICT_CONSEQUENCE,
            )
        )
    if _extension(cert, x509.SubjectKeyIdentifier) is None:
        found.append(
            LintFinding(
                "warning",
                "strict-ski-missing",
                'has no Subject Key Identifier: "Missing Subject Key Identifier"',
                STRICT_CONSEQUENCE,
            )
        )
    if not ca.self_signed and _extension(cert, x509.AuthorityKeyIdentifier) is None:
        found.append(
            LintFinding(
                "warning",
                "strict-aki-missing",
                'has no Authority Key Identifier: "Missing Authority Key Identifier"',
                STRICT_CONSEQUENCE,
            )
        )
    return found


def _strength_findings(ca: CACert) -> list[LintFinding]:
    key = ca.cert.public_key()
    found: list[LintFinding] = []
    if isinstance(key, (rsa.RSAPublicKey, dsa.DSAPublicKey)) and key.key_size < 2048:
        found.append(
            LintFinding(
                "warning",
                "weak-key",
                f"has a {key.key_size}-bit key; OpenSSL at security level 2 (Debian, Ubuntu, RHEL defaults) "
                "rejects keys under 2048 bits",
            )
        )
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < 224:
        found.append(LintFinding("warning", "weak-key", f"uses the weak curve {key.curve.name}"))
    algorithm = ca.cert.signature_hash_algorithm
    if not ca.self_signed and algorithm is not None and algorithm.name in ("sha1", "md5"):
        found.append(
            LintFinding(
                "warning",
                "weak-signature",
                f"is signed with {algorithm.name.upper()}, which OpenSSL 3 rejects at its default security level",
            )
        )
    return found


def _chain_findings(ca: CACert, subjects: Collection[x509.Name]) -> list[LintFinding]:
    if ca.self_signed:
        return []
    if ca.cert.issuer in subjects:
        return []
    return [
        LintFinding(
            "warning",
            "issuer-missing",
            f"is an intermediate CA and its issuer ({pem.printable(ca.issuer)}) was not supplied; "
            "OpenSSL (pip, requests, Python < 3.13) needs the root too and fails with "
            "'unable to get issuer certificate'. Supply the root CA as well",
        )
    ]


_Ext = TypeVar("_Ext", bound=x509.ExtensionType)


def _extension(cert: x509.Certificate, kind: type[_Ext]) -> x509.Extension[_Ext] | None:
    try:
        return cert.extensions.get_extension_for_class(kind)
    except x509.ExtensionNotFound:
        return None
    except ValueError:  # a malformed extension: treat as absent
        return None


def is_ca(cert: x509.Certificate) -> bool:
    bc = _extension(cert, x509.BasicConstraints)
    return bool(bc and bc.value.ca)
