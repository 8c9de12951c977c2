"""The interception probe: reach an index the way pip would, capture the chain it is shown, classify it.

One probe is:

1. a TCP connection to the proxy (or the index when there is none), with the
   ``CONNECT host:port`` pip would send (Basic credentials from the proxy URL);
2. an *unverified* TLS handshake that captures the presented chain (Python
   3.13's public ``get_unverified_chain``, the private ``_sslobj`` API on
   3.10-3.12, the leaf alone before);
3. one verifying handshake per trust source (the public roots, the OS store,
   the supplied CAs), each a fresh connection, so each answer is OpenSSL's own
   and its error reads exactly as pip would print it;
4. a classification with a stable name (``classes.MEANINGS``).

Every network step has a timeout taken from one budget (``Deadline``): a silent
peer costs at most one step, and the whole probe never outlives the budget.
The TLS layer runs over memory BIOs, so the same code works direct, through an
``http://`` proxy and through an ``https://`` proxy (TLS inside TLS).

Nothing here trusts what it sees: the captured chain is only described.
"""

from __future__ import annotations

import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pip_tls_setup import __version__, redact
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis.proxies import ProxyURL

if TYPE_CHECKING:
    from cryptography import x509

DEFAULT_TIMEOUT = 15.0  # seconds for every network step of one run, together
STEP_SHARE = 3  # one step (connect, CONNECT, handshake) may use at most a third of the budget


class BudgetSpent(Exception):
    pass


MAX_TIMEOUT = 3600.0


def check_timeout(value: float, what: str = "--timeout") -> float:
    """A usable time budget: finite, more than 0, at most an hour (InputError otherwise)."""
    import math

    from pip_tls_setup.errors import InputError

    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT:
        raise InputError(f"{what} {value:g}", "must be a number of seconds between 0 and 3600", "for example 15")
    return value


