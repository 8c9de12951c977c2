"""The root every system-level read and write is confined to (``--root DIR``).

Paths inside the plan are *logical*: what the target sees (``/etc/pip.conf``).
``Root.host`` maps them to where they are on this machine (``DIR/etc/pip.conf``);
commands for a root other than ``/`` run through ``chroot``.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pip_tls_setup.errors import InputError

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


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
        """Where a logical path of the target lives on this machine."""
        if self.is_host:
            return Path(logical)
        return self.path / logical.lstrip("/")

    def logical(self, host: Path) -> str:
        if self.is_host:
            return str(host)
        rel = os.path.relpath(host, self.path)
        if rel.startswith(".."):
            raise ValueError(f"{host} is outside the root {self.path}")
        return "/" + rel if rel != "." else "/"

    def resolve(self, logical: str) -> str:
        """Follow symlinks the way the target would (absolute links stay inside the root)."""
        current = posixpath.normpath(logical)
        for _ in range(40):
            host = self.host(current)
            if not host.is_symlink():
                parent = posixpath.dirname(current)
                if parent in ("/", current):
                    return current
                return posixpath.join(self.resolve(parent), posixpath.basename(current))
            target = os.readlink(host)
            current = posixpath.normpath(
                target if target.startswith("/") else posixpath.join(posixpath.dirname(current), target)
            )
        raise InputError(logical, "is a symlink loop", "repair the link")

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
