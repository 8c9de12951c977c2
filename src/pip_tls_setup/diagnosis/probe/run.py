"""One probe: reach an index the way pip would, capture the chain it is shown, check it, classify it."""

from __future__ import annotations

import re
import ssl
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pip_tls_setup import redact
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis.probe import http, transport
from pip_tls_setup.diagnosis.probe.budget import Deadline, ProbeFailure
from pip_tls_setup.diagnosis.probe.chain import anchored_in, describe_chain, unverified_chain, verified_anchor
from pip_tls_setup.diagnosis.probe.classify import classify, describe_skew, finish, label
from pip_tls_setup.diagnosis.probe.result import Check, Endpoint, ProbeResult, TrustSource
from pip_tls_setup.diagnosis.proxies import ProxyURL

if TYPE_CHECKING:
    from cryptography import x509

PLAIN_HTTP = (
    "{url} is plain http://: nothing is encrypted or verified, and pip ignores it "
    "unless it is also a --trusted-host; use the https:// address of the index"
)
LEAF_ONLY = (
    "Python {major}.{minor} can only show the leaf certificate; "
    "run pip-tls-setup under Python 3.10+ to see the whole chain"
)
PLAIN_WORKS = (
    "; the same address answers a plain-HTTP CONNECT ({detail}): it is an http:// proxy. Write {fix}. "
    "pip 20.3 and later (urllib3 1.26 and later) open TLS to a proxy whose URL says https://; pip 20.2.4 and "
    "older (urllib3 1.25) spoke plain HTTP to it whatever the URL said, which is why downgrading pip seemed to help"
)
PLAIN_FAILS = "; the same address does not answer a plain-HTTP CONNECT either ({detail})"
SKEW_NOTE = "this machine's clock differs by {amount} from the Date header {host} sent ({direction})"
SKEW_NOTE_LIMIT = 300.0  # seconds: less is normal drift and not worth a note
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def probe(
    url: str,
    proxy: ProxyURL | None,
    sources: Sequence[TrustSource],
    deadline: Deadline,
    proxy_reason: str = "",
    vendor_lookup: bool = True,
) -> ProbeResult:
    """Probe ``url`` through ``proxy`` (None: direct) and classify what is seen."""
    endpoint = Endpoint.of(url)
    result = ProbeResult(url=url, host=endpoint.host, port=endpoint.port, proxy=proxy, proxy_reason=proxy_reason)
    started = time.monotonic()
    try:
        _run(result, endpoint, proxy, sources, deadline, vendor_lookup)
    finally:
        result.elapsed = time.monotonic() - started
    return result


def not_probed(url: str, proxy: ProxyURL | None, proxy_reason: str, message: str) -> ProbeResult:
    """The result of a probe that was not run (``--offline``)."""
    endpoint = Endpoint.of(url)
    result = ProbeResult(url=url, host=endpoint.host, port=endpoint.port, proxy=proxy, proxy_reason=proxy_reason)
    result.message = message
    return result


def _run(
    result: ProbeResult,
    endpoint: Endpoint,
    proxy: ProxyURL | None,
    sources: Sequence[TrustSource],
    deadline: Deadline,
    vendor_lookup: bool,
) -> None:
    if urlsplit(endpoint.url).scheme != "https":
        result.classification, result.stage = C.PLAIN_HTTP, "url"
        result.message = PLAIN_HTTP.format(url=redact.url(endpoint.url))
        return
    proxy_trust = transport.proxy_trust(sources) if proxy is not None and proxy.scheme == "https" else None
    answers: list[http.Answer] = []
    try:
        obj = transport.attempt(
            endpoint,
            proxy,
            transport.unverifying(),
            deadline,
            proxy_trust,
            then=lambda session: answers.append(http.ask(session, endpoint, deadline)),
        )
    except ProbeFailure as failure:
        _fail(result, failure)
        if failure.classification == C.TLS_TO_PROXY_FAILED and proxy is not None:
            _try_plain(result, endpoint, proxy, deadline)
        return
    except ssl.SSLError as exc:
        result.classification, result.stage = C.TLS_ERROR, "tls"
        result.message = f"the TLS handshake with {endpoint.host} failed: {transport.ssl_reason(exc)}"
        return
    _capture(result, obj)
    if answers:
        _answered(result, answers[0])
    for source in sources:
        result.checks.append(_check(endpoint, proxy, source, deadline, proxy_trust))
    public = next((s for s in sources if s.key == "public_roots"), None)
    if public is not None and result.chain:
        anchors = _anchors(public)
        result.public_anchored = anchored_in(result.chain, anchors) is not None if anchors else None
    classify(result)
    finish(result)
    if vendor_lookup and result.classification != C.DIRECT_TRUSTED:
        label(result)


