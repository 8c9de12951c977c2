"""Issue 2: ``pip install .`` in a fresh venv gives a working ``pip-tls-setup --help``.

The install pulls the runtime dependencies from the package registry (the one
network access tests may make); the host's environment is used for that step
only, the check itself runs under a clean environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from corplab.isolation import clean_env

from support.runs import run_cmd

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def test_pip_install_dot_gives_a_working_cli(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # A copy of the project files only (no .venv, no caches), as a fresh clone has them.
    src = tmp_path / "checkout"
    src.mkdir()
    for name in ("src", "pyproject.toml", "README.md", "LICENSE"):
        subprocess.run(["cp", "-r", str(REPO / name), str(src)], check=True)
    done = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(src)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    env = clean_env(tmp_path / "home")
    help_run = run_cmd([str(venv / "bin" / "pip-tls-setup"), "--help"], env)
    assert help_run.returncode == 0 and "usage: pip-tls-setup" in help_run.stdout
    module_run = run_cmd([str(venv / "bin" / "python"), "-m", "pip_tls_setup", "setup", "--help"], env)
    assert module_run.returncode == 0 and "--ca" in module_run.stdout
