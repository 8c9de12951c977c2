"""Issue 8, point 3: concurrent setups end consistent.

Eight setups start together on the same target and state directory, four with one corporate CA and four with
another. The plan is computed under the run lock, so each run plans from what the previous one left: at the
end every file setup writes trusts the same one CA (combined bundle, corporate bundle, pip's vendored
certifi, site-packages certifi, OS anchors and OS bundle), pip's config points at the bundle, and ``undo``
restores the start. A venv (with requests, so site-packages certifi too) and a Debian bookworm root.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corplab.pki import make_ca
from corplab.venvs import make_venv

from pip_tls_setup.ca.certs import fingerprint, parse_bundle
from support.roots import copy_root, snapshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chroot, update-ca-certificates)"),
]

CAS = [make_ca("Example Corp Root CA", "Example Corp"), make_ca("Example Corp Root CA 2", "Example Corp")]
PINS = {ca.sha256 for ca in CAS}
RUNS, ROUNDS = 8, 3


def corporate_in(path: Path) -> frozenset[str]:
    """Which of the two corporate CAs a file trusts."""
    return frozenset(fingerprint(c) for c in parse_bundle(path.read_bytes())) & PINS


def start_together(argvs: list[list[str]], env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    processes = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for argv in argvs
    ]
    results = []
    for argv, process in zip(argvs, processes):
        out, err = process.communicate()
        results.append(subprocess.CompletedProcess(argv, process.returncode, out, err))
    return results


def setups(args: list[str], ca_files: list[Path]) -> list[list[str]]:
    return [[sys.executable, "-m", "pip_tls_setup", "setup", "--ca", str(ca_files[i % 2]), *args] for i in range(RUNS)]


@pytest.fixture(scope="module")
def ca_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    base = tmp_path_factory.mktemp("cas")
    return [ca.write(base / f"corp{i}.pem") for i, ca in enumerate(CAS)]


def assert_one_ca(files: list[Path]) -> frozenset[str]:
    found = {str(path): corporate_in(path) for path in files}
    sets = set(found.values())
    assert len(sets) == 1 and len(next(iter(sets))) == 1, found
    return next(iter(sets))


def test_concurrent_setups_on_one_venv_agree(tool_env, tmp_path: Path, ca_files: list[Path]) -> None:
    venv = make_venv(tmp_path / "venv", requests=True).parent.parent
    site = next((venv / "lib").glob("python3*/site-packages"))
    bundle = tmp_path / "out/bundle.pem"
    env = {**tool_env, "PIP_TLS_SETUP_STATE_DIR": str(tmp_path / "state")}
    args = ["--python", str(venv / "bin/python"), "--no-system-store", "--no-verify", "-q", "--bundle", str(bundle)]
    pristine = snapshot(venv, tmp_path / "out", tmp_path / "state")
    for _ in range(ROUNDS):
        for done in start_together(setups(args, ca_files), env):
            assert done.returncode == 0, done.stderr
        assert_one_ca(
            [
                bundle,
                tmp_path / "out/bundle-corporate.pem",
                site / "certifi/cacert.pem",
                site / "pip/_vendor/certifi/cacert.pem",
            ]
        )
        assert re.search(rf"^cert = {re.escape(str(bundle))}$", (venv / "pip.conf").read_text(), re.M)
        undo = subprocess.run([sys.executable, "-m", "pip_tls_setup", "undo", "-q"], env=env, capture_output=True)
        assert undo.returncode == 0, undo.stderr
        assert snapshot(venv, tmp_path / "out", tmp_path / "state") == pristine


def test_concurrent_setups_on_one_root_agree(tool_env, tmp_path: Path, ca_files: list[Path]) -> None:
    root = copy_root("bookworm", tmp_path / "root")
    env = {**tool_env, "PIP_TLS_SETUP_STATE_DIR": ""}
    watched = [root / d for d in ("etc", "var", "tmp", "usr/local", "usr/lib/python3")]
    pristine = snapshot(*watched)
    for _ in range(ROUNDS):
        for done in start_together(setups(["--root", str(root), "--no-verify", "-q"], ca_files), env):
            assert done.returncode == 0, done.stderr
        anchors = list((root / "usr/local/share/ca-certificates").glob("pip-tls-setup-*.crt"))
        assert len(anchors) == 1, anchors
        trusted = assert_one_ca(
            [
                root / "etc/pip-tls-setup/ca-bundle.pem",
                root / "etc/pip-tls-setup/ca-bundle-corporate.pem",
                root / "etc/ssl/certs/ca-certificates.crt",
                anchors[0],
            ]
        )
        assert next(iter(trusted))[:12] in anchors[0].name
        assert "cert = /etc/pip-tls-setup/ca-bundle.pem" in (root / "etc/pip.conf").read_text()
        undo = subprocess.run(
            [sys.executable, "-m", "pip_tls_setup", "undo", "-q", "--root", str(root)], env=env, capture_output=True
        )
        assert undo.returncode == 0, undo.stderr
        assert snapshot(*watched) == pristine
    shutil.rmtree(root)
