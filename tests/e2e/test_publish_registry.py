"""The release's upload to the component's package registry: the form twine posts, to a real pypiserver."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from corplab.index import PackageIndex
from corplab.venvs import tools_venv

sys.path.insert(0, str(Path(__file__).resolve().parent / "runners"))

import toolwheel

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def publish(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, str(REPO / "tools" / "publish_registry.py"), *args]
    return subprocess.run(argv, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **env}, check=False)


def test_the_wheel_lands_in_the_registry_byte_for_byte(tmp_path: Path) -> None:
    wheel = toolwheel.build(tmp_path / "dist")
    served = tmp_path / "served"
    served.mkdir()
    with PackageIndex(tools_venv(), served, tmp_path) as index:
        done = publish("--url", index.url + "/", str(wheel), CI_JOB_TOKEN="job-token-value")
        assert done.returncode == 0, done.stderr
    landed = served / wheel.name
    assert landed.is_file()
    assert hashlib.sha256(landed.read_bytes()).digest() == hashlib.sha256(wheel.read_bytes()).digest()
    assert "job-token-value" not in done.stdout + done.stderr


def test_plain_http_off_loopback_and_other_files_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("x")
    refused = publish("--url", "http://registry.example/api/v4/projects/1/packages/pypi", str(other))
    assert refused.returncode == 2 and "is not https://" in refused.stderr
    odd = publish("--url", "https://registry.example/x", str(other))
    assert odd.returncode == 2 and "neither a wheel nor an sdist" in odd.stderr
