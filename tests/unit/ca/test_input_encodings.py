"""CA files as people really have them: UTF-16 (PowerShell 5.1's ``>``), UTF-8 with a BOM, CRLF, v1 roots."""

from __future__ import annotations

from pathlib import Path

import pytest
from corplab.pki import make_ca

from pip_tls_setup.ca.certs import lint, load_certificates

CERTS = Path(__file__).resolve().parents[2] / "data" / "certs"


@pytest.fixture(scope="module")
def pem_text() -> str:
    return make_ca("Encoding Test Root CA", "Example Corp").pem.decode()


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-16"),  # BOM + LE, what PowerShell 5.1 '>' writes
        lambda t: t.encode("utf-16-le"),
        lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        lambda t: t.encode("utf-16-be"),
        lambda t: b"\xef\xbb\xbf" + t.encode(),
        lambda t: t.replace("\n", "\r\n").encode(),
        lambda t: ("\ufeff" + t.replace("\n", "\r\n")).encode("utf-16-le"),
    ],
    ids=["utf16-bom", "utf16le", "utf16be-bom", "utf16be", "utf8-bom", "crlf", "utf16le-bom-crlf"],
)
def test_pem_text_in_every_windows_encoding_loads(pem_text: str, encode: object) -> None:
    data = encode(pem_text)  # type: ignore[operator]
    certs = load_certificates(data, "corp.pem")
    assert [c.common_name for c in certs] == ["Encoding Test Root CA"]


def test_a_utf16_private_key_is_still_refused() -> None:
    from pip_tls_setup.errors import InputError

    data = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n".encode("utf-16")
    with pytest.raises(InputError, match="private key"):
        load_certificates(data, "key.pem")


def test_a_self_signed_v1_root_is_a_usable_root_with_a_313_warning() -> None:
    (root,) = load_certificates((CERTS / "v1-root.pem").read_bytes(), "v1-root.pem")
    findings = lint(root)
    assert [(f.level, f.code) for f in findings] == [("warning", "v1-root")]
    assert "leaf" not in findings[0].message and "trust anchor" in findings[0].message


def test_a_v1_certificate_below_the_root_is_refused_and_worded_as_such() -> None:
    (mid,) = load_certificates((CERTS / "v1-intermediate.pem").read_bytes(), "v1-intermediate.pem")
    errors = [f for f in lint(mid) if f.level == "error"]
    assert [f.code for f in errors] == ["not-a-ca"]
    assert "v1" in errors[0].message and "leaf" not in errors[0].message
