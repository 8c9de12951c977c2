"""Seed errors 1-2 and their variants: ``HTTPS_PROXY=https://...`` pointing at a plain-HTTP proxy.

Real pips of several versions print what users paste (``check_hostname requires server_hostname``,
``WRONG_VERSION_NUMBER``, ``EOF occurred in violation of protocol``, ...) and pip 20.2.4 works, which is
where the recipe "downgrade pip to 20.2.4" comes from; doctor names the cause, tries a plain CONNECT on the
same address and prints the corrected variable, password masked. Interpreters come from pyenv; a missing
one skips its case. docs/errors.md cites these tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from corplab.errorlab import ErrorLab, target

pytestmark = pytest.mark.e2e
SECRET = "s3cret-Pw"

# (python, pip, what this pip prints for an https:// proxy URL at a plain proxy that answers TLS with HTTP 400)
MEASURED_400 = [
    ("3.8", "20.2.4", None),  # urllib3 1.25 speaks plain HTTP to it: the download works
    ("3.8", "20.3", "SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number"),
    ("3.9", "21.2.4", "ValueError: check_hostname requires server_hostname"),
    ("3.11", None, "ProxyError('Your proxy appears to only use HTTP and not HTTPS, try changing your proxy URL"),
    ("3.11", "26.3", "SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number"),
]
# ... and at a proxy that hangs up on TLS (given by name, so that no pip stops at check_hostname first)
MEASURED_CLOSE = [
    ("3.8", "20.3", "SSLZeroReturnError(6, 'TLS/SSL connection has been closed (EOF)"),
    ("3.11", None, "SSLEOFError(8, '[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"),
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ErrorLab]:
    with ErrorLab(tmp_path_factory.mktemp("errors-proxy-scheme")) as running:
        yield running


def doctor(lab: ErrorLab, python: Any, **env: str) -> tuple[dict[str, Any], str]:
    """doctor's JSON and its text for one target, in the same environment."""
    data = lab.tool("doctor", "--json", "--python", str(python), **env)
    assert "Traceback" not in data.stderr, data.stderr
    text = lab.tool("doctor", "--python", str(python), **env)
    assert SECRET not in data.stdout + text.output
    return json.loads(data.stdout), text.stdout


@pytest.mark.parametrize(
    ("python", "pip", "words"), MEASURED_400, ids=[f"pip-{c[1] or 'bundled'}" for c in MEASURED_400]
)
def test_https_proxy_url_for_a_plain_proxy(lab: ErrorLab, python: str, pip: str | None, words: str | None) -> None:
    interpreter = target(python, pip)
    if interpreter is None:
        pytest.skip(f"needs Python {python} from pyenv")
    proxy = lab.tls400.url(f"alice:{SECRET}", scheme="https")
    env = {"HTTPS_PROXY": proxy, "PIP_CERT": str(lab.ca_path)}
    pip_run = lab.pip_download(interpreter, lab.url(), **env)
    if words is None:
        assert pip_run.returncode == 0, pip_run.output  # why "downgrade pip to 20.2.4" seemed to work
    else:
        assert pip_run.returncode != 0 and words in pip_run.output, pip_run.output

    data, text = doctor(lab, interpreter, PIP_INDEX_URL=lab.url(), **env)
    fixed = f"http://alice:****@127.0.0.1:{lab.tls400.port}"
    probe = data["probes"][0]
    assert probe["classification"] == "tls-to-proxy-failed" and probe["stage"] == "proxy"
    assert probe["proxy_speaks_http"] is True and probe["corrected_proxy"] == fixed
    assert f"next: write HTTPS_PROXY={fixed}" in text
    assert "pip 20.2.4 and older (urllib3 1.25)" in probe["message"]
    trap = next(t for t in data["traps"] if t["id"] == "https-proxy-url")
    assert trap["severity"] == ("info" if pip == "20.2.4" else "warning")
    if pip and pip.startswith("20."):
        old = next(t for t in data["traps"] if t["id"] == "very-old-pip")
        assert "fixes nothing" in old["explanation"] and "http://" in old["workaround"]
    assert data["ok"] is False


@pytest.mark.parametrize(
    ("python", "pip", "words"), MEASURED_CLOSE, ids=[f"pip-{c[1] or 'bundled'}" for c in MEASURED_CLOSE]
)
def test_https_proxy_url_for_a_proxy_that_hangs_up(lab: ErrorLab, python: str, pip: str | None, words: str) -> None:
    interpreter = target(python, pip)
    if interpreter is None:
        pytest.skip(f"needs Python {python} from pyenv")
    env = {"HTTPS_PROXY": lab.tlsclose.url(scheme="https", host="localhost")}
    pip_run = lab.pip_download(interpreter, lab.url(), **env)
    assert pip_run.returncode != 0 and words in pip_run.output, pip_run.output
    data, text = doctor(lab, interpreter, PIP_INDEX_URL=lab.url(), **env)
    probe = data["probes"][0]
    assert probe["classification"] == "tls-to-proxy-failed"
    assert "EOF occurred in violation of protocol" in probe["message"]
    assert probe["corrected_proxy"] == f"http://localhost:{lab.tlsclose.port}"
    assert f"next: write HTTPS_PROXY=http://localhost:{lab.tlsclose.port}" in text


def test_the_corrected_variable_works(lab: ErrorLab) -> None:
    """What doctor prints is the fix: the same pip, the same proxy, http:// instead of https://."""
    interpreter = target("3.11")
    if interpreter is None:
        pytest.skip("needs Python 3.11 from pyenv")
    fixed = lab.tls400.url("alice:x", scheme="http")
    done = lab.pip_download(interpreter, lab.url(), HTTPS_PROXY=fixed, PIP_CERT=str(lab.ca_path))
    assert done.returncode == 0, done.output
    verify = lab.tool(
        "verify",
        "--json",
        "--python",
        str(interpreter),
        HTTPS_PROXY=lab.tls400.url(scheme="https"),
        PIP_INDEX_URL=lab.url(),
    )
    report = json.loads(verify.stdout)
    assert verify.returncode == 1 and report["summary"]["classification"] == "tls-to-proxy-failed"
    assert f"HTTPS_PROXY=http://127.0.0.1:{lab.tls400.port}" in report["targets"][0]["checks"][0]["message"]
