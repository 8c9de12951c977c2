"""The root every system-level read and write is confined to (``--root DIR``).

Paths inside the plan are *logical*: what the target sees (``/etc/pip.conf``).
``Root.host`` maps them to where they are on this machine (``DIR/etc/pip.conf``),
following links the way the target would: an absolute link starts again at the
root, ``..`` stops at it, so nothing outside the root is ever reached. Commands
for a root other than ``/`` run through ``chroot``.

Files we *write* are never reached through a link at all: ``Root.writable``
splits such a path into a trusted base directory and the components below it,
and ``check_writable`` refuses a link (or a non-regular file) among them.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pip_tls_setup.errors import InputError

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MAX_LINKS = 40  # as the kernel's MAXSYMLINKS
LINK_FIX = (
    "replace the link with the real {kind} (or remove it) and run again; pip-tls-setup never writes through links"
)


@dataclass(frozen=True)
class WritePath:
    """A file we write: ``base`` (a directory trusted as it is) and ``parts`` below it, none of them a link.

    ``parts[-1]`` is the file; the others are directories we own or expect (``pip/_vendor/certifi``,
    ``/etc/pip-tls-setup``), created when missing.
    """

    logical: str
    base: Path
    parts: tuple[str, ...]

    @property
    def host(self) -> Path:
        return self.base.joinpath(*self.parts)

    @property
    def name(self) -> str:
        return self.parts[-1]

    def dirs(self) -> list[Path]:
        """Host paths of the directories in ``parts``, outermost first."""
        return [self.base.joinpath(*self.parts[:i]) for i in range(1, len(self.parts))]


@dataclass(frozen=True)
class Root:
    path: Path

    @classmethod
    def of(cls, raw: str | None) -> Root:
        if not raw or raw == "/":
            return cls(Path("/"))
        path = Path(raw)
        if not path.is_dir():
            raise InputError(
                f"--root {raw}", "is not a directory", "give the directory that holds the target root file system"
            )
        return cls(path.resolve())

    @property
    def is_host(self) -> bool:
        return self.path == Path("/")

    def host(self, logical: str) -> Path:
        """Where a logical path of the target lives on this machine (links resolved inside the root)."""
        if self.is_host:
            return Path(logical)
        return self.path / self.resolve(logical).lstrip("/")

    def logical(self, host: Path) -> str:
        if self.is_host:
            return str(host)
        rel = os.path.relpath(host, self.path)
        if rel.startswith(".."):
            raise ValueError(f"{host} is outside the root {self.path}")
        return "/" + rel if rel != "." else "/"

    def resolve(self, logical: str) -> str:
        """Follow links component by component the way the target would, never leaving the root."""
        if self.is_host and os.name == "nt":
            return logical
        pending = [p for p in logical.split("/") if p]
        resolved = "/"
        hops = 0
        while pending:
            name = pending.pop(0)
            if name == ".":
                continue
            if name == "..":
                resolved = posixpath.dirname(resolved)
                continue
            candidate = posixpath.join(resolved, name)
            # ``resolved`` holds no link, so this lstat follows nothing on the way.
            host = self.path / candidate.lstrip("/")
            if not host.is_symlink():
                resolved = candidate
                continue
            hops += 1
            if hops > MAX_LINKS:
                raise InputError(logical, "is a symlink loop", "repair the link")
            target = os.readlink(host)
            if target.startswith("/"):
                resolved = "/"
            pending = [p for p in target.split("/") if p] + pending
        return resolved

    def writable(self, logical: str, depth: int = 1) -> WritePath:
        """A path we write: the last ``depth`` components must not be links; the rest is resolved in the root."""
        if self.is_host and os.name == "nt":
            path = Path(logical)
            parts = path.parts[-depth:]
            return WritePath(logical, path.parents[depth - 1], tuple(parts))
        components = [p for p in posixpath.normpath(logical).split("/") if p]
        depth = max(1, min(depth, len(components)))
        base = "/" + "/".join(components[:-depth])
        return WritePath(logical, self.host(base), tuple(components[-depth:]))

    def command(self, argv: Sequence[str]) -> list[str]:
        if self.is_host:
            return list(argv)
        return ["chroot", str(self.path), *argv]

    def which(self, name: str, path: str = SYSTEM_PATH) -> str | None:
        for directory in path.split(":"):
            candidate = posixpath.join(directory, name)
            host = self.host(candidate)
            if host.is_file() and os.access(host, os.X_OK):
                return candidate
        return None

    def __str__(self) -> str:
        return str(self.path)


HOST = Root(Path("/"))


def host_writable(path: Path, depth: int = 1) -> WritePath:
    """A host path we write (``--env-file``, the state directory): same rules, no root to resolve in."""
    return HOST.writable(os.path.abspath(path), depth)


def check_writable(target: WritePath, what: str | None = None, dirs_only: bool = False) -> bool:
    """Refuse a link, or a non-directory / non-regular file, among ``target.parts``; True when the file exists.

    Raised as bad input (exit 2) while planning, before anything changes. ``dirs_only``: the file is not checked.
    """
    label = what or target.logical
    checked = target.dirs() if dirs_only else [*target.dirs(), target.host]
    for index, host in enumerate(checked):
        is_file = index == len(target.parts) - 1
        try:
            st = os.lstat(host)
        except FileNotFoundError:
            return False  # missing: created by us, below a checked directory
        except NotADirectoryError:
            raise InputError(label, f"{host.parent} is not a directory", "remove it or choose another path") from None
        kind = "file" if is_file else "directory"
        if stat.S_ISLNK(st.st_mode):
            raise InputError(_named(label, host, target), "is a symbolic link", LINK_FIX.format(kind=kind))
        if is_file and not stat.S_ISREG(st.st_mode):
            problem = "is a directory" if stat.S_ISDIR(st.st_mode) else "is not a regular file"
            raise InputError(_named(label, host, target), problem, "give the path of a regular file")
        if not is_file and not stat.S_ISDIR(st.st_mode):
            raise InputError(_named(label, host, target), "is not a directory", "remove it or choose another path")
    return True


def _named(label: str, host: Path, target: WritePath) -> str:
    """The offending component, as the user knows it (the option, or the logical path)."""
    if host == target.host:
        return label
    below = len(host.relative_to(target.base).parts)
    logical = target.logical.rstrip("/").split("/")
    inner = "/".join(logical[: len(logical) - len(target.parts) + below]) or "/"
    return f"{label}: {inner}" if label != target.logical else inner
