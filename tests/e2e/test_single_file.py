"""The single-file build runs in a Debian root's own Python with no network and no pip.

The file is built from the working tree (offline, from the hash-checked wheels cached under
``.cache/``), copied into a container of the debootstrapped Debian image whose pip has been deleted,
and run inside a network namespace with no route anywhere. It must set up the root's own OS store and
pip config (the interpreter that runs it is a target like any other), scan, and undo.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corplab.pki import make_ca

sys.path.insert(0, str(Path(__file__).resolve().parent / "runners"))

import images

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("buildah") is None or shutil.which("debootstrap") is None, reason="needs buildah"),
]

PYENV = Path.home() / ".pyenv" / "versions"

SCRIPT = r"""
set -u
if python3 -c 'import pip' 2>/dev/null; then echo "pip is still importable"; exit 90; fi
if command -v pip pip3 >/dev/null; then echo "a pip command is still there"; exit 91; fi
pip-tls-setup --version || exit 92
pip-tls-setup inspect /ca.pem || exit 93
pip-tls-setup setup --ca /ca.pem --offline --json > /setup.json || { cat /setup.json; exit 94; }
grep -q "$(sed -n 2p /ca.pem)" /etc/ssl/certs/ca-certificates.crt || exit 95
grep -q "$(sed -n 2p /ca.pem)" /etc/pip-tls-setup/ca-bundle.pem || exit 96
python3 -c 'import json; d = json.load(open("/setup.json")); print("targets:", [t["executable"] for t in d["targets"]])'
mkdir -p /repo && printf -- '--trusted-host index.corp.test\ncorp-hello\n' > /repo/requirements.txt
pip-tls-setup scan /repo; echo "scan exit $?"
pip-tls-setup undo || exit 97
if grep -q "$(sed -n 2p /ca.pem)" /etc/ssl/certs/ca-certificates.crt; then echo "undo left the CA"; exit 98; fi
if ls /tmp | grep -q pip-tls-setup-; then echo "extraction left behind"; exit 99; fi
echo "single-file run complete"
"""


@pytest.fixture(scope="module")
def single_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return images.build_single_file(tmp_path_factory.mktemp("single-file") / "pip-tls-setup")


def test_runs_in_the_debian_roots_python_without_network_or_pip(single_file: Path, tmp_path: Path) -> None:
    buildah = images.Buildah()
    base = buildah.base_image(images.debian_root())
    ca = make_ca("Example Corp Single File Root CA", "Example Corp").write(tmp_path / "ca.pem")
    done = buildah.run_in(
        base,
        ["sh", "-c", SCRIPT],
        before=[["sh", "-c", "rm -rf /usr/lib/python3/dist-packages/pip /usr/bin/pip /usr/bin/pip3*"]],
        files={"/usr/local/bin/pip-tls-setup": single_file, "/ca.pem": ca},
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-5000:]
    assert "single-file run complete" in out
    assert "targets: ['/usr/bin/python3']" in out  # the interpreter running the file is a target
    assert "scan exit 1" in out and "PTS101" in out
    assert "Network is unreachable" not in out


def test_other_pythons_on_this_machine(single_file: Path, tmp_path: Path) -> None:
    ca = make_ca("Example Corp Single File Root CA", "Example Corp").write(tmp_path / "ca.pem")
    found = [PYENV / v / "bin" / "python" for v in ("3.9.18", "3.10.13", "3.12.1", "3.13.0")]
    pythons = [p for p in found if p.exists()]
    if not pythons:
        pytest.skip("no pyenv Pythons on this machine")
    for python in pythons:
        done = subprocess.run(
            [str(python), str(single_file), "inspect", str(ca)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0 and "usable as a CA" in done.stdout + done.stderr, (python, done.stderr)


def test_refuses_python_38_with_one_line(single_file: Path) -> None:
    python = PYENV / "3.8.18" / "bin" / "python"
    if not python.exists():
        pytest.skip("no Python 3.8 here")
    done = subprocess.run([str(python), str(single_file), "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == "pip-tls-setup: error: pip-tls-setup needs Python 3.9 or newer (this is 3.8.18)"
