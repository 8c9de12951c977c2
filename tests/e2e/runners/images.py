"""Real build parts for the runner tests: a debootstrapped Debian root, buildah images made from it,
and the wheels the bootstraps install (downloaded once from the registry into ``.cache/``).

Everything heavy is cached under ``.cache/pts-runners/`` and rebuilt only when its recipe changes:
the Debian root (``debootstrap --variant=minbase``, Debian's default mirror), buildah's own storage
(vfs driver, never the host's ``/var/lib/containers``) and the base image committed from that root.
No container registry is contacted: every image is local (``localhost/...``, ``--pull-never``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CACHE = Path(os.environ.get("PTS_RUNNERS_CACHE", REPO / ".cache" / "pts-runners"))
SUITE = "bookworm"
PACKAGES = ("python3", "ca-certificates", "python3-pip", "python3-venv")
BASE_IMAGE = "localhost/pts-bookworm:base"
LOCK = REPO / "entrypoint" / "requirements.lock"


@contextmanager
def locked(name: str) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _run(argv: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        command = " ".join(map(str, argv))
        raise RuntimeError(f"{command} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def debian_root() -> Path:
    """A minimal Debian root with python3, pip, venv and ca-certificates (cached)."""
    root = CACHE / f"{SUITE}-root"
    recipe = f"{SUITE} minbase {' '.join(PACKAGES)}\n"
    marker = root / ".pts-runner-root"
    with locked("debian-root"):
        if marker.is_file() and marker.read_text() == recipe:
            return root
        staging = CACHE / f"{SUITE}-root.partial"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
        _run(
            ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(staging)],
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"},
        )
        shutil.rmtree(staging / "var" / "cache" / "apt" / "archives", ignore_errors=True)
        (staging / "var" / "cache" / "apt" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
        (staging / ".pts-runner-root").write_text(recipe)
        staging.rename(root)
        return root


class Buildah:
    """buildah with private vfs storage under ``.cache/`` and chroot isolation."""

    def __init__(self, storage: Path | None = None) -> None:
        self.storage = storage or CACHE / "containers"
        self.prefix = [
            "buildah",
            "--root",
            str(self.storage / "storage"),
            "--runroot",
            str(self.storage / "run"),
            "--storage-driver",
            "vfs",
        ]
        self.env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(self.storage / "home"),
            "LANG": "C.UTF-8",
            "BUILDAH_ISOLATION": "chroot",
            "TMPDIR": str(self.storage / "tmp"),
        }
        (self.storage / "tmp").mkdir(parents=True, exist_ok=True)

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [*self.prefix, *args]
        if check:
            return _run(argv, env=self.env)
        return subprocess.run(argv, capture_output=True, text=True, env=self.env, check=False)

    def exists(self, image: str) -> bool:
        return self("inspect", "--type", "image", image, check=False).returncode == 0

    def label(self, image: str, name: str) -> str | None:
        template = f'{{{{index .ImageAnnotations "{name}"}}}}'
        done = self("inspect", "--type", "image", "--format", template, image, check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def base_image(self, root: Path) -> str:
        """``localhost/pts-bookworm:base`` committed from the Debian root (cached)."""
        recipe = (root / ".pts-runner-root").read_text().strip()
        with locked("base-image"):
            if self.exists(BASE_IMAGE) and self.label(BASE_IMAGE, "pts.recipe") == recipe:
                return BASE_IMAGE
            container = self("from", "--pull-never", "scratch").stdout.strip()
            try:
                mountpoint = self("mount", container).stdout.strip()
                _run(["cp", "-a", f"{root}/.", mountpoint])
                self("unmount", container)
                self("config", "--annotation", f"pts.recipe={recipe}", "--cmd", "/bin/bash", container)
                self("commit", "--rm", container, BASE_IMAGE)
            except BaseException:
                self("rm", container, check=False)
                raise
            return BASE_IMAGE

    def bud(
        self,
        context: Path,
        dockerfile: Path,
        tag: str,
        build_args: dict[str, str] | None = None,
        secrets: dict[str, Path] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        args = ["bud", "--isolation", "chroot", "--pull-never", "--layers=false", "--network", "host"]
        args += ["-f", str(dockerfile), "-t", tag]
        for name, value in (build_args or {}).items():
            args += ["--build-arg", f"{name}={value}"]
        for name, path in (secrets or {}).items():
            args += ["--secret", f"id={name},src={path}"]
        return self(*args, str(context), check=False)

    def run_in(
        self,
        image: str,
        argv: Sequence[str],
        before: Sequence[Sequence[str]] = (),
        files: dict[str, Path] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` in a throw-away container of ``image`` with no network at all.

        Chroot isolation shares the caller's network, so the run happens inside a fresh network
        namespace (``unshare --net``: a loopback that is down, no route anywhere). ``before``
        commands run first in the same container (to strip things out of it); ``files`` maps paths in
        the container to host files copied in first.
        """
        container = self("from", "--pull-never", image).stdout.strip()
        try:
            for destination, source in (files or {}).items():
                self("copy", "--chmod", "0755", container, str(source), destination)
            for command in before:
                self("run", "--isolation", "chroot", container, "--", *command)
            run = ["unshare", "--net", *self.prefix, "run", "--isolation", "chroot", container, "--", *argv]
            return subprocess.run(run, capture_output=True, text=True, env=self.env, check=False)
        finally:
            self("rm", container, check=False)

    def remove_image(self, image: str) -> None:
        self("rmi", "--force", image, check=False)


