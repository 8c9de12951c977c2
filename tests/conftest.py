"""Shared test plumbing.

- ``examples/lab`` is importable as ``corplab`` (the lab kit the demo uses too).
- ``tool`` runs the CLI as a subprocess under a clean environment with a private
  state directory, so no test depends on (or changes) the host's configuration.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "examples" / "lab"))
sys.path.insert(0, str(REPO / "tests"))

from corplab.isolation import clean_env  # noqa: E402

from support.runs import Run, ToolRunner, run_cmd  # noqa: E402

__all__ = ["Run", "ToolRunner", "run_cmd"]


@pytest.fixture
def tool_env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path / "home", PIP_TLS_SETUP_STATE_DIR=str(tmp_path / "state"))


@pytest.fixture
def tool(tool_env: dict[str, str]) -> ToolRunner:
    """Run ``pip-tls-setup ARGS`` with the test's clean environment (extra env via ``env=``)."""

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 300) -> Run:
        merged = dict(tool_env)
        merged.update(env or {})
        argv = [sys.executable, "-m", "pip_tls_setup", *args]
        done = subprocess.run(
            argv, capture_output=True, text=True, env=merged, input=stdin, timeout=timeout, check=False
        )
        return Run(argv, done.returncode, done.stdout, done.stderr)

    return run


def requires_root() -> pytest.MarkDecorator:
    return pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chroot, unshare, update-ca-certificates)")
