"""One ``next:`` line for every classification: what to do about what doctor or verify found.

``for_class`` turns a classification and the facts of the probe (or verify
check) behind it into the lines to print; every name in ``classes.MEANINGS``
has an entry (a unit test keeps them equal). The texts are ``str.format``
templates over those facts; names that came from the wire are escaped by the
console that prints them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pip_tls_setup.diagnosis import classes as C

Facts = Mapping[str, Any]

VERDICT_OK = "verdict: pip can verify its index here"
VERDICT_NOT_CHECKED = (
    "verdict: not checked: no probe ran ({why}), so nothing says whether pip can verify its index; "
    "only the settings and traps above were checked"
)
NEXT_NOT_CHECKED = "next: run it again without --offline, where the index (or the proxy) can be reached"

SETUP_CA = [
    "next: put the CA where each pip looks (OS store, certifi, pip config, environment):",
    "        pip-tls-setup setup --ca <the corporate CA file>",
]
FROM_OS_STORE = [
    "next: the CA that signs this chain ('{issuer}') is already in the OS trust store, but {who} does not read "
    "the OS store; copy it from there into the places it does read:",
    "        pip-tls-setup setup --ca-from-os-store",
]
LOCAL_TOOL = (
    "note: '{product}' is a program on this machine ({kind}), not a corporate proxy: it intercepts TLS here "
    "without any proxy setting. Either turn off its HTTPS/SSL scanning for Python tools, or export its root "
    "certificate from it and pass that file to setup --ca; IT's corporate CA will not help"
)

_PROXY_WHERE = "{proxy} ({source})"

TEXTS: dict[str, str] = {
    C.EXPIRED: (
        "next: a certificate of this chain is outside its validity period by this machine's clock{server_agrees}; "
        "the operator of {issuer_or_host} must renew it; no client setting fixes that safely (never --trusted-host)"
    ),
    C.CLOCK_SKEW: (
        "next: set this machine's clock right (enable time sync: 'timedatectl set-ntp true' on Linux, the "
        "date and time settings on Windows/macOS, the hypervisor's time sync for a VM), then retry; "
        "no certificate change is needed"
    ),
    C.HOSTNAME_MISMATCH: (
        "next: use a host name that the certificate names in the index URL, or ask the operator of {host} for "
        "a certificate that names it (never --trusted-host: it also switches certificate checks off)"
    ),
    C.PROXY_UNREACHABLE: (
        "next: nothing accepts connections at the proxy {where}: check its host and port (is the proxy or "
        "VPN client running?), or unset the variable if this network has no proxy"
    ),
    C.PROXY_ERROR: (
        "next: the proxy {where} refused the tunnel to {host}:{port}: ask its admins to allow CONNECT to it, "
        "and check that the address is an HTTP proxy"
    ),
    C.UNREACHABLE: (
        "next: nothing accepts connections at {host}:{port}: check the index URL; if this network only lets "
        "traffic out through a proxy, set HTTPS_PROXY=http://PROXY-HOST:PORT"
    ),
    C.PLAIN_HTTP: "next: use the https:// address of the index (and never --trusted-host)",
    C.NOT_PROBED: NEXT_NOT_CHECKED,
    C.VERIFICATION_DISABLED: (
        "next: remove the setting that switches verification off ('pip-tls-setup scan' shows where it is set); "
        "then 'pip-tls-setup setup' makes verification work"
    ),
    C.UNTRUSTED: (
        "next: this Python's trust settings lack the public root of {host}: run 'pip-tls-setup setup' (its "
        "combined bundle holds the public roots too), or fix the CA file pip is told to use"
    ),
    C.HTTP_ERROR: (
        "next: TLS works; the index (or the proxy on its behalf) answered 5xx: check that the index is up "
        "and that the proxy may reach it"
    ),
    C.ERROR: "next: run the target's pip by hand for the full error (python -m pip download -v ...)",
}

TIMEOUTS = {
    "proxy": (
        "next: the proxy {where} accepted the connection but never answered: check that the port is its HTTP "
        "proxy port and whether a VPN must be up"
    ),
    "tls": (
        "next: {host} (or the proxy's tunnel to it) never answered the TLS handshake: a firewall may drop it; "
        "ask the network admins, or retry with a longer --timeout"
    ),
    "http": (
        "next: {host} completes TLS but does not answer HTTP in time: check that the index or mirror is up; "
        "raise pip's --timeout only if it is merely slow"
    ),
    "": (
        "next: {host}:{port} did not answer in time: a firewall may drop the traffic, or this network needs "
        "a proxy (HTTPS_PROXY=http://PROXY-HOST:PORT)"
    ),
}
DNS = {
    "proxy": "next: the proxy host in {source} does not resolve: check it for a typo, and whether a VPN must be up",
    "": (
        "next: {host} does not resolve here: check the index URL and the DNS settings; if names outside are "
        "only reachable through a proxy, set HTTPS_PROXY=http://PROXY-HOST:PORT"
    ),
}
AUTH_REJECTED = (
    "next: the proxy rejected the user name and password in {source}: check them (percent-encode special "
    "characters: @ is %40, : is %3A), and that the account may use the proxy"
)
AUTH_MISSING = (
    "next: write the proxy user name and password into the proxy URL, from a CI secret: "
    "{source}=http://USER:PASSWORD@{address} (pip sends Basic credentials only)"
)
AUTH_RELAY = "        the proxy does not offer Basic: run a local relay (cntlm, px) and point {source} at it"
TLS_TO_PROXY_FIX = "next: write {fix}"
TLS_TO_PROXY_OTHER = (
    "next: TLS to the https:// proxy {where} failed and it does not answer plain HTTP either: check the "
    "address; if the proxy really speaks TLS, its own certificate must verify"
)
TLS_CUT = {
    True: (
        "next: the proxy {where} cuts TLS to {host}: ask its admins to let it through (or to inspect it with a "
        "CA that you then give to setup)"
    ),
    False: (
        "next: something on the path cuts TLS to {host} (a firewall, an antivirus, a transparent proxy): "
        "ask the network admins; retrying or downgrading pip does not help"
    ),
}


def _fill(template: str, facts: Facts) -> str:
    return template.format_map(_Defaults(facts))


class _Defaults(dict[str, Any]):
    """Template fields: the facts, with readable stand-ins for what is missing."""

    def __init__(self, facts: Facts) -> None:
        super().__init__(facts)
        proxy = facts.get("proxy") or "(none)"
        source = facts.get("proxy_reason") or facts.get("proxy_source") or "the proxy setting"
        self.setdefault("where", _PROXY_WHERE.format(proxy=proxy, source=source))
        self["source"] = source
        self.setdefault("address", urlsplit(str(proxy)).netloc.rpartition("@")[2] or "PROXY-HOST:PORT")
        self.setdefault("issuer_or_host", facts.get("issuer_name") or facts.get("host") or "the server")
        self.setdefault("server_agrees", "")

    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def _auth(facts: Facts) -> list[str]:
    lines = [_fill(AUTH_REJECTED if facts.get("proxy_credentials") else AUTH_MISSING, facts)]
    schemes = [str(s).lower() for s in facts.get("proxy_auth_schemes") or []]
    if schemes and "basic" not in schemes:
        lines.append(_fill(AUTH_RELAY, facts))
    return lines


def _tls_to_proxy(facts: Facts) -> list[str]:
    fix = facts.get("corrected_proxy")
    if not fix:
        return [_fill(TLS_TO_PROXY_OTHER, facts)]
    from pip_tls_setup.diagnosis.probe.run import fix_line

    source = str(facts.get("proxy_reason") or facts.get("proxy_source") or "HTTPS_PROXY")
    return [TLS_TO_PROXY_FIX.format(fix=fix_line(source, str(fix)))]


def _expired(facts: Facts) -> list[str]:
    agrees = " and by the server's own clock" if facts.get("server_date") else ""
    return [_fill(TEXTS[C.EXPIRED], {**facts, "server_agrees": agrees})]


SPECIAL: dict[str, Callable[[Facts], list[str]]] = {
    C.PROXY_AUTH_REQUIRED: _auth,
    C.TLS_TO_PROXY_FAILED: _tls_to_proxy,
    C.TIMEOUT: lambda f: [_fill(TIMEOUTS.get(str(f.get("stage") or ""), TIMEOUTS[""]), f)],
    C.DNS_FAILURE: lambda f: [_fill(DNS["proxy" if f.get("stage") == "proxy" else ""], f)],
    C.TLS_ERROR: lambda f: [_fill(TLS_CUT[bool(f.get("proxy"))], f)],
    C.EXPIRED: _expired,
}
VERDICTS = frozenset({C.DIRECT_TRUSTED, C.INTERCEPTED_TRUSTED, C.VERIFIED, C.OK})
OWN_STEPS = frozenset({C.INTERCEPTED_UNKNOWN_CA})  # doctor's own lines: the CA to get, --ca-from-proxy, OS store


def for_class(classification: str, facts: Facts) -> list[str]:
    """The ``next:`` lines for one classification (``verdict:`` for the ones that need nothing)."""
    if classification in VERDICTS:
        return [VERDICT_OK]
    if classification in SPECIAL:
        return SPECIAL[classification](facts)
    if classification in TEXTS:
        return [_fill(TEXTS[classification], facts)]
    if classification in OWN_STEPS:
        return unknown_ca(facts)
    return []


def unknown_ca(facts: Facts) -> list[str]:
    """Get the interception CA: from the security team, or from the wire once its fingerprint is confirmed."""
    name = facts.get("issuer_name") or facts.get("issuer") or "the interception CA"
    product = f" ({facts['product']})" if facts.get("product") else ""
    steps = [
        f"next: get the CA '{name}'{product} from your security team, then run",
        "        pip-tls-setup setup --ca <that file>",
    ]
    for candidate in facts.get("ca_candidates") or facts.get("ca_fingerprints") or []:
        fingerprint = candidate.get("sha256") if isinstance(candidate, Mapping) else candidate
        steps.append(
            f"      or, once they confirm sha256:{fingerprint} out of band:\n"
            f"        pip-tls-setup setup --ca-from-proxy --ca-fingerprint sha256:{fingerprint}"
        )
    return steps


def local_tool(product: str | None) -> str | None:
    """The note for an interceptor that runs on this machine (antivirus, debugging proxy), else None."""
    from pip_tls_setup.diagnosis.vendors import by_product

    vendor = by_product(product)
    if vendor is None or vendor.kind == "corporate":
        return None
    kind = "an antivirus that scans HTTPS" if vendor.kind == "antivirus" else "a debugging proxy"
    return LOCAL_TOOL.format(product=vendor.product, kind=kind)


def from_os_store(issuer: str, who: str) -> list[str]:
    return [line.format(issuer=issuer, who=who) for line in FROM_OS_STORE]