def _capture(result: ProbeResult, obj: ssl.SSLObject) -> None:
    ders, capture = unverified_chain(obj)
    result.chain = describe_chain(ders)
    result.chain_capture = capture
    result.tls_version = obj.version()
    if capture == "leaf-only":
        result.notes.append(LEAF_ONLY.format(major=sys.version_info[0], minor=sys.version_info[1]))


def _answered(result: ProbeResult, answer: http.Answer) -> None:
    """What the HEAD request showed: the status, a silent server, the server's clock."""
    result.http_status = answer.status
    result.http_silent = answer.silent
    if answer.date is None:
        return
    result.server_date = answer.date
    result.clock_skew = (datetime.now(timezone.utc) - answer.date).total_seconds()
    if abs(result.clock_skew) >= SKEW_NOTE_LIMIT:
        direction = "this clock is ahead" if result.clock_skew > 0 else "this clock is behind"
        amount = describe_skew(result.clock_skew)
        result.notes.append(SKEW_NOTE.format(amount=amount, host=result.host, direction=direction))


def fix_line(source: str, url: str) -> str:
    """How to write ``url`` where the proxy came from: ``HTTPS_PROXY=...``, ``FILE [global] proxy = ...``."""
    if _VARIABLE.match(source):
        return f"{source}={url}"
    if source.endswith("proxy ="):
        return f"{source} {url}"
    return f"the proxy URL as {url}"


def _try_plain(result: ProbeResult, endpoint: Endpoint, proxy: ProxyURL, deadline: Deadline) -> None:
    """TLS to an https:// proxy failed: does the same address speak plain HTTP? Then say what to write."""
    speaks, detail = http.plain_connect(proxy, endpoint, deadline)
    result.proxy_speaks_http = speaks
    if speaks:
        fixed = redact.url(http.corrected(proxy))
        result.corrected_proxy = fixed
        result.message += PLAIN_WORKS.format(detail=detail, fix=fix_line(proxy.source or "HTTPS_PROXY", fixed))
    elif speaks is False:
        result.message += PLAIN_FAILS.format(detail=detail)


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
    endpoint: Endpoint,
    proxy: ProxyURL | None,
    source: TrustSource,
    deadline: Deadline,
    proxy_trust: ssl.SSLContext | None,
) -> Check:
    """One verifying handshake (a fresh connection) against one trust source: OpenSSL's own answer."""
    try:
        ctx = source.context()
    except (OSError, ssl.SSLError, ValueError, ImportError) as exc:
        return Check(source.key, source.label, None, f"cannot load this trust source ({exc})")
    try:
        obj = transport.attempt(endpoint, proxy, ctx, deadline, proxy_trust)
    except ssl.SSLCertVerificationError as exc:
        return Check(source.key, source.label, False, transport.ssl_reason(exc), exc.verify_code)
    except ssl.SSLError as exc:
        return Check(source.key, source.label, None, transport.ssl_reason(exc))
    except ProbeFailure as failure:
        return Check(source.key, source.label, None, failure.message)
    return Check(source.key, source.label, True, anchor=verified_anchor(obj))