class Deadline:
    """One time budget for a run; each step gets ``min(step, what is left)``."""

    def __init__(
        self, total: float = DEFAULT_TIMEOUT, step: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total = total
        self.step = step if step is not None else total / STEP_SHARE
        self._clock = clock
        self.start = clock()

    def remaining(self) -> float:
        return self.total - (self._clock() - self.start)

    def elapsed(self) -> float:
        return self._clock() - self.start

    def next_step(self) -> float:
        left = self.remaining()
        if left <= 0.01:
            raise BudgetSpent
        return min(self.step, left)


class _Step:
    """One network step: its own end time, never past the run's budget."""

    def __init__(self, deadline: Deadline, stage: str, what: str) -> None:
        self.stage = stage
        self.what = what
        try:
            self.limit = deadline.next_step()
        except BudgetSpent:
            raise ProbeFailure(C.TIMEOUT, stage, f"{what}: the time budget ({deadline.total:g}s) was spent") from None
        self.end = time.monotonic() + self.limit

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise self.expired()
        return left

    def expired(self) -> ProbeFailure:
        return ProbeFailure(
            C.TIMEOUT, self.stage, f"{self.what}: no answer within {self.limit:.1f}s", timeout=self.limit
        )


class ProbeFailure(Exception):
    def __init__(self, classification: str, stage: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.classification = classification
        self.stage = stage
        self.message = message
        self.extra = extra


# --------------------------------------------------------------------------- trust sources


@dataclass(frozen=True)
class TrustSource:
    """A set of trust anchors a verifying handshake uses."""

    key: str  # public_roots | os_store | supplied
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
        if self.cafile:
            ctx.load_verify_locations(cafile=self.cafile)
        if self.cadata:
            ctx.load_verify_locations(cadata=self.cadata)
        return ctx

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


# --------------------------------------------------------------------------- the captured chain


@dataclass(frozen=True)
class ChainCert:
    der: bytes = field(repr=False)
    subject: str
    issuer: str
    common_name: str
    organization: str
    issuer_common_name: str
    issuer_organization: str
    sha256: str
    not_before: datetime
    not_after: datetime
    is_ca: bool
    self_signed: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "sha256": self.sha256,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "ca": self.is_ca,
            "self_signed": self.self_signed,
        }

    @property
    def x509(self) -> x509.Certificate:
        from cryptography import x509 as _x509

        return _x509.load_der_x509_certificate(self.der)


def describe_chain(ders: Sequence[bytes]) -> list[ChainCert]:
    import hashlib
    import warnings

    from cryptography import x509 as _x509

    from pip_tls_setup.ca.certs import common_name, is_ca, organization

    found: list[ChainCert] = []
    for der in ders:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                cert = _x509.load_der_x509_certificate(der)
            except ValueError:
                continue
        found.append(
            ChainCert(
                der=der,
                subject=cert.subject.rfc4514_string(),
                issuer=cert.issuer.rfc4514_string(),
                common_name=common_name(cert.subject),
                organization=organization(cert.subject),
                issuer_common_name=common_name(cert.issuer),
                issuer_organization=organization(cert.issuer),
                sha256=hashlib.sha256(der).hexdigest(),
                not_before=cert.not_valid_before_utc,
                not_after=cert.not_valid_after_utc,
                is_ca=is_ca(cert),
                self_signed=cert.subject == cert.issuer,
            )
        )
    return found


def hostname_matches(cert: ChainCert, host: str) -> bool:
    """RFC 6125 as OpenSSL applies it for Python: SAN only, one left-most wildcard label, IPs exactly."""
    import ipaddress

    from cryptography import x509 as _x509

    try:
        san = cert.x509.extensions.get_extension_for_class(_x509.SubjectAlternativeName).value
    except (_x509.ExtensionNotFound, ValueError):
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        return address in san.get_values_for_type(_x509.IPAddress)
    wanted = host.lower().rstrip(".")
    for name in san.get_values_for_type(_x509.DNSName):
        pattern = name.lower().rstrip(".")
        if pattern == wanted:
            return True
        wildcard = pattern.startswith("*.") and pattern.count(".") >= 2
        if wildcard and "." in wanted and wanted.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def validity_problems(chain: Sequence[ChainCert], now: datetime | None = None) -> list[str]:
    now = now or datetime.now(timezone.utc)
    problems: list[str] = []
    for cert in chain:
        name = cert.common_name or cert.subject
        if cert.not_after < now:
            problems.append(f"'{name}' expired on {cert.not_after:%Y-%m-%d}")
        elif cert.not_before > now:
            problems.append(f"'{name}' is not valid before {cert.not_before:%Y-%m-%d %H:%M} UTC")
    return problems


def anchored_in(chain: Sequence[ChainCert], anchors: Sequence[x509.Certificate]) -> x509.Certificate | None:
    """The anchor (from ``anchors``) some presented certificate is, or is directly issued by (offline)."""
    import hashlib

    from cryptography.hazmat.primitives.serialization import Encoding

    by_fp = {hashlib.sha256(a.public_bytes(Encoding.DER)).hexdigest(): a for a in anchors}
    by_subject: dict[Any, list[x509.Certificate]] = {}
    for anchor in anchors:
        by_subject.setdefault(anchor.subject, []).append(anchor)
    for cert in chain:
        if cert.sha256 in by_fp:
            return by_fp[cert.sha256]
        parsed = cert.x509
        for candidate in by_subject.get(parsed.issuer, []):
            try:
                parsed.verify_directly_issued_by(candidate)
            except Exception:  # noqa: S112 - a signature that does not verify is simply not this anchor
                continue
            return candidate
    return None


# --------------------------------------------------------------------------- the probe result


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
        }


# --------------------------------------------------------------------------- network steps


def _resolve(host: str, port: int, step: _Step, stage: str) -> list[Any]:
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
        raise ProbeFailure(
            C.TIMEOUT, stage, f"resolving {host}: no answer within {step.limit:.1f}s", timeout=step.limit
        )
    if "error" in box:
        exc = box["error"]
        reason = getattr(exc, "strerror", None) or str(exc)
        what = "the proxy host" if stage == "proxy" else "the index host"
        raise ProbeFailure(C.DNS_FAILURE, stage, f"{what} {host} does not resolve ({reason})")
    infos: list[Any] = box["infos"]
    return infos


