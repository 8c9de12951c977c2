"""Reading the files a scan picked by name: regular files only, never blocking, bounded by what is read.

A repository (or an image root) is hostile input. A FIFO named ``Dockerfile`` would block a plain
``open()`` forever; a link named ``requirements.txt`` to ``/dev/zero`` would be read until the memory
runs out; ``stat()`` sizes lie for files that grow and for ``/proc``. So: ``stat`` (following links, as
the tool reading the file would), refuse anything but a regular file, open with ``O_NONBLOCK`` (a FIFO
swapped in after the ``stat`` cannot block), check again with ``fstat``, and read at most ``limit + 1``
bytes.

Decoding follows the reader of each kind: pip decodes requirements files with
``pip._internal.utils.encoding.auto_decode`` (a BOM, else a PEP 263 ``coding:`` line in the first two
lines, else the locale's encoding, UTF-8 here). NUL bytes are text to pip, so they are text here too:
a file is never skipped for holding them. Every other kind is UTF-8 unless it starts with a BOM.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass

# pip's BOMS table, in pip's order (the native UTF-16 BOM first: a UTF-32-LE BOM reads as UTF-16 there).
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF32, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
)
_CODING = re.compile(rb"coding[:=]\s*([-\w.]+)")  # pip's ENCODING_RE
_CHUNK = 1 << 16
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_TYPES = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class Skipped:
    """Why a file was not read: a sentence that follows its name ("is a FIFO (named pipe): not read")."""

    problem: str
    over_limit: bool = False


def _is_devnull(status: os.stat_result) -> bool:
    if not stat.S_ISCHR(status.st_mode):
        return False
    try:
        return status.st_rdev == os.stat(os.devnull).st_rdev
    except OSError:
        return False


def _what(mode: int) -> str:
    for test, name in _TYPES:
        if test(mode):
            return name
    return "not a regular file"


def _not_regular(path: str, mode: int) -> Skipped:
    try:
        linked = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        linked = False
    what = _what(mode)
    return Skipped(f"is a link to {what}: not read" if linked else f"is {what}: not read")


def read(path: str | os.PathLike[str], limit: int) -> bytes | Skipped:
    """The bytes of a regular file, at most ``limit`` of them; else why it was not read."""
    name = os.fspath(path)
    try:
        status = os.stat(name)
    except OSError as exc:
        return Skipped(f"cannot be read ({exc.strerror})")
    if _is_devnull(status):
        return b""  # /dev/null (how images mask a config file) reads as the empty file it stands for
    if not stat.S_ISREG(status.st_mode):
        return _not_regular(name, status.st_mode)
    try:
        fd = os.open(name, _OPEN_FLAGS)
    except OSError as exc:
        return Skipped(f"cannot be read ({exc.strerror})")
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):  # swapped for something else since the stat above
            return _not_regular(name, status.st_mode)
        return _read_at_most(fd, limit, status.st_size)
    except OSError as exc:
        return Skipped(f"cannot be read ({exc.strerror})")
    finally:
        os.close(fd)


def _read_at_most(fd: int, limit: int, size: int) -> bytes | Skipped:
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    shown = f"{size} bytes" if size > limit else "larger than that"
    return Skipped(f"is {shown}, over the {limit}-byte limit: not checked (--max-file-size)", over_limit=True)


def peek(path: str | os.PathLike[str], size: int) -> bytes:
    """The first ``size`` bytes of a regular file (a shebang), or nothing; never blocks."""
    data = read_head(path, size)
    return data if isinstance(data, bytes) else b""


def read_head(path: str | os.PathLike[str], size: int) -> bytes | Skipped:
    """Like :func:`read`, but a longer file is cut to its first ``size`` bytes instead of refused."""
    name = os.fspath(path)
    try:
        if not stat.S_ISREG(os.stat(name).st_mode):
            return Skipped("is not a regular file")
        fd = os.open(name, _OPEN_FLAGS)
    except OSError as exc:
        return Skipped(f"cannot be read ({exc.strerror})")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return Skipped("is not a regular file")
        return os.read(fd, size)
    except OSError as exc:
        return Skipped(f"cannot be read ({exc.strerror})")
    finally:
        os.close(fd)


def decode(data: bytes, kind: str) -> str:
    """Text as the file's reader sees it (pip's auto_decode for requirements files); never fails."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if kind == "requirements":
        for line in data.split(b"\n", 2)[:2]:
            match = _CODING.search(line) if line[:1] == b"#" else None
            if match:
                try:
                    return data.decode(match.group(1).decode("ascii"), errors="replace")
                except (LookupError, ValueError):  # pip fails on an unknown codec; read it as UTF-8, not at all
                    break
    return data.decode("utf-8", errors="replace")
