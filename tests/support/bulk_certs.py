"""Many small, distinct, self-signed CAs quickly (one Ed25519 key, one signature each)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


def many_cas(count: int, prefix: str = "Root") -> list[bytes]:
    """``count`` PEM certificates with subjects ``<prefix> 0`` ... (CA:TRUE, critical)."""
    key = ed25519.Ed25519PrivateKey.generate()
    now = dt.datetime.now(dt.timezone.utc)
    out = []
    for index in range(count):
        name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, f"{prefix} {index}")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(index + 1)
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, None)
        )
        out.append(cert.public_bytes(serialization.Encoding.PEM))
    return out
