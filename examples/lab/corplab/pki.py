"""Certificates for the lab: CAs with chosen defects, leaf certificates, mitmproxy's CA directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def sha256(self) -> str:
        return self.cert.fingerprint(hashes.SHA256()).hex()

    def write(self, path: Path) -> Path:
        path.write_bytes(self.pem)
        return path


def _name(cn: str, org: str | None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _window(days: int, expired: bool, not_yet_valid: bool) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.timezone.utc)
    if expired:
        return now - dt.timedelta(days=days + 2), now - dt.timedelta(days=1)
    if not_yet_valid:
        return now + dt.timedelta(days=2), now + dt.timedelta(days=days)
    return now - dt.timedelta(hours=1), now + dt.timedelta(days=days)


def make_ca(
    cn: str,
    org: str | None = None,
    *,
    days: int = 3650,
    expired: bool = False,
    not_yet_valid: bool = False,
    bc_critical: bool = True,
    key_usage: bool = True,
    cert_sign: bool = True,
    ski: bool = True,
    aki: bool = True,
    issuer: Issued | None = None,
    key_size: int = 2048,
) -> Issued:
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    start, end = _window(days, expired, not_yet_valid)
    subject = _name(cn, org)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=bc_critical)
    )
    if key_usage:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=cert_sign,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    if ski:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    signer = issuer.key if issuer else key
    if aki:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
        )
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def make_leaf(
    issuer: Issued,
    hostnames: list[str],
    *,
    days: int = 365,
    expired: bool = False,
    not_yet_valid: bool = False,
) -> Issued:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start, end = _window(days, expired, not_yet_valid)
    sans: list[x509.GeneralName] = []
    for name in hostnames:
        try:
            import ipaddress

            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hostnames[0], None))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return Issued(cert, key)


def write_mitm_confdir(ca: Issued, confdir: Path, chain: Sequence[Issued] = ()) -> Path:
    """mitmproxy reads its CA (key + certificate) from ``<confdir>/mitmproxy-ca.pem``.

    With ``chain`` (the CA's issuers), mitmproxy presents leaf + CA + chain, as Zscaler and most
    corporate proxies do; without it, the leaf alone.
    """
    confdir.mkdir(parents=True, exist_ok=True)
    (confdir / "mitmproxy-ca.pem").write_bytes(ca.key_pem + ca.pem + b"".join(c.pem for c in chain))
    (confdir / "mitmproxy-ca-cert.pem").write_bytes(ca.pem)
    return confdir
