"""After the capturing handshake: one ``HEAD`` request, and the plain-HTTP check of an ``https://`` proxy.

The request shows what the TLS layer cannot: whether the server answers at
all (pip's "Read timed out" comes from a server that completes the handshake
and then stays silent) and what time the server thinks it is (its ``Date``
header, to tell a wrong local clock from an expired certificate). It carries
no credentials: the connection is unverified, so it only asks for a status.

``plain_connect`` asks an ``https://`` proxy's address for a plain ``CONNECT``
after TLS to it failed: an answer in HTTP means the proxy speaks plain HTTP
and the URL's scheme is what is wrong.
"""

from __future__ import annotations

import email.utils
import ssl
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from urllib.parse import urlsplit

from pip_tls_setup import __version__
from pip_tls_setup.diagnosis.probe import transport
from pip_tls_setup.diagnosis.probe.budget import Deadline, ProbeFailure, Step
from pip_tls_setup.diagnosis.probe.result import Endpoint
from pip_tls_setup.diagnosis.proxies import ProxyURL

MAX_HEAD = 65536
SILENT = (
    "{host} completed the TLS handshake but sent no HTTP answer within {limit:.1f}s "
    "(pip reports: ReadTimeoutError(\"HTTPSConnectionPool(host='{host}', port={port}): Read timed out. "
    '(read timeout=N)"))'
)


@dataclass
class Answer:
    """What the server said to one ``HEAD`` (or why it said nothing)."""

    status: int | None = None
    date: datetime | None = None
    silent: str = ""  # the timeout message when the server never answered
    error: str = ""  # any other failure (it hung up, the budget was spent)


def _request(endpoint: Endpoint) -> bytes:
    parts = urlsplit(endpoint.url)
    path = parts.path or "/"
    default = 443 if parts.scheme == "https" else 80
    host = endpoint.host if ":" not in endpoint.host else f"[{endpoint.host}]"
    authority = host if endpoint.port == default else f"{host}:{endpoint.port}"
    lines = [
        f"HEAD {path} HTTP/1.1",
        f"Host: {authority}",
        f"User-Agent: pip-tls-setup/{__version__}",
        "Accept: */*",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def parse_head(head: bytes) -> tuple[int | None, datetime | None]:
    """The status and the ``Date`` header (UTC) of an HTTP response head."""
    status_line, *lines = head.decode("latin-1", "replace").split("\r\n")
    parts = status_line.split(" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[0].startswith("HTTP/") and parts[1].isdigit() else None
    date = None
    for line in lines:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "date":
            date = parse_date(value.strip())
    return status, date


def parse_date(value: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _read_head(session: transport.Session, step: Step, silent: str) -> bytes:
    buffer = b""
    while b"\r\n\r\n" not in buffer and len(buffer) < MAX_HEAD:
        try:
            chunk = session.obj.read(65536)
        except ssl.SSLWantReadError:
            session.feed(step, silent)
            continue
        if not chunk:
            break
        buffer += chunk
    return buffer.partition(b"\r\n\r\n")[0]


def ask(session: transport.Session, endpoint: Endpoint, deadline: Deadline) -> Answer:
    """Send one ``HEAD`` over the open session; never raises for what the peer does."""
    try:
        step = Step(deadline, "http", f"HTTP request to {endpoint.host}")
    except ProbeFailure as failure:
        return Answer(error=failure.message)
    silent = SILENT.format(host=endpoint.host, port=endpoint.port, limit=step.limit)
    try:
        session.send(_request(endpoint), step)
        head = _read_head(session, step, silent)
    except ProbeFailure as failure:
        return Answer(silent=failure.message) if failure.message == silent else Answer(error=failure.message)
    except (ssl.SSLError, OSError) as exc:
        return Answer(error=f"{endpoint.host} hung up after the handshake ({transport.ssl_reason(exc)})")
    if not head:
        return Answer(error=f"{endpoint.host} closed the connection without an HTTP answer")
    status, date = parse_head(head)
    return Answer(status=status, date=date)


def plain_connect(proxy: ProxyURL, endpoint: Endpoint, deadline: Deadline) -> tuple[bool | None, str]:
    """Does ``proxy``'s address answer a plain-HTTP ``CONNECT``? (True/False/None: could not tell, and why)."""
    plain = replace(proxy, scheme="http")
    try:
        sock = transport.connect(plain.host, plain.port, deadline, "proxy")
    except ProbeFailure as failure:
        return None, failure.message
    try:
        transport.connect_tunnel(sock, endpoint.host, endpoint.port, plain, deadline)
    except ProbeFailure as failure:
        status = failure.extra.get("proxy_status")
        if status is not None:
            return True, f"HTTP {status}"
        return (None, failure.message) if failure.classification == "timeout" else (False, failure.message)
    finally:
        sock.close()
    return True, "HTTP 200"


def corrected(proxy: ProxyURL) -> str:
    """The proxy URL with ``http://`` for ``https://`` (still holding its credentials: redact before printing)."""
    raw = proxy.raw.strip()
    head, sep, rest = raw.partition("://")
    return f"http://{rest}" if sep and head.lower() == "https" else raw
