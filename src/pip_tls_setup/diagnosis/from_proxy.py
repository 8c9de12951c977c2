"""``setup --ca-from-proxy``: the pinned CA certificates the proxy presents; never trust on first use.

It lives in ``diagnosis`` (not ``ca``, which holds what the operator gives us):
it runs doctor's probe to see the chain, and ``ca`` (rank 1) may not import the
probe (rank 2). What it returns are ordinary ``CACert`` values for ``ca.sources``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from pip_tls_setup import redact
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import doctor, probe
from pip_tls_setup.diagnosis.situation import DoctorRequest, prepare
from pip_tls_setup.errors import CheckFailed, InputError

if TYPE_CHECKING:
    from pip_tls_setup.ca.certs import CACert

WHAT = "--ca-from-proxy"
OFFLINE = ("needs the network, but --offline was given", "pass the CA with --ca")
NO_INDEX = ("found no target pip and so no index to reach", "name a target with --python")
LEAF_ONLY_HINT = "this Python can only see the leaf certificate; run pip-tls-setup with Python 3.10+ or pass --ca"
ASK_HINT = "get the CA file from your security team and pass it with --ca"
NO_PIN = (
    "refusing to trust a certificate seen on the wire without a pin (no trust on first use); {where} presented {listed}"
)
NO_PIN_FIX = "confirm the fingerprint with your security team out of band, then add --ca-fingerprint sha256:{sha256}"
NO_MATCH_FIX = "this is not the CA you pinned: do not trust it; check the proxy and the pin with your security team"


def take(request: DoctorRequest, env: Mapping[str, str], pins: Collection[str]) -> list[CACert]:
    """Probe as doctor does, then take the presented CA certificates that match a pin (InputError otherwise)."""
    if request.offline:
        raise InputError(WHAT, *OFFLINE)
    situation = prepare(request, env)
    doctor.build(situation)
    if not situation.results:
        raise InputError(WHAT, *NO_INDEX)
    seen = [r for r in situation.results if r.chain]
    if not seen:
        first = situation.results[0]
        raise CheckFailed(
            f"{WHAT}: could not capture the chain from {redact.url(first.url)}: "
            f"{first.classification}: {redact.url(first.message)}"
        )
    return _pinned(seen[0], pins)


def _pinned(result: probe.ProbeResult, pins: Collection[str]) -> list[CACert]:
    from pip_tls_setup.ca.certs import CACert

    where = f"the proxy {result.proxy.redacted}" if result.proxy else f"{result.host} (no proxy)"
    if result.classification == C.DIRECT_TRUSTED:
        raise InputError(
            WHAT,
            f"{where} is not intercepting TLS: the chain for {result.host} verifies against the public roots",
            "there is no proxy CA to take; drop --ca-from-proxy",
        )
    candidates = result.ca_candidates
    if not candidates:
        hint = LEAF_ONLY_HINT if result.chain_capture == "leaf-only" else ASK_HINT
        problem = f"{where} presented only the server certificate, not its CA ('{result.issuer_name}')"
        raise InputError(WHAT, problem, hint)
    listed = ", ".join(f"'{c.common_name or c.subject}' sha256:{c.sha256}" for c in candidates)
    if not pins:
        fix = NO_PIN_FIX.format(sha256=candidates[-1].sha256)
        raise InputError(WHAT, NO_PIN.format(where=where, listed=listed), fix)
    taken = [c for c in candidates if c.sha256 in pins]
    if not taken:
        raise InputError(WHAT, f"{where} presented {listed}, which matches no --ca-fingerprint", NO_MATCH_FIX)
    origin = f"{WHAT} ({result.proxy.redacted if result.proxy else result.host})"
    return [CACert(c.x509, origin) for c in taken]
