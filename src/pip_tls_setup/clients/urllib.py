"""Python's standard library (urllib, http.client; aiohttp and urllib3 2.x alike): OpenSSL's defaults.

They verify with the OS store and ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``; setup fills the OS store.
"""

from __future__ import annotations

from pip_tls_setup.clients import base, pipjudge

DURABLE = "the OS store (OpenSSL's default CA file)"
NO_STORE = "urllib reads the OS store, which this run does not write: only the exported SSL_CERT_FILE helps"
FETCH = (
    "import ssl, sys, urllib.request, urllib.error\n"
    "try:\n"
    "    print('STATUS', urllib.request.urlopen(sys.argv[1], timeout=20).status)\n"
    "except urllib.error.HTTPError as exc:\n"
    "    print('STATUS', exc.code)\n"
    "except Exception as exc:\n"
    "    text = repr(getattr(exc, 'reason', exc))\n"
    "    print(('SSLERROR ' if 'CERTIFICATE_VERIFY_FAILED' in text else 'FAILED ') + text[:400])\n"
)


class Urllib(base.Client):
    name = "urllib"
    title = "Python's urllib (OpenSSL defaults)"

    def find(self, ctx: base.Context) -> base.Found | None:
        python = ctx.which("python3")
        if python is None:
            return None
        reads = (
            base.Source("env", "SSL_CERT_FILE / SSL_CERT_DIR", "replace OpenSSL's defaults"),
            base.Source("os-store", ctx.system_bundle or "the OS store", "OpenSSL's default CA file and directory"),
        )
        return base.Found("urllib", None, python, reads, DURABLE if ctx.store_written else NO_STORE)

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        result = base.ClientPlan()
        if not ctx.store_written:
            result.note("warning", NO_STORE)
        return result

    def anchors(self, found: base.Found, ctx: base.Context) -> list[str] | None:
        forced = ctx.env.get("SSL_CERT_FILE")
        if forced:
            return [forced]
        return [ctx.system_bundle] if ctx.system_bundle else None

    def probe(self, found: base.Found, ctx: base.Context, request: base.ProbeRequest) -> base.Probe | None:
        url = f"{request.index}{request.project}/"
        return base.Probe((found.executable, "-c", FETCH, url), pipjudge.python_fetch_judge, what=f"urllib GET {url}")
