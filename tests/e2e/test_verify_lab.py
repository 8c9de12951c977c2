"""``verify`` and the verify step of ``setup``, with real pip behind the real intercepting proxy.

Each target venv is real (CPython's bundled pip, or the newest pip with
requests); verify runs that pip's own session code inside the venv. Setup's
own verify is checked for both views: the durable files alone, and with the
variables setup exported for later steps.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
from corplab.isolation import clean_env, isolated
from corplab.lab import INDEX_HOST, PACKAGE, Lab
from corplab.pki import make_ca, make_leaf
from corplab.servers import SilentPeer, TLSIndex, TunnelProxy, closed_port
from corplab.venvs import make_venv

from support.runs import Run, run_cmd
from support.schemas import validate

pytestmark = pytest.mark.e2e


def pts(tmp: Path, *args: str, home: str = "home", **env: str) -> Run:
    argv = [sys.executable, "-m", "pip_tls_setup", *args]
    run = run_cmd(isolated(argv), clean_env(tmp / home, **env))
    assert "Traceback" not in run.stderr, run.stderr
    return run


def as_json(run: Run) -> dict[str, Any]:
    """The JSON report, validated against its command's schema (docs/schemas/)."""
    data: dict[str, Any] = json.loads(run.stdout)
    validate(data["command"], data)
    if data["command"] == "setup" and data.get("verify"):
        validate("verify", data["verify"])
    return data


def checks(data: dict[str, Any], view: str | None = None) -> list[dict[str, Any]]:
    return [c for t in data["targets"] if view is None or t["view"] == view for c in t["checks"]]


def pip_download(python: Path, lab: Lab, tmp: Path, dest: Path) -> Run:
    argv = [str(python), "-m", "pip", "download", "--no-deps", "-d", str(dest), "--index-url", lab.index_url, PACKAGE]
    return run_cmd(isolated(argv), clean_env(tmp / "pip-home", HTTPS_PROXY=lab.proxy_url))


@pytest.mark.parametrize("flavour", ["bundled-pip", "newest-pip"])
def test_verify_fails_before_and_setup_verifies_after(lab: Lab, tmp_path: Path, flavour: str) -> None:
    python = make_venv(tmp_path / "venv", newest_pip=flavour == "newest-pip", requests=flavour == "newest-pip")
    env = {"HTTPS_PROXY": lab.proxy_url, "PIP_INDEX_URL": lab.index_url}
    before = pts(tmp_path, "verify", "--python", str(python), "--json", **env)
    data = as_json(before)
    assert before.returncode == 1
    assert data["summary"]["classification"] == "intercepted-unknown-ca"
    found = checks(data)
    assert {c["client"] for c in found} == ({"pip", "requests"} if flavour == "newest-pip" else {"pip"})
    for check in found:
        assert check["classification"] == "intercepted-unknown-ca", check
        assert "Example Corp TLS Inspection Root CA" in check["message"]
        assert "CERTIFICATE_VERIFY_FAILED" in check["message"]

    setup = pts(
        tmp_path,
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
        "--json",
        **env,
    )
    assert setup.returncode == 0, setup.output
    verified = as_json(setup)["verify"]
    assert verified["ok"] is True
    assert [v["name"] for v in verified["views"]] == ["current", "with-exports"]
    assert all(c["ok"] for c in checks(verified)), checks(verified)
    for check in checks(verified):
        assert check["status"] == 404 and "TLS verified" in check["message"]  # 'pip' is not on the lab index
    # every check passed, and the index was still probed once: the headline names who intercepts
    headline = verified["headline"]
    assert headline["intercepted"] is True and headline["verdict"] == "verified", headline
    assert headline["issuer_name"] == "Example Corp TLS Inspection Root CA" and headline["proxy"] == lab.proxy_url

    after = pts(tmp_path, "verify", "--python", str(python), "--probe-project", PACKAGE, **env)
    assert after.returncode == 0, after.output
    assert f"{lab.index_url}{PACKAGE}/ 200" in after.stdout
    assert pip_download(python, lab, tmp_path, tmp_path / "dl").returncode == 0


