"""Progress and next steps: a ``next:`` line for every classification; progress only on a terminal; never a
verdict for what was not checked; the CA given vs the CA that signed."""

from __future__ import annotations

import io
from typing import Any

import pytest
from corplab.pki import make_ca, make_leaf

from pip_tls_setup.ca.certs import CACert
from pip_tls_setup.commands.common import progress_for
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import mismatch, nextsteps, probe, proxies, render
from pip_tls_setup.diagnosis import verify as verify_mod
from pip_tls_setup.diagnosis.situation import Situation
from pip_tls_setup.ui import Console

FACTS: dict[str, Any] = {
    "url": "https://index.corp.test/simple/",
    "host": "index.corp.test",
    "port": 443,
    "proxy": "https://alice:****@127.0.0.1:3128",
    "proxy_reason": "HTTPS_PROXY",
    "stage": "proxy",
    "corrected_proxy": "http://alice:****@127.0.0.1:3128",
    "proxy_credentials": True,
    "proxy_auth_schemes": ["Negotiate"],
    "issuer_name": "Corp Root",
    "ca_candidates": [{"subject": "CN=Corp Root", "sha256": "ab" * 32}],
}


@pytest.mark.parametrize("classification", sorted(C.MEANINGS))
def test_every_classification_has_a_next_step(classification: str) -> None:
    lines = nextsteps.for_class(classification, FACTS)
    assert lines, classification
    assert lines[0].startswith(("next:", "verdict:")), lines
    assert "<" not in " ".join(lines).replace("<that file>", ""), lines  # no template field left unfilled


def test_next_steps_say_what_differs() -> None:
    assert nextsteps.for_class(C.TLS_TO_PROXY_FAILED, FACTS) == [
        "next: write HTTPS_PROXY=http://alice:****@127.0.0.1:3128"
    ]
    config = {**FACTS, "proxy_reason": "/etc/pip.conf [global] proxy ="}
    assert nextsteps.for_class(C.TLS_TO_PROXY_FAILED, config) == [
        "next: write /etc/pip.conf [global] proxy = http://alice:****@127.0.0.1:3128"
    ]
    rejected = nextsteps.for_class(C.PROXY_AUTH_REQUIRED, FACTS)
    assert "rejected the user name and password in HTTPS_PROXY" in rejected[0]
    assert "cntlm" in rejected[1]  # Negotiate only: pip cannot, a relay can
    missing = nextsteps.for_class(
        C.PROXY_AUTH_REQUIRED, {**FACTS, "proxy_credentials": False, "proxy_auth_schemes": []}
    )
    assert missing == [
        "next: write the proxy user name and password into the proxy URL, from a CI secret: "
        "HTTPS_PROXY=http://USER:PASSWORD@127.0.0.1:3128 (pip sends Basic credentials only)"
    ]
    timeouts = {
        stage: nextsteps.for_class(C.TIMEOUT, {**FACTS, "stage": stage})[0] for stage in ("proxy", "tls", "http")
    }
    assert len(set(timeouts.values())) == 3
    assert "does not answer HTTP" in timeouts["http"]
    assert "proxy host in HTTPS_PROXY" in nextsteps.for_class(C.DNS_FAILURE, FACTS)[0]
    assert "index.corp.test does not resolve" in nextsteps.for_class(C.DNS_FAILURE, {**FACTS, "stage": "index"})[0]
    assert "clock" in nextsteps.for_class(C.CLOCK_SKEW, FACTS)[0]


def test_progress_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Terminal(), io.StringIO()
    assert progress_for(Console(stream=pipe)) is None
    assert progress_for(Console(stream=tty, quiet=True)) is None  # --quiet and --json
    say = progress_for(Console(stream=tty, color=False))
    assert say is not None
    situation = Situation.__new__(Situation)
    situation.progress, situation.secrets = say, ["s3cret"]
    situation.announce("https://index.corp.test/simple/", proxies.parse("http://alice:s3cret@127.0.0.1:3128", "X"))
    situation.announce("https://index.corp.test/simple/", None, " with /venv/bin/python (pip 23.2.1)")
    assert tty.getvalue().splitlines() == [
        "probing https://index.corp.test/simple/ via http://alice:****@127.0.0.1:3128",
        "probing https://index.corp.test/simple/ directly with /venv/bin/python (pip 23.2.1)",
    ]
    situation.progress = None
    situation.announce("https://index.corp.test/simple/", None)  # a pipe: nothing, no error


def offline_report(**summary: Any) -> dict[str, Any]:
    return {
        "ok": True,
        "offline": True,
        "summary": {"verdict": "not-checked", "classification": C.NOT_PROBED, "probe": 0, **summary},
        "targets": [],
        "probes": [{"classification": C.NOT_PROBED, "checks": []}],
        "traps": [],
    }


def test_not_checked_is_never_a_verdict() -> None:
    steps = render.next_steps(offline_report())
    assert steps[0].startswith("verdict: not checked") and "--offline" in steps[0]
    assert nextsteps.VERDICT_OK not in steps
    assert steps[1] == nextsteps.NEXT_NOT_CHECKED


