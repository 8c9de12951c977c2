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

The modules: ``budget`` (the time budget), ``transport`` (connections, CONNECT,
407, TLS to the proxy, the handshake), ``chain`` (capture and offline facts),
``classify``, ``result`` (what a probe reports) and ``run`` (``probe()``).

Every network step has a timeout taken from one budget (``Deadline``): a silent
peer costs at most one step, and the whole probe never outlives the budget.
The TLS layer runs over memory BIOs, so the same code works direct, through an
``http://`` proxy and through an ``https://`` proxy (TLS inside TLS).

Nothing here trusts what it sees: the captured chain is only described.
"""

from __future__ import annotations

from pip_tls_setup.diagnosis.probe.budget import DEFAULT_TIMEOUT, BudgetSpent, Deadline, check_timeout, concurrently
from pip_tls_setup.diagnosis.probe.chain import (
    ChainCert,
    anchored_in,
    describe_chain,
    hostname_matches,
    unverified_chain,
    validity_problems,
)
from pip_tls_setup.diagnosis.probe.result import Check, Endpoint, ProbeResult, TrustSource
from pip_tls_setup.diagnosis.probe.run import not_probed, probe

__all__ = [
    "DEFAULT_TIMEOUT",
    "BudgetSpent",
    "ChainCert",
    "Check",
    "Deadline",
    "Endpoint",
    "ProbeResult",
    "TrustSource",
    "anchored_in",
    "check_timeout",
    "concurrently",
    "describe_chain",
    "hostname_matches",
    "not_probed",
    "probe",
    "unverified_chain",
    "validity_problems",
]
