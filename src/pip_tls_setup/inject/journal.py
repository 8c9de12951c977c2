"""The journal: what a run changes, with the original bytes, so ``undo`` can restore them.

It is a write-ahead log. Before a file is written, its original is copied to the
backups directory and fsynced, and the journal records the hash of the content
about to be written (``ours``) and is fsynced too; only then is the file
replaced. Whatever moment a run is killed at, each file holds either its
original or content the journal lists as ours, so ``undo`` can finish.

The journal keeps the state *before the first* setup: a later run that touches
a file already recorded only adds to ``ours`` (and remembers the content before
*this* run in ``prior``, so a failed run can be rolled back to it). ``undo``
therefore always returns to the pristine state, however many setups ran in
between.

``state`` says how the last run ended: ``applying`` (a setup is running or was
killed), ``applied``, ``undoing`` (an undo is running or was killed). The next
run finishes what an interrupted one started (see ``flow`` and ``apply.recover``).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pip_tls_setup.errors import InputError
from pip_tls_setup.inject import safefs
from pip_tls_setup.target.root import WritePath, check_writable, host_writable

VERSION = 2
READABLE = (1, 2)
JOURNAL_NAME = "journal.json"
BACKUPS = "backups"
LOCK_NAME = "lock"
APPLYING, APPLIED, UNDOING = "applying", "applied", "undoing"
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(data: bytes | None) -> str | None:
    return sha256(data) if data is not None else None


@dataclass
class FileRecord:
    path: str  # logical path inside the root, or a host path when on_host
    on_host: bool
    existed: bool
    backup: str | None  # backup file name (content hash), None when the file did not exist
    mode: int | None
    uid: int | None
    gid: int | None
    after: str | None  # hash of what the last run planned to leave there; None: it removes the file
    kind: str = "file"  # "file": written by us; "output": rewritten by a command we ran
    depth: int = 1  # trailing path components that must not be links (see Root.writable)
    ours: list[str | None] = field(default_factory=list)  # every content any run planned here (None: removed)
    in_run: bool = False  # touched by the current (or interrupted) run
    prior: str | None = None  # backup of the content before the current run; None: it did not exist

    def is_ours(self, current: str | None) -> bool:
        return current == self.after or current in self.ours


@dataclass
class CommandRecord:
    argv: list[str]
    undo: list[str] | None
    in_root: bool
    pending: bool = False  # started by the current run and not known to have finished
    in_run: bool = False  # started by the current run
    # Directory -> its entries before the command first ran (``certsdir.snapshot``); restored after its undo.
    snapshots: dict[str, dict[str, list[Any]]] = field(default_factory=dict)


@dataclass
class Journal:
    state_dir: Path
    root: str
    files: list[FileRecord] = field(default_factory=list)
    commands: list[CommandRecord] = field(default_factory=list)
    created_dirs: list[str] = field(default_factory=list)  # host paths, in creation order
    run_dirs: list[str] = field(default_factory=list)  # those the current run created
    managed: list[str] = field(default_factory=list)  # fingerprints of the CAs any run supplied
    state: str = APPLIED
    exists: bool = False

    @property
    def path(self) -> Path:
        return self.state_dir / JOURNAL_NAME

    @property
    def backups(self) -> Path:
        return self.state_dir / BACKUPS

    @property
    def is_empty(self) -> bool:
        return not self.files and not self.commands and not self.created_dirs

    @property
    def interrupted(self) -> bool:
        return self.exists and self.state in (APPLYING, UNDOING)

    def target(self, *names: str) -> WritePath:
        """A file in the state directory: neither it nor the directories below the state dir's parent are links."""
        return host_writable(self.state_dir.joinpath(*names), len(names) + 1)

    @classmethod
    def load(cls, state_dir: Path, root: str) -> Journal:
        journal = cls(state_dir, root)
        journal.check_state_dir()
        try:
            raw = safefs.read(journal.target(JOURNAL_NAME))
        except safefs.UnsafePath as exc:
            raise InputError(str(journal.path), exc.problem, exc.fix) from None
        if raw is None:
            return journal
        try:
            data: dict[str, Any] = json.loads(raw.decode("utf-8"))
            if data.get("version") not in READABLE:
                raise ValueError(f"version {data.get('version')}")
            journal.root = str(data["root"])
            journal.files = [FileRecord(**f) for f in data["files"]]
            journal.commands = [CommandRecord(**c) for c in data["commands"]]
            journal.created_dirs = list(data.get("created_dirs", []))
            journal.run_dirs = list(data.get("run_dirs", []))
            journal.managed = list(data.get("managed", []))
            journal.state = str(data.get("state", APPLIED))
            journal.exists = True
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                str(journal.path),
                f"is not a journal this version understands ({exc})",
                "restore it or remove it by hand",
            ) from None
        return journal

    def check_state_dir(self) -> None:
        """The state directory, its journal, lock and backups must be real files and directories (exit 2)."""
        for names in ((JOURNAL_NAME,), (LOCK_NAME,), (BACKUPS, "x")):
            check_writable(self.target(*names), f"state directory {self.state_dir}")

    def find(self, path: str, on_host: bool = False) -> FileRecord | None:
        for record in self.files:
            if record.path == path and record.on_host == on_host:
                return record
        return None

    def unfinished(self) -> list[CommandRecord]:
        """Commands an interrupted run started but is not known to have finished (read-only)."""
        return [c for c in self.commands if c.pending] if self.interrupted else []

    def begin(self, managed: Sequence[str] = ()) -> None:
        """Start a run: journal state ``applying``, nothing of it touched yet; ``managed``: the CAs it supplies."""
        self.managed.extend(m for m in managed if m not in self.managed)
        for record in self.files:
            record.in_run, record.prior = False, None
        for command in self.commands:
            command.pending = command.in_run = False
        self.run_dirs = []
        self.state = APPLYING
        self.save()

    def remember(
        self,
        path: str,
        target: WritePath,
        planned: str | None,
        on_host: bool = False,
        kind: str = "file",
        creates: list[Path] | None = None,
    ) -> FileRecord:
        """Before a change: back up the current content and journal what will be written (write-ahead).

        ``creates``: the directories the write will create, journaled with it.
        """
        record = self.find(path, on_host)
        if record is None or not record.in_run:
            current = safefs.read_state(target)
            backup = self._backup(current.data) if current is not None else None
            if record is None:
                record = FileRecord(path, on_host, current is not None, backup, None, None, None, backup, kind)
                if current is not None:
                    record.mode, record.uid, record.gid = current.mode, current.uid, current.gid
                record.depth = len(target.parts)
                self.files.append(record)
            elif kind == "file" and record.after not in record.ours:
                record.ours.append(record.after)  # a journal written before ``ours`` existed
            record.in_run, record.prior = True, backup
        if kind == "file":
            record.after = planned
            if planned not in record.ours:
                record.ours.append(planned)
        for directory in creates or []:
            if str(directory) not in self.created_dirs:
                self.created_dirs.append(str(directory))
                self.run_dirs.append(str(directory))
        self.save()
        return record

    def backup_bytes(self, name: str | None) -> bytes | None:
        """The backed-up content ``name`` (a hash); None when ``name`` is None. FileNotFoundError when lost."""
        if name is None:
            return None
        data = safefs.read(self.target(BACKUPS, name))
        if data is None:
            raise FileNotFoundError(str(self.backups / name))
        return data

    def add_command(self, argv: list[str], undo: list[str] | None, in_root: bool) -> CommandRecord:
        """Before a command runs (write-ahead): an interrupted run's next run knows to finish it."""
        for record in self.commands:
            if (record.argv, record.undo, record.in_root) == (argv, undo, in_root):
                break
        else:
            record = CommandRecord(argv, undo, in_root)
            self.commands.append(record)
        record.pending = record.in_run = True
        self.save()
        return record

    def command_done(self, record: CommandRecord, outputs: list[tuple[FileRecord, bytes | None]]) -> None:
        """After a command: it finished, and what it left in each output."""
        for output, data in outputs:
            output.after = content_hash(data)
        record.pending = False
        self.save()

    def finish(self) -> None:
        """The run completed: state ``applied``; backups only a rollback of it needed are dropped.

        Until the journal says so on disk, the run stays what a rollback undoes (nothing is forgotten early).
        """
        kept = ([(r.in_run, r.prior) for r in self.files], [(c.pending, c.in_run) for c in self.commands])
        dirs, state = self.run_dirs, self.state
        for record in self.files:
            record.in_run, record.prior = False, None
        for command in self.commands:
            command.pending = command.in_run = False
        self.run_dirs, self.state = [], APPLIED
        try:
            self.save()
        except BaseException:
            for record, (in_run, prior) in zip(self.files, kept[0]):
                record.in_run, record.prior = in_run, prior
            for command, (pending, in_run) in zip(self.commands, kept[1]):
                command.pending, command.in_run = pending, in_run
            self.run_dirs, self.state = dirs, state
            raise
        self.collect_garbage()

    def mark_undoing(self) -> None:
        self.state = UNDOING
        self.save()

    def save(self) -> None:
        payload = {
            "version": VERSION,
            "root": self.root,
            "state": self.state,
            "files": [asdict(f) for f in self.files],
            "commands": [asdict(c) for c in self.commands],
            "created_dirs": self.created_dirs,
            "run_dirs": self.run_dirs,
            "managed": self.managed,
        }
        data = (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode()
        safefs.write(self.target(JOURNAL_NAME), data, PRIVATE_FILE, keep_mode=False, dir_mode=PRIVATE_DIR)
        self.exists = True

    def discard(self) -> None:
        """Forget everything (after a complete undo): the journal first, then the backups it named.

        In this order a kill leaves either the whole journal with its backups, or no journal and
        unreferenced backups (removed as leftovers by the next run), never a journal without backups.
        """
        safefs.remove(self.target(JOURNAL_NAME))
        self.files, self.commands, self.created_dirs, self.run_dirs, self.exists = [], [], [], [], False
        self.managed = []
        self.collect_garbage()

    def referenced(self) -> set[str]:
        names = {r.backup for r in self.files} | {r.prior for r in self.files}
        for command in self.commands:
            for entries in command.snapshots.values():
                names |= {str(e[2]) for e in entries.values() if e[0] == "file"}
        return {n for n in names if n}

    def backup(self, data: bytes) -> str:
        """Keep ``data`` in the backups (content-addressed, fsynced); its name."""
        return self._backup(data)

    def collect_garbage(self) -> list[str]:
        """Remove backups no record refers to, and our temp files, in the state directory."""
        removed = [n for n in self._listing(JOURNAL_NAME) if safefs.is_temp_of(n, JOURNAL_NAME) or _old_temp(n)]
        for name in removed:
            safefs.remove(self.target(name))
        keep = self.referenced()
        for name in self._listing(BACKUPS, "x"):
            if name not in keep:
                safefs.remove(self.target(BACKUPS, name))
                removed.append(f"{BACKUPS}/{name}")
        if not keep:
            safefs.remove_dir(self.backups)
        return removed

    def _listing(self, *names: str) -> list[str]:
        """Names of the regular files in the directory of state file ``names``."""
        target = self.target(*names)
        with safefs.directory(target) as dfd:
            if dfd is None:
                return []
            listing = os.listdir(target.host.parent) if dfd == -1 else os.listdir(dfd)
            found = []
            for name in listing:
                st = (
                    os.lstat(target.host.parent / name)
                    if dfd == -1
                    else os.stat(name, dir_fd=dfd, follow_symlinks=False)
                )
                if stat.S_ISREG(st.st_mode):
                    found.append(name)
            return sorted(found)

    def _backup(self, data: bytes) -> str:
        name = sha256(data)
        target = self.target(BACKUPS, name)
        existing = safefs.read(target)
        if existing is None or sha256(existing) != name:
            safefs.write(target, data, PRIVATE_FILE, keep_mode=False, dir_mode=PRIVATE_DIR)
        return name


def _old_temp(name: str) -> bool:
    # Before the write-ahead journal, temps were mkstemp's ".journal.json.XXXXXXXX".
    return name.startswith(f".{JOURNAL_NAME}.") and len(name) == len(JOURNAL_NAME) + 10
