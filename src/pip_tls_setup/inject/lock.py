"""One lock per run, so two runs never interleave their plans, writes or journals.

The lock file lives in the state directory and is opened without following links. A run
that leaves no journal behind removes the lock file and the state directory again
(``tidy``), so a refused or undone run leaves nothing; a waiter that then wakes up on
the removed file notices (the path no longer names its file) and locks the new one.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from types import TracebackType

from pip_tls_setup.errors import CheckFailed
from pip_tls_setup.inject import safefs
from pip_tls_setup.inject.journal import JOURNAL_NAME
from pip_tls_setup.target.root import WritePath, host_writable

LOCK_MODE, DIR_MODE = 0o600, 0o700


class RunLock:
    def __init__(self, path: Path, wait: float = 120.0, tidy: bool = False) -> None:
        self.path = path
        self.wait = wait
        self.tidy = tidy
        self._fd: int | None = None
        self._target: WritePath = host_writable(path, 2)
        self._created = False  # this run created the lock file (so a tidy exit removes it again)

    def __enter__(self) -> RunLock:
        deadline = time.monotonic() + self.wait
        while True:
            fd = self._open()
            if fd is not None and _try_lock(fd):
                if self._still_named(fd):
                    self._fd = fd
                    return self
                _unlock(fd)
            if fd is not None:
                os.close(fd)
            if time.monotonic() >= deadline:
                raise CheckFailed(
                    f"{self.path}: another pip-tls-setup run holds the lock; wait for it to finish and run again"
                )
            time.sleep(0.1)

    def _open(self) -> int | None:
        """The lock file, created (with its directory) when missing; None when it vanished meanwhile."""
        flags = os.O_RDWR | safefs.NOFOLLOW | safefs.CLOEXEC
        self._target.base.mkdir(parents=True, exist_ok=True)  # above the state directory: not ours
        try:
            with safefs.directory(self._target, DIR_MODE) as dfd:
                at = {} if dfd is None or dfd == -1 else {"dir_fd": dfd}
                name = str(self.path) if not at else self._target.name
                try:
                    return os.open(name, flags, **at)
                except FileNotFoundError:
                    fd = os.open(name, flags | os.O_CREAT | os.O_EXCL, LOCK_MODE, **at)
                    self._created = True
                    return fd
        except (FileNotFoundError, FileExistsError):
            return None  # tidied away, or created by another run meanwhile: try again
        except OSError as exc:
            if exc.errno in safefs.LINK_ERRNOS:
                raise safefs.unsafe(self._target) from None
            raise

    def _still_named(self, fd: int) -> bool:
        try:
            named = os.lstat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._fd is None:
            return
        try:
            if self.tidy:
                self._remove_if_idle()
        finally:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def _remove_if_idle(self) -> None:
        """No journal left: remove the lock file (when this run created it, or it is all the directory holds)
        and the state directory when empty."""
        directory = self.path.parent
        try:
            others = [name for name in os.listdir(directory) if name != self.path.name]
        except FileNotFoundError:
            return
        if JOURNAL_NAME in others or (others and not self._created):
            return
        with contextlib.suppress(OSError):
            safefs.remove(self._target)
        safefs.remove_dir(directory)


try:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

except ImportError:  # Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
