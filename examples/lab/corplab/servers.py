"""Loopback servers with chosen behaviour, for the probe and verify tests.

- ``TLSIndex``: an HTTPS "index" on 127.0.0.1 presenting a chain you choose (a
  public-looking CA, an expired CA, a certificate for another name, ...). It
  answers ``/simple/<project>/`` with 200 for the projects it knows, 404 else.
- ``TunnelProxy``: a plain CONNECT proxy that does *not* intercept; it routes
  reserved lab names to loopback ports, answers 502 for anything else, and can
  ask for Basic credentials (407).
- ``SilentPeer``: accepts connections and never sends a byte (a hung proxy or
  server); it records how many connections it accepted.
- ``closed_port()``: a loopback port nobody listens on.

Everything binds 127.0.0.1 and runs in daemon threads of the calling process.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import socket
import ssl
import threading
from collections.abc import Sequence
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


class TLSIndex:
    """``https://127.0.0.1:PORT/simple/`` presenting ``leaf`` + ``chain``."""

    def __init__(self, leaf: Issued, chain: Sequence[Issued], workdir: Path, projects: Sequence[str] = ("corp-hello",)):
        workdir.mkdir(parents=True, exist_ok=True)
        certfile = workdir / f"tls-index-{leaf.sha256[:12]}.pem"
        keyfile = workdir / f"tls-index-{leaf.sha256[:12]}.key"
        certfile.write_bytes(leaf.pem + b"".join(c.pem for c in chain))
        keyfile.write_bytes(leaf.key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(certfile), str(keyfile))
        known = set(projects)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = [p for p in self.path.split("?")[0].split("/") if p]
                if len(parts) == 2 and parts[0] == "simple" and parts[1] in known:
                    body = f'<html><body><a href="/packages/{parts[1]}-0.1.tar.gz">x</a></body></html>'.encode()
                    self.send_response(200)
                elif parts == ["simple"]:
                    body = "".join(f'<a href="/simple/{p}/">{p}</a>' for p in sorted(known)).encode()
                    self.send_response(200)
                else:
                    body = b"not found"
                    self.send_response(404)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
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

    def __init__(self, routes: dict[str, int], auth: str | None = None) -> None:
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

    def url(self, credentials: str | None = None) -> str:
        return f"http://{credentials + '@' if credentials else ''}127.0.0.1:{self.port}"

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
            upstream = socket.create_connection(("127.0.0.1", self.routes[target]), timeout=30)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _splice(client, upstream)
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                client.close()


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
