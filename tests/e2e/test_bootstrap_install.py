"""A workstation install from a fresh clone, as README documents it:

    python3 entrypoint/bootstrap.py install --ca-file corp.pem

through the lab's intercepting proxy (the corporate CA is the lab's), with the host's pip config masked
and a clean environment, so only the clone, the CA and the proxy are in play. The locked wheels are on
the lab's index (downloaded once from the registry into ``.cache/``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from corplab.isolation import clean_env, isolated
from corplab.lab import Lab

sys.path.insert(0, str(Path(__file__).resolve().parent / "runners"))

import images

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"  # a workstation's own python3


@pytest.fixture(scope="module")
def corp_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    wheels = images.lock_wheels(PYTHON)
    with Lab(tmp_path_factory.mktemp("bootstrap-lab")) as lab:
        for wheel in wheels.glob("*.whl"):
            shutil.copy(wheel, lab.packages)
        yield lab


def fresh_clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, capture_output=True)
    return clone


def bootstrap(clone: Path, lab: Lab, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(home, HTTPS_PROXY=lab.proxy_url, PIP_INDEX_URL=lab.index_url)
    argv = [PYTHON, str(clone / "entrypoint" / "bootstrap.py"), "install", *args]
    return subprocess.run(isolated(argv), env=env, capture_output=True, text=True, check=False)


def test_install_from_a_fresh_clone_with_the_corporate_ca(corp_lab: Lab, tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path)
    home = tmp_path / "home"
    done = bootstrap(clone, corp_lab, home, "--ca-file", str(corp_lab.ca_path))
    assert done.returncode == 0, done.stderr
    tool = Path(done.stdout.strip())
    assert tool == home / ".local" / "share" / "pip-tls-setup" / "venv" / "bin" / "pip-tls-setup"
    assert "installing the pinned dependencies (hash-checked) from https://index.corp.test/simple/" in done.stderr
    shutil.rmtree(clone)  # the install is a copy: it outlives the clone
    version = subprocess.run([str(tool), "--version"], capture_output=True, text=True, env=clean_env(home))
    assert version.returncode == 0 and version.stdout.startswith("pip-tls-setup "), version.stderr
    inspect = subprocess.run([str(tool), "inspect", str(corp_lab.ca_path)], capture_output=True, text=True)
    assert inspect.returncode == 0 and "Example Corp TLS Inspection Root CA" in inspect.stdout + inspect.stderr
    # a second run reuses the venv (no network)
    again = bootstrap(fresh_clone(tmp_path / "again"), corp_lab, home, "--ca-file", str(corp_lab.ca_path))
    assert again.returncode == 0 and "reusing" in again.stderr and again.stdout.strip() == str(tool)


def test_without_the_corporate_ca_it_fails_in_one_line_and_installs_nothing(corp_lab: Lab, tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path)
    home = tmp_path / "home"
    done = bootstrap(clone, corp_lab, home, "--venv", str(tmp_path / "venv"))
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("pip-tls-setup: error:")]
    assert errors == [
        "pip-tls-setup: error: https://index.corp.test/simple/: presents a certificate no CA in the bundle signs "
        "(CERTIFICATE_VERIFY_FAILED); give the corporate CA that signs it: --ca-file FILE, or $PIP_TLS_SETUP_CA"
    ], done.stderr
    assert done.stdout == "" and not (tmp_path / "venv").exists()


def test_then_pip_and_pipx_install_it_the_usual_way(corp_lab: Lab, tmp_path: Path) -> None:
    """README's path (c): once the tool has set up trust, the usual install works with verification on.

    pipx runs exactly this: ``python -m pip install pip-tls-setup`` in a fresh venv, through the proxy,
    from the index (here the lab's, holding the release wheel and the locked dependencies).
    """
    import toolwheel

    toolwheel.build(corp_lab.packages)  # the release wheel, on the index as a release publishes it
    home = tmp_path / "home"
    done = bootstrap(fresh_clone(tmp_path), corp_lab, home, "--ca-file", str(corp_lab.ca_path))
    assert done.returncode == 0, done.stderr
    tool = done.stdout.strip()
    fresh = tmp_path / "fresh-venv"
    subprocess.run([PYTHON, "-m", "venv", str(fresh)], check=True, capture_output=True)
    env = clean_env(home, HTTPS_PROXY=corp_lab.proxy_url, PIP_INDEX_URL=corp_lab.index_url)
    install = [str(fresh / "bin" / "python"), "-m", "pip", "install", "--retries", "0", "pip-tls-setup"]
    before = subprocess.run(isolated(install), env=env, capture_output=True, text=True, check=False)
    assert before.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in before.stdout + before.stderr
    exports = subprocess.run(
        [tool, "setup", "--ca", str(corp_lab.ca_path), "--python", str(fresh / "bin" / "python"),
         "--no-system-store", "--no-verify", "--bundle", str(tmp_path / "bundle.pem"), "-q",
         "--state-dir", str(tmp_path / "state")],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert exports.returncode == 0, exports.stderr
    after = subprocess.run(isolated(install), env=env, capture_output=True, text=True, check=False)
    assert after.returncode == 0, after.stdout + after.stderr
    installed = subprocess.run([str(fresh / "bin" / "pip-tls-setup"), "--version"], capture_output=True, text=True)
    assert installed.returncode == 0 and installed.stdout.startswith("pip-tls-setup ")
