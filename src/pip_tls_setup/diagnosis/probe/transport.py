"""The network side of a probe: a TCP connection (each step within the budget), the ``CONNECT`` pip would
send (Basic credentials from the proxy URL, 407 answers explained), TLS to an ``https://`` proxy, and a TLS
handshake over memory BIOs, so the same code works direct, through ``http://`` and ``https://`` proxies.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pip_tls_setup import __version__
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis.probe.budget import Deadline, ProbeFailure, Step
from pip_tls_setup.diagnosis.probe.result import Endpoint, TrustSource
from pip_tls_setup.diagnosis.proxies import ProxyURL

MAX_HEADER = 65536  # a CONNECT answer's header larger than this is not a proxy speaking HTTP
NOT_HTTP = "the proxy did not answer CONNECT in HTTP (is this a SOCKS or TLS port rather than an HTTP proxy?)"
# What pip prints for a cut handshake, as measured (docs/errors.md): the words differ by Python and pip.
CUT_WORDS = (
    "EOF occurred in violation of protocol (Python 3.10+), TLS/SSL connection has been closed (EOF) "
    "(Python 3.8/3.9), or bad handshake: SysCallError(-1, 'Unexpected EOF') (pip 20.1 and older with pyOpenSSL)"
)
RESET_WORDS = (
    "ConnectionResetError(104, 'Connection reset by peer'), or bad handshake: SysCallError(104, 'ECONNRESET') "
    "(pip 20.1 and older with pyOpenSSL)"
)
CUT_TLS = (
    "{host} closed the connection during the TLS handshake (pip reports: {words}); a proxy or firewall is cutting TLS"
)
CUT_TUNNEL = (
    "the proxy accepted CONNECT {host}:{port}, then {how} the tunnel during the TLS handshake "
    "(pip reports: {words}): the proxy, or a firewall behind it, does not let TLS to {host} through"
)
RESET_TLS = "{host} reset the connection during the TLS handshake (pip reports: {words})"
AUTH_REJECTED = (
    "the proxy rejected the credentials in the proxy URL (407 Proxy Authentication Required; it offers {offered})"
)
AUTH_MISSING = (
    "the proxy asks for authentication (407 Proxy Authentication Required; it offers {offered}); "
    "pip only sends Basic credentials written into the proxy URL (user name and password before the host)"
)
AUTH_RELAY = "; pip cannot do NTLM/Negotiate/Kerberos itself: run a local relay such as cntlm or px"


# --------------------------------------------------------------------------- one step on a socket


def _send(sock: socket.socket, step: Step, data: bytes) -> None:
    try:
        sock.settimeout(step.left())
        sock.sendall(data)
    except socket.timeout:
        raise step.expired() from None


def _receive(sock: socket.socket, step: Step, size: int, silent: str) -> bytes:
    """One ``recv`` within the step; ``silent`` is the failure's message when nothing arrives in time."""
    try:
        sock.settimeout(step.left())
        return sock.recv(size)
    except socket.timeout:
        raise step.expired(silent) from None


