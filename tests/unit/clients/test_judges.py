"""Each probe's judge reads the client's own words (texts measured behind the lab's intercepting proxy)."""

from __future__ import annotations

import pytest

from pip_tls_setup.clients import conda, curl, git, node, pipjudge, uv
from pip_tls_setup.clients.base import FAILED, UNTRUSTED, VERIFIED

CASES = [
    (
        git.judge,
        128,
        "fatal: unable to access 'https://index.corp.test/': server certificate verification failed. "
        "CAfile: none CRLfile: none",
        UNTRUSTED,
    ),
    (git.judge, 128, "fatal: repository 'https://index.corp.test/' not found", VERIFIED),
    (git.judge, 128, "fatal: unable to access 'https://x/': Failed to connect to 127.0.0.1 port 9", FAILED),
    (
        curl.judge,
        60,
        "curl: (60) SSL certificate problem: unable to get local issuer certificate\nMore details here: "
        "https://curl.se/docs/sslcerts.html",
        UNTRUSTED,
    ),
    (curl.judge, 0, "STATUS 404\n", VERIFIED),
    (curl.judge, 7, "curl: (7) Failed to connect to 127.0.0.1 port 9", FAILED),
    (
        node.npm_judge,
        1,
        "npm error request to https://index.corp.test/-/ping failed, reason: unable to verify the "
        "first certificate\nnpm error code UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        UNTRUSTED,
    ),
    (node.npm_judge, 1, "npm error 404 Not Found - GET https://index.corp.test/-/ping", VERIFIED),
    (node.judge, 3, "TLSERROR UNABLE_TO_VERIFY_LEAF_SIGNATURE unable to verify the first certificate", UNTRUSTED),
    (node.judge, 0, "STATUS 404", VERIFIED),
    (
        uv.judge,
        2,
        "error: Request failed after 3 retries\n  Caused by: invalid peer certificate: UnknownIssuer",
        UNTRUSTED,
    ),
    (
        uv.judge,
        1,
        "  x No solution found when resolving dependencies:\n  ╰─▶ Because pip was not found in the package "
        "registry and you require pip, we can conclude that your requirements are unsatisfiable.",
        VERIFIED,
    ),
    (
        pipjudge.pip_download_judge,
        1,
        "Could not fetch URL https://index.corp.test/simple/pip/: There was a problem "
        "confirming the ssl certificate: [SSL: CERTIFICATE_VERIFY_FAILED] ...\nERROR: No matching distribution found",
        UNTRUSTED,
    ),
    (
        pipjudge.pip_download_judge,
        1,
        "ERROR: Could not find a version that satisfies the requirement pip (from "
        "versions: none)\nERROR: No matching distribution found for pip",
        VERIFIED,
    ),
    (pipjudge.python_fetch_judge, 0, "STATUS 200", VERIFIED),
    (pipjudge.python_fetch_judge, 0, "SSLERROR SSLCertVerificationError(1, ...)", UNTRUSTED),
    (
        conda.judge,
        1,
        "CondaSSLError: Encountered an SSL error. SSLError(MaxRetryError(...CERTIFICATE_VERIFY_FAILED",
        UNTRUSTED,
    ),
    (
        conda.judge,
        1,
        "CondaHTTPError: HTTP 404 NOT FOUND for url <https://index.corp.test/noarch/repodata.json>",
        VERIFIED,
    ),
]


@pytest.mark.parametrize(("judge", "code", "output", "state"), CASES)
def test_judge(judge, code: int, output: str, state: str) -> None:  # type: ignore[no-untyped-def]
    outcome = judge(code, output)
    assert outcome.state == state, outcome
    assert outcome.line
