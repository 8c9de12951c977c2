"""Debootstrapped Debian roots for the OS-store tests.

Each suite is bootstrapped once into ``.cache/roots/<suite>`` (Debian's own
packages: python3, python3-pip, ca-certificates) and copied per test, so a test
can change it freely. Running the root's own Python needs root (chroot).
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "roots"
PACKAGES = "python3,ca-certificates,python3-pip"


def ensure_root(suite: str) -> Path:
    """The cached pristine root for ``suite`` (bookworm, trixie), bootstrapped on first use."""
    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / suite
    with (CACHE / f"{suite}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".pts-ready").exists():
            return target
        if target.exists():
            shutil.rmtree(target)
        done = subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={PACKAGES}", suite, str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"debootstrap {suite} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        (target / ".pts-ready").write_text("ok\n")
    return target


def copy_root(suite: str, destination: Path) -> Path:
    source = ensure_root(suite)
    subprocess.run(["cp", "-a", "--reflink=auto", str(source), str(destination)], check=True)
    return destination


def chroot_env(**extra: str) -> dict[str, str]:
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def tree_hashes(root: Path, paths: list[str]) -> dict[str, str]:
    """sha256 of every file (and target of every link) under the given logical paths of a root."""
    import hashlib
    import os

    hashes: dict[str, str] = {}
    for logical in paths:
        base = root / logical.lstrip("/")
        if base.is_file() and not base.is_symlink():
            hashes[logical] = hashlib.sha256(base.read_bytes()).hexdigest()
            continue
        if base.is_symlink():
            hashes[logical] = "link:" + os.readlink(base)
            continue
        if not base.exists():
            hashes[logical] = "absent"
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                key = "/" + str(path.relative_to(root))
                if path.is_symlink():
                    hashes[key] = "link:" + os.readlink(path)
                elif path.is_file():
                    hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()
                else:
                    hashes[key] = "dir"
    return hashes


def snapshot(*bases: Path) -> dict[str, str]:
    """Everything under the given host paths: file hashes and modes, link targets, directory modes.

    Stricter than ``tree_hashes`` (modes count), for tests that promise "nothing changed".
    """
    import hashlib
    import os
    import stat

    state: dict[str, str] = {}

    def note(path: Path) -> None:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            state[str(path)] = "absent"
            return
        if stat.S_ISLNK(st.st_mode):
            state[str(path)] = "link:" + os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[str(path)] = f"file:{stat.S_IMODE(st.st_mode):o}:{st.st_uid}:{digest}"
        elif stat.S_ISDIR(st.st_mode):
            state[str(path)] = f"dir:{stat.S_IMODE(st.st_mode):o}"
        else:
            state[str(path)] = f"other:{stat.S_IFMT(st.st_mode):o}"

    for base in bases:
        note(base)
        if base.is_dir() and not base.is_symlink():
            for dirpath, dirnames, filenames in os.walk(base):
                for name in dirnames + filenames:
                    note(Path(dirpath) / name)
    return state