def _resolve(host: str, port: int, step: Step) -> list[Any]:
    """getaddrinfo with a timeout (it has none of its own): a silent resolver must not hang the job."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            box["error"] = exc

    worker = threading.Thread(target=work, name="pip-tls-setup-resolve", daemon=True)
    worker.start()
    worker.join(step.left())
    if worker.is_alive():
        raise step.expired(f"resolving {host}: no answer within {step.limit:.1f}s")
    if "error" in box:
        exc = box["error"]
        reason = getattr(exc, "strerror", None) or str(exc)
        what = "the proxy host" if step.stage == "proxy" else "the index host"
        raise ProbeFailure(C.DNS_FAILURE, step.stage, f"{what} {host} does not resolve ({reason})")
    infos: list[Any] = box["infos"]
    return infos


def connect(host: str, port: int, deadline: Deadline, stage: str) -> socket.socket:
    """A TCP connection; ``stage`` is "proxy" or "index" (it decides the classification of a failure)."""
    what = f"connecting to {'the proxy' if stage == 'proxy' else 'the index'} {host}:{port}"
    step = Step(deadline, stage, what)
    last: OSError | None = None
    for family, kind, proto, _name, address in _resolve(host, port, step):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(step.left())
            sock.connect(address)
        except socket.timeout:
            sock.close()
            raise step.expired() from None
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    reason = (getattr(last, "strerror", None) or str(last)) if last else "no address"
    kind_name = C.PROXY_UNREACHABLE if stage == "proxy" else C.UNREACHABLE
    raise ProbeFailure(kind_name, stage, f"{what} failed ({reason})")


# --------------------------------------------------------------------------- CONNECT


def _dropped(exc: OSError) -> ProbeFailure:
    return ProbeFailure(C.PROXY_ERROR, "proxy", f"the proxy dropped the connection ({exc})")


def _read_head(sock: socket.socket, step: Step) -> tuple[bytes, bytes]:
    silent = f"the proxy accepted the connection but did not answer CONNECT within {step.limit:.1f}s"
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        try:
            chunk = _receive(sock, step, 4096, silent)
        except OSError as exc:
            raise _dropped(exc) from None
        if not chunk:
            raise ProbeFailure(C.PROXY_ERROR, "proxy", "the proxy closed the connection without answering CONNECT")
        buffer += chunk
        if len(buffer) > MAX_HEADER:
            raise ProbeFailure(C.PROXY_ERROR, "proxy", "the proxy answered CONNECT with an oversized header")
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head, rest


def _request(authority: str, proxy: ProxyURL) -> bytes:
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}", f"User-Agent: pip-tls-setup/{__version__}"]
    authorization = proxy.authorization()
    if authorization:
        lines.append(f"Proxy-Authorization: {authorization}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def connect_tunnel(sock: socket.socket, host: str, port: int, proxy: ProxyURL, deadline: Deadline) -> bytes:
    """Send CONNECT as pip does; return bytes already read past the proxy's answer."""
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    step = Step(deadline, "proxy", f"CONNECT {authority} through the proxy")
    try:
        _send(sock, step, _request(authority, proxy))
    except OSError as exc:
        raise _dropped(exc) from None
    head, rest = _read_head(sock, step)
    status_line, *header_lines = head.decode("latin-1", "replace").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProbeFailure(C.PROXY_ERROR, "proxy", NOT_HTTP)
    status = int(parts[1])
    if status == 407:
        raise _auth_required(proxy, header_lines)
    if not 200 <= status < 300:
        reason = parts[2] if len(parts) > 2 else ""
        message = f"the proxy answered CONNECT {authority} with {status} {reason}".strip()
        raise ProbeFailure(C.PROXY_ERROR, "proxy", message, proxy_status=status)
    return rest


def _auth_required(proxy: ProxyURL, header_lines: Sequence[str]) -> ProbeFailure:
    schemes = [
        line.split(":", 1)[1].strip().split(" ", 1)[0]
        for line in header_lines
        if line.lower().startswith("proxy-authenticate:")
    ]
    message = auth_message(proxy, schemes)
    return ProbeFailure(C.PROXY_AUTH_REQUIRED, "proxy", message, proxy_status=407, proxy_auth_schemes=schemes)


def auth_message(proxy: ProxyURL, schemes: Sequence[str]) -> str:
    offered = ", ".join(schemes) or "no scheme named"
    text = (AUTH_REJECTED if proxy.has_credentials else AUTH_MISSING).format(offered=offered)
    if schemes and not any(s.lower() == "basic" for s in schemes):
        text += AUTH_RELAY
    return text


# --------------------------------------------------------------------------- TLS


def ssl_reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {exc.verify_message}"
    text = str(exc)
    return text or type(exc).__name__


def _pump(sock: socket.socket, outgoing: ssl.MemoryBIO, step: Step) -> None:
    data = outgoing.read()
    if data:
        _send(sock, step, data)


@dataclass
class Session:
    """A TLS session over memory BIOs on a socket: after the handshake, bytes go both ways through it."""

    sock: socket.socket
    obj: ssl.SSLObject
    incoming: ssl.MemoryBIO
    outgoing: ssl.MemoryBIO

    def feed(self, step: Step, silent: str) -> None:
        """Flush what TLS wants to send, then give it what the peer sent next (EOF when it hung up)."""
        _pump(self.sock, self.outgoing, step)
        data = _receive(self.sock, step, 65536, silent)
        if data:
            self.incoming.write(data)
        else:
            self.incoming.write_eof()

    def send(self, data: bytes, step: Step) -> None:
        self.obj.write(data)
        _pump(self.sock, self.outgoing, step)


