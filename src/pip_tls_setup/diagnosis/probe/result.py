"""What a probe reports: the endpoint it reached, the trust sources it checked, each check, the result."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pip_tls_setup import redact
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis.probe.chain import ChainCert
from pip_tls_setup.diagnosis.proxies import ProxyURL


@dataclass(frozen=True)
class Endpoint:
    """Where a probe connects: the index URL, its host and port."""

    url: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = 443
        return cls(url, host, port)


@dataclass(frozen=True)
class TrustSource:
    """A set of trust anchors a verifying handshake uses."""

    key: str  # public_roots | os_store | environment | supplied
    label: str
    cafile: str | None = None
    cadata: str | None = None
    use_truststore: bool = False

    def context(self) -> ssl.SSLContext:
        """A verifying context like pip's own (not Python 3.13's strict default)."""
        if self.use_truststore:
            import truststore

            ctx: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        else:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        for location in self.locations():
            ctx.load_verify_locations(**location)
        return ctx

    def locations(self) -> list[dict[str, str]]:
        """``load_verify_locations`` arguments, the file first."""
        found = [{"cafile": self.cafile}] if self.cafile else []
        return found + ([{"cadata": self.cadata}] if self.cadata else [])

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "file": self.cafile}


@dataclass(frozen=True)
class Check:
    """One verifying handshake against one trust source."""

    source: str
    label: str
    ok: bool | None  # None: could not be tried (connection failed, source unusable)
    error: str | None = None
    verify_code: int | None = None
    anchor: str | None = None  # subject of the trust anchor OpenSSL used, when it verified

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "label": self.label,
            "ok": self.ok,
            "error": self.error,
            "verify_code": self.verify_code,
            "anchor": self.anchor,
        }


@dataclass
class ProbeResult:
    url: str
    host: str
    port: int
    proxy: ProxyURL | None
    proxy_reason: str = ""
    classification: str = C.NOT_PROBED
    stage: str = ""
    message: str = ""
    chain: list[ChainCert] = field(default_factory=list)
    chain_capture: str = ""  # full | leaf-only
    checks: list[Check] = field(default_factory=list)
    product: str | None = None
    product_hint: str = ""
    proxy_status: int | None = None
    proxy_auth_schemes: list[str] = field(default_factory=list)
    tls_version: str | None = None
    elapsed: float = 0.0
    timeout: float | None = None
    public_anchored: bool | None = None  # offline: does the presented chain lead to a public root?
    notes: list[str] = field(default_factory=list)
    http_status: int | None = None  # the answer to the probe's HEAD request
    http_silent: str = ""  # the server completed the handshake but never answered (pip: "Read timed out")
    server_date: datetime | None = None  # the Date header of that answer
    clock_skew: float | None = None  # seconds this machine's clock is ahead of the server's (negative: behind)
    proxy_speaks_http: bool | None = None  # after TLS to an https:// proxy failed: does it answer plain CONNECT?
    corrected_proxy: str | None = None  # then: the proxy URL with http:// (redacted)

    @property
    def ok(self) -> bool:
        return self.classification in C.OK_CLASSES

    @property
    def intercepted(self) -> bool | None:
        """True/False once the chain was seen (does it lead to a public root?); None when never seen."""
        if self.classification in C.INTERCEPTED_CLASSES:
            return True
        if self.classification == C.DIRECT_TRUSTED:
            return False
        if not self.chain or self.public_anchored is None:
            return None
        return not self.public_anchored

    @property
    def issuer(self) -> str | None:
        """The CA the client has to trust: the top of the presented chain (its issuer, or itself if a root)."""
        if not self.chain:
            return None
        top = self.chain[-1]
        return top.subject if top.self_signed else top.issuer

    @property
    def issuer_name(self) -> str | None:
        if not self.chain:
            return None
        top = self.chain[-1]
        if top.self_signed:
            return top.common_name or top.subject
        return top.issuer_common_name or top.issuer

    @property
    def ca_candidates(self) -> list[ChainCert]:
        """CA certificates the proxy presented (what --ca-from-proxy may take, when pinned)."""
        return [c for c in self.chain if c.is_ca]

    def check(self, key: str) -> Check | None:
        for item in self.checks:
            if item.source == key:
                return item
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": redact.url(self.url),
            "host": self.host,
            "port": self.port,
            "proxy": self.proxy.redacted if self.proxy else None,
            "proxy_reason": redact.url(self.proxy_reason),
            "classification": self.classification,
            "ok": self.ok,
            "intercepted": self.intercepted,
            "stage": self.stage,
            "message": redact.url(self.message),
            "issuer": self.issuer,
            "issuer_name": self.issuer_name,
            "product": self.product,
            "product_hint": self.product_hint or None,
            "chain_capture": self.chain_capture or None,
            "chain": [c.to_json() for c in self.chain],
            "ca_candidates": [{"subject": c.subject, "sha256": c.sha256} for c in self.ca_candidates],
            "checks": [c.to_json() for c in self.checks],
            "proxy_status": self.proxy_status,
            "proxy_auth_schemes": self.proxy_auth_schemes,
            "tls_version": self.tls_version,
            "elapsed_seconds": round(self.elapsed, 3),
            "timeout_seconds": self.timeout,
            "notes": [redact.url(n) for n in self.notes],
            "http_status": self.http_status,
            "server_date": self.server_date.isoformat() if self.server_date else None,
            "clock_skew_seconds": round(self.clock_skew, 1) if self.clock_skew is not None else None,
            "proxy_speaks_http": self.proxy_speaks_http,
            "corrected_proxy": self.corrected_proxy,
            "proxy_credentials": self.proxy.has_credentials if self.proxy else None,
        }
