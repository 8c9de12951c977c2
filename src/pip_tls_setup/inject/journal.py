"""The journal: what a run changed, with the original bytes, so ``undo`` can restore them.

The journal keeps the state *before the first* setup: a later run that touches
a file already recorded only moves its "after" hash. ``undo`` therefore always
returns to the pristine state, however many setups ran in between.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pip_tls_setup.errors import InputError

VERSION = 1
JOURNAL_NAME = "journal.json"
BACKUPS = "backups"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class FileRecord:
    path: str  # logical path inside the root, or a host path when on_host
    on_host: bool
    existed: bool
    backup: str | None  # backup file name (content hash), None when the file did not exist
    mode: int | None
    uid: int | None
    gid: int | None
    after: str | None  # hash of what we left there; None when we removed it
    kind: str = "file"  # "file": written by us; "output": rewritten by a command we ran


@dataclass
class CommandRecord:
    argv: list[str]
    undo: list[str] | None
    in_root: bool


@dataclass
class Journal:
    state_dir: Path
    root: str
    files: list[FileRecord] = field(default_factory=list)
    commands: list[CommandRecord] = field(default_factory=list)
    created_dirs: list[str] = field(default_factory=list)  # host paths, in creation order

    @property
    def path(self) -> Path:
        return self.state_dir / JOURNAL_NAME

    @property
    def backups(self) -> Path:
        return self.state_dir / BACKUPS

    @property
    def is_empty(self) -> bool:
        return not self.files and not self.commands and not self.created_dirs

    @classmethod
    def load(cls, state_dir: Path, root: str) -> Journal:
        path = state_dir / JOURNAL_NAME
        if not path.exists():
            return cls(state_dir, root)
        try:
            data: dict[str, Any] = json.loads(path.read_text("utf-8"))
            if data.get("version") != VERSION:
                raise ValueError(f"version {data.get('version')}")
            return cls(
                state_dir,
                str(data["root"]),
                [FileRecord(**f) for f in data["files"]],
                [CommandRecord(**c) for c in data["commands"]],
                list(data.get("created_dirs", [])),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                str(path), f"is not a journal this version understands ({exc})", "restore it or remove it by hand"
            ) from None

    def find(self, path: str, on_host: bool = False) -> FileRecord | None:
        for record in self.files:
            if record.path == path and record.on_host == on_host:
                return record
        return None

    def remember(self, path: str, host: Path, on_host: bool = False, kind: str = "file") -> FileRecord:
        """Record the current state of ``host`` before the first change to it."""
        existing = self.find(path, on_host)
        if existing is not None:
            return existing
        try:
            data: bytes | None = host.read_bytes()
            st = host.stat()
            mode, uid, gid = st.st_mode & 0o7777, st.st_uid, st.st_gid
        except FileNotFoundError:
            data, mode, uid, gid = None, None, None, None
        backup = None
        if data is not None:
            backup = sha256(data)
            self.backups.mkdir(parents=True, exist_ok=True, mode=0o700)
            target = self.backups / backup
            if not target.exists():
                _atomic_private_write(target, data)
        record = FileRecord(path, on_host, data is not None, backup, mode, uid, gid, backup, kind)
        self.files.append(record)
        self.save()
        return record

    def written(self, record: FileRecord, data: bytes | None) -> None:
        record.after = sha256(data) if data is not None else None
        self.save()

    def backup_bytes(self, record: FileRecord) -> bytes | None:
        if record.backup is None:
            return None
        return (self.backups / record.backup).read_bytes()

    def add_command(self, argv: list[str], undo: list[str] | None, in_root: bool) -> None:
        record = CommandRecord(argv, undo, in_root)
        if record not in self.commands:
            self.commands.append(record)
        self.save()

    def add_created_dirs(self, dirs: list[Path]) -> None:
        for directory in dirs:
            if str(directory) not in self.created_dirs:
                self.created_dirs.append(str(directory))
        if dirs:
            self.save()

    def save(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = {
            "version": VERSION,
            "root": self.root,
            "files": [asdict(f) for f in self.files],
            "commands": [asdict(c) for c in self.commands],
            "created_dirs": self.created_dirs,
        }
        _atomic_private_write(self.path, (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode())

    def discard(self) -> None:
        """Forget everything (after a complete undo)."""
        if self.backups.is_dir():
            for item in self.backups.iterdir():
                item.unlink()
            self.backups.rmdir()
        if self.path.exists():
            self.path.unlink()


def _atomic_private_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
