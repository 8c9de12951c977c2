"""Critical extensions: the lint refuses exactly what OpenSSL refuses ('unhandled critical extension').

Each case is a self-signed CA that is fine apart from one extra extension marked critical; the
real ``openssl verify`` of this machine decides, and the lint must agree (an error naming the OID
for the refused ones, nothing for the handled ones). ``setup`` turns the error into exit 2.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from pip_tls_setup.ca.certs import OPENSSL_HANDLED_CRITICAL, CACert, lint
from pip_tls_setup.ca.sources import gather
from pip_tls_setup.errors import InputError

KEY = ec.generate_private_key(ec.SECP256R1())
URI = x509.UniformResourceIdentifier("http://crl.corp.test/root.crl")
AIA = x509.AccessDescription(x509.oid.AuthorityInformationAccessOID.CA_ISSUERS, URI)
KU = x509.KeyUsage(True, False, False, False, False, True, True, False, False)

# name -> (extension, does OpenSSL handle it when critical)
CASES: dict[str, tuple[x509.ExtensionType, bool]] = {
    "subjectAltName": (x509.SubjectAlternativeName([x509.DNSName("ca.corp.test")]), True),
    "extendedKeyUsage": (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), True),
    "nameConstraints": (x509.NameConstraints([x509.DNSName("corp.test")], None), True),
    "nameConstraints-ip": (x509.NameConstraints([x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))], None), True),
    "policyConstraints": (x509.PolicyConstraints(None, 0), True),
    "certificatePolicies": (
        x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier("2.5.29.32.0"), None)]),
        True,
    ),
    "inhibitAnyPolicy": (x509.InhibitAnyPolicy(0), True),
    "cRLDistributionPoints": (x509.CRLDistributionPoints([x509.DistributionPoint([URI], None, None, None)]), True),
    "ocspNoCheck": (x509.OCSPNoCheck(), True),
    "subjectKeyIdentifier": (x509.SubjectKeyIdentifier.from_public_key(KEY.public_key()), False),
    "authorityKeyIdentifier": (x509.AuthorityKeyIdentifier.from_issuer_public_key(KEY.public_key()), False),
    "issuerAltName": (x509.IssuerAlternativeName([x509.DNSName("ca.corp.test")]), False),
    "authorityInfoAccess": (x509.AuthorityInformationAccess([AIA]), False),
    "freshestCRL": (x509.FreshestCRL([x509.DistributionPoint([URI], None, None, None)]), False),
    "tlsFeature": (x509.TLSFeature([x509.TLSFeatureType.status_request]), False),
    "private-oid": (x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.7.1"), b"\x05\x00"), False),
}


def make(extension: x509.ExtensionType | None) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Critical Test Root")])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(KU, critical=True)
    )
    if extension is not None:
        builder = builder.add_extension(extension, critical=True)
    return builder.sign(KEY, hashes.SHA256())


def openssl_accepts(cert: x509.Certificate, tmp_path: Path) -> tuple[bool, str]:
    path = tmp_path / "ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    done = subprocess.run(
        ["openssl", "verify", "-CAfile", str(path), str(path)], capture_output=True, text=True, check=False
    )
    return done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("case", sorted(CASES))
def test_lint_refuses_what_openssl_refuses(case: str, tmp_path: Path) -> None:
    extension, handled = CASES[case]
    cert = make(extension)
    accepted, output = openssl_accepts(cert, tmp_path)
    assert accepted == handled, output
    if not accepted:
        assert "unhandled critical extension" in output
    errors = [f for f in lint(CACert(cert, "x")) if f.level == "error"]
    if handled:
        assert errors == []
        assert extension.oid.dotted_string in OPENSSL_HANDLED_CRITICAL
    else:
        assert [f.code for f in errors] == ["unhandled-critical-extension"]
        assert extension.oid.dotted_string in errors[0].message


def test_the_base_certificate_is_fine(tmp_path: Path) -> None:
    assert [f for f in lint(CACert(make(None), "x")) if f.level == "error"] == []


def test_setup_refuses_it_with_exit_2_naming_the_oid(tmp_path: Path) -> None:
    private, _ = CASES["private-oid"]
    path = tmp_path / "odd.pem"
    path.write_bytes(make(private).public_bytes(serialization.Encoding.PEM))
    with pytest.raises(InputError) as info:
        gather([str(path)], {}, set())
    assert info.value.exit_code == 2
    assert "1.3.6.1.4.1.55555.7.1" in str(info.value) and "unhandled critical extension" in str(info.value)