def test_setup_verify_views_when_only_the_environment_carries_trust(lab: Lab, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    env = {"HTTPS_PROXY": lab.proxy_url, "PIP_INDEX_URL": lab.index_url}
    setup = pts(
        tmp_path,
        "setup",
        "--ca",
        str(lab.ca_path),
        "--python",
        str(python),
        "--no-system-store",
        "--no-certifi",
        "--no-pip-config",
        "--bundle",
        str(tmp_path / "bundle.pem"),
        "--state-dir",
        str(tmp_path / "state"),
        "--env-file",
        str(tmp_path / "later.env"),
        "--json",
        **env,
    )
    assert setup.returncode == 0, setup.output
    verified = as_json(setup)["verify"]
    current, exported = checks(verified, "current"), checks(verified, "with-exports")
    assert current and not any(c["ok"] for c in current)
    assert exported and all(c["ok"] for c in exported)
    assert "only with the exported variables" in setup.stderr

    later = pts(tmp_path, "verify", "--python", str(python), "--env-file", str(tmp_path / "later.env"), **env)
    assert later.returncode == 0, later.output
    alone = pts(tmp_path, "verify", "--python", str(python), **env)
    assert alone.returncode == 1


def test_offline_and_no_verify(lab: Lab, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    with SilentPeer() as peer:
        env = {"HTTPS_PROXY": peer.url, "PIP_INDEX_URL": lab.index_url}
        offline = pts(tmp_path, "verify", "--python", str(python), "--offline", **env)
        assert offline.returncode == 0
        assert "skipped (--offline)" in offline.stdout
        common = ["setup", "--ca", str(lab.ca_path), "--python", str(python), "--no-system-store"]
        common += ["--bundle", str(tmp_path / "bundle.pem"), "--state-dir", str(tmp_path / "state"), "--json"]
        quiet = pts(tmp_path, *common, "--offline", **env)
        assert quiet.returncode == 0, quiet.output
        assert as_json(quiet)["verify"]["offline"] is True
        skipped = pts(tmp_path, *common, "--no-verify", **env)
        assert skipped.returncode == 0 and as_json(skipped)["verify"] is None
        assert peer.accepted == 0


def test_verify_names_proxy_failures(lab: Lab, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    index = {"PIP_INDEX_URL": lab.index_url}
    with lab.another_proxy(lab.ca, name="auth", proxyauth="alice:s3cret") as auth:
        asked = pts(tmp_path, "verify", "--python", str(python), "--json", HTTPS_PROXY=auth.url, **index)
        wrong = f"http://alice:nope@127.0.0.1:{auth.port}"
        rejected = pts(tmp_path, "verify", "--python", str(python), "--json", HTTPS_PROXY=wrong, **index)
    assert checks(as_json(asked))[0]["classification"] == "proxy-auth-required"
    assert "asks for authentication" in checks(as_json(asked))[0]["message"]
    assert "rejected the credentials" in checks(as_json(rejected))[0]["message"]
    assert "nope" not in rejected.output

    dead = f"http://127.0.0.1:{closed_port()}"
    refused = pts(tmp_path, "verify", "--python", str(python), "--json", HTTPS_PROXY=dead, **index)
    assert checks(as_json(refused))[0]["classification"] == "proxy-unreachable"

    with SilentPeer() as peer:
        hung = pts(
            tmp_path, "verify", "--python", str(python), "--json", "--timeout", "3", HTTPS_PROXY=peer.url, **index
        )
        assert peer.accepted >= 1
    data = as_json(hung)
    assert hung.returncode == 1
    assert checks(data)[0]["classification"] == "timeout", checks(data)
    print(f"silent proxy: verify finished in {data['elapsed_seconds']}s with --timeout 3")


def test_verify_names_certificate_failures(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    public = make_ca("Lab Public Root CA", "Lab Public Trust")
    public_pem = public.write(tmp_path / "public.pem")
    url = f"https://{INDEX_HOST}/simple/"
    cases = {
        "hostname-mismatch": make_leaf(public, ["elsewhere.corp.test"]),
        "expired": make_leaf(public, [INDEX_HOST], expired=True),
        "verified": make_leaf(public, [INDEX_HOST]),
    }
    for expected, leaf in cases.items():
        with TLSIndex(leaf, [], tmp_path / expected) as server, TunnelProxy({f"{INDEX_HOST}:443": server.port}) as px:
            run = pts(
                tmp_path,
                "verify",
                "--python",
                str(python),
                "--json",
                "--public-roots",
                str(public_pem),
                "--probe-project",
                PACKAGE,
                HTTPS_PROXY=px.url(),
                PIP_INDEX_URL=url,
                PIP_CERT=str(public_pem),
            )
        check = checks(as_json(run))[0]
        assert check["classification"] == expected, check
        assert run.returncode == (0 if expected == "verified" else 1)


def test_trusted_host_is_a_failure_not_a_pass(lab: Lab, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    env = {"HTTPS_PROXY": lab.proxy_url, "PIP_INDEX_URL": lab.index_url, "PIP_TRUSTED_HOST": INDEX_HOST}
    run = pts(tmp_path, "verify", "--python", str(python), "--json", **env)
    assert run.returncode == 1
    check = checks(as_json(run))[0]
    assert check["classification"] == "verification-disabled"
    assert "trusted-host" in check["message"]


def test_ca_from_proxy_needs_a_matching_pin(lab: Lab, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    root = make_ca("Zscaler Root CA", "Zscaler Inc.")
    intermediate = make_ca("Zscaler Intermediate Root CA (zscaler.test)", "Zscaler Inc.", issuer=root)
    stranger = make_ca("Somebody Else Root", "Somebody Else")
    common = ["setup", "--ca-from-proxy", "--python", str(python), "--no-system-store"]
    common += ["--bundle", str(tmp_path / "bundle.pem"), "--state-dir", str(tmp_path / "state")]
    with lab.another_proxy(intermediate, name="zscaler", chain=[root]) as proxy:
        env = {"HTTPS_PROXY": proxy.url, "PIP_INDEX_URL": lab.index_url}
        unpinned = pts(tmp_path, *common, **env)
        assert unpinned.returncode == 2
        line = unpinned.stderr.strip()
        assert len(line.splitlines()) == 1 and line.startswith("pip-tls-setup: error: --ca-from-proxy: ")
        assert "no trust on first use" in line
        assert f"--ca-fingerprint sha256:{root.sha256}" in line
        assert not (tmp_path / "bundle.pem").exists()

        mismatch = pts(tmp_path, *common, "--ca-fingerprint", f"sha256:{stranger.sha256}", **env)
        assert mismatch.returncode == 2 and "matches no --ca-fingerprint" in mismatch.stderr
        assert not (tmp_path / "bundle.pem").exists()

        pinned = pts(tmp_path, *common, "--ca-fingerprint", f"sha256:{root.sha256}", "--probe-project", PACKAGE, **env)
        assert pinned.returncode == 0, pinned.output
        assert root.sha256 in (tmp_path / "bundle.pem").read_text()
        assert intermediate.sha256 not in (tmp_path / "bundle.pem").read_text()
        argv = [str(python), "-m", "pip", "download", "--no-deps", "-d", str(tmp_path / "dl"), PACKAGE]
        ok = run_cmd(isolated(argv), clean_env(tmp_path / "pip-home", **env))
        assert ok.returncode == 0, ok.output


def test_setup_with_the_wrong_ca_names_both(lab: Lab, tmp_path: Path) -> None:
    """setup --ca with a CA that did not sign the proxy's chain: verify fails, and both CAs are named."""
    python = make_venv(tmp_path / "venv")
    wrong = make_ca("Old Corp Root CA", "Old Corp")
    wrong_path = wrong.write(tmp_path / "old-corp.pem")
    env = {"HTTPS_PROXY": lab.proxy_url, "PIP_INDEX_URL": lab.index_url}
    common = ["--python", str(python), "--no-system-store", "--bundle", str(tmp_path / "bundle.pem")]
    setup = pts(tmp_path, "setup", "--ca", str(wrong_path), *common, "--state-dir", str(tmp_path / "state"), **env)
    assert setup.returncode == 1, setup.output
    assert "the CA given to setup is not the one that signed the chain index.corp.test presents" in setup.stderr
    assert f"'O=Old Corp,CN=Old Corp Root CA' (sha256:{wrong.sha256})" in setup.stderr
    assert "signed by 'O=Example Corp,CN=Example Corp TLS Inspection Root CA'" in setup.stderr
    doctor = pts(tmp_path, "doctor", "--json", "--python", str(python), "--ca", str(wrong_path), **env)
    mismatch = as_json(doctor)["ca_mismatch"]
    assert len(mismatch) == 1 and "the CA given with --ca" in mismatch[0] and wrong.sha256 in mismatch[0]
    # The failure names the exact command that undoes it (with the --state-dir setup used); it works.
    named = re.search(r"'(pip-tls-setup undo [^']*)' restores everything", setup.stderr)
    assert named and "--state-dir" in named.group(1), setup.stderr
    undone = pts(tmp_path, *shlex.split(named.group(1))[1:], **env)
    assert undone.returncode == 0, undone.output
    assert not (tmp_path / "bundle.pem").exists() and not (tmp_path / "state" / "journal.json").exists()
