"""Proxy settings as pip and requests read them, with the credentials kept out of every output.

Two sources decide which proxy pip uses for an index URL:

- pip's own option: ``--proxy`` / ``PIP_PROXY`` / ``proxy =`` in a pip config
  file (one proxy for http and https). It beats the environment's proxy on
  every pip (``PipSession.request`` passes it as request-level proxies, and
  ``NO_PROXY`` does not apply to it). Since pip 24.1 it also switches
  requests' ``trust_env`` off, so ``REQUESTS_CA_BUNDLE`` and
  ``CURL_CA_BUNDLE`` are ignored too (pip #10685).
- the environment, exactly as requests applies it (``urllib.request``'s
  ``getproxies_environment``: any case, lower case wins, ``ALL_PROXY`` as the
  fallback, ``HTTP_PROXY`` ignored under CGI) and ``NO_PROXY`` (requests' own
  suffix / IP / CIDR matching, then ``proxy_bypass_environment``).

Stdlib only. ``ProxyURL.raw`` is the only place a password lives; everything
printable goes through ``redacted``.
"""

from __future__ import annotations

import base64
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

from pip_tls_setup import redact
from pip_tls_setup.errors import InputError

# The variables that decide the proxy, in the order doctor reports them.
ENV_NAMES = (
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "PIP_PROXY",
)
_DEFAULT_PORTS = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080, "socks4": 1080, "socks4a": 1080}


@dataclass(frozen=True)
class ProxyURL:
    """One proxy URL. ``raw`` may hold a password: never print it, print ``redacted``."""

    raw: str = field(repr=False)
    scheme: str
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    source: str = ""  # HTTPS_PROXY, PIP_PROXY, pip config, --proxy ...

    @property
    def redacted(self) -> str:
        return redact.url(self.raw if "://" in self.raw else f"http://{self.raw}")

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def has_credentials(self) -> bool:
        return self.username is not None

    @property
    def secrets(self) -> list[str]:
        """Every spelling of the credentials that must never appear in output."""
        found: list[str] = []
        for value in (self.password, self.username if self.password is None else None):
            if value:
                found.append(value)
        parts = urlsplit(self.raw if "://" in self.raw else f"http://{self.raw}")
        if parts.password:
            found.append(parts.password)  # the percent-encoded spelling
        if self.username is not None:
            found.append(self.basic_token() or "")
        return [s for s in dict.fromkeys(found) if s]

    def basic_token(self) -> str | None:
        if self.username is None:
            return None
        pair = f"{self.username}:{self.password or ''}".encode()
        return base64.b64encode(pair).decode("ascii")

    def authorization(self) -> str | None:
        """The ``Proxy-Authorization`` header value pip would send (Basic, from the URL)."""
        token = self.basic_token()
        return f"Basic {token}" if token else None


