"""PEM text: names written as comments cannot smuggle lines or markers, and splitting is linear.

The linear-time tests assert only on results (no clock): the old pattern needed minutes for the
1 MiB input; ``benchmarks/inputs/pem_split.py`` measures old and new side by side.
"""

from __future__ import annotations

import ssl

import pytest
from corplab.pki import make_ca

from pip_tls_setup.ca import pem
from pip_tls_setup.ca.certs import dedupe, fingerprint, load_certificates, parse_bundle
from pip_tls_setup.ca.sources import lint_all
from pip_tls_setup.errors import InputError
from pip_tls_setup.inject.edits import blocks
from pip_tls_setup.inject.planner import corporate_pem
from support.bulk_certs import many_cas


@pytest.fixture(scope="module")
def hidden():
    return make_ca("Hidden Unpinned CA", "Evil")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O=Example Corp,CN=Root", "O=Example Corp,CN=Root"),
        ("a\nb\r\n", "a\\x0ab\\x0d\\x0a"),
        ("\x1b[31mred\x00\x7f", "\\x1b[31mred\\x00\\x7f"),
        ("Soci\u00e9t\u00e9 \u2713 \U0001d518", "Soci\\xe9t\\xe9 \\u2713 \\U0001d518"),
        ("-----BEGIN CERTIFICATE-----", "-\\x2d-\\x2d-BEGIN CERTIFICATE-\\x2d-\\x2d-"),
        ("# <<< pip-tls-setup <<<", "# <\\x3c< pip-tls-setup <\\x3c<"),
        ("Root CA - G2 >> x", "Root CA - G2 >\\x3e x"),
        ("\u2028\u0085", "\\u2028\\x85"),
    ],
)
def test_printable_escapes_to_one_safe_line(text: str, expected: str) -> None:
    assert pem.printable(text) == expected


@pytest.mark.parametrize("text", ["-" * 50, "<" * 9 + ">" * 9, "\n-----END X-----\n" * 5, "é" * 500, "x" * 10_000])
def test_printable_invariants(text: str) -> None:
    out = pem.printable(text)
    assert out.isascii() and out.isprintable()
    assert "--" not in out and "<<" not in out and ">>" not in out
    assert len(out) <= pem.COMMENT_LIMIT + 3


def test_a_subject_holding_a_pem_block_stays_in_its_comment(hidden) -> None:
    pinned = make_ca("Pinned Corp Root", "\n" + hidden.pem.decode() + "\n# <<< pip-tls-setup <<<\n")
    [cert] = load_certificates(pinned.pem, "pinned.pem")
    text = cert.labelled_pem()
    lines = text.splitlines()
    assert lines[0].startswith("# Subject: O=\\x0a-\\x2d-\\x2d-BEGIN CERTIFICATE")
    assert lines[1].startswith("# Issuer: ") and lines[2] == f"# SHA256 Fingerprint: {cert.sha256}"
    assert "\n".join(lines[3:]) + "\n" == cert.pem()  # the body comes from the DER alone
    assert text.count("-----BEGIN") == 1
    scanned = pem.scan(text.encode())
    assert len(scanned.blocks) == 1 and not scanned.truncated
    context = ssl.create_default_context(cadata=text)
    assert context.cert_store_stats()["x509_ca"] == 1
    # inside certifi's cacert.pem: undo's strip removes the whole block, the subject cannot end it early
    certifi_text = "# an existing root\n" + hidden.pem.decode()
    patched = blocks.upsert(certifi_text, corporate_pem([cert]))
    assert blocks.strip(patched) == certifi_text
    assert [fingerprint(c) for c in parse_bundle(patched.encode())] == [hidden.sha256, pinned.sha256]


def test_scan_finds_blocks_and_truncation_in_one_pass() -> None:
    body = b"QUJD"
    data = b"x -----BEGIN A-----" + body + b"-----END A----- -----END B----- -----BEGIN C-----\nQQ==\n-----END C-----"
    found = pem.scan(data)
    assert found.blocks == [(b"A", body), (b"C", b"\nQQ==\n")]
    assert found.begin_labels == [b"A", b"C"] and not found.truncated
    assert pem.scan(b"-----BEGIN A-----x-----BEGIN A-----y-----END A-----").truncated
    assert pem.scan(b"-----BEGIN A----- never ended").truncated


def test_one_mib_of_begin_lines_is_refused_as_truncated() -> None:
    data = b"-----BEGIN CERTIFICATE-----\n" * (1024 * 1024 // 28)
    with pytest.raises(InputError, match="truncated"):
        load_certificates(data, "begins.pem")
    assert parse_bundle(data) == []
    found = pem.scan(data)
    assert found.truncated and found.blocks == [] and len(found.begin_labels) == 1024 * 1024 // 28


def test_one_mib_without_markers_and_with_dashes() -> None:
    assert pem.scan(b"-" * (1024 * 1024)).blocks == []
    assert pem.scan(b"-----BEGIN " + b"A" * (1024 * 1024)).begin_labels == []


def test_a_10k_certificate_bundle_loads_dedupes_and_lints() -> None:
    pems = many_cas(10_000)
    data = b"".join(pems) + pems[0] + pems[1]  # two repeats at the end
    certs = load_certificates(data, "big.pem")
    assert len(certs) == 10_002
    assert certs[-1].origin == "big.pem#10002"
    unique = dedupe(certs)
    assert len(unique) == 10_000 and unique[0].origin == "big.pem#1"
    findings = lint_all(certs)
    assert len(findings) == 10_000
    assert all(f.level != "error" for found in findings.values() for f in found)
    assert len(parse_bundle(data)) == 10_002
