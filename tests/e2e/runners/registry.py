"""A stand-in for a GitLab project's PyPI package registry, for the component tests.

GitLab serves a project's Python packages at ``$CI_API_V4_URL/projects/<id or URL-encoded path>/packages/
pypi/simple`` and lets a job in with its job token (HTTP Basic, user ``gitlab-ci-token``). This stand-in
answers exactly that path on loopback, checks the token, and forwards to a pypiserver (the lab's
``PackageIndex``) holding the files; the lab's intercepting proxy sends ``gitlab.corp.test`` here, so the
job reaches it over TLS through the proxy like the real one. Every request is recorded.
"""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

USER = "gitlab-ci-token"


class Registry:
    def __init__(self, upstream: str, project: str, token: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.prefix = f"/api/v4/projects/{urllib.parse.quote(project, safe='')}/packages/pypi"
        self.token = token
        self.requests: list[tuple[str, int]] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.answer(self)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _authorised(self, header: str) -> bool:
        expected = base64.b64encode(f"{USER}:{self.token}".encode()).decode()
        return header == f"Basic {expected}"

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        if not request.path.startswith(self.prefix + "/"):
            return self._send(request, 404, b"no such project\n")
        if not self._authorised(request.headers.get("Authorization", "")):
            request.send_response(401)
            request.send_header("WWW-Authenticate", 'Basic realm="GitLab"')
            request.end_headers()
            self.requests.append((request.path, 401))
            return None
        try:
            with urllib.request.urlopen(self.upstream + request.path[len(self.prefix) :], timeout=30) as reply:
                body, status, kind = reply.read(), reply.status, reply.headers.get("Content-Type", "text/html")
        except urllib.error.HTTPError as error:
            body, status, kind = error.read(), error.code, "text/plain"
        if "html" in kind:  # pypiserver links from its root; GitLab's links stay under the project's API path
            body = body.replace(b'href="/', f'href="{self.prefix}/'.encode())
        return self._send(request, status, body, kind)

    def _send(self, request: BaseHTTPRequestHandler, status: int, body: bytes, kind: str = "text/plain") -> None:
        self.requests.append((request.path, status))
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def __enter__(self) -> Registry:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
