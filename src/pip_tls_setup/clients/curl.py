"""curl: the OS store (libcurl's default CA bundle) and ``CURL_CA_BUNDLE``; nothing else durable to write.

An OpenSSL-built curl also reads ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``. Setup fills the OS store and exports
``CURL_CA_BUNDLE`` (the combined bundle); without the OS store only the variable carries the corporate CAs.
"""

from __future__ import annotations

from pip_tls_setup.clients import base

DURABLE = "the OS store (libcurl's default CA bundle); CURL_CA_BUNDLE is exported too"
NO_STORE = "curl reads the OS store, which this run does not write: only the exported CURL_CA_BUNDLE carries the CAs"
CERT_EXIT = {60, 77, 35, 51, 83}  # peer certificate, CA file, TLS handshake, host name, issuer


class Curl(base.Client):
    name = "curl"
    title = "curl"

    def find(self, ctx: base.Context) -> base.Found | None:
        executable = ctx.which("curl")
        if executable is None:
            return None
        code, out = ctx.query([executable, "--version"])
        first = out.splitlines()[0] if code == 0 and out else ""
        backend = "gnutls" if "GnuTLS" in first else ("openssl" if "OpenSSL" in first else "unknown")
        reads = [
            base.Source("env", "CURL_CA_BUNDLE", "replaces the default bundle"),
            base.Source("os-store", ctx.system_bundle or "the OS store", "the default bundle"),
        ]
        if backend == "openssl":
            reads.insert(1, base.Source("env", "SSL_CERT_FILE / SSL_CERT_DIR", "OpenSSL builds"))
        durable = DURABLE if ctx.store_written else NO_STORE
        return base.Found("curl", base.version_in(first), executable, tuple(reads), durable, (), {"backend": backend})

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        result = base.ClientPlan()
        if not ctx.store_written:
            result.note("warning", NO_STORE)
        return result

    def anchors(self, found: base.Found, ctx: base.Context) -> list[str] | None:
        forced = ctx.env.get("CURL_CA_BUNDLE") or (
            ctx.env.get("SSL_CERT_FILE") if found.facts.get("backend") == "openssl" else None
        )
        if forced:
            return [forced]
        return [ctx.system_bundle] if ctx.system_bundle else None

    def probe(self, found: base.Found, ctx: base.Context, request: base.ProbeRequest) -> base.Probe | None:
        url = f"{request.index}{request.project}/"
        argv: tuple[str, ...] = (found.executable, "-sS", "-o", "/dev/null", "-w", "STATUS %{http_code}\\n")
        argv += ("--max-time", str(int(request.timeout)), url)
        return base.Probe(argv, judge, what=f"curl {url}")


def judge(code: int, output: str) -> base.Outcome:
    if code in CERT_EXIT or "certificate" in output.lower():
        return base.Outcome(base.UNTRUSTED, base.last_line(output, "curl: ("))
    if code == 0:
        status = next((ln.split()[1] for ln in output.splitlines() if ln.startswith("STATUS ")), "")
        return base.Outcome(base.VERIFIED, f"STATUS {status}", int(status) if status.isdigit() else None)
    return base.Outcome(base.FAILED, base.last_line(output, "curl:"))
