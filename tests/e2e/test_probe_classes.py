"""Every classification of the interception probe, against real local servers.

mitmproxy (the lab) for interception and 407; loopback TLS servers with chosen
chains for direct-trusted, expired and hostname-mismatch; a closed port for a
dead proxy; a silent peer for timeouts; a fresh network namespace for DNS
failure. ``doctor --json`` is run as a user would (a subprocess, clean
environment, host pip config masked), against a venv whose pip is configured
(PIP_INDEX_URL) for the index under test.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from corplab import netns
from corplab.isolation import clean_env, isolated
from corplab.lab import INDEX_HOST, Lab
from corplab.pki import Issued, make_ca, make_leaf
from corplab.servers import SilentPeer, TLSIndex, TunnelProxy, closed_port
from corplab.venvs import make_venv

from support.runs import Run, run_cmd

pytestmark = pytest.mark.e2e


class Env:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.python = make_venv(tmp / "venv")
        # A CA the tests call "public" (passed with --public-roots), standing in for a Mozilla root.
        self.public = make_ca("Lab Public Root CA", "Lab Public Trust")
        self.public_pem = self.public.write(tmp / "lab-public-roots.pem")

    def doctor(self, *args: str, home: str = "home", **env: str) -> tuple[Run, dict[str, Any]]:
        run = self.text("--json", *args, home=home, **env)
        return run, json.loads(run.stdout)

    def text(self, *args: str, home: str = "home", **env: str) -> Run:
        argv = [sys.executable, "-m", "pip_tls_setup", "doctor", "--python", str(self.python), *args]
        run = run_cmd(isolated(argv), clean_env(self.tmp / home, **env))
        assert "Traceback" not in run.stderr, run.stderr
        return run


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Env:
    return Env(tmp_path_factory.mktemp("probe-classes"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab")) as running:
        yield running


def _only_probe(data: dict[str, Any]) -> dict[str, Any]:
    assert len(data["probes"]) == 1, data["probes"]
    result: dict[str, Any] = data["probes"][0]
    return result


def _served(world: Env, leaf: Issued, chain: list[Issued], name: str) -> TLSIndex:
    return TLSIndex(leaf, chain, world.tmp / name)


# ---------------------------------------------------------------- direct and trusted


def test_direct_trusted_without_a_proxy(world: Env) -> None:
    leaf = make_leaf(world.public, ["127.0.0.1"])
    with _served(world, leaf, [], "direct") as index:
        run, data = world.doctor("--public-roots", str(world.public_pem), PIP_INDEX_URL=index.url)
    result = _only_probe(data)
    assert result["classification"] == "direct-trusted", result
    assert result["intercepted"] is False and result["proxy"] is None
    assert data["summary"]["intercepted"] is False and data["intercepted"] is False
    assert run.returncode == 1  # doctor also reports that this venv's pip does not trust the lab root
    target = data["targets"][0]["indexes"][0]
    assert target["trusts_chain"] is False and target["probe"] == 0


def test_direct_trusted_through_a_tunnel_proxy(world: Env) -> None:
    leaf = make_leaf(world.public, [INDEX_HOST])
    with (
        _served(world, leaf, [], "tunnelled") as index,
        TunnelProxy({f"{INDEX_HOST}:443": index.port}) as proxy,
    ):
        run, data = world.doctor(
            "--public-roots",
            str(world.public_pem),
            PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/",
            PIP_CERT=str(world.public_pem),
            HTTPS_PROXY=proxy.url(),
        )
        assert proxy.connects, "the probe went through the proxy"
    result = _only_probe(data)
    assert result["classification"] == "direct-trusted", result
    assert result["proxy"] == proxy.url()
    assert data["summary"]["proxy"] == proxy.url() and data["summary"]["proxy_source"] == "HTTPS_PROXY"
    assert data["targets"][0]["indexes"][0]["trusts_chain"] is True
    assert run.returncode == 0, run.stderr


# ---------------------------------------------------------------- interception (mitmproxy)


def test_mitmproxy_unknown_ca_then_trusted_after_setup(world: Env, lab: Lab, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    env = {"PIP_INDEX_URL": lab.index_url, "HTTPS_PROXY": lab.proxy_url}
    argv = [sys.executable, "-m", "pip_tls_setup", "doctor", "--json", "--python", str(python)]
    before = run_cmd(isolated(argv), clean_env(tmp_path / "home", **env))
    data = json.loads(before.stdout)
    result = _only_probe(data)
    assert before.returncode == 1
    assert result["classification"] == "intercepted-unknown-ca", result
    assert result["issuer_name"] == "Example Corp TLS Inspection Root CA"
    assert data["summary"]["intercepted"] is True
    assert data["summary"]["issuer"] == "O=Example Corp,CN=Example Corp TLS Inspection Root CA"
    assert "CERTIFICATE_VERIFY_FAILED" in result["message"]
    text = run_cmd(isolated([a for a in argv if a != "--json"]), clean_env(tmp_path / "home", **env))
    assert "intercepted-unknown-ca" in text.stdout
    assert "'Example Corp TLS Inspection Root CA', which nothing here trusts" in text.stdout

    setup = run_cmd(
        isolated(
            [
                sys.executable,
                "-m",
                "pip_tls_setup",
                "setup",
                "--ca",
                str(lab.ca_path),
                "--python",
                str(python),
                "--no-system-store",
                "--bundle",
                str(tmp_path / "bundle.pem"),
                "--state-dir",
                str(tmp_path / "state"),
                "--env-file",
                str(tmp_path / "later.env"),
                "--probe-project",
                "corp-hello",
            ]
        ),
        clean_env(tmp_path / "home", **env),
    )
    assert setup.returncode == 0, setup.output
    after = run_cmd(isolated(argv), clean_env(tmp_path / "home", **env))
    data = json.loads(after.stdout)
    result = _only_probe(data)
    assert result["classification"] == "intercepted-trusted", result
    assert data["targets"][0]["indexes"][0]["trusts_chain"] is True
    assert after.returncode == 0, after.stderr


def test_named_product_and_ca_candidates(world: Env, lab: Lab) -> None:
    root = make_ca("Zscaler Root CA", "Zscaler Inc.")
    intermediate = make_ca("Zscaler Intermediate Root CA (zscaler.test)", "Zscaler Inc.", issuer=root)
    with lab.another_proxy(intermediate, name="zscaler", chain=[root]) as proxy:
        _run, data = world.doctor(PIP_INDEX_URL=lab.index_url, HTTPS_PROXY=proxy.url, home="home-z")
        text = world.text(PIP_INDEX_URL=lab.index_url, HTTPS_PROXY=proxy.url, home="home-z")
    result = _only_probe(data)
    assert result["classification"] == "intercepted-unknown-ca"
    assert result["product"] == "Zscaler" and data["summary"]["product"] == "Zscaler"
    fingerprints = [c["sha256"] for c in result["ca_candidates"]]
    assert fingerprints == [intermediate.sha256, root.sha256]
    assert data["summary"]["issuer"] == root.cert.subject.rfc4514_string()
    assert "product  Zscaler" in text.stdout
    assert f"--ca-fingerprint sha256:{root.sha256}" in text.stdout


def test_proxy_asks_for_authentication(world: Env, lab: Lab) -> None:
    with lab.another_proxy(lab.ca, name="auth", proxyauth="alice:s3cret") as proxy:
        port = proxy.port
        missing, no_creds = world.doctor(PIP_INDEX_URL=lab.index_url, HTTPS_PROXY=proxy.url)
        wrong, bad_creds = world.doctor(PIP_INDEX_URL=lab.index_url, HTTPS_PROXY=f"http://alice:nope@127.0.0.1:{port}")
        right, good = world.doctor(PIP_INDEX_URL=lab.index_url, HTTPS_PROXY=f"http://alice:s3cret@127.0.0.1:{port}")
    first = _only_probe(no_creds)
    assert first["classification"] == "proxy-auth-required" and first["proxy_status"] == 407
    assert first["proxy_auth_schemes"] == ["Basic"]
    assert "asks for authentication" in first["message"]
    second = _only_probe(bad_creds)
    assert second["classification"] == "proxy-auth-required"
    assert "rejected the credentials" in second["message"]
    assert _only_probe(good)["classification"] == "intercepted-unknown-ca"
    for run in (missing, wrong, right):
        assert "s3cret" not in run.output and "nope" not in run.output
    assert missing.returncode == 1


def test_dead_proxy_is_unreachable(world: Env) -> None:
    port = closed_port()
    run, data = world.doctor(PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/", HTTPS_PROXY=f"http://127.0.0.1:{port}")
    result = _only_probe(data)
    assert result["classification"] == "proxy-unreachable", result
    assert "Connection refused" in result["message"]
    assert data["summary"]["intercepted"] is None
    assert run.returncode == 1


def test_silent_proxy_times_out_within_the_budget(world: Env) -> None:
    with SilentPeer() as peer:
        run, data = world.doctor("--timeout", "3", PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/", HTTPS_PROXY=peer.url)
        accepted = peer.accepted
    result = _only_probe(data)
    assert accepted >= 1
    assert result["classification"] == "timeout", result
    assert result["stage"] == "proxy"
    assert result["timeout_seconds"] == pytest.approx(1.0)  # a third of --timeout for one step
    print(f"silent proxy: probe gave up after {result['elapsed_seconds']}s (step limit 1.0s)")
    assert run.returncode == 1


def test_silent_server_times_out_in_the_handshake(world: Env) -> None:
    with SilentPeer() as peer:
        run, data = world.doctor("--timeout", "3", PIP_INDEX_URL=f"https://127.0.0.1:{peer.port}/simple/")
    result = _only_probe(data)
    assert result["classification"] == "timeout" and result["stage"] == "tls", result
    assert run.returncode == 1


# ---------------------------------------------------------------- certificate problems


def test_expired_ca(world: Env) -> None:
    expired = make_ca("Expired Corp Root CA", "Expired Corp", expired=True)
    expired_pem = expired.write(world.tmp / "expired-ca.pem")
    leaf = make_leaf(expired, [INDEX_HOST])
    with (
        _served(world, leaf, [], "expired") as index,
        TunnelProxy({f"{INDEX_HOST}:443": index.port}) as proxy,
    ):
        run, data = world.doctor(
            "--ca", str(expired_pem), PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/", HTTPS_PROXY=proxy.url()
        )
    result = _only_probe(data)
    assert result["classification"] == "expired", result
    supplied = next(c for c in result["checks"] if c["source"] == "supplied")
    assert supplied["ok"] is False and supplied["verify_code"] == 10
    assert "certificate has expired" in supplied["error"]
    assert any(f["code"] == "expired" for f in data["supplied_cas"][0]["findings"])
    assert run.returncode == 1


def test_expired_leaf_from_a_public_root(world: Env) -> None:
    leaf = make_leaf(world.public, ["127.0.0.1"], expired=True)
    with _served(world, leaf, [], "expired-leaf") as index:
        _run, data = world.doctor("--public-roots", str(world.public_pem), PIP_INDEX_URL=index.url)
    result = _only_probe(data)
    assert result["classification"] == "expired", result
    assert "expired on" in result["message"]
    assert result["intercepted"] is False  # the chain leads to a (lab) public root


def test_hostname_mismatch(world: Env) -> None:
    leaf = make_leaf(world.public, ["elsewhere.corp.test"])
    with (
        _served(world, leaf, [], "mismatch") as index,
        TunnelProxy({f"{INDEX_HOST}:443": index.port}) as proxy,
    ):
        run, data = world.doctor(
            "--public-roots",
            str(world.public_pem),
            PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/",
            HTTPS_PROXY=proxy.url(),
        )
    result = _only_probe(data)
    assert result["classification"] == "hostname-mismatch", result
    assert "elsewhere.corp.test" in result["message"]
    assert "Hostname mismatch" in result["message"]
    assert result["intercepted"] is False
    assert run.returncode == 1


def test_plain_http_index_is_named_without_a_connection(world: Env) -> None:
    port = closed_port()
    run, data = world.doctor(PIP_INDEX_URL=f"http://127.0.0.1:{port}/simple/")
    result = _only_probe(data)
    assert result["classification"] == "plain-http"
    assert "plain-http-index" in {t["id"] for t in data["traps"]}
    assert run.returncode == 1


@pytest.mark.skipif(not netns.available(), reason="needs root, unshare and ip (a private network namespace)")
def test_dns_failure_in_a_private_network_namespace(world: Env) -> None:
    resolv = netns.resolv_conf(world.tmp)
    for env, stage in (
        ({"PIP_INDEX_URL": "https://nowhere.corp.test/simple/"}, "index"),
        ({"PIP_INDEX_URL": f"https://{INDEX_HOST}/simple/", "HTTPS_PROXY": "http://proxy.corp.test:3128"}, "proxy"),
    ):
        argv = [sys.executable, "-m", "pip_tls_setup", "doctor", "--json", "--python", str(world.python)]
        run = run_cmd(netns.offline(argv, resolv), clean_env(world.tmp / "home-dns", **env))
        data = json.loads(run.stdout)
        result = _only_probe(data)
        assert result["classification"] == "dns-failure", result
        assert result["stage"] == stage
        assert "does not resolve" in result["message"]
        assert run.returncode == 1


def test_offline_probes_nothing(world: Env) -> None:
    with SilentPeer() as peer:
        run, data = world.doctor("--offline", PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/", HTTPS_PROXY=peer.url)
        assert peer.accepted == 0
    assert _only_probe(data)["classification"] == "not-probed"
    assert run.returncode == 0
