"""Loopback servers with chosen behaviour, for the probe and verify tests.

- ``TLSIndex``: an HTTPS "index" on 127.0.0.1 presenting a chain you choose (a
  public-looking CA, an expired CA, a certificate for another name, ...). It
  answers ``/simple/<project>/`` with 200 for the projects it knows, 404 else;
  ``silent=True`` completes the handshake and then never answers (pip's "Read
  timed out"); ``clock_offset`` shifts the ``Date`` header it sends (a server
  whose clock disagrees with this machine's).
- ``TunnelProxy``: a plain CONNECT proxy that does *not* intercept; it routes
  reserved lab names to loopback ports, answers 502 for anything else, and can
  ask for Basic credentials (407). Fault modes: ``not_http`` says what it does
  when a client speaks TLS to it (as pip >= 20.3 does for an ``https://`` proxy
  URL): ``"wait"`` for an HTTP header, ``"400"`` (squid's answer: HTTP 400) or
  ``"close"``; ``tunnel`` says what happens after ``200 Connection established``:
  ``"splice"`` (normal), ``"close"`` (FIN as soon as the client speaks) or
  ``"reset"`` (RST), like a firewall cutting TLS.
- ``SilentPeer``: accepts connections and never sends a byte (a hung proxy or
  server); it records how many connections it accepted.
- ``closed_port()``: a loopback port nobody listens on.

Everything binds 127.0.0.1 and runs in daemon threads of the calling process.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.utils
import http.server
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from corplab.pki import Issued
from corplab.proc import free_port


def closed_port() -> int:
    """A loopback port with nothing listening (connections are refused)."""
    return free_port()


class _TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler], context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The handshake runs in the worker thread, so a client that never speaks TLS blocks nobody.
        request.settimeout(30)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up after the handshake (the probe does) are normal here."""


def _route(path: str, known: set[str], files: dict[str, bytes], page: Callable[[str], bytes]) -> tuple[int, bytes, str]:
    """(status, body, content type) of a simple-index request."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    if len(parts) == 2 and parts[0] == "simple" and parts[1] in known:
        return 200, b"<html><body>" + page(parts[1]) + b"</body></html>", "text/html"
    if len(parts) == 2 and parts[0] == "packages" and parts[1] in files:
        return 200, files[parts[1]], "application/octet-stream"
    if parts == ["simple"]:
        return 200, "".join(f'<a href="/simple/{p}/">{p}</a>' for p in sorted(known)).encode(), "text/html"
    return 404, b"not found", "text/html"


class TLSIndex:
    """``https://127.0.0.1:PORT/simple/`` presenting ``leaf`` + ``chain``."""

    def __init__(
        self,
        leaf: Issued,
        chain: Sequence[Issued],
        workdir: Path,
        projects: Sequence[str] = ("corp-hello",),
        silent: bool = False,
        clock_offset: dt.timedelta | None = None,
        wheels: Sequence[Path] = (),
    ):
        workdir.mkdir(parents=True, exist_ok=True)
        certfile = workdir / f"tls-index-{leaf.sha256[:12]}.pem"
        keyfile = workdir / f"tls-index-{leaf.sha256[:12]}.key"
        certfile.write_bytes(leaf.pem + b"".join(c.pem for c in chain))
        keyfile.write_bytes(leaf.key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certfile), str(keyfile))
        known = set(projects)
        files = {wheel.name: wheel.read_bytes() for wheel in wheels}
        offset = clock_offset or dt.timedelta(0)

        def page(project: str) -> bytes:
            module = project.replace("-", "_")
            names = [n for n in sorted(files) if n.startswith(module + "-")] or [f"{project}-0.1.tar.gz"]
            return "".join(f'<a href="/packages/{n}">{n}</a>' for n in names).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def date_time_string(self, timestamp: float | None = None) -> str:
                now = (timestamp if timestamp is not None else time.time()) + offset.total_seconds()
                return email.utils.formatdate(now, usegmt=True)

            def handle(self) -> None:
                if silent:  # the handshake is done; hold the connection and never answer
                    with contextlib.suppress(OSError):
                        self.connection.settimeout(120)
                        while self.connection.recv(65536):
                            continue
                    return
                super().handle()

            def do_HEAD(self) -> None:
                self.answer(with_body=False)

            def do_GET(self) -> None:
                self.answer(with_body=True)

            def answer(self, with_body: bool) -> None:
                status, body, kind = _route(self.path, known, files, page)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = _TLSServer(Handler, context)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="tls-index", daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/simple/"

    def __enter__(self) -> TLSIndex:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class TunnelProxy:
    """A non-intercepting CONNECT proxy: ``routes`` maps ``host:port`` (lab names) to loopback ports."""

    def __init__(
        self, routes: dict[str, int], auth: str | None = None, not_http: str = "wait", tunnel: str = "splice"
    ) -> None:
        if not_http not in ("wait", "400", "close") or tunnel not in ("splice", "close", "reset"):
            raise ValueError(f"unknown fault mode not_http={not_http!r} tunnel={tunnel!r}")
        self.not_http = not_http
        self.tunnel = tunnel
        self.routes = dict(routes)
        self.expected = f"Basic {base64.b64encode(auth.encode()).decode()}" if auth else None
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="tunnel-proxy", daemon=True)
        self.connects: list[str] = []

    def url(self, credentials: str | None = None, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{credentials + '@' if credentials else ''}{host}:{self.port}"

    def __enter__(self) -> TunnelProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(30)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
                if head[:1] == b"\x16" and self.not_http != "wait":  # a TLS ClientHello, not HTTP
                    if self.not_http == "400":
                        client.sendall(BAD_REQUEST)
                    return
            text = head.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            request, *headers = text.split("\r\n")
            method, target, _ = ([*request.split(" "), "", "", ""])[:3]
            fields = {h.split(":", 1)[0].strip().lower(): h.split(":", 1)[1].strip() for h in headers if ":" in h}
            if self.expected and fields.get("proxy-authorization") != self.expected:
                client.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="corplab"\r\nContent-Length: 0\r\n\r\n'
                )
                return
            if method != "CONNECT" or target not in self.routes:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            self.connects.append(target)
            if self.tunnel != "splice":
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                client.recv(4096)  # the client's first TLS bytes: then cut the tunnel
                if self.tunnel == "reset":
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            upstream = socket.create_connection(("127.0.0.1", self.routes[target]), timeout=30)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _splice(client, upstream)
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                client.close()


BAD_REQUEST = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 51\r\nConnection: close\r\n\r\n"
    b"<html><body>400 Bad Request: not HTTP</body></html>"
)


def _splice(a: socket.socket, b: socket.socket) -> None:
    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    other = threading.Thread(target=pump, args=(b, a), daemon=True)
    other.start()
    pump(a, b)
    other.join(30)
    with contextlib.suppress(OSError):
        b.close()


class SilentPeer:
    """Accepts TCP connections on 127.0.0.1 and never answers."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-peer", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SilentPeer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for sock in self._held:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._held.append(conn)
