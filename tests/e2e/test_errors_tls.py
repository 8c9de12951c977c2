"""Seed errors 2-5: CERTIFICATE_VERIFY_FAILED behind the intercepting proxy and without a proxy, a proxy that
closes or resets the tunnel (``EOF occurred in violation of protocol``, ``bad handshake: SysCallError(-1,
'Unexpected EOF')``), ``Read timed out``, and ``check_hostname requires server_hostname`` for an index given by
IP address. Each error comes from a real pip; doctor's JSON and text name the cause and the next step.
docs/errors.md cites these tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from corplab.errorlab import ErrorLab, target
from corplab.lab import Lab

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def errors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ErrorLab]:
    with ErrorLab(tmp_path_factory.mktemp("errors-tls")) as running:
        yield running


def need(python: str, pip: str | None = None, pyopenssl: bool = False) -> Any:
    interpreter = target(python, pip, pyopenssl)
    if interpreter is None:
        pytest.skip(f"needs Python {python} from pyenv")
    return interpreter


def doctor(errors: ErrorLab, python: Any, *args: str, **env: str) -> tuple[dict[str, Any], str]:
    data = errors.tool("doctor", "--json", "--python", str(python), *args, **env)
    assert "Traceback" not in data.stderr, data.stderr
    text = errors.tool("doctor", "--python", str(python), *args, **env)
    return json.loads(data.stdout), text.stdout


def test_certificate_verify_failed_behind_the_intercepting_proxy(errors: ErrorLab, lab: Lab) -> None:
    """Seed 3: 'unable to get local issuer certificate' through mitmproxy (it presents the leaf alone)."""
    python = need("3.11")
    done = errors.pip_download(python, lab.index_url, HTTPS_PROXY=lab.proxy_url)
    assert "WARNING: Retrying (Retry(total=0" in done.output
    assert "CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate" in done.output
    data, text = doctor(errors, python, HTTPS_PROXY=lab.proxy_url, PIP_INDEX_URL=lab.index_url)
    assert data["summary"]["classification"] == "intercepted-unknown-ca"
    assert data["issuer"] == "O=Example Corp,CN=Example Corp TLS Inspection Root CA"
    assert "next: get the CA 'Example Corp TLS Inspection Root CA' from your security team" in text
    assert "pip-tls-setup setup --ca <that file>" in text


@pytest.mark.parametrize(("python", "pip"), [("3.11", None), ("3.11", "26.3")], ids=["pip-bundled", "pip-26.3"])
def test_certificate_verify_failed_without_a_proxy(errors: ErrorLab, python: str, pip: str | None) -> None:
    """Seed 4: a private index CA, no proxy at all; pip 26.3 shortens the 'Could not fetch URL' line."""
    interpreter = need(python, pip)
    done = errors.pip_download(interpreter, errors.direct.url)
    assert "Could not fetch URL https://127.0.0.1:" in done.output
    assert "There was a problem confirming the ssl certificate" in done.output
    assert "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate" in (
        done.output
    )
    data, text = doctor(errors, interpreter, PIP_INDEX_URL=errors.direct.url)
    probe = data["probes"][0]
    assert probe["classification"] == "intercepted-unknown-ca" and probe["proxy"] is None
    assert probe["issuer_name"] == "Lab Index Root CA"
    assert "next: get the CA 'Lab Index Root CA'" in text


@pytest.mark.parametrize(
    ("python", "pip", "pyopenssl", "mode", "words"),
    [
        ("3.8", "20.1.1", True, "cut", "SSLError(\"bad handshake: SysCallError(-1, 'Unexpected EOF')\")"),
        ("3.11", None, False, "cut", "SSLEOFError(8, '[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation"),
        ("3.8", "20.1.1", True, "reset", "SSLError(\"bad handshake: SysCallError(104, 'ECONNRESET')\")"),
        ("3.11", None, False, "reset", "ConnectionResetError(104, 'Connection reset by peer')"),
    ],
    ids=["cut-pip-20.1.1-pyopenssl", "cut-pip-bundled", "reset-pip-20.1.1-pyopenssl", "reset-pip-bundled"],
)
def test_a_proxy_that_closes_or_resets_the_tunnel(
    errors: ErrorLab, python: str, pip: str | None, pyopenssl: bool, mode: str, words: str
) -> None:
    """Seeds 2 and 5: the proxy says '200 Connection established', then cuts TLS to the index."""
    interpreter = need(python, pip, pyopenssl)
    proxy = (errors.cut if mode == "cut" else errors.reset).url()
    done = errors.pip_download(interpreter, errors.url(), HTTPS_PROXY=proxy)
    assert done.returncode != 0 and words in done.output, done.output
    data, text = doctor(errors, interpreter, HTTPS_PROXY=proxy, PIP_INDEX_URL=errors.url())
    probe = data["probes"][0]
    assert probe["classification"] == "tls-error" and probe["stage"] == "tls"
    assert ("closed the tunnel" if mode == "cut" else "reset the tunnel") in probe["message"]
    assert "next: the proxy" in text and "cuts TLS to index.corp.test" in text


def test_read_timed_out(errors: ErrorLab) -> None:
    """Seed 5: the index completes TLS (its CA is trusted) and never answers."""
    python = need("3.11")
    env = {"HTTPS_PROXY": errors.tunnel.url(), "PIP_CERT": str(errors.ca_path)}
    done = errors.pip_download(python, errors.url("silent.corp.test"), **env)
    assert "ReadTimeoutError(\"HTTPSConnectionPool(host='silent.corp.test', port=443): Read timed out." in done.output
    assert "ERROR: Could not find a version that satisfies the requirement corp-hello (from versions: none)" in (
        done.output
    )
    data, text = doctor(errors, python, "--timeout", "6", PIP_INDEX_URL=errors.url("silent.corp.test"), **env)
    probe = data["probes"][0]
    assert probe["classification"] == "timeout" and probe["stage"] == "http"
    assert "Read timed out" in probe["message"] and probe["chain"]
    assert "next: silent.corp.test completes TLS but does not answer HTTP in time" in text


def test_check_hostname_for_an_index_given_by_ip(errors: ErrorLab) -> None:
    """pip 24.2-26.0.x with truststore (Python 3.10+) and an https:// index at an IP address."""
    python = need("3.13")
    done = errors.pip_download(python, errors.direct.url, PIP_CERT=str(errors.ca_path))
    assert "ValueError: check_hostname requires server_hostname" in done.output
    data, _text = doctor(errors, python, "--offline", PIP_INDEX_URL=errors.direct.url, PIP_CERT=str(errors.ca_path))
    if not data["targets"][0]["pip"].startswith(("24.", "25.", "26.0")):
        pytest.skip(f"this Python bundles pip {data['targets'][0]['pip']}, outside 24.2-26.0.x")
    trap = next(t for t in data["traps"] if t["id"] == "ip-address-index")
    assert trap["severity"] == "error" and "check_hostname requires server_hostname" in trap["explanation"]