def test_verdict_only_when_checked() -> None:
    report = offline_report(verdict="verified", classification=C.DIRECT_TRUSTED)
    report["offline"] = False
    report["probes"] = [{"classification": C.DIRECT_TRUSTED, "checks": []}]
    assert render.next_steps(report) == [nextsteps.VERDICT_OK]
    report["ok"] = False  # an error-level trap, say
    report["traps"] = [{"severity": "error"}]
    assert render.next_steps(report) == [render.TRAPS_FIRST]


def test_os_store_is_suggested_when_a_target_does_not_read_it() -> None:
    probe_json = {
        "classification": C.INTERCEPTED_TRUSTED,
        "issuer_name": "Corp Root",
        "checks": [{"source": "public_roots", "ok": False}, {"source": "os_store", "ok": True}],
    }
    report = {
        "ok": False,
        "offline": False,
        "summary": {"verdict": "verified", "classification": C.INTERCEPTED_TRUSTED, "probe": 0, "product": None},
        "targets": [
            {
                "executable": "/venv39/bin/python",
                "indexes": [{"probe": 0, "trusts_chain": False, "trust": {"os_store": False}}],
            }
        ],
        "probes": [probe_json],
        "traps": [],
    }
    steps = render.next_steps(report)
    assert "already in the OS trust store" in steps[0] and "/venv39/bin/python" in steps[0]
    assert steps[1].strip() == "pip-tls-setup setup --ca-from-os-store"


def test_local_interceptor_note() -> None:
    report = offline_report(verdict="problem", classification=C.INTERCEPTED_UNKNOWN_CA, product="ESET")
    report["offline"] = False
    report["ok"] = False
    report["probes"] = [{"classification": C.INTERCEPTED_UNKNOWN_CA, "issuer_name": "ESET SSL Filter CA", "checks": []}]
    steps = render.next_steps(report)
    assert steps[0].startswith("next: get the CA 'ESET SSL Filter CA'")
    assert any("program on this machine" in s and "antivirus" in s for s in steps)


def test_ca_given_versus_ca_that_signed() -> None:
    real = make_ca("Real Proxy Root", "Corp")
    given = make_ca("Wrong Root", "Corp")
    leaf = make_leaf(real, ["index.corp.test"])
    presented = {"host": "index.corp.test", "proxy": "http://127.0.0.1:3128"}
    chain = [c.to_json() for c in probe.describe_chain([leaf.der])]
    text = mismatch.describe({**presented, "chain": chain}, [CACert(given.cert, "--ca wrong.pem")], "given to setup")
    assert text is not None
    assert f"'O=Corp,CN=Wrong Root' (sha256:{given.sha256})" in text
    assert "signed by 'O=Corp,CN=Real Proxy Root'" in text and "key identifier" in text
    with_root = [c.to_json() for c in probe.describe_chain([leaf.der, real.der])]
    text = mismatch.describe({**presented, "chain": with_root}, [CACert(given.cert, "x")], "given to setup")
    assert text is not None and f"sha256:{real.sha256}" in text  # the presented root's fingerprint
    assert mismatch.describe({**presented, "chain": chain}, [CACert(real.cert, "x")], "given") is None
    assert mismatch.describe({**presented, "chain": []}, [CACert(given.cert, "x")], "given") is None


@pytest.mark.parametrize(
    ("text", "scheme", "expected"),
    [
        ("ValueError: check_hostname requires server_hostname", "https", C.TLS_TO_PROXY_FAILED),
        ("ValueError: check_hostname requires server_hostname", "", C.TLS_ERROR),
        (
            "ProxyError: ('Your proxy appears to only use HTTP and not HTTPS, try changing your proxy URL', x)",
            "",
            C.TLS_TO_PROXY_FAILED,
        ),
        ("SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", "https", C.TLS_TO_PROXY_FAILED),
        ("SSLEOFError: [SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol", "http", C.TLS_ERROR),
        ("SSLError: Can't connect to HTTPS URL because the SSL module is not available.", "", C.ERROR),
        ("OSError: Could not find a suitable TLS CA certificate bundle, invalid path: /x.pem", "", C.ERROR),
    ],
)
def test_verify_names_the_measured_errors(text: str, scheme: str, expected: str) -> None:
    kind = text.split(":", 1)[0]
    info = {"kinds": [kind, "SSLError"] if "SSL" in kind else [kind], "chain": [text]}
    assert verify_mod.classify_error(info, bool(scheme), scheme)[0] == expected


def test_verify_announces_each_target_fetch() -> None:
    from types import SimpleNamespace

    said: list[str] = []
    situation = Situation.__new__(Situation)
    situation.progress, situation.secrets = said.append, []
    checker = SimpleNamespace(situation=situation, request=verify_mod.VerifyRequest())
    pip = SimpleNamespace(version="23.2.1", version_tuple=(23, 2, 1), default_index="https://default.example/simple")
    target = SimpleNamespace(executable="/venv/bin/python", pip=pip)
    env = {"HTTPS_PROXY": "http://alice:pw12@127.0.0.1:3128", "PIP_INDEX_URL": "https://index.corp.test/simple/"}
    verify_mod._announce(checker, target, env)  # type: ignore[arg-type]
    assert said == [
        "probing https://index.corp.test/simple/ via http://alice:****@127.0.0.1:3128 "
        "with /venv/bin/python (pip 23.2.1)"
    ]
    situation.progress = None
    verify_mod._announce(checker, target, env)  # type: ignore[arg-type]
    assert len(said) == 1
