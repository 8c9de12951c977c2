"""README's first command, ``bash examples/lab/run.sh``, on a fresh clone with an empty cache.

The clone holds only what is committed; its cache starts empty, so the run
bootstraps everything itself (a venv with pip-tls-setup from the clone,
mitmproxy and pypiserver from the package registry). The run must print the
seed error, the diagnosis, the fix and the scan failure, and leave no process
behind, also when it is interrupted halfway.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from corplab.isolation import SYSTEM_PATH

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def processes_mentioning(*needles: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(n in cmdline for n in needles):
            found.append(f"{entry.name}: {cmdline}")
    return found


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is needed to clone the repository")
    target = tmp_path_factory.mktemp("fresh") / "pip-tls-setup"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True)
    return target


def demo_env(clone: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", SYSTEM_PATH),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "CORPLAB_CACHE": str(clone.parent / "cache"),
        "NO_COLOR": "1",
    }
    # The one bootstrap step that needs the package registry uses the machine's own pip settings.
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def test_lab_demo_on_a_fresh_clone(clone: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "lab-run"
    done = subprocess.run(
        ["bash", str(clone / "examples" / "lab" / "run.sh"), "--workdir", str(workdir)],
        capture_output=True,
        text=True,
        env=demo_env(clone),
        cwd=tmp_path,
        timeout=1800,
        check=False,
    )
    output = done.stdout + done.stderr
    print(output[-6000:])
    assert done.returncode == 0, output[-6000:]
    assert (
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate" in output
    )
    assert "intercepted-unknown-ca" in output and "Example Corp TLS Inspection Root CA" in output
    assert "verify: ok" in output
    assert "Successfully installed corp-hello-0.1" in output
    assert "PTS101" in output or "trusted" in output  # the scan findings
    assert "lab finished: 5 steps as expected" in output
    assert not workdir.exists(), "the work directory is removed"
    assert processes_mentioning(str(workdir), str(clone)) == []


def test_interrupted_lab_leaves_nothing_behind(clone: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "lab-interrupted"
    process = subprocess.Popen(
        ["bash", str(clone / "examples" / "lab" / "run.sh"), "--workdir", str(workdir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=demo_env(clone),
        cwd=tmp_path,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("== 3."):
            assert processes_mentioning(str(workdir)), "mitmproxy and pypiserver run while the lab does"
            process.send_signal(signal.SIGTERM)
            break
    rest = process.communicate(timeout=300)[0]
    assert process.returncode == 130, "".join(seen) + rest
    assert "interrupted" in rest
    assert processes_mentioning(str(workdir), str(clone)) == []