def _open(host: str, port: int, deadline: Deadline, stage: str) -> socket.socket:
    """A TCP connection; ``stage`` is "proxy" or "index" (it decides the classification of a failure)."""
    what = f"connecting to {'the proxy' if stage == 'proxy' else 'the index'} {host}:{port}"
    step = _Step(deadline, stage, what)
    infos = _resolve(host, port, step, stage)
    last: OSError | None = None
    for family, kind, proto, _name, address in infos:
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


def _read_head(sock: socket.socket, step: _Step) -> tuple[bytes, bytes]:
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        try:
            sock.settimeout(step.left())
            chunk = sock.recv(4096)
        except socket.timeout:
            raise ProbeFailure(
                C.TIMEOUT,
                "proxy",
                f"the proxy accepted the connection but did not answer CONNECT within {step.limit:.1f}s",
                timeout=step.limit,
            ) from None
        except OSError as exc:
            raise ProbeFailure(C.PROXY_ERROR, "proxy", f"the proxy dropped the connection ({exc})") from None
        if not chunk:
            raise ProbeFailure(C.PROXY_ERROR, "proxy", "the proxy closed the connection without answering CONNECT")
        buffer += chunk
        if len(buffer) > 65536:
            raise ProbeFailure(C.PROXY_ERROR, "proxy", "the proxy answered CONNECT with an oversized header")
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head, rest


def _connect_tunnel(sock: socket.socket, host: str, port: int, proxy: ProxyURL, deadline: Deadline) -> bytes:
    """Send CONNECT as pip does; return bytes already read past the proxy's answer."""
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}", f"User-Agent: pip-tls-setup/{__version__}"]
    authorization = proxy.authorization()
    if authorization:
        lines.append(f"Proxy-Authorization: {authorization}")
    step = _Step(deadline, "proxy", f"CONNECT {target} through the proxy")
    try:
        sock.settimeout(step.left())
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    except socket.timeout:
        raise step.expired() from None
    except OSError as exc:
        raise ProbeFailure(C.PROXY_ERROR, "proxy", f"the proxy dropped the connection ({exc})") from None
    head, rest = _read_head(sock, step)
    text = head.decode("latin-1", "replace")
    status_line, *header_lines = text.split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProbeFailure(
            C.PROXY_ERROR,
            "proxy",
            "the proxy did not answer CONNECT in HTTP (is this a SOCKS or TLS port rather than an HTTP proxy?)",
        )
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    if status == 407:
        schemes = [
            line.split(":", 1)[1].strip().split(" ", 1)[0]
            for line in header_lines
            if line.lower().startswith("proxy-authenticate:")
        ]
        raise ProbeFailure(
            C.PROXY_AUTH_REQUIRED,
            "proxy",
            _auth_message(proxy, schemes),
            proxy_status=status,
            proxy_auth_schemes=schemes,
        )
    if not 200 <= status < 300:
        raise ProbeFailure(
            C.PROXY_ERROR,
            "proxy",
            f"the proxy answered CONNECT {target} with {status} {reason}".strip(),
            proxy_status=status,
        )
    return rest


def _auth_message(proxy: ProxyURL, schemes: Sequence[str]) -> str:
    offered = ", ".join(schemes) or "no scheme named"
    if proxy.has_credentials:
        text = (
            "the proxy rejected the credentials in the proxy URL "
            f"(407 Proxy Authentication Required; it offers {offered})"
        )
    else:
        text = (
            f"the proxy asks for authentication (407 Proxy Authentication Required; it offers {offered}); "
            "pip only sends Basic credentials written into the proxy URL (user name and password before the host)"
        )
    if schemes and not any(s.lower() == "basic" for s in schemes):
        text += "; pip cannot do NTLM/Negotiate/Kerberos itself: run a local relay such as cntlm or px"
    return text


def _pump(sock: socket.socket, outgoing: ssl.MemoryBIO, step: _Step) -> None:
    data = outgoing.read()
    if data:
        try:
            sock.settimeout(step.left())
            sock.sendall(data)
        except socket.timeout:
            raise step.expired() from None


