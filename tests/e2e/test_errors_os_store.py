"""``setup --ca-from-os-store`` in a debootstrapped Debian root whose OS store already holds the corporate CA.

The target reads only certifi: a venv in the root with pip 23.2.1 from the registry (pip < 24.2, upstream
vendored certifi, not Debian's patched one). Before: its pip fails through the intercepting proxy, and doctor
suggests --ca-from-os-store. A store holding only an unrelated CA is refused (exit 2: nothing signs the chain).
After the corporate CA is in the store too: setup takes it, and only it, and the target's pip downloads through
the proxy with verification on. docs/errors.md cites these tests.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from corplab.lab import PACKAGE, Lab
from corplab.pki import make_ca
from corplab.venvs import pip_wheel

from support.roots import chroot_env, copy_root
from support.runs import Run, ToolRunner, run_cmd

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (debootstrap, chroot)"),
]
VENV = "/opt/venv"
PIP = "23.2.1"
PYTHON = f"{VENV}/bin/python"


def in_root(root: Path, *argv: str) -> Run:
    return run_cmd(["chroot", str(root), *argv], chroot_env())


def add_anchor(root: Path, name: str, pem: bytes) -> None:
    anchors = root / "usr/local/share/ca-certificates"
    anchors.mkdir(parents=True, exist_ok=True)
    (anchors / name).write_bytes(pem)
    done = in_root(root, "update-ca-certificates")
    assert done.returncode == 0, done.output


def certifi_only_venv(root: Path, lab: Lab) -> None:
    """A venv with pip 23.2.1 as the registry ships it, configured for the lab's index and proxy."""
    done = in_root(root, "python3", "-m", "venv", "--without-pip", VENV)
    assert done.returncode == 0, done.output
    wheel = pip_wheel(PIP)
    shutil.copy2(wheel, root / "tmp" / wheel.name)
    inside = f"/tmp/{wheel.name}"
    done = in_root(root, f"{VENV}/bin/python", f"{inside}/pip", "install", "--quiet", "--no-index", inside)
    assert done.returncode == 0, done.output
    config = f"[global]\nindex-url = {lab.index_url}\nproxy = {lab.proxy_url}\ntimeout = 15\nretries = 0\n"
    (root / VENV.lstrip("/") / "pip.conf").write_text(config)


def pip_download(root: Path) -> Run:
    return in_root(root, f"{VENV}/bin/python", "-m", "pip", "download", "--no-deps", "-d", "/tmp/out", PACKAGE)


@pytest.fixture
def root(tmp_path: Path, lab: Lab) -> Path:
    copied = copy_root("bookworm", tmp_path / "root")
    certifi_only_venv(copied, lab)
    return copied


def test_ca_from_os_store_takes_only_the_signer(root: Path, lab: Lab, tool: ToolRunner) -> None:
    unrelated = make_ca("Unrelated Corp Root CA", "Unrelated Corp")
    add_anchor(root, "unrelated-corp.crt", unrelated.pem)
    before = pip_download(root)
    assert before.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in before.output

    # Only an unrelated CA in the store: nothing signs the chain, nothing is taken, nothing changes.
    refused = tool("setup", "--ca-from-os-store", "--root", str(root), "--python", PYTHON, "--json")
    assert refused.returncode == 2, refused.output
    assert "holds no certificate that signs the chain" in refused.stderr
    assert "Example Corp TLS Inspection Root CA" in refused.stderr
    assert not list((root / "usr/local/share/ca-certificates").glob("pip-tls-setup-*"))

    # IT installed the corporate CA: doctor sees it in the OS store and says how to use it.
    add_anchor(root, "example-corp.crt", lab.ca.pem)
    doctor = tool("doctor", "--root", str(root), "--python", PYTHON)
    assert "is already in the OS trust store" in doctor.stdout
    assert "pip-tls-setup setup --ca-from-os-store" in doctor.stdout
    data = json.loads(tool("doctor", "--json", "--root", str(root), "--python", PYTHON).stdout)
    index = data["targets"][0]["indexes"][0]
    assert index["trust"]["kind"] == "certifi" and index["trusts_chain"] is False

    setup = tool("setup", "--ca-from-os-store", "--root", str(root), "--python", PYTHON, "--json")
    assert setup.returncode == 0, setup.output
    report = json.loads(setup.stdout)
    taken = {c["sha256"]: c["origin"] for c in report["cas"]}
    assert set(taken) == {lab.ca.sha256}, taken
    assert unrelated.sha256 not in taken
    assert taken[lab.ca.sha256].startswith("--ca-from-os-store (")
    assert report["verify"]["ok"] is True
    after = pip_download(root)
    assert after.returncode == 0, after.output
    assert "Saved /tmp/out/corp_hello-0.1-py3-none-any.whl" in after.output