def open_session(
    sock: socket.socket, ctx: ssl.SSLContext, host: str, deadline: Deadline, leftover: bytes = b""
) -> Session:
    step = Step(deadline, "tls", f"TLS handshake with {host}")
    silent = f"TLS handshake with {host}: the peer accepted the connection but sent nothing within {step.limit:.1f}s"
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    session = Session(sock, ctx.wrap_bio(incoming, outgoing, server_hostname=host.strip("[]")), incoming, outgoing)
    if leftover:
        incoming.write(leftover)
    while True:
        try:
            session.obj.do_handshake()
        except ssl.SSLWantReadError:
            session.feed(step, silent)
            continue
        _pump(sock, outgoing, step)
        return session


def handshake(
    sock: socket.socket, ctx: ssl.SSLContext, host: str, deadline: Deadline, leftover: bytes = b""
) -> ssl.SSLObject:
    return open_session(sock, ctx, host, deadline, leftover).obj


def _tls_to_proxy(sock: socket.socket, proxy: ProxyURL, deadline: Deadline, trust: ssl.SSLContext | None) -> Any:
    ctx = trust or ssl.create_default_context()
    step = Step(deadline, "proxy", f"TLS to the https:// proxy {proxy.address}")
    sock.settimeout(step.left())
    try:
        return ctx.wrap_socket(sock, server_hostname=proxy.host)
    except socket.timeout:
        raise step.expired() from None
    except (ssl.SSLError, OSError) as exc:
        message = f"TLS to the https:// proxy {proxy.address} failed: {ssl_reason(exc)}"
        raise ProbeFailure(C.TLS_TO_PROXY_FAILED, "proxy", message) from None


def open_path(
    endpoint: Endpoint, proxy: ProxyURL | None, deadline: Deadline, proxy_trust: ssl.SSLContext | None
) -> tuple[socket.socket, bytes]:
    """A socket to the index, direct or through the proxy's tunnel, and bytes already read past CONNECT."""
    if proxy is None:
        return connect(endpoint.host, endpoint.port, deadline, "index"), b""
    if proxy.scheme not in ("http", "https"):
        raise ProbeFailure(
            C.PROXY_ERROR, "proxy", f"{proxy.scheme}:// proxies are not probed (pip needs PySocks for them)"
        )
    sock = connect(proxy.host, proxy.port, deadline, "proxy")
    try:
        if proxy.scheme == "https":
            sock = _tls_to_proxy(sock, proxy, deadline, proxy_trust)
        leftover = connect_tunnel(sock, endpoint.host, endpoint.port, proxy, deadline)
    except BaseException:
        sock.close()
        raise
    return sock, leftover


def _cut(endpoint: Endpoint, proxy: ProxyURL | None, reset: bool) -> ProbeFailure:
    """The failure of a handshake the peer (or the proxy's tunnel) hung up on, in pip's words."""
    words = RESET_WORDS if reset else CUT_WORDS
    if proxy is not None:
        how = "reset" if reset else "closed"
        message = CUT_TUNNEL.format(host=endpoint.host, port=endpoint.port, how=how, words=words)
    else:
        message = (RESET_TLS if reset else CUT_TLS).format(host=endpoint.host, words=words)
    return ProbeFailure(C.TLS_ERROR, "tls", message)


def attempt(
    endpoint: Endpoint,
    proxy: ProxyURL | None,
    ctx: ssl.SSLContext,
    deadline: Deadline,
    proxy_trust: ssl.SSLContext | None,
    then: Callable[[Session], Any] | None = None,
) -> ssl.SSLObject:
    """One fresh connection and one handshake with ``ctx`` (an unverifying or a verifying context).

    ``then`` runs on the open session before the socket closes (the probe's HTTP request).
    """
    sock, leftover = open_path(endpoint, proxy, deadline, proxy_trust)
    try:
        session = open_session(sock, ctx, endpoint.host, deadline, leftover)
        if then is not None:
            then(session)
        return session.obj
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
        raise _cut(endpoint, proxy, reset=False) from None
    except ConnectionResetError:
        raise _cut(endpoint, proxy, reset=True) from None
    finally:
        sock.close()


def unverifying() -> ssl.SSLContext:
    """The context of the capturing handshake: it only looks, it trusts nothing."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def proxy_trust(sources: Sequence[TrustSource]) -> ssl.SSLContext | None:
    """Every usable source together, to verify an ``https://`` proxy's own certificate (None: none loaded)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    loaded = False
    for source in sources:
        for location in source.locations():
            try:
                ctx.load_verify_locations(**location)
            except (OSError, ssl.SSLError, ValueError):
                break
            loaded = True
    return ctx if loaded else None
