"""The probe: budgets, chain capture per Python API, certificate facts, classification, CONNECT answers.

Network tests here use in-process loopback servers only (fast); the full
classification matrix through the CLI is in tests/e2e/test_probe_classes.py.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from corplab.pki import make_ca, make_leaf
from corplab.servers import SilentPeer, TLSIndex, TunnelProxy

from pip_tls_setup.diagnosis import probe, proxies
from pip_tls_setup.diagnosis.probe import chain, classify


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_deadline_shares_one_budget() -> None:
    clock = Clock()
    deadline = probe.Deadline(15, clock=clock)
    assert deadline.next_step() == 5  # a third of the budget
    clock.now += 12
    assert deadline.next_step() == pytest.approx(3)
    clock.now += 3
    with pytest.raises(probe.BudgetSpent):
        deadline.next_step()


class FakeCert:
    def __init__(self, der: bytes) -> None:
        self.der = der

    def public_bytes(self, encoding: int) -> bytes:
        del encoding
        return self.der


def test_chain_capture_uses_each_pythons_api(monkeypatch: pytest.MonkeyPatch) -> None:
    public = SimpleNamespace(get_unverified_chain=lambda: [b"leaf", b"ca"], getpeercert=lambda binary_form: b"leaf")
    private = SimpleNamespace(
        _sslobj=SimpleNamespace(get_unverified_chain=lambda: [FakeCert(b"leaf"), FakeCert(b"ca")]),
        getpeercert=lambda binary_form: b"leaf",
    )
    old = SimpleNamespace(getpeercert=lambda binary_form: b"leaf")
    monkeypatch.setattr(chain, "sys", SimpleNamespace(version_info=(3, 13, 0)))
    assert probe.unverified_chain(public) == ([b"leaf", b"ca"], "full")
    monkeypatch.setattr(chain, "sys", SimpleNamespace(version_info=(3, 11, 7)))
    assert probe.unverified_chain(private) == ([b"leaf", b"ca"], "full")
    monkeypatch.setattr(chain, "sys", SimpleNamespace(version_info=(3, 9, 18)))
    assert probe.unverified_chain(old) == ([b"leaf"], "leaf-only")


@pytest.fixture(scope="module")
def pki() -> dict[str, Any]:
    root = make_ca("Lab Public Root CA", "Lab Public Trust")
    other = make_ca("Stranger Root", "Elsewhere")
    return {"root": root, "other": other}


def test_hostname_matching(pki: dict[str, Any]) -> None:
    leaf = probe.describe_chain([make_leaf(pki["root"], ["*.corp.test", "127.0.0.1"]).der])[0]
    assert probe.hostname_matches(leaf, "index.corp.test")
    assert probe.hostname_matches(leaf, "INDEX.corp.test.")
    assert not probe.hostname_matches(leaf, "a.index.corp.test")
    assert not probe.hostname_matches(leaf, "corp.test")
    assert probe.hostname_matches(leaf, "127.0.0.1")
    assert not probe.hostname_matches(leaf, "127.0.0.2")


def test_validity_and_anchors(pki: dict[str, Any]) -> None:
    chain = probe.describe_chain([make_leaf(pki["root"], ["x.test"], expired=True).der])
    assert probe.validity_problems(chain)[0].startswith("'x.test' expired on")
    assert probe.anchored_in(chain, [pki["root"].cert]) is not None
    assert probe.anchored_in(chain, [pki["other"].cert]) is None
    # Same subject, different key: not an anchor.
    impostor = make_ca("Lab Public Root CA", "Lab Public Trust")
    assert probe.anchored_in(chain, [impostor.cert]) is None


def _result(
    chain: list[probe.ChainCert], checks: list[probe.Check], host: str = "index.corp.test"
) -> probe.ProbeResult:
    result = probe.ProbeResult(url=f"https://{host}/", host=host, port=443, proxy=None, chain=chain, checks=checks)
    classify.classify(result)
    return result


def test_classification_rules(pki: dict[str, Any]) -> None:
    good = probe.describe_chain([make_leaf(pki["root"], ["index.corp.test"]).der])
    unknown = probe.Check("public_roots", "public", False, "unable to get local issuer certificate", 20)
    assert _result(good, [probe.Check("public_roots", "public", True)]).classification == "direct-trusted"
    trusted = _result(good, [unknown, probe.Check("supplied", "the supplied CAs", True)])
    assert trusted.classification == "intercepted-trusted" and "the supplied CAs" in trusted.message
    assert _result(good, [unknown]).classification == "intercepted-unknown-ca"
    mismatch = probe.Check("public_roots", "public", False, "Hostname mismatch", 62)
    assert _result(good, [mismatch]).classification == "hostname-mismatch"
    expired = probe.Check("supplied", "s", False, "certificate has expired", 10)
    assert _result(good, [unknown, expired]).classification == "expired"
    wrong_name = probe.describe_chain([make_leaf(pki["root"], ["elsewhere.corp.test"]).der])
    both = _result(wrong_name, [unknown])
    assert both.classification == "hostname-mismatch" and "not trusted either" in both.message


@pytest.fixture(scope="module")
def servers(pki: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("probe")
    leaf = make_leaf(pki["root"], ["index.corp.test", "127.0.0.1"])
    with TLSIndex(leaf, [], work) as index, TunnelProxy({"index.corp.test:443": index.port}, auth="u:pw") as proxy:
        yield {"index": index, "proxy": proxy, "public": pki["root"].write(work / "public.pem")}


def test_probe_direct_and_through_a_tunnel(servers: dict[str, Any]) -> None:
    public = probe.TrustSource("public_roots", "lab public", cafile=str(servers["public"]))
    direct = probe.probe(servers["index"].url, None, [public], probe.Deadline(10))
    assert direct.classification == "direct-trusted" and direct.intercepted is False
    assert direct.chain[0].subject == "CN=index.corp.test"
    proxy = proxies.parse(servers["proxy"].url("u:pw"), "HTTPS_PROXY")
    tunnelled = probe.probe("https://index.corp.test/simple/", proxy, [public], probe.Deadline(10))
    assert tunnelled.classification == "direct-trusted", tunnelled.message
    refused = probe.probe(
        "https://index.corp.test/simple/", proxies.parse(servers["proxy"].url(), "X"), [public], probe.Deadline(10)
    )
    assert refused.classification == "proxy-auth-required" and refused.proxy_auth_schemes == ["Basic"]


def test_unlisted_host_is_a_proxy_error(servers: dict[str, Any]) -> None:
    proxy = proxies.parse(servers["proxy"].url("u:pw"), "HTTPS_PROXY")
    result = probe.probe("https://elsewhere.corp.test/", proxy, [], probe.Deadline(10))
    assert result.classification == "proxy-error" and result.proxy_status == 502


def _serve_once(answer: bytes) -> tuple[int, threading.Thread]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def run() -> None:
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(answer)
        conn.close()
        listener.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return int(listener.getsockname()[1]), thread


def test_ntlm_only_proxy_suggests_a_relay() -> None:
    port, thread = _serve_once(
        b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n"
        b"Proxy-Authenticate: Negotiate\r\n\r\n"
    )
    result = probe.probe("https://index.corp.test/", proxies.parse(f"127.0.0.1:{port}", "X"), [], probe.Deadline(5))
    thread.join(5)
    assert result.classification == "proxy-auth-required"
    assert result.proxy_auth_schemes == ["NTLM", "Negotiate"] and "cntlm or px" in result.message


def test_a_non_http_proxy_port() -> None:
    port, thread = _serve_once(b"\x05\x00garbage\r\n\r\n")
    result = probe.probe("https://index.corp.test/", proxies.parse(f"127.0.0.1:{port}", "X"), [], probe.Deadline(5))
    thread.join(5)
    assert result.classification == "proxy-error" and "SOCKS" in result.message


def test_silent_peer_costs_one_step(tmp_path: Path) -> None:
    with SilentPeer() as peer:
        result = probe.probe(
            "https://index.corp.test/", proxies.parse(peer.url, "X"), [], probe.Deadline(0.6, step=0.2)
        )
    assert result.classification == "timeout" and result.stage == "proxy"
    assert result.timeout == pytest.approx(0.2)


def test_plain_http_is_not_contacted() -> None:
    result = probe.probe("http://127.0.0.1:9/simple/", None, [], probe.Deadline(1))
    assert result.classification == "plain-http" and result.stage == "url"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 0.0, -1.0, 3601.0])
def test_unusable_timeouts_are_bad_input(value: float) -> None:
    from pip_tls_setup.errors import InputError

    with pytest.raises(InputError, match="must be a number of seconds"):
        probe.check_timeout(value)
    assert probe.check_timeout(15.0) == 15.0
