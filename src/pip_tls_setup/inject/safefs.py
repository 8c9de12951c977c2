"""File operations that never follow a link below a trusted base directory.

Every file setup writes, edits, backs up or deletes is reached from its base directory
(``target.root.WritePath``) one component at a time: ``openat`` with ``O_DIRECTORY |
O_NOFOLLOW`` for each directory, ``O_NOFOLLOW`` for the file, and ``renameat`` into place.
A link planted after the plan was checked therefore makes the operation fail
(``UnsafePath``) instead of reaching somewhere else. Where the platform has no
directory file descriptors (Windows), each component is checked with ``lstat``
right before use.

Writes are a private temp file in the same directory (``.NAME.<random>.pts-tmp``),
fsynced, given its final mode and owner, renamed over the target, then the directory
is fsynced: a reader sees the old or the new file, never a mix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pip_tls_setup.errors import InputError
from pip_tls_setup.target.root import LINK_FIX, WritePath, check_writable

TEMP_SUFFIX = ".pts-tmp"
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
DIRECTORY = getattr(os, "O_DIRECTORY", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)
DIR_FLAGS = os.O_RDONLY | DIRECTORY | NOFOLLOW | CLOEXEC
# What open(2) says when O_NOFOLLOW met a link, or O_DIRECTORY met a non-directory.
LINK_ERRNOS = {errno.ELOOP, errno.EMLINK, errno.ENOTDIR}
HAVE_DIR_FD = os.name == "posix" and {os.open, os.rename, os.unlink, os.mkdir, os.stat} <= os.supports_dir_fd


class UnsafePath(InputError):
    """A link (or a non-regular file) where we write, found at write time."""


@dataclass(frozen=True)
class FileState:
    data: bytes
    mode: int
    uid: int
    gid: int


def unsafe(target: WritePath, detail: str = "is a symbolic link") -> UnsafePath:
    return UnsafePath(target.logical, f"{detail} (found while writing)", LINK_FIX.format(kind="file or directory"))


def temp_name(name: str) -> str:
    return f".{name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"


def is_temp_of(candidate: str, name: str) -> bool:
    """Whether ``candidate`` is one of our temp files for ``name`` (a leftover of a killed run)."""
    return candidate.startswith(f".{name}.") and candidate.endswith(TEMP_SUFFIX)


def can_write_directly(host: Path) -> bool:
    """Whether this process may create or replace ``host`` without sudo (the one copy of this check)."""
    directory = host.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    return os.access(directory, os.W_OK) and (not host.exists() or os.access(host, os.W_OK))


def missing_dirs(target: WritePath) -> list[Path]:
    """The directories of ``target.parts`` that do not exist yet (what a write would create)."""
    return [d for d in target.dirs() if not os.path.lexists(d)]


@contextlib.contextmanager
def directory(target: WritePath, create_mode: int | None = None) -> Iterator[int | None]:
    """A descriptor of the file's directory, reached without following links; None when it is missing.

    With ``create_mode`` missing directories are created with exactly that mode (not narrowed by the umask).
    """
    if not HAVE_DIR_FD:
        check_writable(target)
        parent = target.host.parent
        if create_mode is not None:
            for created in missing_dirs(target):
                os.mkdir(created, create_mode)
                os.chmod(created, create_mode)
        yield None if not parent.is_dir() else -1
        return
    try:
        fd = os.open(target.base, os.O_RDONLY | DIRECTORY | CLOEXEC)
    except FileNotFoundError:
        if create_mode is None:
            yield None
            return
        raise
    try:
        for part in target.parts[:-1]:
            child = _child_dir(fd, part, create_mode, target)
            os.close(fd)
            fd = child
            if fd < 0:
                break
        yield fd if fd >= 0 else None
    finally:
        if fd >= 0:
            os.close(fd)


def _child_dir(fd: int, part: str, create_mode: int | None, target: WritePath) -> int:
    try:
        return os.open(part, DIR_FLAGS, dir_fd=fd)
    except FileNotFoundError:
        if create_mode is None:
            return -1
    except OSError as exc:
        if exc.errno in LINK_ERRNOS:
            raise unsafe(target) from None
        raise
    with contextlib.suppress(FileExistsError):
        os.mkdir(part, create_mode, dir_fd=fd)
    try:
        child = os.open(part, DIR_FLAGS, dir_fd=fd)
    except OSError as exc:
        if exc.errno in LINK_ERRNOS:
            raise unsafe(target) from None
        raise
    os.fchmod(child, create_mode)
    os.fsync(fd)
    return child


def _lstat(dfd: int, target: WritePath) -> os.stat_result | None:
    try:
        if dfd == -1:
            return os.lstat(target.host)
        return os.stat(target.name, dir_fd=dfd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _checked(dfd: int, target: WritePath) -> os.stat_result | None:
    st = _lstat(dfd, target)
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise unsafe(target)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise unsafe(target, "is not a regular file")
    return st


def read_state(target: WritePath) -> FileState | None:
    """Content, mode and owner of the file; None when it does not exist. Never follows a link."""
    with directory(target) as dfd:
        if dfd is None or _checked(dfd, target) is None:
            return None
        flags = os.O_RDONLY | NOFOLLOW | CLOEXEC | NONBLOCK
        try:
            fd = os.open(target.host, flags) if dfd == -1 else os.open(target.name, flags, dir_fd=dfd)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno in LINK_ERRNOS:
                raise unsafe(target) from None
            raise
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise unsafe(target, "is not a regular file")
            return FileState(handle.read(), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)


def read(target: WritePath) -> bytes | None:
    state = read_state(target)
    return state.data if state else None


def write(
    target: WritePath,
    data: bytes,
    mode: int,
    *,
    keep_mode: bool = True,
    owner: tuple[int, int] | None = None,
    dir_mode: int = 0o755,
) -> None:
    """Atomically replace the file. An existing file keeps its mode and owner unless ``keep_mode`` is False."""
    with directory(target, dir_mode) as dfd:
        if dfd is None:  # only without create_mode; kept for the type checker
            raise FileNotFoundError(str(target.host.parent))
        current = _checked(dfd, target)
        if current is not None and keep_mode:
            mode, owner = stat.S_IMODE(current.st_mode), (current.st_uid, current.st_gid)
        tmp = temp_name(target.name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | CLOEXEC
        fd = os.open(target.host.parent / tmp, flags, 0o600) if dfd == -1 else os.open(tmp, flags, 0o600, dir_fd=dfd)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if hasattr(os, "fchmod"):
                    os.fchmod(handle.fileno(), mode)
                if owner is not None and hasattr(os, "fchown") and owner != (os.getuid(), os.getgid()):
                    with contextlib.suppress(PermissionError):
                        os.fchown(handle.fileno(), *owner)
                os.fsync(handle.fileno())
            if dfd == -1:
                os.chmod(target.host.parent / tmp, mode)
                os.replace(target.host.parent / tmp, target.host)
            else:
                os.rename(tmp, target.name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            with contextlib.suppress(OSError):
                _unlink(dfd, target, tmp)
            raise
        _fsync(dfd)


def remove(target: WritePath) -> bool:
    """Delete the file (never what a link points at); False when there was nothing to delete."""
    with directory(target) as dfd:
        if dfd is None or _checked(dfd, target) is None:
            return False
        _unlink(dfd, target, target.name)
        _fsync(dfd)
        return True


def remove_temps(target: WritePath) -> list[str]:
    """Remove our leftover temp files of this file (a killed run's ``.NAME.*.pts-tmp``)."""
    removed: list[str] = []
    with directory(target) as dfd:
        if dfd is None:
            return removed
        names = os.listdir(target.host.parent) if dfd == -1 else os.listdir(dfd)
        for name in names:
            if is_temp_of(name, target.name):
                with contextlib.suppress(FileNotFoundError):
                    _unlink(dfd, target, name)
                removed.append(name)
        if removed:
            _fsync(dfd)
    return removed


def remove_dir(path: Path) -> bool:
    """Remove a directory we created, if it is empty and still a real directory."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    try:
        os.rmdir(path)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
            return False
        raise
    return True


def _unlink(dfd: int, target: WritePath, name: str) -> None:
    if dfd == -1:
        os.unlink(target.host.parent / name)
    else:
        os.unlink(name, dir_fd=dfd)


def _fsync(dfd: int) -> None:
    if dfd == -1:
        return
    with contextlib.suppress(OSError):
        os.fsync(dfd)