def _handshake(
    sock: socket.socket, ctx: ssl.SSLContext, host: str, deadline: Deadline, leftover: bytes = b""
) -> ssl.SSLObject:
    step = _Step(deadline, "tls", f"TLS handshake with {host}")
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=host.strip("[]"))
    if leftover:
        incoming.write(leftover)
    while True:
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            _pump(sock, outgoing, step)
            try:
                sock.settimeout(step.left())
                data = sock.recv(65536)
            except socket.timeout:
                raise ProbeFailure(
                    C.TIMEOUT,
                    "tls",
                    f"TLS handshake with {host}: the peer accepted the connection but sent nothing "
                    f"within {step.limit:.1f}s",
                    timeout=step.limit,
                ) from None
            if data:
                incoming.write(data)
            else:
                incoming.write_eof()
            continue
        _pump(sock, outgoing, step)
        return obj


def unverified_chain(obj: Any) -> tuple[list[bytes], str]:
    """The chain the peer presented: 3.13 public API, 3.10-3.12 private API, the leaf alone before."""
    import _ssl

    if sys.version_info >= (3, 13):
        getter = getattr(obj, "get_unverified_chain", None)
        if getter is not None:
            certs = getter() or []
            return [c if isinstance(c, bytes) else c.public_bytes(_ssl.ENCODING_DER) for c in certs], "full"
    inner = getattr(obj, "_sslobj", None)
    getter = getattr(inner, "get_unverified_chain", None)
    if getter is not None:
        certs = getter() or []
        return [c if isinstance(c, bytes) else c.public_bytes(_ssl.ENCODING_DER) for c in certs], "full"
    leaf = obj.getpeercert(binary_form=True)
    return ([leaf] if leaf else []), "leaf-only"


def verified_anchor(obj: Any) -> str | None:
    """The subject of the anchor OpenSSL verified against (3.10+), else None."""
    import _ssl

    getter = getattr(obj, "get_verified_chain", None) if sys.version_info >= (3, 13) else None
    if getter is None:
        getter = getattr(getattr(obj, "_sslobj", None), "get_verified_chain", None)
    if getter is None:
        return None
    try:
        certs = getter() or []
    except (ssl.SSLError, ValueError):
        return None
    if not certs:
        return None
    last = certs[-1]
    der = last if isinstance(last, bytes) else last.public_bytes(_ssl.ENCODING_DER)
    described = describe_chain([der])
    return described[0].subject if described else None


# --------------------------------------------------------------------------- one probe


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Target:
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = 443
        return cls(url, host, port)


def _transport(
    target: Target, proxy: ProxyURL | None, deadline: Deadline, proxy_trust: ssl.SSLContext | None
) -> tuple[socket.socket, bytes]:
    if proxy is None:
        return _open(target.host, target.port, deadline, "index"), b""
    if proxy.scheme not in ("http", "https"):
        raise ProbeFailure(
            C.PROXY_ERROR, "proxy", f"{proxy.scheme}:// proxies are not probed (pip needs PySocks for them)"
        )
    sock = _open(proxy.host, proxy.port, deadline, "proxy")
    try:
        if proxy.scheme == "https":
            ctx = proxy_trust or ssl.create_default_context()
            step = _Step(deadline, "proxy", f"TLS to the https:// proxy {proxy.address}")
            sock.settimeout(step.left())
            try:
                sock = ctx.wrap_socket(sock, server_hostname=proxy.host)
            except socket.timeout:
                raise step.expired() from None
            except ssl.SSLError as exc:
                raise ProbeFailure(
                    C.PROXY_ERROR, "proxy", f"TLS to the https:// proxy failed: {_ssl_reason(exc)}"
                ) from None
        leftover = _connect_tunnel(sock, target.host, target.port, proxy, deadline)
    except BaseException:
        sock.close()
        raise
    return sock, leftover


def _ssl_reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {exc.verify_message}"
    text = str(exc)
    return text or type(exc).__name__


