"""Virtual environments the lab needs: its own tools, and target venvs for pip to run in.

Anything fetched from the package registry is fetched once into the cache;
target venvs are then built offline from it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from corplab.isolation import clean_env

TOOLS = ("mitmproxy==11.0.2", "pypiserver==2.4.2")
REPO = Path(__file__).resolve().parents[3]


def cache_dir() -> Path:
    path = Path(os.environ.get("CORPLAB_CACHE", REPO / ".cache" / "lab"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def tools_venv() -> Path:
    """mitmproxy + pypiserver in a venv of their own (mitmproxy pins its own cryptography)."""
    venv = cache_dir() / "tools-venv"
    marker = venv / ".corplab-ready"
    if marker.exists() and marker.read_text() == "\n".join(TOOLS):
        return venv
    _run([sys.executable, "-m", "venv", "--clear", str(venv)])
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *TOOLS])
    marker.write_text("\n".join(TOOLS))
    return venv


def wheelhouse() -> Path:
    """The newest pip and requests (with dependencies), downloaded once from the registry."""
    house = cache_dir() / "wheels"
    marker = house / ".corplab-ready"
    if marker.exists():
        return house
    house.mkdir(parents=True, exist_ok=True)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary",
            ":all:",
            "-d",
            str(house),
            "pip",
            "requests",
        ]
    )
    marker.write_text("ok")
    return house


def make_venv(path: Path, python: str = sys.executable, newest_pip: bool = False, requests: bool = False) -> Path:
    """A target venv: CPython's bundled pip, or the newest pip; optionally with requests."""
    home = path.parent / (path.name + "-home")
    env = clean_env(home, PIP_CONFIG_FILE=os.devnull)
    _run([python, "-m", "venv", str(path)], env)
    interpreter = path / "bin" / "python"
    wanted = (["pip"] if newest_pip else []) + (["requests"] if requests else [])
    if wanted:
        house = wheelhouse()
        _run(
            [
                str(interpreter),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-index",
                "--find-links",
                str(house),
                "-U",
                *wanted,
            ],
            env,
        )
    return interpreter
