"""The plan: every change a run would make, computed without touching anything.

A plan is data. ``apply`` carries it out; ``--dry-run`` and ``doctor`` print it;
tests assert on it. File changes hold the full new content so that applying is
a plain atomic write and a second run with the same inputs plans nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Literal

NoteLevel = Literal["info", "warning", "skip"]


@dataclass(frozen=True)
class FileChange:
    path: str  # logical path (inside the root)
    before: bytes | None  # None: the file does not exist yet
    after: bytes | None  # None: delete the file
    reason: str
    mode: int = 0o644  # for new files; existing files keep theirs unless ``shared``
    # Trailing path components that must be real (never links): the file, and the directories of it
    # we own or expect (``pip/_vendor/certifi``, ``/etc/pip-tls-setup``). See ``Root.writable``.
    depth: int = 1
    # A file other users must read (bundles, anchors): always ``mode``, whatever the umask or an old mode.
    shared: bool = False

    @property
    def verb(self) -> str:
        if self.before is None:
            return "create"
        if self.after is None:
            return "remove"
        return "update"


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    reason: str
    privileged: bool = True
    # Files the command rewrites (snapshotted so undo restores them byte for byte).
    outputs: tuple[str, ...] = ()
    # What to run on undo, after the files have been restored.
    undo: tuple[str, ...] | None = None
    # Run through chroot when the root is not "/".
    in_root: bool = True
    # Files a killed earlier run of the command leaves behind and a new run would build on
    # (update-ca-certificates appends to ca-certificates.crt.new): removed before it runs.
    stale: tuple[str, ...] = ()
    # Directories the command rewrites wholesale: every entry snapshotted before its first run, put back after
    # its undo (see ``certsdir``).
    snapshot: tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    level: NoteLevel
    topic: str
    message: str


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str
    reason: str


@dataclass
class Plan:
    files: list[FileChange] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    env: list[EnvVar] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def add_file(self, change: FileChange) -> None:
        """Add a change; a later change to the same path builds on the earlier one."""
        for index, existing in enumerate(self.files):
            if existing.path == change.path:
                self.files[index] = replace(existing, after=change.after, reason=f"{existing.reason}; {change.reason}")
                return
        self.files.append(change)

    def pending_content(self, path: str) -> bytes | None:
        """The content a path will have once earlier changes in this plan are applied."""
        for existing in self.files:
            if existing.path == path:
                return existing.after
        raise KeyError(path)

    def note(self, level: NoteLevel, topic: str, message: str) -> None:
        self.notes.append(Note(level, topic, message))

    @property
    def effective_files(self) -> list[FileChange]:
        return [f for f in self.files if f.before != f.after]

    @property
    def is_empty(self) -> bool:
        return not self.effective_files and not self.commands


def describe(change: FileChange, diff: bool = False) -> str:
    line = f"{change.verb:6} {change.path}  ({change.reason})"
    if not diff or change.before is None or change.after is None:
        return line
    before = change.before.decode("utf-8", "replace").splitlines()
    after = change.after.decode("utf-8", "replace").splitlines()
    lines = list(difflib.unified_diff(before, after, change.path, change.path, n=1, lineterm=""))
    if len(lines) > 40:
        lines = [*lines[:40], f"... ({len(lines) - 40} more diff lines)"]
    return "\n".join([line, *("    " + d for d in lines)])
