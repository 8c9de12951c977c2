"""The tool's own wheel, built from the working tree for the runner tests as a release builds it.

The GitLab component installs ``pip-tls-setup==VERSION`` pinned by the wheel's sha256, as a release
publishes it. ``build`` runs the project's build backend (``pip wheel``, the backend fetched from the
registry like any build) with ``SOURCE_DATE_EPOCH`` set to the last commit's time, so the same tree gives
the same bytes; the result is cached under ``.cache/`` by the tree's digest.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CACHE = Path(os.environ.get("PTS_RUNNERS_CACHE", REPO / ".cache" / "pts-runners")) / "tool-wheel"
TREE = ("pyproject.toml", "README.md", "LICENSE", "src")


def version() -> str:
    text = (REPO / "src" / "pip_tls_setup" / "__init__.py").read_text()
    match = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    assert match
    return match.group(1)


def _epoch() -> str:
    done = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%ct"], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "315532800"


def _files() -> list[Path]:
    found: list[Path] = []
    for name in TREE:
        path = REPO / name
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += [
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts and ".egg-info" not in str(p) and p.suffix != ".pyc"
            ]
    return found


def build(directory: Path) -> Path:
    """A copy of the reproducible wheel of this tree in ``directory``."""
    epoch = _epoch()
    digest = hashlib.sha256(epoch.encode())
    for path in _files():
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    cached = CACHE / digest.hexdigest()[:20]
    wheel = cached / f"pip_tls_setup-{version()}-py3-none-any.whl"
    if not wheel.is_file():
        tree = cached / "tree"
        shutil.rmtree(cached, ignore_errors=True)
        for path in _files():
            target = tree / path.relative_to(REPO)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        # The build backend comes from the registry with this machine's own way of reaching it.
        env = {**os.environ, "SOURCE_DATE_EPOCH": epoch, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(cached), str(tree)]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0 or not wheel.is_file():
            raise RuntimeError(f"building the tool's wheel failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        shutil.rmtree(tree)
    directory.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(wheel, directory / wheel.name))


def tampered(wheel: Path, directory: Path) -> Path:
    """The same file name with other bytes (one more file inside): what a swapped upload looks like."""
    import zipfile

    directory.mkdir(parents=True, exist_ok=True)
    copy = Path(shutil.copy(wheel, directory / wheel.name))
    with zipfile.ZipFile(copy, "a") as archive:
        archive.writestr("pip_tls_setup/_swapped.py", "print('not the release')\n")
    return copy


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
