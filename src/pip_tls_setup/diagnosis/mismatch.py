"""Is the CA someone gave (setup's ``--ca``, doctor's ``--ca``) the one that signed the chain the proxy presents?

Decided from the presented chain's names, fingerprints and key identifiers
(what a report's JSON holds): a given CA *is* the signer when it is one of the
presented certificates, or when its subject is the top certificate's issuer
and its key identifier is the top certificate's authority key identifier. When
it is not, both are named, with fingerprints where they are known (a CA the
proxy does not present has no fingerprint here: its key identifier stands in).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pip_tls_setup.ca.certs import CACert

DIFFERS = (
    "the CA {role} is not the one that signed the chain {host} presents{via}: you gave {given}; "
    "that chain is signed by '{signer}' ({signer_id}). Get that CA (or check that the proxy is the one you meant)"
)
NOT_PRESENTED = "not presented by the proxy, so no fingerprint here; its key identifier is {aki}"
NO_KEY_ID = "not presented by the proxy, and the chain names no key identifier"


def _key_id(cert: CACert) -> str | None:
    from pip_tls_setup.diagnosis.probe.chain import subject_key_id

    return subject_key_id(cert.cert)


def signs(cert: CACert, chain: Sequence[Mapping[str, Any]]) -> bool:
    """Does ``cert`` appear in, or directly sign the top of, this presented chain (report JSON entries)?"""
    if not chain:
        return False
    if any(entry.get("sha256") == cert.sha256 for entry in chain):
        return True
    top = chain[-1]
    if cert.subject != top.get("issuer"):
        return False
    wanted = top.get("authority_key_id")
    return not wanted or wanted == _key_id(cert)


def _signer(top: Mapping[str, Any]) -> tuple[str, str]:
    if top.get("self_signed"):
        return str(top.get("subject")), f"sha256:{top.get('sha256')}"
    aki = top.get("authority_key_id")
    return str(top.get("issuer")), NOT_PRESENTED.format(aki=aki) if aki else NO_KEY_ID


def describe(probe: Mapping[str, Any], given: Sequence[CACert], role: str) -> str | None:
    """The sentence naming both CAs when none of ``given`` signed the probe's chain (None: one did, or no chain)."""
    chain = probe.get("chain") or []
    if not chain or not given or any(signs(cert, chain) for cert in given):
        return None
    signer, signer_id = _signer(chain[-1])
    names = ", ".join(f"'{c.subject}' (sha256:{c.sha256})" for c in given)
    via = f" through {probe['proxy']}" if probe.get("proxy") else ""
    return DIFFERS.format(role=role, host=probe.get("host"), via=via, given=names, signer=signer, signer_id=signer_id)
