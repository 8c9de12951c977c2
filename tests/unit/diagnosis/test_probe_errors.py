"""The probe on the seed errors' causes, against in-process loopback servers (fast; the real-pip side is in
tests/e2e/test_errors_*.py): an https:// proxy URL for a plain proxy, a cut or reset tunnel, a server silent
after the handshake, a server whose clock disagrees; and the traps that name them offline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from corplab.pki import make_ca, make_leaf
from corplab.servers import TLSIndex, TunnelProxy

from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import probe, proxies, traps
from pip_tls_setup.diagnosis.probe import http
from pip_tls_setup.diagnosis.probe.classify import describe_skew
from pip_tls_setup.diagnosis.probe.run import fix_line


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("probe-errors")
    ca = make_ca("Lab Corp Root", "Lab Corp")
    source = probe.TrustSource("supplied", "the lab CA", cafile=str(ca.write(tmp / "ca.pem")))
    index = TLSIndex(make_leaf(ca, ["index.corp.test"]), [ca], tmp / "index")
    silent = TLSIndex(make_leaf(ca, ["silent.corp.test"]), [ca], tmp / "silent", silent=True)
    ahead = TLSIndex(
        make_leaf(ca, ["ahead.corp.test"], not_yet_valid=True), [ca], tmp / "ahead", clock_offset=dt.timedelta(days=3)
    )
    with index, silent, ahead:
        routes = {"index.corp.test:443": index.port, "silent.corp.test:443": silent.port}
        routes["ahead.corp.test:443"] = ahead.port
        proxies_ = {
            "plain": TunnelProxy(routes),
            "400": TunnelProxy(routes, not_http="400"),
            "close": TunnelProxy(routes, not_http="close"),
            "cut": TunnelProxy(routes, tunnel="close"),
            "reset": TunnelProxy(routes, tunnel="reset"),
        }
        for running in proxies_.values():
            running.__enter__()
        yield {"source": source, **proxies_}
        for running in proxies_.values():
            running.__exit__(None, None, None)


def run(world: dict[str, Any], host: str, proxy: str, budget: float = 10) -> probe.ProbeResult:
    parsed = proxies.parse(proxy, "HTTPS_PROXY")
    return probe.probe(f"https://{host}/simple/", parsed, [world["source"]], probe.Deadline(budget))


@pytest.mark.parametrize("mode", ["400", "close"])
def test_an_https_proxy_url_for_a_plain_proxy(world: dict[str, Any], mode: str) -> None:
    result = run(world, "index.corp.test", world[mode].url("alice:s3cret", scheme="https"))
    assert result.classification == C.TLS_TO_PROXY_FAILED and result.stage == "proxy"
    assert result.proxy_speaks_http is True
    assert result.corrected_proxy == f"http://alice:****@127.0.0.1:{world[mode].port}"
    assert f"Write HTTPS_PROXY=http://alice:****@127.0.0.1:{world[mode].port}" in result.message
    assert "pip 20.2.4 and older (urllib3 1.25)" in result.message
    assert "s3cret" not in str(result.to_json())


def test_an_https_proxy_that_does_not_speak_http_either(world: dict[str, Any]) -> None:
    with TLSIndex(make_leaf(make_ca("X", "X"), ["127.0.0.1"]), [], Path(world["source"].cafile).parent / "x") as tls:
        result = run(world, "index.corp.test", f"https://127.0.0.1:{tls.port}")
    assert result.classification == C.TLS_TO_PROXY_FAILED
    assert result.proxy_speaks_http is False and result.corrected_proxy is None
    assert "does not answer a plain-HTTP CONNECT either" in result.message


@pytest.mark.parametrize(("mode", "words"), [("cut", "closed the tunnel"), ("reset", "reset the tunnel")])
def test_a_tunnel_cut_during_the_handshake(world: dict[str, Any], mode: str, words: str) -> None:
    result = run(world, "index.corp.test", world[mode].url())
    assert result.classification == C.TLS_ERROR and result.stage == "tls"
    assert words in result.message
    assert ("SysCallError(-1, 'Unexpected EOF')" if mode == "cut" else "ECONNRESET") in result.message


def test_a_server_silent_after_the_handshake(world: dict[str, Any]) -> None:
    result = run(world, "silent.corp.test", world["plain"].url(), budget=3)
    assert result.classification == C.TIMEOUT and result.stage == "http"
    assert "Read timed out" in result.message and "TLS itself is fine" in result.message
    assert result.chain  # the chain was still captured and checked


def test_a_server_whose_clock_agrees_with_the_chain(world: dict[str, Any]) -> None:
    result = run(world, "ahead.corp.test", world["plain"].url())
    assert result.classification == C.CLOCK_SKEW
    assert result.clock_skew is not None and -3 * 86400 - 60 < result.clock_skew < -3 * 86400 + 60
    assert "(3 days behind)" in result.message and "is not yet valid" in result.message
    assert result.to_json()["server_date"] is not None


def test_an_answered_probe_records_status_and_date(world: dict[str, Any]) -> None:
    result = run(world, "index.corp.test", world["plain"].url())
    assert result.classification == C.INTERCEPTED_TRUSTED
    assert result.http_status == 200 and result.server_date is not None  # HEAD /simple/
    assert abs(result.clock_skew or 0) < 60 and not result.notes


def test_http_head_parsing() -> None:
    status, date = http.parse_head(b"HTTP/1.1 407 Proxy Authentication Required\r\nDate: Tue, 15 Nov 1994 08:12:31 GMT")
    assert status == 407 and date == dt.datetime(1994, 11, 15, 8, 12, 31, tzinfo=dt.timezone.utc)
    assert http.parse_head(b"garbage") == (None, None)
    assert http.parse_date("not a date") is None
    assert http.corrected(proxies.parse("HTTPS://u:p@h:1", "X")) == "http://u:p@h:1"


def test_words_for_skews_and_fixes() -> None:
    assert describe_skew(-3 * 86400 + 0.3) == "3 days"
    assert describe_skew(800 * 86400 + 7200) == "800 days 2 hours"
    assert describe_skew(42) == "42 seconds"
    assert fix_line("https_proxy", "http://h:1") == "https_proxy=http://h:1"
    assert fix_line("/etc/pip.conf [global] proxy =", "http://h:1") == "/etc/pip.conf [global] proxy = http://h:1"
    assert fix_line("pip's session", "http://h:1") == "the proxy URL as http://h:1"


def facts(pip: str, python: tuple[int, ...], indexes: list[dict[str, Any]]) -> traps.Facts:
    target = SimpleNamespace(
        pip=SimpleNamespace(version=pip, version_tuple=tuple(int(x) for x in pip.split("."))),
        version=python,
        ssl=True,
    )
    return traps.Facts(target, {}, indexes, {}, [], {}, None)  # type: ignore[arg-type]


def test_https_proxy_trap_by_version() -> None:
    entry = {"url": "https://index.corp.test/simple/", "proxy": "https://127.0.0.1:3128", "trust": {}}
    new = traps.REGISTRY["https-proxy-url"].check(facts("23.2.1", (3, 11), [entry]), entry)
    assert new is not None and new.severity == "" and "WRONG_VERSION_NUMBER" in new.explanation
    old = traps.REGISTRY["https-proxy-url"].check(facts("20.2.4", (3, 8), [entry]), entry)
    assert old is not None and old.severity == "info" and "ignores the scheme" in old.explanation
    plain = {**entry, "proxy": "http://127.0.0.1:3128"}
    assert traps.REGISTRY["https-proxy-url"].check(facts("23.2.1", (3, 11), [plain]), plain) is None


def test_ip_address_index_trap() -> None:
    entry = {"url": "https://10.0.0.5/simple/", "proxy": None, "trust": {"kind": "truststore"}}
    check = traps.REGISTRY["ip-address-index"].check
    assert check(facts("24.2", (3, 13), [entry]), entry) is not None
    assert check(facts("26.1", (3, 13), [entry]), entry) is None  # urllib3 2 sends the IP
    named = {**entry, "url": "https://index.corp.test/simple/"}
    assert check(facts("24.2", (3, 13), [named]), named) is None
    certifi = {**entry, "trust": {"kind": "certifi"}}
    assert check(facts("24.2", (3, 13), [certifi]), certifi) is None


def test_very_old_pip_never_suggests_the_pin() -> None:
    hit = traps.REGISTRY["very-old-pip"].check(facts("20.2.4", (3, 8), []))
    assert hit is not None
    text = (hit.explanation + traps.REGISTRY["very-old-pip"].workaround).lower()
    assert "fixes nothing" in text and "http://" in text and "drop the pin" in text
    assert "downgrade" not in traps.REGISTRY["very-old-pip"].workaround.lower()
