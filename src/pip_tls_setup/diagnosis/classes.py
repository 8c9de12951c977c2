"""The one classification vocabulary of ``doctor``, ``verify`` and the probe.

Every classification any of them reports is a constant here, with its one-line
meaning in ``MEANINGS``. ``docs/schemas/doctor.schema.json`` (``$defs.classification``)
and the table in ``docs/doctor.md`` list exactly these names; a unit test ties
the three together. The probe uses the first sixteen; ``verify`` adds the
outcome of a real fetch (``verified``, ``verification-disabled``, ``untrusted``,
``http-error``, ``error``) and ``ok`` for a summary without failures.

The OpenSSL verify codes that decide a class are named here too, once.
"""

from __future__ import annotations

DIRECT_TRUSTED = "direct-trusted"
INTERCEPTED_TRUSTED = "intercepted-trusted"
INTERCEPTED_UNKNOWN_CA = "intercepted-unknown-ca"
EXPIRED = "expired"
CLOCK_SKEW = "clock-skew"
HOSTNAME_MISMATCH = "hostname-mismatch"
PROXY_AUTH_REQUIRED = "proxy-auth-required"
PROXY_UNREACHABLE = "proxy-unreachable"
PROXY_ERROR = "proxy-error"
TLS_TO_PROXY_FAILED = "tls-to-proxy-failed"
DNS_FAILURE = "dns-failure"
TIMEOUT = "timeout"
UNREACHABLE = "unreachable"
TLS_ERROR = "tls-error"
PLAIN_HTTP = "plain-http"
NOT_PROBED = "not-probed"
# verify: the outcome of a real fetch by the target's pip or requests
VERIFIED = "verified"
VERIFICATION_DISABLED = "verification-disabled"
UNTRUSTED = "untrusted"
HTTP_ERROR = "http-error"
ERROR = "error"
OK = "ok"

MEANINGS: dict[str, str] = {
    DIRECT_TRUSTED: "not intercepted: the index's own chain verifies against the public roots",
    INTERCEPTED_TRUSTED: "intercepted (or a private CA) and that CA is trusted here",
    INTERCEPTED_UNKNOWN_CA: "intercepted by a CA that nothing here trusts",
    EXPIRED: "a certificate in the chain is expired or not yet valid",
    CLOCK_SKEW: "this machine's clock is wrong: the chain is valid by the server's clock (its Date header)",
    HOSTNAME_MISMATCH: "the certificate does not name the host pip asked for",
    PROXY_AUTH_REQUIRED: "the proxy asks for authentication (407)",
    PROXY_UNREACHABLE: "nothing accepts connections at the proxy's address",
    PROXY_ERROR: "the proxy refused the tunnel or did not speak HTTP",
    TLS_TO_PROXY_FAILED: "the proxy URL is https:// but TLS to the proxy itself failed (often a plain-HTTP proxy)",
    DNS_FAILURE: "a host name did not resolve",
    TIMEOUT: "a network step did not finish within its time limit",
    UNREACHABLE: "nothing accepts connections at the index's address",
    TLS_ERROR: "the TLS handshake failed before a certificate could be checked",
    PLAIN_HTTP: "the index is plain http:// (no TLS, nothing verified)",
    NOT_PROBED: "not probed (offline, or the time budget was spent)",
    VERIFIED: "verify: the index answered over TLS that the target's own trust verified",
    VERIFICATION_DISABLED: "verify: the target would not verify this index (trusted-host, verify off, empty CA)",
    UNTRUSTED: "verify: the target does not trust a chain that is not intercepted (its trust lacks the root)",
    HTTP_ERROR: "verify: TLS verified, but the index answered 5xx",
    ERROR: "verify: the target could not be asked, or failed in a way no other class names",
    OK: "verify's summary: every check verified",
}

OK_CLASSES = frozenset({DIRECT_TRUSTED, INTERCEPTED_TRUSTED})
INTERCEPTED_CLASSES = frozenset({INTERCEPTED_TRUSTED, INTERCEPTED_UNKNOWN_CA})

# OpenSSL verify codes (X509_V_ERR_*) that name a problem other than an unknown issuer.
CERT_NOT_YET_VALID = 9
CERT_HAS_EXPIRED = 10
HOSTNAME_MISMATCH_CODE = 62
IP_ADDRESS_MISMATCH = 64
VALIDITY_CODES = frozenset({CERT_NOT_YET_VALID, CERT_HAS_EXPIRED})
MISMATCH_CODES = frozenset({HOSTNAME_MISMATCH_CODE, IP_ADDRESS_MISMATCH})
