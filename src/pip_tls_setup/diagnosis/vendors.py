"""Which product issued an intercepted certificate, from the issuer's names.

The table follows Chromium's SSL error assistant (``mitm_software`` entries:
regular expressions on the issuer's common name and organisation), plus the
products corporate networks meet most (Zscaler, Netskope, Palo Alto, Check
Point, ...) and the lab tools (mitmproxy, Charles, Fiddler, Burp).

Many products sign with a CA the customer names, so a match only *labels* an
interception; detection itself is structural (the chain does not verify against
the public roots). Stdlib only: names come in as plain strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Vendor:
    product: str
    common_name: str | None = None  # regex on the issuer's (or CA's) CN
    organization: str | None = None  # regex on the issuer's (or CA's) O
    hint: str = ""

    def matches(self, common_name: str, organization: str) -> bool:
        if self.common_name and common_name and re.fullmatch(self.common_name, common_name, re.IGNORECASE):
            return True
        return bool(self.organization and organization and re.fullmatch(self.organization, organization, re.IGNORECASE))


_ZSCALER_HINT = "Zscaler Client Connector: the root is 'Zscaler Root CA' (ask IT for the tenant's own CA if it has one)"

VENDORS: tuple[Vendor, ...] = (
    # Chromium ssl_error_assistant mitm_software entries.
    Vendor("Avast", r"avast! Web/Mail Shield Root", r"avast! Web/Mail Shield"),
    Vendor("Bitdefender", r"Bitdefender Personal CA\.Net-Defender", r"Bitdefender"),
    Vendor("Cisco Umbrella", r"Cisco Umbrella (Root CA|Primary SubCA)", r"Cisco"),
    Vendor("ContentKeeper", r"ContentKeeper Appliance CA \(\d+\)", r"ContentKeeper Technologies"),
    Vendor("Cyberoam", None, r"Cyberoam Certificate Authority"),
    Vendor("Forcepoint", r"Forcepoint Cloud CA", r"Forcepoint LLC"),
    Vendor("FortiGate", r"FortiGate CA", r"Fortinet( Ltd\.)?"),
    Vendor("Kaspersky", r"Kaspersky Anti-Virus Personal Root Certificate"),
    Vendor("McAfee Web Gateway", r"McAfee Web Gateway.*"),
    Vendor("NetSpark", r"www\.netspark\.com", r"NetSpark"),
    Vendor("Smoothwall", r"Smoothwall-default-root-certificate-authority"),
    Vendor("SonicWall", None, r"HTTPS Management Certificate for SonicWALL.*"),
    Vendor(
        "Sophos",
        r"(Sophos SSL CA_[A-Z0-9\-]+|Sophos_CA_[A-Z0-9]+|sophosutm Proxy CA|Sophos Web Appliance.*)",
        r"(Sophos|sophosutm|Sophos Plc)",
    ),
    Vendor("Symantec / Blue Coat ProxySG", None, r"Blue Coat.*"),
    Vendor("Trend Micro IWSS", r"IWSS\.TREND.*"),
    # Common in corporate networks (names seen in the field; customers may rename their CA).
    Vendor("Zscaler", r"Zscaler (Root CA|Intermediate Root CA.*)", r"Zscaler Inc\.?", _ZSCALER_HINT),
    Vendor("Netskope", r"(caadmin\.netskope\.com|.*Netskope.*)", r".*Netskope.*"),
    Vendor("Palo Alto Networks", r".*(Palo Alto|PAN-OS|Forward[ -]Trust).*", r"Palo Alto Networks.*"),
    Vendor("Check Point", r".*Check ?Point.*", r"Check Point.*"),
    Vendor("Cloudflare Zero Trust", r"Cloudflare (for Teams|Gateway|Zero Trust).*", None),
    Vendor("ESET", r"ESET SSL Filter CA.*", r"ESET.*"),
    # Debugging proxies and the lab.
    Vendor("mitmproxy", r"mitmproxy", r"mitmproxy"),
    Vendor("Charles Proxy", r"Charles Proxy CA.*", None),
    Vendor("Fiddler", r"DO_NOT_TRUST_FiddlerRoot.*", None),
    Vendor("Burp Suite", r"PortSwigger CA", r"PortSwigger"),
)


def identify(names: Iterable[tuple[str, str]]) -> Vendor | None:
    """The first vendor matching any ``(common name, organisation)`` pair (issuers first, then CAs)."""
    pairs = list(names)
    for vendor in VENDORS:
        for common_name, organization in pairs:
            if vendor.matches(common_name, organization):
                return vendor
    return None
