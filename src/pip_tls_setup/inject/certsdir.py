"""Exact undo for a directory a store tool rewrites wholesale (Debian's ``/etc/ssl/certs``).

``update-ca-certificates`` replaces a *regular file* ``/etc/ssl/certs/NAME.pem`` with a link to the certificate
it manages under that name (measured: its ``add`` runs ``ln -sf`` whenever the entry is not already that link),
and ``openssl rehash`` adds ``<hash>.N`` links for every regular PEM placed there; ``--fresh`` on undo only
removes links into its own directories and rebuilds. So the refresh alone does not give back what was there.

Before the store command first runs, every entry of the directory is snapshotted in the journal: its name, type,
link target, or mode and bytes (the bytes go to the journal's backups). After undo has run the store's refresh,
each entry that differs is put back, and links the refresh added are removed: names, types, targets and bytes as
before setup. Every operation goes through a descriptor of the directory opened without following links, and a
regular file is written with ``safefs.write``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Mapping
from typing import Any

from pip_tls_setup.inject import safefs
from pip_tls_setup.target.root import Root, WritePath

Entry = list[Any]  # ["link", target] | ["file", mode, backup name] | ["other"]
PROBE = ".pts-probe"


def _probe(root: Root, directory: str) -> WritePath:
    return root.writable(f"{directory.rstrip('/')}/{PROBE}", 2)


def snapshot(root: Root, directory: str, backup: Callable[[bytes], str]) -> dict[str, Entry]:
    """Every entry of ``directory`` (logical): links by target, regular files by mode and backed-up bytes."""
    probe = _probe(root, directory)
    found: dict[str, Entry] = {}
    with safefs.directory(probe) as dfd:
        if dfd is None or dfd == -1:
            return found
        for name in sorted(os.listdir(dfd)):
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                found[name] = ["link", os.readlink(name, dir_fd=dfd)]
            elif stat.S_ISREG(st.st_mode):
                data = safefs.read(root.writable(f"{directory.rstrip('/')}/{name}", 2)) or b""
                found[name] = ["file", stat.S_IMODE(st.st_mode), backup(data)]
            else:
                found[name] = ["other"]
    return found


def _current(dfd: int, name: str) -> Entry | None:
    try:
        st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return ["link", os.readlink(name, dir_fd=dfd)]
    if stat.S_ISREG(st.st_mode):
        return ["file", stat.S_IMODE(st.st_mode)]
    return ["other"]


def restore(
    root: Root, directory: str, entries: Mapping[str, Entry], backup_bytes: Callable[[str], bytes | None]
) -> list[str]:
    """Put back every entry that differs from ``entries``; remove links that were not there. Returns what changed."""
    changed: list[str] = []
    base = directory.rstrip("/")
    with safefs.directory(_probe(root, directory)) as dfd:
        if dfd is None or dfd == -1:
            return changed
        for name in sorted(set(os.listdir(dfd)) - set(entries)):
            now = _current(dfd, name)
            if now is not None and now[0] == "link":
                os.unlink(name, dir_fd=dfd)
                changed.append(f"{base}/{name}")
        for name, wanted in sorted(entries.items()):
            if _restore_one(root, dfd, base, name, wanted, backup_bytes):
                changed.append(f"{base}/{name}")
        with contextlib.suppress(OSError):
            os.fsync(dfd)
    return changed


def _restore_one(
    root: Root, dfd: int, base: str, name: str, wanted: Entry, backup_bytes: Callable[[str], bytes | None]
) -> bool:
    now = _current(dfd, name)
    if wanted[0] == "link":
        if now == wanted:
            return False
        if now is not None and now[0] != "other":
            os.unlink(name, dir_fd=dfd)
        os.symlink(wanted[1], name, dir_fd=dfd)
        return True
    if wanted[0] != "file":
        return False
    try:
        data = backup_bytes(str(wanted[2]))
    except FileNotFoundError:
        data = None  # a lost backup: leave the entry as it is now
    if data is None:
        return False
    target = root.writable(f"{base}/{name}", 2)
    if now is not None and now[0] == "file" and now[1] == wanted[1] and safefs.read(target) == data:
        return False
    if now is not None and now[0] == "link":
        os.unlink(name, dir_fd=dfd)
    safefs.write(target, data, int(wanted[1]), keep_mode=False)
    return True
