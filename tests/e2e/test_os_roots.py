"""Issue 2, real OS stores: debootstrapped Debian bookworm (Python 3.11, pip 23.0.1) and trixie (Python 3.13,
pip 25.1.1) roots. ``setup --ca … --root ROOT`` installs the CA with the root's real ``update-ca-certificates``;
then the root's own ``python3 -m pip download`` and ``urllib.request`` succeed through the intercepting proxy.
Three runs leave byte-identical files with one copy of each cert; ``undo`` restores byte-identical originals.
On trixie a CA without critical basicConstraints yields the Python 3.13 strict-mode warning, and the failure it
predicts is shown.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from corplab.isolation import clean_env
from corplab.lab import PACKAGE, Lab
from corplab.pki import make_ca

from support.roots import chroot_env, copy_root, tree_hashes
from support.runs import Run, run_cmd

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (debootstrap, chroot)"),
]

WATCHED = [
    "/etc/ssl/certs",
    "/usr/local/share/ca-certificates",
    "/etc/pip.conf",
    "/etc/pip-tls-setup",
    "/var/lib/pip-tls-setup",
    "/usr/lib/python3/dist-packages/pip/_vendor/certifi",
]

URLLIB_PROBE = (
    "import sys, urllib.request\n"
    "try:\n"
    "    print('STATUS', urllib.request.urlopen(sys.argv[1], timeout=20).status)\n"
    "except Exception as exc:\n"
    "    print('FAILED', exc)\n"
    "    sys.exit(3)\n"
)


def in_root(root: Path, lab_proxy: str, *argv: str) -> Run:
    return run_cmd(["chroot", str(root), *argv], chroot_env(HTTPS_PROXY=lab_proxy, https_proxy=lab_proxy))


def pip_download(root: Path, lab: Lab, proxy: str) -> Run:
    return in_root(
        root,
        proxy,
        "python3",
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--retries",
        "0",
        "--timeout",
        "15",
        "-d",
        "/tmp/out",
        "--index-url",
        lab.index_url,
        PACKAGE,
    )


def urllib_get(root: Path, lab: Lab, proxy: str) -> Run:
    return in_root(root, proxy, "python3", "-c", URLLIB_PROBE, lab.index_url + PACKAGE + "/")


def setup(tool, root: Path, ca: Path) -> Run:
    # The test checks the root's own pip and urllib itself, so setup's built-in verify is not needed here.
    return tool("setup", "--ca", str(ca), "--root", str(root), "--no-verify", env={"PIP_TLS_SETUP_STATE_DIR": ""})


@pytest.mark.parametrize("suite", ["bookworm", "trixie"])
def test_root_store_idempotence_and_undo(lab: Lab, tool, tmp_path: Path, suite: str) -> None:
    root = copy_root(suite, tmp_path / suite)
    pristine = tree_hashes(root, WATCHED)

    assert "CERTIFICATE_VERIFY_FAILED" in pip_download(root, lab, lab.proxy_url).output
    assert urllib_get(root, lab, lab.proxy_url).returncode == 3

    snapshots = []
    for attempt in range(3):
        run = setup(tool, root, lab.ca_path)
        assert run.returncode == 0, run.output
        if attempt == 0:
            assert "update-ca-certificates" in run.stderr
        else:
            assert "nothing to change" in run.stderr
        snapshots.append(tree_hashes(root, WATCHED))
    assert snapshots[0] == snapshots[1] == snapshots[2]

    anchors = list((root / "usr/local/share/ca-certificates").glob("pip-tls-setup-*.crt"))
    assert len(anchors) == 1
    pem_body = lab.ca.pem.decode().split("-----")[2].strip()
    for bundle in ("etc/ssl/certs/ca-certificates.crt", "etc/pip-tls-setup/ca-bundle.pem"):
        assert (root / bundle).read_text().count(pem_body) == 1, bundle
    assert "cert = /etc/pip-tls-setup/ca-bundle.pem" in (root / "etc/pip.conf").read_text()

    download = pip_download(root, lab, lab.proxy_url)
    assert download.returncode == 0, download.output
    fetched = urllib_get(root, lab, lab.proxy_url)
    assert fetched.returncode == 0 and "STATUS 200" in fetched.stdout, fetched.output

    undo = tool("undo", "--root", str(root), env={"PIP_TLS_SETUP_STATE_DIR": ""})
    assert undo.returncode == 0, undo.output
    assert tree_hashes(root, WATCHED) == pristine
    assert "CERTIFICATE_VERIFY_FAILED" in pip_download(root, lab, lab.proxy_url).output


def test_python313_strict_warning_predicts_the_failure(tool, tmp_path: Path) -> None:
    weak = make_ca("Weak Corp Inspection Root", "Example Corp", bc_critical=False)
    with Lab(tmp_path / "weak-lab", ca=weak) as lab:
        trixie = copy_root("trixie", tmp_path / "trixie")
        run = setup(tool, trixie, lab.ca_path)
        assert run.returncode == 0, run.output
        assert "Basic Constraints of CA cert not marked critical" in run.stderr
        assert "3.13" in run.stderr

        failure = urllib_get(trixie, lab, lab.proxy_url)
        assert failure.returncode == 3
        assert "Basic Constraints of CA cert not marked critical" in failure.stdout
        # pip's own (truststore) context is not strict, so pip itself still works, as the warning says.
        assert pip_download(trixie, lab, lab.proxy_url).returncode == 0

        bookworm = copy_root("bookworm", tmp_path / "bookworm")
        assert setup(tool, bookworm, lab.ca_path).returncode == 0
        assert urllib_get(bookworm, lab, lab.proxy_url).returncode == 0  # Python 3.11 is not strict


def test_setup_refuses_a_root_whose_pip_conf_trusts_a_host(lab: Lab, tool, tmp_path: Path) -> None:
    root = copy_root("bookworm", tmp_path / "bookworm")
    (root / "etc/pip.conf").write_text("[global]\ntimeout = 60\ntrusted-host = mirror-a.example\n")
    pristine = tree_hashes(root, WATCHED)
    run = setup(tool, root, lab.ca_path)
    assert run.returncode == 1, run.output
    error = [line for line in run.stderr.splitlines() if line.startswith("pip-tls-setup: error:")]
    assert len(error) == 1
    assert "/etc/pip.conf:3" in error[0] and "trust" in error[0] and "Fix:" in error[0]
    assert tree_hashes(root, WATCHED) == pristine
    assert not (root / "var/lib/pip-tls-setup").exists()

    warned = tool(
        "setup",
        "--ca",
        str(lab.ca_path),
        "--root",
        str(root),
        "--no-verify",
        "--mode",
        "warn",
        env={"PIP_TLS_SETUP_STATE_DIR": ""},
    )
    assert warned.returncode == 0, warned.output
    assert "/etc/pip.conf:3" in warned.stderr
    assert "trusted-host = mirror-a.example" in (root / "etc/pip.conf").read_text()  # reported, never rewritten


def test_shared_files_are_world_readable_under_umask_077(tmp_path: Path) -> None:
    """Issue 8: the bundle SSL_CERT_FILE points at must be readable by every user, whatever root's umask."""
    root = copy_root("bookworm", tmp_path / "bookworm")
    ca = make_ca("Example Corp Root CA", "Example Corp").write(tmp_path / "corp.pem")
    argv = ["setup", "--ca", str(ca), "--root", str(root), "--no-verify"]
    script = "import os, runpy; os.umask(0o077); runpy.run_module('pip_tls_setup', run_name='__main__')"
    done = run_cmd([sys.executable, "-c", script, *argv], clean_env(tmp_path / "home"))
    assert done.returncode == 0, done.output
    modes = {
        p: oct(os.stat(root / p.lstrip("/")).st_mode & 0o777)
        for p in (
            "/etc/pip-tls-setup",
            "/etc/pip-tls-setup/ca-bundle.pem",
            "/etc/pip-tls-setup/ca-bundle-corporate.pem",
        )
    }
    assert modes == {
        "/etc/pip-tls-setup": "0o755",
        "/etc/pip-tls-setup/ca-bundle.pem": "0o644",
        "/etc/pip-tls-setup/ca-bundle-corporate.pem": "0o644",
    }
    [anchor] = (root / "usr/local/share/ca-certificates").glob("pip-tls-setup-*.crt")
    assert oct(anchor.stat().st_mode & 0o777) == "0o644"
    state = root / "var/lib/pip-tls-setup"
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    assert oct((state / "journal.json").stat().st_mode & 0o777) == "0o600"
    read = run_cmd(
        ["chroot", "--userspec=nobody:nogroup", str(root), "head", "-1", "/etc/pip-tls-setup/ca-bundle.pem"],
        chroot_env(),
    )
    assert read.returncode == 0 and "pip-tls-setup combined CA bundle" in read.stdout, read.output