def lock_wheels(python: str = sys.executable) -> Path:
    """The locked wheels ``python``'s pip will pick (CPython, Linux glibc), downloaded once.

    Downloaded by this interpreter's pip for the target's version and machine, so the target needs no
    pip of its own (a fresh runner's ``/usr/bin/python3`` has none until ``python3 -m venv``).
    """
    script = "import sys, platform; print('%d.%d %s' % (sys.version_info[0], sys.version_info[1], platform.machine()))"
    version, machine = _run([python, "-c", script]).stdout.split()
    tag = f"cp{version.replace('.', '')}-{machine}"
    house = CACHE / "wheels" / tag
    marker = house / ".ready"
    digest = LOCK.read_bytes()
    with locked(f"wheels-{tag}"):
        if marker.is_file() and marker.read_bytes() == digest:
            return house
        house.mkdir(parents=True, exist_ok=True)
        # A download from the registry, not the code under test: it uses this machine's own way of
        # reaching the registry (its proxy and CA settings); every file must match the lock's hashes.
        env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        argv = [sys.executable, "-m", "pip", "download", "--require-hashes", "--only-binary", ":all:"]
        argv += ["--no-deps", "--implementation", "cp", "--python-version", version]
        argv += ["--platform", f"manylinux2014_{machine}", "--platform", f"manylinux_2_17_{machine}"]
        _run([*argv, "-r", str(LOCK), "-d", str(house)], env=env)
        marker.write_bytes(digest)
        return house


def single_file_wheels() -> Path:
    """Every wheel the single-file build carries (all platforms), downloaded once, hash-checked."""
    house = CACHE / "single-file-wheels"
    with locked("single-file-wheels"):
        # Downloads from the registry with this machine's own proxy and CA settings; hash-checked.
        _run(
            [
                sys.executable,
                str(REPO / "tools" / "build_single_file.py"),
                "--fetch-only",
                "--wheelhouse",
                str(house),
            ]
        )
    return house


def build_single_file(out: Path) -> Path:
    """The single-file build of the working tree, offline from the cached wheels."""
    house = single_file_wheels()
    _run(
        [
            sys.executable,
            str(REPO / "tools" / "build_single_file.py"),
            "--offline",
            "--wheelhouse",
            str(house),
            "--out",
            str(out),
        ]
    )
    return out
