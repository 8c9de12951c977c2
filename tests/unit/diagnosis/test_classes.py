"""One classification vocabulary: the code's names (diagnosis/classes.py), the schema's enum and the docs' table
say the same thing, and what the probe and verify emit stays inside it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pip_tls_setup.diagnosis import classes, verify

REPO = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((REPO / "docs" / "schemas" / "doctor.schema.json").read_text())
DOCS = (REPO / "docs" / "doctor.md").read_text()


def documented() -> dict[str, str]:
    """The rows of the table under '### Classifications' in docs/doctor.md."""
    section = DOCS.split("### Classifications", 1)[1].split("\n### ", 1)[0]
    return dict(re.findall(r"^\| `([a-z-]+)` \| (.+?) \|$", section, flags=re.MULTILINE))


def test_every_class_has_a_meaning_and_a_constant() -> None:
    constants = {v for k, v in vars(classes).items() if k.isupper() and isinstance(v, str)}
    assert constants == set(classes.MEANINGS)
    assert all(meaning.strip() for meaning in classes.MEANINGS.values())
    assert set(classes.MEANINGS) >= classes.OK_CLASSES | classes.INTERCEPTED_CLASSES


def test_schema_enum_is_the_vocabulary() -> None:
    assert SCHEMA["$defs"]["classification"]["enum"] == list(classes.MEANINGS)


def test_docs_table_is_the_vocabulary() -> None:
    assert list(documented()) == list(classes.MEANINGS)


def test_verify_classifies_into_the_vocabulary() -> None:
    samples = [
        {"chain": ["ProxyError: Tunnel connection failed: 407 Proxy Authentication Required"]},
        {"chain": ["SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] x"], "verify_code": 20},
        {"chain": ["something else entirely"]},
        {},
    ]
    for info in samples:
        for via_proxy in (True, False):
            assert verify.classify_error(info, via_proxy)[0] in classes.MEANINGS
