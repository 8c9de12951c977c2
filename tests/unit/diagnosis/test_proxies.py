"""Proxy settings: requests' own semantics (checked against pip's vendored requests), pip's option, redaction."""

from __future__ import annotations

import base64
import itertools

import pytest

from pip_tls_setup.diagnosis import proxies
from pip_tls_setup.errors import InputError

URLS = [
    "https://index.corp.test/simple/",
    "https://index.corp.test:8443/simple/",
    "https://files.corp.test/p.whl",
    "http://index.corp.test/simple/",
    "https://10.1.2.3/simple/",
    "https://127.0.0.1:9/simple/",
    "https://xcorp.test/simple/",
]
ENVS = [
    {},
    {"HTTPS_PROXY": "http://upper:3128"},
    {"https_proxy": "http://lower:3128", "HTTPS_PROXY": "http://upper:3128"},
    {"https_proxy": "", "HTTPS_PROXY": "http://upper:3128"},
    {"ALL_PROXY": "http://all:3128"},
    {"all_proxy": "http://all:3128", "HTTPS_PROXY": "http://upper:3128"},
    {"HTTP_PROXY": "http://plain:3128"},
    {"HTTP_PROXY": "http://plain:3128", "REQUEST_METHOD": "GET"},
    {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "corp.test"},
    {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".corp.test"},
    {"HTTPS_PROXY": "http://p:1", "no_proxy": "index.corp.test:8443"},
    {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"},
    {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "10.0.0.0/8"},
    {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "127.0.0.1, localhost"},
    {"HTTPS_PROXY": "http://p:1", "no_proxy": "", "NO_PROXY": "corp.test"},
    {"HTTPS_PROXY": "http://p:1", "no_proxy": "other.test", "NO_PROXY": "corp.test"},
    {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "files.corp.test"},
]


@pytest.mark.parametrize(("env", "url"), list(itertools.product(ENVS, URLS)))
def test_environment_choice_matches_pips_vendored_requests(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], url: str
) -> None:
    """Real requests code (pip's vendored copy) is the oracle for the environment semantics."""
    import pip
    from pip._vendor.requests.utils import get_environ_proxies, select_proxy

    from pip_tls_setup.target.pythons import version_tuple

    for name in list(__import__("os").environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    expected = select_proxy(url, get_environ_proxies(url))
    chosen = proxies.from_environment(url, env, version_tuple(pip.__version__))
    assert (chosen.raw if chosen else None) == expected


@pytest.mark.parametrize(("pip_version", "bypassed"), [((26, 1), True), ((26, 2), False), (None, False)])
def test_no_proxy_suffix_rule_follows_the_targets_pip(pip_version: tuple[int, ...] | None, bypassed: bool) -> None:
    """pip <= 26.1 (requests <= 2.33) matches any string suffix; pip 26.2+ (requests 2.34) a domain boundary."""
    env = {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "corp.test"}
    assert proxies.bypasses("https://xcorp.test/simple/", env, pip_version)[0] is bypassed
    assert proxies.bypasses("https://index.corp.test/simple/", env, pip_version)[0] is True


def test_lower_case_wins_and_names_its_variable() -> None:
    env = {"https_proxy": "http://lower:3128", "HTTPS_PROXY": "http://upper:3128"}
    chosen = proxies.from_environment("https://index.corp.test/", env)
    assert chosen is not None and chosen.host == "lower" and chosen.source == "https_proxy"


def test_no_proxy_reports_the_matching_entry() -> None:
    env = {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "localhost,corp.test"}
    assert proxies.bypasses("https://index.corp.test/simple/", env) == (True, "corp.test")
    choice = proxies.for_pip("https://index.corp.test/simple/", env, None, (23, 2, 1))
    assert choice.proxy is None and "NO_PROXY entry 'corp.test'" in choice.reason


def test_pips_proxy_option_beats_the_environment_on_every_pip() -> None:
    env = {"HTTPS_PROXY": "http://env:3128", "NO_PROXY": "corp.test", "PIP_PROXY": "http://opt:3128"}
    old = proxies.for_pip("https://index.corp.test/", env, "http://opt:3128", (23, 2, 1))
    new = proxies.for_pip("https://index.corp.test/", env, "http://opt:3128", (24, 1))
    assert old.proxy is not None and old.proxy.host == "opt" and old.trust_env is True
    assert new.proxy is not None and new.proxy.host == "opt" and new.trust_env is False
    assert old.proxy.source == "PIP_PROXY"
    from_config = proxies.for_pip("https://index.corp.test/", {}, "http://opt:3128", (26, 3))
    assert from_config.proxy is not None and from_config.proxy.source == "pip config (proxy =)"


def test_parse_keeps_credentials_out_of_everything_printable() -> None:
    proxy = proxies.parse("http://alice:p%40ss%3Aw0rd@proxy.corp.test:3128", "HTTPS_PROXY")
    assert (proxy.host, proxy.port, proxy.username, proxy.password) == ("proxy.corp.test", 3128, "alice", "p@ss:w0rd")
    assert proxy.redacted == "http://alice:****@proxy.corp.test:3128"
    assert "p@ss" not in repr(proxy) and "p%40ss" not in repr(proxy)
    token = base64.b64encode(b"alice:p@ss:w0rd").decode()
    assert proxy.authorization() == f"Basic {token}"
    assert set(proxy.secrets) >= {"p@ss:w0rd", "p%40ss%3Aw0rd", token}


def test_parse_defaults() -> None:
    bare = proxies.parse("proxy.corp.test:8080", "HTTPS_PROXY")
    assert (bare.scheme, bare.host, bare.port) == ("http", "proxy.corp.test", 8080)
    assert proxies.parse("https://proxy.corp.test", "X").port == 443
    assert proxies.parse("http://[::1]:3128", "X").address == "[::1]:3128"
    token = proxies.parse("http://tok3n@proxy.corp.test:1", "X")
    assert token.redacted == "http://****@proxy.corp.test:1" and "tok3n" in token.secrets


@pytest.mark.parametrize("value", ["http://erin:Bad9Pass@host:notaport", "http://erin:Bad9Pass@:3128"])
def test_malformed_proxy_is_bad_input_without_the_password(value: str) -> None:
    with pytest.raises(InputError) as caught:
        proxies.validate({"HTTPS_PROXY": value})
    text = str(caught.value)
    assert text.startswith("HTTPS_PROXY: ") and "Bad9Pass" not in text and "****" in text


def test_settings_and_secrets() -> None:
    env = {
        "HTTPS_PROXY": "http://alice:s3cret@p:1",
        "ALL_PROXY": "http://t0kenvalue@p:1",
        "NO_PROXY": "localhost",
        "PATH": "/usr/bin",
    }
    shown = proxies.settings(env)
    assert shown == {"HTTPS_PROXY": "http://alice:****@p:1", "ALL_PROXY": "http://****@p:1", "NO_PROXY": "localhost"}
    assert {"s3cret", "t0kenvalue"} <= set(proxies.secrets(env))
