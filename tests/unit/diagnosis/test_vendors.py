"""The issuer table names interception products, and only them."""

from __future__ import annotations

import re

import pytest

from pip_tls_setup.diagnosis.vendors import VENDORS, identify


@pytest.mark.parametrize(
    ("names", "product"),
    [
        ([("Zscaler Intermediate Root CA (zscaler.net)", "Zscaler Inc.")], "Zscaler"),
        ([("Zscaler Root CA", "Zscaler Inc.")], "Zscaler"),
        ([("Some Tenant CA", "Zscaler Inc.")], "Zscaler"),
        ([("caadmin.netskope.com", "")], "Netskope"),
        ([("FortiGate CA", "Fortinet")], "FortiGate"),
        ([("", "Fortinet Ltd.")], "FortiGate"),
        ([("Palo Alto Decryption Forward Trust", "")], "Palo Alto Networks"),
        ([("Cisco Umbrella Primary SubCA", "Cisco")], "Cisco Umbrella"),
        ([("Sophos SSL CA_C1234ABCD", "")], "Sophos"),
        ([("", "Blue Coat Systems")], "Symantec / Blue Coat ProxySG"),
        ([("mitmproxy", "mitmproxy")], "mitmproxy"),
        ([("DO_NOT_TRUST_FiddlerRoot", "DO_NOT_TRUST")], "Fiddler"),
        ([("PortSwigger CA", "PortSwigger")], "Burp Suite"),
        ([("Kaspersky Anti-Virus Personal Root Certificate", "")], "Kaspersky"),
    ],
)
def test_products_are_named(names: list[tuple[str, str]], product: str) -> None:
    vendor = identify(names)
    assert vendor is not None and vendor.product == product


@pytest.mark.parametrize(
    "names",
    [
        [("DigiCert Global Root G2", "DigiCert Inc")],
        [("ISRG Root X1", "Internet Security Research Group")],
        [("Example Corp TLS Inspection Root CA", "Example Corp")],
        [("", "")],
        [],
    ],
)
def test_public_and_unknown_issuers_are_not_labelled(names: list[tuple[str, str]]) -> None:
    assert identify(names) is None


def test_every_pattern_compiles() -> None:
    for vendor in VENDORS:
        for pattern in (vendor.common_name, vendor.organization):
            if pattern:
                re.compile(pattern)
        assert vendor.common_name or vendor.organization