def parse(value: str, source: str) -> ProxyURL:
    """A proxy URL as requests reads it (``host:port`` means ``http://host:port``)."""
    text = value.strip()
    if "://" not in text:
        text = f"http://{text}"
    shown = redact.url(text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InputError(
            source,
            f"'{shown}' is not a valid proxy URL",
            "write it as http://host:port, with user name and password before the host if it needs them",
        ) from None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if not host:
        raise InputError(
            source,
            f"'{shown}' has no host",
            "write it as http://host:port, with user name and password before the host if it needs them",
        )
    return ProxyURL(
        raw=value.strip(),
        scheme=scheme,
        host=host,
        port=port or _DEFAULT_PORTS.get(scheme, 80),
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        source=source,
    )


# --------------------------------------------------------------------------- the environment, as requests reads it


def environment_proxies(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``{scheme: (value, variable)}`` like ``urllib.request.getproxies_environment`` (lower case wins)."""
    proxies: dict[str, tuple[str, str]] = {}
    for name, value in env.items():
        lower = name.lower()
        if value and lower.endswith("_proxy"):
            proxies[lower[:-6]] = (value, name)
    if "REQUEST_METHOD" in env:
        proxies.pop("http", None)  # CVE-2016-1000110: under CGI, HTTP_PROXY may come from a client header
    for name, value in env.items():
        if name.endswith("_proxy"):
            lower = name.lower()
            if value:
                proxies[lower[:-6]] = (value, name)
            else:
                proxies.pop(lower[:-6], None)
    return proxies


def no_proxy(env: Mapping[str, str]) -> tuple[str, str] | None:
    """requests' ``no_proxy`` lookup: the lower-case variable if non-empty, else the upper-case one."""
    for name in ("no_proxy", "NO_PROXY"):
        if env.get(name):
            return env[name], name
    return None


def _is_ipv4(text: str) -> bool:
    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return True


def _is_cidr(text: str) -> bool:
    if text.count("/") != 1:
        return False
    address, _, mask = text.partition("/")
    if not mask.isdigit() or not 1 <= int(mask) <= 32:
        return False
    return _is_ipv4(address)


def _in_network(ip: str, cidr: str) -> bool:
    address, _, bits = cidr.partition("/")
    ip_value = struct.unpack("=L", socket.inet_aton(ip))[0]
    mask = struct.unpack("=L", socket.inet_aton(_dotted_netmask(int(bits))))[0]
    network = struct.unpack("=L", socket.inet_aton(address))[0] & mask
    return bool((ip_value & mask) == (network & mask))


def _dotted_netmask(bits: int) -> str:
    value = 0xFFFFFFFF ^ (1 << 32 - bits) - 1
    return socket.inet_ntoa(struct.pack(">I", value))


def _bypass_environment(host: str, no_proxy_value: str | None) -> bool:
    """``urllib.request.proxy_bypass_environment`` (dot-boundary suffixes, ``*``)."""
    if no_proxy_value is None:
        return False
    if no_proxy_value == "*":
        return True
    host = host.lower()
    for name in no_proxy_value.split(","):
        name = name.strip().lstrip(".").lower()
        if not name:
            continue
        if host == name or host.endswith("." + name):
            return True
    return False


# pip 26.2 vendors requests 2.34, whose NO_PROXY entries match on a domain boundary
# ("corp.test" no longer matches "xcorp.test"); older pips match any string suffix.
DOMAIN_BOUNDARY_PIP = (26, 2)


def _entry_matches(hostname: str, with_port: str, entry: str, boundary: bool) -> bool:
    if not boundary:
        return hostname.endswith(entry) or with_port.endswith(entry)
    entry = entry.lstrip(".")
    if hostname == entry or with_port == entry:
        return True
    return hostname.endswith("." + entry) or with_port.endswith("." + entry)


def _ip_entry(ip: str, entries: list[str]) -> str | None:
    """requests' rule for an IPv4 host: a CIDR range containing it, or the address itself."""
    for entry in entries:
        if _is_cidr(entry):
            if _in_network(ip, entry):
                return entry
        elif ip == entry:
            return entry
    return None


def _name_entry(parts: SplitResult, hostname: str, entries: list[str], boundary: bool) -> str | None:
    """requests' rule for a host name: a suffix of the name, or of ``name:port``."""
    try:
        port = parts.port
    except ValueError:
        port = None
    with_port = f"{hostname}:{port}" if port else hostname
    for entry in entries:
        if _entry_matches(hostname, with_port, entry, boundary):
            return entry
    return None


def bypasses(url: str, env: Mapping[str, str], pip_version: tuple[int, ...] | None = None) -> tuple[bool, str | None]:
    """Whether requests skips the environment proxy for ``url`` (and which ``NO_PROXY`` entry says so).

    ``pip_version`` selects the matching rule of the requests that pip vendors; unknown means the newest.
    """
    boundary = pip_version is None or pip_version >= DOMAIN_BOUNDARY_PIP
    parts = urlsplit(url)
    hostname = parts.hostname
    if hostname is None:
        return True, None
    found = no_proxy(env)
    if found:
        entries = [h for h in found[0].replace(" ", "").split(",") if h]
        entry = _ip_entry(hostname, entries) if _is_ipv4(hostname) else _name_entry(parts, hostname, entries, boundary)
        if entry is not None:
            return True, entry
    env_no = environment_proxies(env).get("no")
    if _bypass_environment(hostname, env_no[0] if env_no else None):
        return True, env_no[0] if env_no else None
    return False, None


def from_environment(url: str, env: Mapping[str, str], pip_version: tuple[int, ...] | None = None) -> ProxyURL | None:
    """The proxy requests (``trust_env=True``) uses for ``url``, or None for a direct connection."""
    if bypasses(url, env, pip_version)[0]:
        return None
    proxies = environment_proxies(env)
    scheme = urlsplit(url).scheme.lower()
    chosen = proxies.get(scheme) or proxies.get("all")
    if not chosen:
        return None
    return parse(chosen[0], chosen[1])


@dataclass(frozen=True)
class Choice:
    """The proxy pip would use for one URL, and why."""

    proxy: ProxyURL | None
    reason: str
    trust_env: bool  # False: requests ignores NO_PROXY, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE


def for_pip(url: str, env: Mapping[str, str], pip_proxy: str | None, pip_version: tuple[int, ...] | None) -> Choice:
    """pip's choice: its own ``proxy`` option (``--proxy``/``PIP_PROXY``/config) beats the environment.

    ``PipSession.request`` passes the option as request-level proxies, so it wins for http and https
    on every pip (and ``NO_PROXY`` does not apply to it); pip 24.1+ also stops reading the environment
    altogether (``trust_env = False``), which drops ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` too.
    """
    source = "PIP_PROXY" if env.get("PIP_PROXY") and pip_proxy == env.get("PIP_PROXY") else "pip config (proxy =)"
    modern = pip_version is None or pip_version >= (24, 1)
    scheme = urlsplit(url).scheme.lower()
    if pip_proxy and scheme in ("http", "https"):
        option = parse(pip_proxy, source)
        if modern:
            return Choice(option, f"{source}; pip >= 24.1 then ignores the environment (NO_PROXY too)", False)
        return Choice(option, f"{source} (pip's proxy option beats the environment's)", True)
    from_env = from_environment(url, env, pip_version)
    if from_env is not None:
        return Choice(from_env, from_env.source, True)
    skipped, entry = bypasses(url, env, pip_version)
    if skipped and entry and environment_proxies(env).get(scheme):
        return Choice(None, f"NO_PROXY entry '{entry}' matches: direct connection", True)
    return Choice(None, "no proxy configured: direct connection", True)


def validate(env: Mapping[str, str]) -> None:
    """Every proxy variable that is set must parse (InputError naming the variable, password masked)."""
    for name in ENV_NAMES:
        if env.get(name) and name.lower() != "no_proxy":
            parse(env[name], name)


def settings(env: Mapping[str, str]) -> dict[str, str]:
    """The proxy variables that are set, redacted (what doctor prints)."""
    return {name: redact.url(env[name]) for name in ENV_NAMES if env.get(name)}


def secrets(env: Mapping[str, str], extra: list[str] | None = None) -> list[str]:
    """Every credential in the proxy variables (and ``extra`` values): what output must never contain."""
    found: list[str] = []
    for value in [*(env.get(name, "") for name in ENV_NAMES), *(extra or [])]:
        if not value:
            continue
        try:
            found.extend(parse(value, "proxy").secrets)
        except InputError:
            found.extend(redact.secrets_in(value))
    return [s for s in dict.fromkeys(found) if len(s) >= 3]
