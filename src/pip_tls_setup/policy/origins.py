"""pip's notion of a secure origin, applied exactly as pip applies it.

pip's built-in secure origins (``pip._internal.network.session.SECURE_ORIGINS``):
``https://*``, ``*://localhost`` (by name, case-insensitive), ``*://127.0.0.0/8``,
``*://[::1]``, ``file:`` and ``ssh://`` (the last ``+`` component of the scheme counts,
so ``git+ssh`` is ``ssh``). Names that merely resolve to loopback, and ``0.0.0.0``,
are *not* secure.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass

# Linear in the text: no alternative scans past the start of another expansion (a line of "${{${{${{..."
# would otherwise be rescanned from each "${{"), and %VAR% names are bounded.
_EXPANSION = re.compile(
    r"\$\{\{(?:[^}$\n]|\$(?!\{\{)|\}(?!\}))*\}\}"
    r"|\$\{(?:[^}$]|\$(?!\{))*\}"
    r"|\$\((?:[^)$]|\$(?!\())*\)"
    r"|\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9@*#?]|`|%[A-Za-z_][A-Za-z0-9_]{0,254}%"
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def has_expansion(text: str) -> bool:
    """``$VAR``, ``${VAR}``, ``$(cmd)``, ``${{ expr }}``, backticks or ``%VAR%``: known only at run time."""
    return bool(_EXPANSION.search(text))


def only_expansion(text: str) -> bool:
    """The whole value is one indirection (nothing to check statically)."""
    stripped = text.strip().strip("'\"")
    match = _EXPANSION.fullmatch(stripped)
    return bool(match)


@dataclass(frozen=True)
class Origin:
    scheme: str  # lower-case, last "+" component ("git+http" -> "http")
    full_scheme: str
    host: str  # lower-case, without brackets; "" when unknown
    port: str | None


def parse(url: str) -> Origin | None:
    """Scheme, host and port of ``url``; None when it is not a URL (a path, a name)."""
    text = url.strip().strip("'\"")
    match = _SCHEME.match(text)
    if not match:
        return None
    full = match.group(1).lower()
    rest = text[match.end() :]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in netloc:
        netloc = netloc.rsplit("@", 1)[1]
    host, port = split_host_port(netloc)
    return Origin(full.rsplit("+", 1)[-1], full, host, port)


def split_host_port(netloc: str) -> tuple[str, str | None]:
    netloc = netloc.strip()
    if netloc.startswith("["):
        end = netloc.find("]")
        if end != -1:
            host = netloc[1:end]
            rest = netloc[end + 1 :]
            return host.lower(), (rest[1:] if rest.startswith(":") and rest[1:] else None)
    if netloc.count(":") == 1:
        host, port = netloc.split(":", 1)
        return host.lower(), port or None
    if netloc.count(":") > 1:  # a bare IPv6 address
        return netloc.lower(), None
    return netloc.lower(), None


def is_loopback(host: str) -> bool:
    """pip's host exemptions: ``localhost`` by name, 127.0.0.0/8 and ::1 by address."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return address in ipaddress.IPv4Network("127.0.0.0/8")
    return address == ipaddress.IPv6Address("::1")


def host_of_trusted(value: str) -> tuple[str, str | None]:
    """``--trusted-host`` takes ``host[:port]``; people also pass URLs."""
    text = value.strip().strip("'\"")
    origin = parse(text)
    if origin is not None:
        return origin.host, origin.port
    return split_host_port(text.split("/", 1)[0])


@dataclass(frozen=True)
class PipHost:
    """A ``--trusted-host`` value as pip reads it (``PipSession.add_trusted_host`` -> ``parse_netloc``)."""

    value: str  # as written
    host: str | None  # what pip trusts (lower-case); None when pip cannot read it
    port: int | None
    error: str | None = None  # pip stops with this error

    @property
    def shown(self) -> str:
        return f"{self.host}:{self.port}" if self.port is not None else (self.host or self.value)

    @property
    def is_url(self) -> bool:
        """Written as a URL: pip takes host[:port], so it trusts the scheme's name as a host instead."""
        return "://" in self.value

    @property
    def is_name(self) -> bool:
        """The host could name a real machine (no blanks, quotes or other characters no host name has)."""
        return self.host is not None and bool(_HOST_NAME.fullmatch(self.host))


_HOST_NAME = re.compile(r"[a-z0-9_.-]+|[0-9a-f:.]+")


def pip_trusted_host(value: str) -> PipHost:
    """``value`` read exactly as pip reads a trusted host (``pip._internal.utils.misc.parse_netloc``):
    ``https://`` is put in front and the result parsed as a URL, so ``https://mirror`` is the host
    ``https``, ``'a b'`` one host named ``a b``, and ``https://mirror:8443`` makes pip fail."""
    netloc = value
    if netloc.count(":") >= 2 and "@" not in netloc and "[" not in netloc:
        netloc = f"[{netloc}]"  # pip: "It must be a bare IPv6 address, so wrap it with brackets"
    try:
        parsed = urllib.parse.urlparse(f"https://{netloc}")
        host, port = parsed.hostname, parsed.port
    except ValueError as exc:
        return PipHost(value, None, None, str(exc))
    if host is None:
        return PipHost(value, None, None, "Trusted host URL must include a host part")
    return PipHost(value, host, port)


def insecure_index(url: str) -> Origin | None:
    """An index / find-links URL pip refuses (and would only use unencrypted): plain http, not loopback."""
    origin = parse(url)
    if origin is None or origin.scheme != "http":
        return None
    if origin.host and not has_expansion(origin.host) and is_loopback(origin.host):
        return None
    return origin


PLAINTEXT_SCHEMES = ("http", "git", "svn")


def plaintext_fetch(url: str) -> Origin | None:
    """A URL pip or git fetches without TLS: http://, git+http://, git://, svn://, svn+http://..."""
    origin = parse(url)
    if origin is None or origin.scheme not in PLAINTEXT_SCHEMES:
        return None
    if origin.host and not has_expansion(origin.host) and is_loopback(origin.host):
        return None
    return origin


def display_host(origin: Origin) -> str:
    return origin.host or "?"
