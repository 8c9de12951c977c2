"""Loading every CA format users receive from IT, and the lint that explains what breaks."""

from __future__ import annotations

import datetime as dt

import pytest
from corplab.pki import make_ca, make_leaf
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from pip_tls_setup.ca.certs import CACert, dedupe, lint, load_certificates, parse_bundle
from pip_tls_setup.errors import InputError


@pytest.fixture(scope="module")
def root_ca():
    return make_ca("Example Corp Root CA", "Example Corp")


@pytest.fixture(scope="module")
def other_ca():
    return make_ca("Example Corp Second Root", "Example Corp")


def codes(findings: list) -> list[str]:
    return [f.code for f in findings]


def test_pem_single(root_ca) -> None:
    [cert] = load_certificates(root_ca.pem, "corp.pem")
    assert cert.sha256 == root_ca.sha256
    assert cert.origin == "corp.pem"
    assert cert.common_name == "Example Corp Root CA"


def test_pem_many_with_text_around(root_ca, other_ca) -> None:
    data = b"Subject: whatever\n" + root_ca.pem + b"\n# comment\n" + other_ca.pem
    certs = load_certificates(data, "chain.pem")
    assert [c.sha256 for c in certs] == [root_ca.sha256, other_ca.sha256]
    assert [c.origin for c in certs] == ["chain.pem#1", "chain.pem#2"]


def test_der_as_windows_exports_it(root_ca) -> None:
    [cert] = load_certificates(root_ca.der, "corp.cer")
    assert cert.sha256 == root_ca.sha256


@pytest.mark.parametrize("encoding", [serialization.Encoding.PEM, serialization.Encoding.DER])
def test_pkcs7(root_ca, other_ca, encoding) -> None:
    data = pkcs7.serialize_certificates([root_ca.cert, other_ca.cert], encoding)
    certs = load_certificates(data, "corp.p7b")
    assert {c.sha256 for c in certs} == {root_ca.sha256, other_ca.sha256}


def test_openssl_trusted_certificate_form(root_ca) -> None:
    body = root_ca.pem.replace(b"BEGIN CERTIFICATE", b"BEGIN TRUSTED CERTIFICATE").replace(
        b"END CERTIFICATE", b"END TRUSTED CERTIFICATE"
    )
    [cert] = load_certificates(body, "trusted.pem")
    assert cert.sha256 == root_ca.sha256


def test_empty() -> None:
    with pytest.raises(InputError, match="is empty"):
        load_certificates(b"  \n", "empty.pem")


def test_garbage() -> None:
    with pytest.raises(InputError, match="not a certificate"):
        load_certificates(b"\x00\x01garbage bytes \xff" * 20, "junk.bin")


def test_truncated_pem(root_ca) -> None:
    with pytest.raises(InputError, match="truncated"):
        load_certificates(root_ca.pem[: len(root_ca.pem) // 2], "cut.pem")


def test_damaged_base64(root_ca) -> None:
    damaged = root_ca.pem.replace(b"M", b"!", 3)
    with pytest.raises(InputError):
        load_certificates(damaged, "bad.pem")


@pytest.mark.parametrize(
    "fmt",
    [
        (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        (serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()),
        (serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        (
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        ),
    ],
)
def test_private_key_refused_and_never_echoed(root_ca, fmt) -> None:
    key = root_ca.key.private_bytes(*fmt)
    data = key + root_ca.pem if fmt[0] is serialization.Encoding.PEM else key
    with pytest.raises(InputError) as info:
        load_certificates(data, "key.pem")
    message = str(info.value)
    assert "private key" in message
    body = b"".join(key.splitlines()[1:-1]).decode("latin-1")
    assert body[:40] not in message


def test_csr_block_is_not_a_certificate() -> None:
    data = b"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"
    with pytest.raises(InputError, match="certificate request"):
        load_certificates(data, "req.pem")


def test_dedupe_keeps_first(root_ca) -> None:
    a = CACert(root_ca.cert, "a.pem")
    b = CACert(root_ca.cert, "b.der")
    assert dedupe([a, b]) == [a]


def test_good_ca_has_no_findings(root_ca) -> None:
    assert lint(CACert(root_ca.cert, "x")) == []


def test_leaf_is_an_error(root_ca) -> None:
    leaf = make_leaf(root_ca, ["index.corp.test"])
    findings = lint(CACert(leaf.cert, "leaf.pem"))
    assert codes(findings) == ["not-a-ca"]
    assert findings[0].level == "error"


def test_expired_and_not_yet_valid() -> None:
    assert "expired" in codes(lint(CACert(make_ca("Old", expired=True).cert, "x")))
    assert "not-yet-valid" in codes(lint(CACert(make_ca("Future", not_yet_valid=True).cert, "x")))


def test_expiring_soon_is_a_warning() -> None:
    findings = lint(CACert(make_ca("Soon", days=10).cert, "x"))
    assert [(f.level, f.code) for f in findings] == [("warning", "expires-soon")]


def test_expiry_window_uses_given_now(root_ca) -> None:
    later = root_ca.cert.not_valid_after_utc - dt.timedelta(days=5)
    assert "expires-soon" in codes(lint(CACert(root_ca.cert, "x"), now=later))


def test_python313_strict_findings() -> None:
    weak = make_ca("Weak", bc_critical=False, key_usage=False, ski=False)
    found = codes(lint(CACert(weak.cert, "x")))
    assert "strict-basic-constraints-not-critical" in found
    assert "strict-key-usage-missing" in found
    assert "strict-ski-missing" in found
    message = next(f.text for f in lint(CACert(weak.cert, "x")) if f.code.startswith("strict-basic"))
    assert "Basic Constraints of CA cert not marked critical" in message
    assert "3.13" in message and "httpx" in message


def test_key_usage_without_cert_sign() -> None:
    ca = make_ca("NoSign", cert_sign=False)
    assert "strict-key-usage-no-cert-sign" in codes(lint(CACert(ca.cert, "x")))


def test_intermediate_needs_aki_and_its_root(root_ca) -> None:
    inter = make_ca("Issuing CA", issuer=root_ca, aki=False)
    found = codes(lint(CACert(inter.cert, "x")))
    assert "strict-aki-missing" in found
    assert "issuer-missing" in found
    with_root = codes(lint(CACert(inter.cert, "x"), companions=[CACert(root_ca.cert, "r")]))
    assert "issuer-missing" not in with_root


def test_weak_key() -> None:
    assert "weak-key" in codes(lint(CACert(make_ca("Small", key_size=1024).cert, "x")))


def test_parse_bundle_skips_damage(root_ca, other_ca) -> None:
    data = root_ca.pem + b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" + other_ca.pem
    assert len(parse_bundle(data)) == 2