def _attempt(
    target: Target,
    proxy: ProxyURL | None,
    ctx: ssl.SSLContext,
    deadline: Deadline,
    proxy_trust: ssl.SSLContext | None,
) -> ssl.SSLObject:
    sock, leftover = _transport(target, proxy, deadline, proxy_trust)
    try:
        return _handshake(sock, ctx, target.host, deadline, leftover)
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
        raise ProbeFailure(
            C.TLS_ERROR,
            "tls",
            f"{target.host} closed the connection during the TLS handshake "
            "(pip reports: EOF occurred in violation of protocol); a proxy or firewall is cutting TLS",
        ) from None
    finally:
        sock.close()


def _unverifying() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def probe(
    url: str,
    proxy: ProxyURL | None,
    sources: Sequence[TrustSource],
    deadline: Deadline,
    proxy_reason: str = "",
    vendor_lookup: bool = True,
) -> ProbeResult:
    """Probe ``url`` through ``proxy`` (None: direct) and classify what is seen."""
    target = Target.of(url)
    result = ProbeResult(url=url, host=target.host, port=target.port, proxy=proxy, proxy_reason=proxy_reason)
    started = time.monotonic()
    try:
        _run(result, target, proxy, sources, deadline, vendor_lookup)
    finally:
        result.elapsed = time.monotonic() - started
    return result


def _proxy_trust(sources: Sequence[TrustSource]) -> ssl.SSLContext | None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    loaded = False
    for source in sources:
        try:
            if source.cafile:
                ctx.load_verify_locations(cafile=source.cafile)
                loaded = True
            if source.cadata:
                ctx.load_verify_locations(cadata=source.cadata)
                loaded = True
        except (OSError, ssl.SSLError, ValueError):
            continue
    return ctx if loaded else None


def _run(
    result: ProbeResult,
    target: Target,
    proxy: ProxyURL | None,
    sources: Sequence[TrustSource],
    deadline: Deadline,
    vendor_lookup: bool,
) -> None:
    parts = urlsplit(target.url)
    if parts.scheme != "https":
        result.classification = C.PLAIN_HTTP
        result.stage = "url"
        result.message = (
            f"{redact.url(target.url)} is plain http://: nothing is encrypted or verified, and pip ignores it "
            "unless it is also a --trusted-host; use the https:// address of the index"
        )
        return
    proxy_trust = _proxy_trust(sources) if proxy is not None and proxy.scheme == "https" else None
    try:
        obj = _attempt(target, proxy, _unverifying(), deadline, proxy_trust)
    except ProbeFailure as failure:
        _fail(result, failure)
        return
    except ssl.SSLError as exc:
        result.classification, result.stage = C.TLS_ERROR, "tls"
        result.message = f"the TLS handshake with {target.host} failed: {_ssl_reason(exc)}"
        return
    ders, capture = unverified_chain(obj)
    result.chain = describe_chain(ders)
    result.chain_capture = capture
    result.tls_version = obj.version()
    if capture == "leaf-only":
        result.notes.append(
            f"Python {sys.version_info[0]}.{sys.version_info[1]} can only show the leaf certificate; "
            "run pip-tls-setup under Python 3.10+ to see the whole chain"
        )
    for source in sources:
        result.checks.append(_check(target, proxy, source, deadline, proxy_trust))
    public = next((s for s in sources if s.key == "public_roots"), None)
    if public is not None and result.chain:
        anchors = _anchors(public)
        result.public_anchored = anchored_in(result.chain, anchors) is not None if anchors else None
    _classify(result)
    if vendor_lookup and result.classification != C.DIRECT_TRUSTED:
        _label(result)


def _anchors(source: TrustSource) -> list[x509.Certificate]:
    from pip_tls_setup.ca.certs import parse_bundle

    data = source.cadata.encode("ascii", "replace") if source.cadata else b""
    if source.cafile:
        try:
            with open(source.cafile, "rb") as handle:
                data += handle.read()
        except OSError:
            return []
    return parse_bundle(data)


def _fail(result: ProbeResult, failure: ProbeFailure) -> None:
    result.classification = failure.classification
    result.stage = failure.stage
    result.message = failure.message
    result.proxy_status = failure.extra.get("proxy_status")
    result.proxy_auth_schemes = list(failure.extra.get("proxy_auth_schemes", []))
    result.timeout = failure.extra.get("timeout")


