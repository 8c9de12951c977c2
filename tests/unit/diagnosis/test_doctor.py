"""doctor's reasoning without the network: which trust each pip applies, which traps apply, the renderings,
verify's error classification, and the JSON schema against a real (offline) report."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from corplab.isolation import clean_env, isolated
from corplab.pki import make_ca

from pip_tls_setup.commands.verify import read_env_file
from pip_tls_setup.diagnosis import render, situation, verify
from pip_tls_setup.diagnosis.traps import traps_for
from pip_tls_setup.diagnosis.trust import trust_of
from pip_tls_setup.diagnosis.verify import check_project
from pip_tls_setup.errors import InputError
from pip_tls_setup.target import pythons
from pip_tls_setup.target.root import Root
from support.runs import run_cmd

REPO = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((REPO / "docs" / "schemas" / "doctor.schema.json").read_text())
ROOT = Root.of("/")


def target(python: tuple[int, int, int] = (3, 11, 7), pip: str | None = "23.2.1", **extra: Any) -> pythons.Target:
    data: dict[str, Any] = {
        "executable": "/venv/bin/python",
        "prefix": "/venv",
        "base_prefix": "/usr",
        "is_venv": True,
        "version": list(python),
        "implementation": "cpython",
        "platform": "linux",
        "ssl": True,
        "openssl": "OpenSSL 3.0",
        "verify_paths": {"cafile": "/etc/ssl/certs/ca-certificates.crt", "capath": "/etc/ssl/certs"},
        "certifi": None,
        "requests": None,
        "pip": None
        if pip is None
        else {
            "version": pip,
            "location": "/venv/lib/pip",
            "certifi": {
                "where": "/venv/pip/cacert.pem",
                "bundled": "/venv/pip/cacert.pem",
                "version": None,
                "patched": False,
            },
            "truststore": True,
            "default_index": None,
            "config_files": None,
            "debundled": False,
        },
    }
    data.update(extra)
    return pythons.parse_inventory("/venv/bin/python", data)


@pytest.mark.parametrize(
    ("entry", "pip", "kind", "os_store"),
    [
        ({"verify": True, "ssl_context": True, "proxy": None}, "26.3", "truststore", True),
        ({"verify": True, "ssl_context": True, "proxy": "http://p:1"}, "24.2", "openssl-defaults", False),
        ({"verify": True, "ssl_context": True, "proxy": "http://p:1"}, "25.2", "truststore", True),
        ({"verify": "/b.pem", "ssl_context": True, "proxy": None}, "26.3", "truststore+file", True),
        ({"verify": "/b.pem", "ssl_context": True, "proxy": "http://p:1"}, "25.1.1", "file", False),
        ({"verify": "/b.pem", "ssl_context": False, "proxy": None}, "23.2.1", "file", False),
        ({"verify": True, "ssl_context": False, "proxy": None}, "23.2.1", "certifi", False),
        ({"verify": "", "ssl_context": False, "proxy": None}, "22.1.2", "verification-off", False),
    ],
)
def test_trust_of(entry: dict[str, Any], pip: str, kind: str, os_store: bool) -> None:
    trust = trust_of(target(pip=pip), entry, {}, ROOT, {})
    assert trust["kind"] == kind and trust["os_store"] is os_store


def test_trust_of_names_where_a_ca_file_comes_from() -> None:
    entry = {"verify": "/r.pem", "ssl_context": False, "proxy": None}
    assert trust_of(target(), entry, {"REQUESTS_CA_BUNDLE": "/r.pem"}, ROOT, {})["source"] == "REQUESTS_CA_BUNDLE"
    assert trust_of(target(), entry, {"PIP_CERT": "/r.pem"}, ROOT, {"cert": "/r.pem"})["source"] == "PIP_CERT"
    assert trust_of(target(), entry, {}, ROOT, {"cert": "/r.pem"})["source"] == "pip config (cert =)"


def traps(
    t: pythons.Target, options: dict[str, Any] | None = None, env: dict[str, str] | None = None, **kw: Any
) -> set[str]:
    view = {"pip": {"options": options or {}}}
    indexes = kw.get("indexes", [{"url": "https://index.corp.test/simple/", "proxy": None, "trust": {}}])
    found = traps_for(t, view, indexes, env or {}, kw.get("cas", []), kw.get("findings", {}), ROOT)
    return {trap.id for trap in found}


def test_traps() -> None:
    proxied = [{"url": "https://i.test/", "proxy": "http://p:1", "trust": {}}]
    assert "pip-proxy-ignores-truststore" in traps(target(pip="24.2"), indexes=proxied)
    assert "pip-proxy-ignores-truststore" in traps(target(pip="25.1.1"), indexes=proxied)
    assert "pip-proxy-ignores-truststore" not in traps(target(pip="25.2"), indexes=proxied)
    assert "pip-proxy-ignores-truststore" not in traps(target(python=(3, 9, 18), pip="24.2"), indexes=proxied)
    assert "pip-proxy-ignores-truststore" not in traps(target(pip="24.2"))
    assert "python-no-os-store" in traps(target(python=(3, 9, 18)))
    assert "pip-certifi-only" in traps(target(pip="24.0"))
    ca_env = {"REQUESTS_CA_BUNDLE": "/r.pem"}
    assert "proxy-option-disables-ca-env" in traps(target(pip="24.1"), {"proxy": "http://p:1"}, ca_env)
    assert "proxy-option-disables-ca-env" not in traps(target(pip="23.2.1"), {"proxy": "http://p:1"}, ca_env)
    assert "requests-ca-bundle-overrides-cert" in traps(target(), {"cert": "/c.pem"}, ca_env)
    assert "very-old-pip" in traps(target(pip="20.2.4"))
    assert "legacy-certs" in traps(target(pip="26.3"), {"deprecated_features": ["legacy-certs"]})
    assert "trusted-host" in traps(target(), {"trusted_hosts": ["index.corp.test"]})
    assert "no-ssl-module" in traps(target(ssl=False))
    plain = [{"url": "http://i.test/simple/", "proxy": None, "trust": {}}]
    assert "plain-http-index" in traps(target(), indexes=plain)


def test_empty_curl_ca_bundle_is_an_error_only_where_it_switches_verification_off() -> None:
    def severity(pip: str) -> str:
        view = {"pip": {"options": {}}}
        found = traps_for(target(pip=pip), view, [], {"CURL_CA_BUNDLE": ""}, [], {}, ROOT)
        return next(t.severity for t in found if t.id == "curl-ca-bundle-empty")

    assert severity("22.1.2") == "error"
    assert severity("22.2") == "warning"


def test_strict_x509_trap_needs_python_3_13() -> None:
    from pip_tls_setup.ca.certs import CACert, lint

    weak = CACert(make_ca("Weak Root", "Weak", bc_critical=False).cert, "weak.pem")
    findings = {weak.sha256: lint(weak)}
    assert "python313-strict-weak-ca" in traps(target(python=(3, 13, 0), pip="24.2"), cas=[weak], findings=findings)
    assert "python313-strict-weak-ca" not in traps(target(python=(3, 12, 1)), cas=[weak], findings=findings)


@pytest.mark.parametrize(
    ("info", "via_proxy", "expected"),
    [
        (
            {"chain": ["ProxyError: Tunnel connection failed: 407 Proxy Authentication Required"]},
            True,
            "proxy-auth-required",
        ),
        (
            {
                "chain": ["SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: x"],
                "verify_code": 20,
            },
            True,
            "untrusted",
        ),
        ({"chain": ["SSLCertVerificationError: certificate has expired"], "verify_code": 10}, False, "expired"),
        ({"chain": ["CertificateError: hostname 'a' doesn't match 'b'"]}, False, "hostname-mismatch"),
        (
            {
                "chain": ["NewConnectionError: [Errno 111] Connection refused"],
                "kinds": ["ConnectTimeoutError", "NewConnectionError"],
            },
            True,
            "proxy-unreachable",
        ),
        ({"chain": ["NewConnectionError: [Errno 111] Connection refused"], "errno": 111}, False, "unreachable"),
        (
            {"chain": ["NameResolutionError: Failed to resolve 'x' ([Errno -2] Name or service not known)"]},
            False,
            "dns-failure",
        ),
        (
            {"chain": ["ReadTimeoutError: Read timed out. (read timeout=5)"], "kinds": ["ReadTimeoutError"]},
            True,
            "timeout",
        ),
        (
            {"chain": ["ProxyError: Tunnel connection failed: 502 Bad Gateway"], "kinds": ["ProxyError"]},
            True,
            "proxy-error",
        ),
        ({"chain": ["SSLEOFError: EOF occurred in violation of protocol"], "kinds": ["SSLError"]}, False, "tls-error"),
    ],
)
def test_verify_classifies_errors_in_pips_words(info: dict[str, Any], via_proxy: bool, expected: str) -> None:
    assert verify.classify_error(info, via_proxy)[0] == expected


def test_env_file_and_project_inputs(tmp_path: Path) -> None:
    env = tmp_path / "later.env"
    env.write_text("# comment\nexport SSL_CERT_FILE=/b.pem\nPIP_CERT='/b.pem'\n\nEMPTY=\n")
    assert read_env_file(str(env)) == {"SSL_CERT_FILE": "/b.pem", "PIP_CERT": "/b.pem", "EMPTY": ""}
    env.write_text("not a line\n")
    with pytest.raises(InputError, match=r"later.env:1: is not a KEY=VALUE line"):
        read_env_file(str(env))
    with pytest.raises(InputError, match="does not exist"):
        read_env_file(str(tmp_path / "missing.env"))
    assert check_project("corp-hello") == "corp-hello"
    with pytest.raises(InputError, match="is not a project name"):
        check_project("../etc")


SAMPLE_PROBE: dict[str, Any] = {
    "url": "https://index.corp.test/simple/",
    "proxy": "http://alice:****@127.0.0.1:3128",
    "classification": "intercepted-unknown-ca",
    "ok": False,
    "message": "signed by 'Zscaler Root CA'",
    "product": "Zscaler",
    "product_hint": "",
    "chain": [],
    "checks": [{"ok": False, "label": "the public roots", "error": "unable to get local issuer certificate"}],
    "notes": [],
}


def sample_report() -> dict[str, Any]:
    return {
        "ok": False,
        "summary": {
            "proxy": "http://alice:****@127.0.0.1:3128",
            "intercepted": True,
            "classification": "intercepted-unknown-ca",
            "message": "signed by 'Zscaler Root CA' | pipe",
            "issuer": "CN=Zscaler Root CA",
            "issuer_name": "Zscaler Root CA",
            "product": "Zscaler",
            "ca_fingerprints": ["ab" * 32],
        },
        "os": {"name": "Debian", "family": "debian", "store": "Debian store", "bundle": "/etc/ssl/certs/ca.crt"},
        "proxy": {"variables": {"HTTPS_PROXY": "http://alice:****@127.0.0.1:3128"}},
        "trust_sources": [{"key": "public_roots", "label": "the public roots"}],
        "supplied_cas": [],
        "targets": [
            {
                "executable": "/venv/bin/python",
                "python": "3.11.7",
                "pip": "23.2.1",
                "venv": True,
                "truststore_active": False,
                "error": None,
                "indexes": [
                    {
                        "url": "https://index.corp.test/simple/",
                        "proxy": None,
                        "proxy_source": "",
                        "trust": {"description": "pip's vendored certifi"},
                        "trusts_chain": False,
                    }
                ],
            }
        ],
        "probes": [SAMPLE_PROBE],
        "traps": [
            {
                "id": "pip-certifi-only",
                "severity": "info",
                "title": "t",
                "versions": "v",
                "explanation": "e",
                "workaround": "w",
                "targets": ["/venv/bin/python"],
            }
        ],
        "notes": [],
    }


def test_text_and_markdown_renderings() -> None:
    lines: list[str] = []
    report = sample_report()
    render.render_text(report, lambda text, kind="": lines.append(text), lines.append, lines.append)
    text = "\n".join(lines)
    assert "intercepted-unknown-ca" in text and "product  Zscaler" in text
    assert "pip-tls-setup setup --ca-from-proxy --ca-fingerprint sha256:" + "ab" * 32 in text
    markdown = render.render_markdown(report)
    assert "| TLS intercepted | yes |" in markdown
    assert "\\| pipe" in markdown  # table cells are escaped
    assert "| **no** |" in markdown


def test_offline_report_of_a_real_python_fits_the_schema(tmp_path: Path) -> None:
    """A real report (this test runner's own Python as the target), no network: validated against the schema."""
    argv = [sys.executable, "-m", "pip_tls_setup", "doctor", "--offline", "--json", "--python", sys.executable]
    env = clean_env(tmp_path / "home", HTTPS_PROXY="http://alice:s3cret@127.0.0.1:9", NO_PROXY="localhost")
    run = run_cmd(isolated(argv), env)
    assert run.returncode in (0, 1), run.stderr
    data = json.loads(run.stdout)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert data["proxy"]["variables"]["HTTPS_PROXY"] == "http://alice:****@127.0.0.1:9"
    assert "s3cret" not in run.output
    assert data["probes"][0]["classification"] == "not-probed"


def test_os_store_on_macos_and_windows_goes_through_truststore(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mocked: these platforms cannot run here. The keychain / CryptoAPI are reached via truststore."""
    pytest.importorskip("truststore")
    for platform, name in (("darwin", "macOS keychain"), ("win32", "Windows certificate store")):
        monkeypatch.setattr(situation.sys, "platform", platform)
        source = situation.os_store_source(ROOT, None, None)
        assert source is not None and source.use_truststore and name in source.label
    monkeypatch.setattr(situation.sys, "platform", "linux")
    assert situation.os_store_source(ROOT, None, None) is None
