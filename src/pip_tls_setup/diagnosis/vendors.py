"""Which product issued an intercepted certificate, from the issuer's names.

The table follows Chromium's SSL error assistant (``mitm_software`` entries in
``chrome/browser/resources/ssl/ssl_error_assistant/ssl_error_assistant.asciipb``:
regular expressions on the issuer's common name and organisation), plus
products whose issuer names can be cited; each entry outside Chromium's list
names its source in a comment. Nothing is guessed: a product whose CA the
customer names (Palo Alto, Check Point, ...) is left to the structural check.

``kind`` says where the interceptor runs: ``corporate`` (a gateway or cloud
proxy), ``antivirus`` (HTTPS scanning on this machine) or ``debugging`` (a
capture tool on this machine); doctor says so for the last two, because no
proxy setting and no corporate CA is involved then.

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
    kind: str = "corporate"  # corporate | antivirus | debugging

    def matches(self, common_name: str, organization: str) -> bool:
        if self.common_name and common_name and re.fullmatch(self.common_name, common_name, re.IGNORECASE):
            return True
        return bool(self.organization and organization and re.fullmatch(self.organization, organization, re.IGNORECASE))


_ZSCALER_HINT = "Zscaler Client Connector: the root is 'Zscaler Root CA' (ask IT for the tenant's own CA if it has one)"
AV = "antivirus"
DEBUG = "debugging"

VENDORS: tuple[Vendor, ...] = (
    # Chromium ssl_error_assistant mitm_software entries (pip-trust-facts.md section 4.2).
    Vendor("Avast", r"avast! Web/Mail Shield Root", r"avast! Web/Mail Shield", kind=AV),
    Vendor("Bitdefender", r"Bitdefender Personal CA\.Net-Defender", r"Bitdefender", kind=AV),
    Vendor("Cisco Umbrella", r"Cisco Umbrella (Root CA|Primary SubCA)", r"Cisco"),
    Vendor("ContentKeeper", r"ContentKeeper Appliance CA \(\d+\)", r"ContentKeeper Technologies"),
    Vendor("Cyberoam", None, r"Cyberoam Certificate Authority"),
    Vendor("Forcepoint", r"Forcepoint Cloud CA", r"Forcepoint LLC"),
    Vendor("FortiGate", r"FortiGate CA", r"Fortinet( Ltd\.)?"),
    # Chromium's CN; the organisation "AO Kaspersky Lab" as wget prints it for an intercepted site
    # ("issued by 'CN=Kaspersky Anti-Virus Personal Root Certificate,O=AO Kaspersky Lab'", public build logs).
    Vendor("Kaspersky", r"Kaspersky Anti-Virus Personal Root Certificate", r"AO Kaspersky Lab", kind=AV),
    Vendor("McAfee Web Gateway", r"McAfee Web Gateway.*"),
    Vendor("NetSpark", r"www\.netspark\.com", r"NetSpark"),
    Vendor("Smoothwall", r"Smoothwall-default-root-certificate-authority"),
    Vendor("SonicWall", None, r"HTTPS Management Certificate for SonicWALL.*"),
    # Chromium's Sophos names are its gateways' (UTM, Web Appliance, firewall CA): corporate.
    Vendor(
        "Sophos",
        r"(Sophos SSL CA_[A-Z0-9\-]+|Sophos_CA_[A-Z0-9]+|sophosutm Proxy CA|Sophos Web Appliance.*)",
        r"(Sophos|sophosutm|Sophos Plc)",
    ),
    Vendor("Symantec / Blue Coat ProxySG", None, r"Blue Coat.*"),
    Vendor("Trend Micro IWSS", r"IWSS\.TREND.*"),
    Vendor("Zscaler", r"Zscaler (Root CA|Intermediate Root CA.*)", r"Zscaler Inc\.?", _ZSCALER_HINT),
    # Zscaler: the root "CN=Zscaler Root CA, OU=Zscaler Inc., O=Zscaler Inc." [help.zscaler.com, "Choosing the
    # CA Certificate for SSL Inspection"].
    # Netskope: the tenant CA "caadmin.netskope.com" / "eproxy.caadmin.netskope.com", and "ca.<tenant>.goskope.com"
    # as exported from macOS keychains in public setup scripts (security find-certificate -c "caadmin.netskope.com").
    Vendor("Netskope", r"(eproxy\.)?caadmin\.netskope\.com|ca\.[a-z0-9.-]+\.goskope\.com"),
    # Cloudflare Zero Trust (WARP / Gateway): "C=US, ST=California, L=San Francisco, O=Cloudflare, Inc,
    # CN=Cloudflare for Teams ECC Certificate Authority" [Cloudflare One docs, "Install the root certificate"].
    Vendor("Cloudflare Zero Trust", r"Cloudflare for Teams ECC Certificate Authority"),
    # Antivirus HTTPS scanning on this machine; the names as openssl/keytool print intercepted chains in public
    # troubleshooting notes: "Issuer: CN=AVG Web/Mail Shield Root", "CN=Norton Web/Mail Shield Root",
    # "C=SK, O="ESET, spol. s r. o.", CN=ESET SSL Filter CA".
    Vendor("AVG", r"AVG Web/Mail Shield Root", kind=AV),
    Vendor("Norton", r"Norton Web/Mail Shield Root", kind=AV),
    Vendor("ESET", r"ESET SSL Filter CA", r"ESET, spol\. s ?r\. ?o\.", kind=AV),
    # Debugging proxies on this machine.
    # mitmproxy: CN=mitmproxy, O=mitmproxy [mitmproxy 11.0.2 certs.py: CertStore.create_store(... basename)].
    Vendor("mitmproxy", r"mitmproxy", r"mitmproxy", kind=DEBUG),
    # Charles: "O=XK72 Ltd, OU=https://charlesproxy.com/ssl, CN=Charles Proxy CA (<date>, <host>)" as OkHttp's
    # certificate-pinning failures print it (public Android projects); "org-XK72 Ltd" in browsers' lists.
    Vendor("Charles Proxy", r"Charles Proxy CA( \(.*\))?", r"XK72 Ltd", kind=DEBUG),
    # Fiddler Classic: "CN=DO_NOT_TRUST_FiddlerRoot, O=DO_NOT_TRUST, OU=Created by http://www.fiddler2.com"
    # [vcsjones/FiddlerCertGen FiddlerCertProvider4/FiddlerCertificate.cs FIDDLER_ROOT_DN]; Fiddler Everywhere:
    # "O=Progress Telerik Fiddler, CN=Fiddler Root Certificate Authority" [telerik/fiddler-everywhere-docs].
    Vendor(
        "Fiddler",
        r"DO_NOT_TRUST_FiddlerRoot|Fiddler Root Certificate Authority",
        r"DO_NOT_TRUST|Progress Telerik Fiddler",
        kind=DEBUG,
    ),
    # Burp Suite: "C=PortSwigger, ST=PortSwigger, L=PortSwigger, O=PortSwigger, OU=PortSwigger CA,
    # CN=PortSwigger CA" (openssl x509 -subject of Burp's exported CA, public Android setup guides).
    Vendor("Burp Suite", r"PortSwigger CA", r"PortSwigger", kind=DEBUG),
)


def identify(names: Iterable[tuple[str, str]]) -> Vendor | None:
    """The first vendor matching any ``(common name, organisation)`` pair (issuers first, then CAs)."""
    pairs = list(names)
    for vendor in VENDORS:
        for common_name, organization in pairs:
            if vendor.matches(common_name, organization):
                return vendor
    return None


def by_product(product: str | None) -> Vendor | None:
    """The table entry of a product name doctor reported (None: unknown or none)."""
    return next((v for v in VENDORS if v.product == product), None) if product else None
