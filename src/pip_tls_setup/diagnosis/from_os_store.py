"""``setup --ca-from-os-store``: the OS-store certificates that really sign the chain the proxy presents.

The admin already vouched for what is in the OS store by installing it, so no
pin is needed; but only a certificate that signs the presented chain is taken,
never the rest of the store. "Signs" is checked three ways: the issuer name,
the key identifier (the child's authorityKeyIdentifier is the signer's
subjectKeyIdentifier, when both are there), and the signature itself (with
cryptography's ``verify_directly_issued_by``). From the first signer the path
goes on up inside the store to a self-signed root, so a store holding an
intermediate and its root gives both.

What is returned are ordinary ``CACert`` values for setup, which puts them
where the OS store is not read: certifi, pip's vendored certifi, pip's
``cert =``, the combined bundle and the exported variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pip_tls_setup import escape, redact
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import doctor, os_store, probe
from pip_tls_setup.diagnosis.probe.chain import authority_key_id, subject_key_id
from pip_tls_setup.diagnosis.situation import DoctorRequest, prepare
from pip_tls_setup.errors import CheckFailed, InputError

if TYPE_CHECKING:
    from cryptography import x509

    from pip_tls_setup.ca.certs import CACert

WHAT = "--ca-from-os-store"
OFFLINE = ("needs the network to see the chain the proxy presents, but --offline was given", "pass the CA with --ca")
NO_INDEX = ("found no target pip and so no index to reach", "name a target with --python")
NOT_INTERCEPTED = "the chain for {host} verifies against the public roots: {where} does not intercept TLS"
NOT_INTERCEPTED_FIX = "there is no corporate CA to take; drop --ca-from-os-store"
NONE_SIGNS = (
    "{store} holds no certificate that signs the chain {where} presents for {host} "
    "(its issuer is '{issuer}'{key}); {count} certificates were read"
)
NONE_SIGNS_FIX = "install the corporate CA in the OS store first, or pass it with --ca"
UNREADABLE = "could not read {store}: {problems}"


def take(request: DoctorRequest, env: Mapping[str, str]) -> list[CACert]:
    """Probe as doctor does, then take the OS-store certificates that sign the presented chain."""
    if request.offline:
        raise InputError(WHAT, *OFFLINE)
    situation = prepare(request, env)
    doctor.build(situation)
    if not situation.results:
        raise InputError(WHAT, *NO_INDEX)
    seen = next((r for r in situation.results if r.chain), None)
    if seen is None:
        first = situation.results[0]
        raise CheckFailed(
            f"{WHAT}: could not capture the chain from {redact.url(first.url)}: "
            f"{first.classification}: {redact.url(first.message)}"
        )
    where = f"the proxy {seen.proxy.redacted}" if seen.proxy else f"{seen.host} (no proxy)"
    if seen.classification == C.DIRECT_TRUSTED:
        raise InputError(WHAT, NOT_INTERCEPTED.format(host=seen.host, where=where), NOT_INTERCEPTED_FIX)
    read = os_store.read(request.root, situation.store)
    if not read.certs and read.problems:
        raise InputError(WHAT, UNREADABLE.format(store=read.description, problems="; ".join(read.problems)))
    taken = signers(seen.chain, read.certs)
    if not taken:
        top = seen.chain[-1]
        key = f", key identifier {top.authority_key_id}" if top.authority_key_id else ""
        # cli prints an InputError as is: a name from the wire is escaped here (it may hold control characters)
        issuer = escape.text(top.issuer)
        problem = NONE_SIGNS.format(
            store=read.description, where=where, host=seen.host, issuer=issuer, key=key, count=len(read.certs)
        )
        raise InputError(WHAT, problem, NONE_SIGNS_FIX)
    from pip_tls_setup.ca.certs import CACert

    return [CACert(found.cert, f"{WHAT} ({found.origin})") for found in taken]


def issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """Did ``parent`` sign ``child``? Issuer name, key identifier, then the signature itself."""
    if child.issuer != parent.subject:
        return False
    wanted, offered = authority_key_id(child), subject_key_id(parent)
    if wanted and offered and wanted != offered:
        return False
    from cryptography.exceptions import InvalidSignature

    try:
        child.verify_directly_issued_by(parent)
    except (InvalidSignature, ValueError, TypeError):  # a bad signature or an unsupported key: not this signer
        return False
    return True


def _signer(child: x509.Certificate, candidates: Sequence[os_store.StoreCert]) -> os_store.StoreCert | None:
    from pip_tls_setup.ca.certs import is_ca

    return next((c for c in candidates if is_ca(c.cert) and issued_by(child, c.cert)), None)


def _path_top(chain: Sequence[probe.ChainCert]) -> x509.Certificate:
    """The highest presented certificate on the leaf's own path (extra certificates a proxy sends are skipped)."""
    presented = [c.x509 for c in chain]
    current = presented[0]
    while current.subject != current.issuer:
        parent = next((p for p in presented if p is not current and issued_by(current, p)), None)
        if parent is None:
            break
        current = parent
    return current


def signers(chain: Sequence[probe.ChainCert], store: Sequence[os_store.StoreCert]) -> list[os_store.StoreCert]:
    """The store certificates on the presented chain's path to a root: its signer, that one's signer, ..."""
    from cryptography.hazmat.primitives import hashes

    if not chain:
        return []
    top = _path_top(chain)
    taken: list[os_store.StoreCert] = []
    seen: set[bytes] = set()
    child = top
    while True:
        if child.subject == child.issuer:  # a presented self-signed root: taken only if the store holds it
            found = next((c for c in store if c.cert == child), None)
        else:
            found = _signer(child, store)
        if found is None or found.cert.fingerprint(hashes.SHA256()) in seen:
            return taken
        seen.add(found.cert.fingerprint(hashes.SHA256()))
        taken.append(found)
        if found.cert.subject == found.cert.issuer:
            return taken
        child = found.cert
