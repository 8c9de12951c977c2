"""The headline of a diagnosis: the proxy, whether TLS is intercepted, by whom, and the one-line verdict.

doctor's ``summary`` and verify's ``headline`` are this one dict, built from the probes each ran
(docs/schemas/doctor.schema.json ``$defs/summary``): the facts CI wrappers turn into outputs. Pure: it
reads probe results and the environment, it probes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pip_tls_setup import redact
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import probe, proxies


def summarize(results: Sequence[probe.ProbeResult], env: Mapping[str, str]) -> dict[str, Any]:
    """The headline the GitHub Action turns into outputs: proxy, intercepted, issuer."""
    chosen = next((r for r in results if r.intercepted), None) or next(
        (r for r in results if r.classification not in C.OK_CLASSES | {C.NOT_PROBED}), None
    )
    chosen = chosen or (results[0] if results else None)
    proxy_text, proxy_source = _headline_proxy(chosen, env)
    intercepted_values = [r.intercepted for r in results]
    intercepted = (
        True
        if any(v is True for v in intercepted_values)
        else (False if intercepted_values and all(v is False for v in intercepted_values) else None)
    )
    seen = chosen.intercepted if chosen else None
    return {
        "verdict": verdict(results),
        "probe": next((n for n, r in enumerate(results) if r is chosen), None),
        "proxy": proxy_text,
        "proxy_source": proxy_source,
        "intercepted": intercepted,
        "classification": chosen.classification if chosen else None,
        "message": redact.url(chosen.message) if chosen else "nothing was probed",
        "issuer": chosen.issuer if chosen and seen else None,
        "issuer_name": chosen.issuer_name if chosen and seen else None,
        "product": chosen.product if chosen else None,
        "ca_fingerprints": [c.sha256 for c in chosen.ca_candidates] if chosen else [],
    }


def verdict(results: Sequence[probe.ProbeResult]) -> str:
    """``verified`` (every probe that ran says pip can verify), ``problem``, or ``not-checked`` (none ran)."""
    ran = [r for r in results if r.classification != C.NOT_PROBED]
    if not ran:
        return "not-checked"
    return "verified" if all(r.ok for r in ran) else "problem"


def _headline_proxy(chosen: probe.ProbeResult | None, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The proxy the headline probe went through (None: direct, e.g. NO_PROXY); else the environment's."""
    if chosen is not None:
        return (chosen.proxy.redacted, chosen.proxy.source) if chosen.proxy else (None, None)
    env_proxy = proxies.environment_proxies(env)
    fallback = env_proxy.get("https") or env_proxy.get("all")
    return (redact.url(fallback[0]), fallback[1]) if fallback else (None, None)