def _check(
    target: Target,
    proxy: ProxyURL | None,
    source: TrustSource,
    deadline: Deadline,
    proxy_trust: ssl.SSLContext | None,
) -> Check:
    try:
        ctx = source.context()
    except (OSError, ssl.SSLError, ValueError, ImportError) as exc:
        return Check(source.key, source.label, None, f"cannot load this trust source ({exc})")
    try:
        obj = _attempt(target, proxy, ctx, deadline, proxy_trust)
    except ssl.SSLCertVerificationError as exc:
        return Check(source.key, source.label, False, _ssl_reason(exc), exc.verify_code)
    except ssl.SSLError as exc:
        return Check(source.key, source.label, None, _ssl_reason(exc))
    except ProbeFailure as failure:
        return Check(source.key, source.label, None, failure.message)
    return Check(source.key, source.label, True, anchor=verified_anchor(obj))


def _classify(result: ProbeResult) -> None:
    host = result.host
    chain = result.chain
    verified = [c for c in result.checks if c.ok]
    public = result.check("public_roots")
    codes = {c.verify_code for c in result.checks if c.ok is False}
    leaf = chain[0] if chain else None
    mismatch = leaf is not None and not hostname_matches(leaf, host)
    dates = validity_problems(chain)
    issuer = result.issuer_name or "an unknown issuer"
    result.stage = "verify"
    if verified:
        if public is not None and public.ok:
            result.classification = C.DIRECT_TRUSTED
            result.message = f"not intercepted: {host} presents a chain that verifies against {public.label}"
        else:
            names = " and ".join(c.label for c in verified)
            result.classification = C.INTERCEPTED_TRUSTED
            result.message = (
                f"the chain for {host} is signed by '{issuer}', which is not a public root; "
                f"it is trusted here by {names}"
            )
        return
    if codes & C.MISMATCH_CODES or (mismatch and not codes - C.MISMATCH_CODES):
        result.classification = C.HOSTNAME_MISMATCH
        result.message = _mismatch_message(leaf, host)
        return
    if codes & C.VALIDITY_CODES or dates:
        result.classification = C.EXPIRED
        detail = "; ".join(dates) or next(
            (c.error or "" for c in result.checks if c.verify_code in C.VALIDITY_CODES), ""
        )
        result.message = f"the chain for {host} has a certificate outside its validity period: {detail}"
        return
    if mismatch:
        result.classification = C.HOSTNAME_MISMATCH
        result.message = _mismatch_message(leaf, host) + f"; its issuer '{issuer}' is not trusted either"
        return
    first_error = next((c.error for c in result.checks if c.ok is False and c.error), None)
    result.classification = C.INTERCEPTED_UNKNOWN_CA
    result.message = f"the chain for {host} is signed by '{issuer}', which nothing here trusts" + (
        f"; pip will say: {first_error}" if first_error else ""
    )


def _mismatch_message(leaf: ChainCert | None, host: str) -> str:
    names = _san_names(leaf) if leaf else []
    listed = ", ".join(names) or "no subjectAltName"
    return (
        f"the certificate presented for {host} is for {listed}; pip will say: "
        f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
        f"certificate is not valid for '{host}'"
    )


def _san_names(cert: ChainCert) -> list[str]:
    from cryptography import x509 as _x509

    try:
        san = cert.x509.extensions.get_extension_for_class(_x509.SubjectAlternativeName).value
    except (_x509.ExtensionNotFound, ValueError):
        return []
    return [str(v) for v in san.get_values_for_type(_x509.DNSName)] + [
        str(v) for v in san.get_values_for_type(_x509.IPAddress)
    ]


def _label(result: ProbeResult) -> None:
    from pip_tls_setup.diagnosis.vendors import identify

    pairs: list[tuple[str, str]] = []
    for cert in result.chain:
        pairs.append((cert.issuer_common_name, cert.issuer_organization))
        if cert.is_ca:
            pairs.append((cert.common_name, cert.organization))
    vendor = identify(pairs)
    if vendor is not None:
        result.product = vendor.product
        result.product_hint = vendor.hint
