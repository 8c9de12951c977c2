"""Name what a probe saw: one class from ``classes`` and a message in the words pip will print.

The verifying checks decide first (did any trust source verify the chain, was it
the public roots); then OpenSSL's verify codes and the offline facts of the
chain (hostname, validity) say why nothing verified.
"""

from __future__ import annotations

from datetime import timedelta

from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis.probe.chain import ChainCert, hostname_matches, san_names, validity_problems
from pip_tls_setup.diagnosis.probe.result import ProbeResult

CLOCK_SKEW = (
    "this machine's clock reads {local:%Y-%m-%d %H:%M} UTC, but {host} sent Date: {server:%Y-%m-%d %H:%M} UTC "
    "({amount} {direction}); by the server's clock the chain is valid ({window}), by this clock it is not: {dates}. "
    "pip says: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate {pip_words}"
)
HTTP_SILENT_TRUSTED = "{silent}; TLS itself is fine ({message})"
PIP_MISMATCH = (
    "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
    "certificate is not valid for '{host}'"
)


def classify(result: ProbeResult) -> None:
    """Set ``classification``, ``stage`` and ``message`` from the checks and the captured chain."""
    result.stage = "verify"
    if any(c.ok for c in result.checks):
        _verified(result)
    else:
        _not_verified(result)


def _issuer(result: ProbeResult) -> str:
    return result.issuer_name or "an unknown issuer"


def _verified(result: ProbeResult) -> None:
    public = result.check("public_roots")
    host = result.host
    if public is not None and public.ok:
        result.classification = C.DIRECT_TRUSTED
        result.message = f"not intercepted: {host} presents a chain that verifies against {public.label}"
        return
    names = " and ".join(c.label for c in result.checks if c.ok)
    result.classification = C.INTERCEPTED_TRUSTED
    result.message = (
        f"the chain for {host} is signed by '{_issuer(result)}', which is not a public root; "
        f"it is trusted here by {names}"
    )


def _not_verified(result: ProbeResult) -> None:
    host = result.host
    codes = {c.verify_code for c in result.checks if c.ok is False}
    leaf = result.chain[0] if result.chain else None
    mismatch = leaf is not None and not hostname_matches(leaf, host)
    dates = validity_problems(result.chain)
    if codes & C.MISMATCH_CODES or (mismatch and not codes - C.MISMATCH_CODES):
        result.classification = C.HOSTNAME_MISMATCH
        result.message = mismatch_message(leaf, host)
    elif codes & C.VALIDITY_CODES or dates:
        result.classification = C.EXPIRED
        detail = "; ".join(dates) or next(
            (c.error or "" for c in result.checks if c.verify_code in C.VALIDITY_CODES), ""
        )
        result.message = f"the chain for {host} has a certificate outside its validity period: {detail}"
        _clock(result, dates)
    elif mismatch:
        result.classification = C.HOSTNAME_MISMATCH
        result.message = mismatch_message(leaf, host) + f"; its issuer '{_issuer(result)}' is not trusted either"
    else:
        first_error = next((c.error for c in result.checks if c.ok is False and c.error), None)
        result.classification = C.INTERCEPTED_UNKNOWN_CA
        result.message = f"the chain for {host} is signed by '{_issuer(result)}', which nothing here trusts" + (
            f"; pip will say: {first_error}" if first_error else ""
        )


def _clock(result: ProbeResult, dates: list[str]) -> None:
    """An expired / not-yet-valid chain that is valid by the server's own clock: this clock is wrong."""
    server = result.server_date
    if server is None or result.clock_skew is None or not dates or not result.chain:
        return
    start = max(c.not_before for c in result.chain)
    end = min(c.not_after for c in result.chain)
    if not start <= server <= end:
        return  # the chain is outside its window by the server's clock too: really expired
    local = server + timedelta(seconds=result.clock_skew)
    ahead = result.clock_skew > 0
    result.classification = C.CLOCK_SKEW
    result.message = CLOCK_SKEW.format(
        local=local,
        host=result.host,
        server=server,
        amount=describe_skew(result.clock_skew),
        direction="ahead" if ahead else "behind",
        window=f"{start:%Y-%m-%d} to {end:%Y-%m-%d}",
        dates="; ".join(dates),
        pip_words="has expired" if local > end else "is not yet valid",
    )
    result.notes = [n for n in result.notes if not n.startswith("this machine's clock differs")]


def describe_skew(seconds: float) -> str:
    """``3 days 2 hours``, ``12 minutes``: how far apart two clocks are, rounded to the unit below the largest."""
    left = abs(seconds)
    if left >= 86400:
        days, hours = divmod(round(left / 3600), 24)
        parts = [(days, "day"), (hours, "hour")]
    elif left >= 3600:
        hours, minutes = divmod(round(left / 60), 60)
        parts = [(hours, "hour"), (minutes, "minute")]
    else:
        minutes, secs = divmod(round(left), 60)
        parts = [(minutes, "minute"), (secs, "second")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(words) or "0 seconds"


def finish(result: ProbeResult) -> None:
    """A chain pip would accept from a server that never answers HTTP: pip fails with 'Read timed out'."""
    if result.ok and result.http_silent:
        result.classification, result.stage = C.TIMEOUT, "http"
        result.message = HTTP_SILENT_TRUSTED.format(silent=result.http_silent, message=result.message)


def mismatch_message(leaf: ChainCert | None, host: str) -> str:
    listed = ", ".join(san_names(leaf) if leaf else []) or "no subjectAltName"
    return f"the certificate presented for {host} is for {listed}; pip will say: " + PIP_MISMATCH.format(host=host)


def label(result: ProbeResult) -> None:
    """Name the interception product from the issuers in the chain (``vendors``), when it is known."""
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
