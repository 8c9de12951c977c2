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
        ([("eproxy.caadmin.netskope.com", "")], "Netskope"),
        ([("Cloudflare for Teams ECC Certificate Authority", "Cloudflare, Inc")], "Cloudflare Zero Trust"),
        ([("ESET SSL Filter CA", "ESET, spol. s r. o.")], "ESET"),
        ([("AVG Web/Mail Shield Root", "")], "AVG"),
        ([("Norton Web/Mail Shield Root", "")], "Norton"),
        ([("avast! Web/Mail Shield Root", "avast! Web/Mail Shield")], "Avast"),
        ([("Bitdefender Personal CA.Net-Defender", "Bitdefender")], "Bitdefender"),
        ([("", "AO Kaspersky Lab")], "Kaspersky"),
        ([("Charles Proxy CA (2 Oct 2017, host.local)", "XK72 Ltd")], "Charles Proxy"),
        ([("Fiddler Root Certificate Authority", "Progress Telerik Fiddler")], "Fiddler"),
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
        [("Palo Alto Decryption Forward Trust", "")],  # customer-named: left to the structural check
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


def test_local_interceptors_are_said_to_be_local() -> None:
    from pip_tls_setup.diagnosis import nextsteps
    from pip_tls_setup.diagnosis.vendors import by_product

    for product, kind in (("Kaspersky", "antivirus"), ("ESET", "antivirus"), ("Fiddler", "debugging")):
        vendor = by_product(product)
        assert vendor is not None and vendor.kind == kind
        note = nextsteps.local_tool(product)
        assert note is not None and "not a corporate proxy" in note and product in note
    assert nextsteps.local_tool("Zscaler") is None
    assert nextsteps.local_tool(None) is None
    assert nextsteps.local_tool("Something Else") is None
