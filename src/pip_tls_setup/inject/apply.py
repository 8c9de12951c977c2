"""Carry out a plan safely, roll it back when it cannot finish, and undo it.

Every write goes through ``safefs`` (no link followed, temp file + fsync + rename,
mode and owner set before the rename). Files the process may not write go through
``sudo -n`` when passwordless sudo exists (GitHub-hosted runners), each path
component checked right before. The journal is written ahead of every change
(see ``journal``): a run killed at any point leaves what ``undo`` can finish,
and a run that fails (disk full, a link planted meanwhile) rolls back what it
changed before it reports the one-line error.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import posixpath
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pip_tls_setup.errors import CheckFailed, InputError
from pip_tls_setup.inject import certsdir, safefs
from pip_tls_setup.inject.edits import blocks
from pip_tls_setup.inject.journal import UNDOING, CommandRecord, FileRecord, Journal, content_hash
from pip_tls_setup.inject.plan import Command, FileChange, Plan
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.root import Root, WritePath, check_writable, host_writable

COMMAND_TIMEOUT = 300
DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
ROLLED_BACK = "this run's changes were rolled back"
# The plain undo command; the setup flow swaps in the exact one (with --root/--state-dir) for the user.
UNDO = "'pip-tls-setup undo'"
ROLLBACK_FAILED = "rolling back failed too ({error}): free some space and run " + UNDO


class FileSystem:
    """Writes under a root, directly where allowed, else through ``sudo -n``."""

    def __init__(self, privilege: Privilege) -> None:
        self.privilege = privilege

    def _needs_sudo(self, host: Path) -> bool:
        if safefs.can_write_directly(host):
            return False
        if self.privilege is Privilege.SUDO:
            return True
        raise CheckFailed(
            f"{host}: permission denied; run pip-tls-setup as root or with passwordless sudo, "
            "or choose paths you can write (--bundle, --python of a venv you own)"
        )

    def write(
        self, target: WritePath, data: bytes, mode: int, keep_mode: bool = True, owner: tuple[int, int] | None = None
    ) -> None:
        """Atomically replace ``target`` (never through a link)."""
        if self._needs_sudo(target.host):
            self._sudo_write(target, data, mode, keep_mode, owner)
        else:
            safefs.write(target, data, mode, keep_mode=keep_mode, owner=owner)

    def remove(self, target: WritePath) -> bool:
        if self._needs_sudo(target.host):
            if not check_writable(target):
                return False
            _sudo(["rm", "-f", "--", str(target.host)])
            return True
        return safefs.remove(target)

    def rmdir(self, host: Path) -> bool:
        if safefs.can_write_directly(host) or self.privilege is not Privilege.SUDO:
            return safefs.remove_dir(host)
        if not host.is_dir() or host.is_symlink() or any(host.iterdir()):
            return False
        _sudo(["rmdir", "--", str(host)])
        return True

    def _sudo_write(
        self, target: WritePath, data: bytes, mode: int, keep_mode: bool, owner: tuple[int, int] | None
    ) -> None:
        # No descriptors across sudo: every component is checked right before the commands use it.
        exists = check_writable(target)
        for directory in safefs.missing_dirs(target):
            _sudo(["mkdir", "-m", "755", "--", str(directory)])
        if exists and keep_mode:
            st = os.lstat(target.host)
            mode, owner = st.st_mode & 0o7777, (st.st_uid, st.st_gid)
        uid, gid = owner or (0, 0)
        staged = target.host.parent / safefs.temp_name(target.name)
        with tempfile.NamedTemporaryFile(delete=False) as handle:
            handle.write(data)
            local = handle.name
        try:
            _sudo(["install", "-m", f"{mode:o}", "-o", str(uid), "-g", str(gid), local, str(staged)])
            check_writable(target)
            _sudo(["mv", "-f", "--", str(staged), str(target.host)])
            _sudo(["sync", str(target.host)], check=False)
        finally:
            os.unlink(local)


def _sudo(argv: list[str], check: bool = True) -> None:
    done = subprocess.run(["sudo", "-n", *argv], capture_output=True, text=True, timeout=60, check=False)
    if check and done.returncode != 0:
        raise CheckFailed(f"sudo {' '.join(argv)} failed: {done.stderr.strip()[:300]}")


def write_path(root: Root, path: str, depth: int = 1, on_host: bool = False) -> WritePath:
    return host_writable(Path(path), depth) if on_host else root.writable(path, depth)


def record_path(root: Root, record: FileRecord) -> WritePath:
    return write_path(root, record.path, record.depth, record.on_host)


@dataclass
class CommandRun:
    argv: list[str]
    returncode: int
    output: str


@dataclass
class ApplyReport:
    files: list[FileChange] = field(default_factory=list)
    commands: list[CommandRun] = field(default_factory=list)


def command_argv(root: Root, command: Sequence[str], in_root: bool, privilege: Privilege) -> list[str]:
    argv = root.command(command) if in_root else list(command)
    if privilege is Privilege.SUDO:
        argv = ["sudo", "-n", *argv]
    return argv


def run_command(root: Root, command: Sequence[str], in_root: bool, privilege: Privilege) -> CommandRun:
    argv = command_argv(root, command, in_root, privilege)
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    if os.name == "nt":
        env = dict(os.environ)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, env=env, check=False)
    except FileNotFoundError:
        return CommandRun(argv, 127, f"{argv[0]}: not found")
    except subprocess.TimeoutExpired:
        return CommandRun(argv, 124, f"timed out after {COMMAND_TIMEOUT}s")
    return CommandRun(argv, done.returncode, (done.stdout + done.stderr).strip())


def apply(
    plan: Plan,
    root: Root,
    journal: Journal,
    fs: FileSystem,
    on_host: frozenset[str] = frozenset(),
    managed: Sequence[str] = (),
) -> ApplyReport:
    """Write the plan's files, then run its commands, journaling each step before it happens.

    A failure to write (disk full, a link that appeared since the plan) rolls this run back.
    """
    report = ApplyReport()
    if plan.is_empty:
        if journal.interrupted:
            journal.finish()  # a killed run had done everything but say so
        return report
    known_files, known_commands = len(journal.files), len(journal.commands)
    step = "journaling the run"
    try:
        journal.begin(managed)
        for change in plan.effective_files:
            step = f"writing {change.path}"
            _apply_file(change, root, journal, fs, change.path in on_host)
            report.files.append(change)
        for command in plan.commands:
            step = f"running {' '.join(command.argv)}"
            report.commands.append(_apply_command(command, root, journal, fs))
        step = "journaling the finished run"
        journal.finish()
    except (OSError, InputError) as exc:
        _roll_back(root, journal, fs, known_files, known_commands, step, exc)
    return report


def _apply_file(change: FileChange, root: Root, journal: Journal, fs: FileSystem, on_host: bool) -> None:
    target = write_path(root, change.path, change.depth, on_host)
    planned = content_hash(change.after)
    creates = safefs.missing_dirs(target) if change.after is not None else []
    journal.remember(change.path, target, planned, on_host=on_host, creates=creates)
    if change.after is None:
        fs.remove(target)
    else:
        fs.write(target, change.after, change.mode, keep_mode=not change.shared)


def _apply_command(command: Command, root: Root, journal: Journal, fs: FileSystem) -> CommandRun:
    outputs = [journal.remember(output, root.writable(output), None, kind="output") for output in command.outputs]
    record = journal.add_command(list(command.argv), list(command.undo) if command.undo else None, command.in_root)
    for directory in command.snapshot:
        if directory not in record.snapshots:  # the state before the first setup, kept across runs
            record.snapshots[directory] = certsdir.snapshot(root, directory, journal.backup)
            journal.save()
    remove_matching(root, command.stale)
    run = run_command(root, command.argv, command.in_root, fs.privilege)
    if run.returncode != 0:
        last = (run.output.splitlines() or [""])[-1][:300]
        raise CheckFailed(
            f"{' '.join(command.argv)} failed (exit {run.returncode}): {last}; "
            f"the changes made so far are journaled: run {UNDO} to restore them"
        )
    journal.command_done(record, [(o, safefs.read(record_path(root, o))) for o in outputs])
    return run


def _roll_back(
    root: Root, journal: Journal, fs: FileSystem, files: int, commands: int, step: str, exc: Exception
) -> None:
    """Put back what this run changed, then raise the one-line error for ``exc``."""
    try:
        revert(root, journal, fs, run_only=True)
        del journal.files[files:], journal.commands[commands:]
        journal.created_dirs = [d for d in journal.created_dirs if d not in journal.run_dirs]
        if journal.is_empty:
            journal.discard()
        else:
            journal.finish()
    except (OSError, InputError) as again:
        raise failure(step, exc, ROLLBACK_FAILED.format(error=_reason(again))) from None
    raise failure(step, exc, ROLLED_BACK) from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno in DISK_FULL:
        return "no space left on device"
    if isinstance(exc, OSError):
        return (exc.strerror or type(exc).__name__).lower()
    return str(exc)


def failure(step: str, exc: Exception, outcome: str) -> Exception:
    if isinstance(exc, InputError):
        return InputError(exc.what, exc.problem, f"{exc.fix}; {outcome}" if exc.fix else outcome)
    fix = "free some space and run again; " if isinstance(exc, OSError) and exc.errno in DISK_FULL else ""
    return CheckFailed(f"{step}: {_reason(exc)}; {fix}{outcome}")


@dataclass
class UndoReport:
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    commands: list[CommandRun] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def undo(root: Root, journal: Journal, fs: FileSystem) -> UndoReport:
    """Restore everything the journal recorded; the caller then discards the journal.

    The journal is marked ``undoing`` first, so a killed undo is finished by the next run.
    """
    journal.mark_undoing()
    return revert(root, journal, fs, run_only=False)


def revert(root: Root, journal: Journal, fs: FileSystem, run_only: bool) -> UndoReport:
    """Undo the whole journal, or (``run_only``) only what the current run did (a rollback)."""
    report = UndoReport()
    chosen = [r for r in journal.files if r.in_run or not run_only]
    for record in reversed([r for r in chosen if r.kind == "file"]):
        _revert_file(root, journal, fs, record, run_only, report)
    for command in reversed([c for c in journal.commands if c.in_run or not run_only]):
        if command.undo:
            run = run_command(root, command.undo, command.in_root, fs.privilege)
            report.commands.append(run)
            if run.returncode != 0:
                report.warnings.append(f"{' '.join(command.undo)} failed (exit {run.returncode}): {run.output[-300:]}")
        if not run_only:
            for directory, entries in command.snapshots.items():
                report.restored += certsdir.restore(root, directory, entries, journal.backup_bytes)
    for record in [r for r in chosen if r.kind == "output"]:
        _revert_output(root, journal, fs, record, run_only, report)
    for directory in reversed(journal.run_dirs if run_only else journal.created_dirs):
        fs.rmdir(Path(directory))
    return report


def _current(root: Root, record: FileRecord, report: UndoReport) -> tuple[WritePath, bytes | None] | None:
    target = record_path(root, record)
    try:
        return target, safefs.read(target)
    except safefs.UnsafePath:
        report.warnings.append(f"{record.path} is now a link or not a regular file; left as it is")
        return None


def _original(journal: Journal, record: FileRecord, name: str | None, report: UndoReport) -> bytes | None:
    """The backed-up content (None: the file did not exist); FileNotFoundError, with a warning, when lost."""
    try:
        return journal.backup_bytes(name)
    except FileNotFoundError:
        report.warnings.append(f"{record.path}: its backup is missing from {journal.backups}; left as it is now")
        raise


def _revert_file(
    root: Root, journal: Journal, fs: FileSystem, record: FileRecord, run_only: bool, report: UndoReport
) -> None:
    found = _current(root, record, report)
    if found is None:
        return
    target, current = found
    original_name = record.prior if run_only else record.backup
    current_hash = content_hash(current)
    if current_hash == original_name:
        return  # already as it was (a missing backup does not matter then)
    if not record.is_ours(current_hash):
        _changed_after_setup(fs, record, target, current, report, strip=not run_only)
        return
    try:
        original = _original(journal, record, original_name, report)
    except FileNotFoundError:
        return
    if original is None:
        fs.remove(target)
        report.removed.append(record.path)
        return
    owner = (record.uid, record.gid) if record.uid is not None and record.gid is not None else None
    keep = run_only and current is not None
    fs.write(target, original, record.mode if record.mode is not None else 0o644, keep_mode=keep, owner=owner)
    report.restored.append(record.path)


def _changed_after_setup(
    fs: FileSystem, record: FileRecord, target: WritePath, current: bytes | None, report: UndoReport, strip: bool
) -> None:
    text = current.decode("utf-8", "replace") if current is not None else ""
    if strip and current is not None and blocks.has_block(text):
        fs.write(target, blocks.strip(text).encode("utf-8"), 0o644)
        report.warnings.append(f"{record.path} changed after setup (an upgrade?); removed only the pip-tls-setup block")
    else:
        report.warnings.append(f"{record.path} changed after setup; left as it is now")


def _revert_output(
    root: Root, journal: Journal, fs: FileSystem, record: FileRecord, run_only: bool, report: UndoReport
) -> None:
    found = _current(root, record, report)
    if found is None:
        return
    target, current = found
    name = record.prior if run_only else record.backup
    if name is None or content_hash(current) == name:
        return
    try:
        original = _original(journal, record, name, report) or b""
    except FileNotFoundError:
        return
    owner = (record.uid, record.gid) if record.uid is not None and record.gid is not None else None
    fs.write(target, original, record.mode if record.mode is not None else 0o644, keep_mode=False, owner=owner)
    report.restored.append(record.path)


def remove_matching(root: Root, patterns: Sequence[str]) -> list[str]:
    """Remove the regular files matching ``patterns`` (logical; ``*`` in the last component only)."""
    removed: list[str] = []
    for pattern in patterns:
        directory, name = posixpath.split(pattern)
        probe = root.writable(posixpath.join(directory, ".probe"))
        try:
            with safefs.directory(probe) as dfd:
                if dfd is None:
                    continue
                names = os.listdir(probe.host.parent) if dfd == -1 else os.listdir(dfd)
        except (safefs.UnsafePath, FileNotFoundError, NotADirectoryError):
            continue
        for found in sorted(n for n in names if fnmatch.fnmatchcase(n, name)):
            try:
                if safefs.remove(root.writable(posixpath.join(directory, found))):
                    removed.append(posixpath.join(directory, found))
            except safefs.UnsafePath:
                continue
    return removed


@dataclass
class Recovery:
    removed: list[str] = field(default_factory=list)  # leftovers of a killed run
    undone: UndoReport | None = None  # an interrupted undo, finished


def recover(root: Root, journal: Journal, fs: FileSystem, leftovers: Sequence[str] = ()) -> Recovery:
    """Before a run, under the lock: remove what a killed run left, and finish an interrupted undo.

    Our temp files sit next to files the journal names (it is written ahead of them); ``leftovers`` are the
    store tool's files a killed run of it leaves, removed only after an interrupted run of ours.
    """
    result = Recovery(removed=journal.collect_garbage())
    for target in [record_path(root, r) for r in journal.files]:
        try:
            result.removed += [str(target.host.parent / name) for name in safefs.remove_temps(target)]
        except (safefs.UnsafePath, NotADirectoryError):
            continue
    if journal.interrupted:
        result.removed += remove_matching(root, leftovers)
    if journal.interrupted and journal.state == UNDOING:
        result.undone = undo(root, journal, fs)
        journal.discard()
    return result


def unfinished_commands(journal: Journal, plan: Plan) -> list[Command]:
    """Commands an interrupted run started and this plan does not run anyway: run them again."""
    planned = {c.argv for c in plan.commands}
    outputs = tuple(r.path for r in journal.files if r.kind == "output")
    extra: list[Command] = []
    for record in journal.unfinished():
        if tuple(record.argv) not in planned:
            extra.append(_resumed(record, outputs))
    return extra


def _resumed(record: CommandRecord, outputs: tuple[str, ...]) -> Command:
    return Command(
        tuple(record.argv),
        "finish what an interrupted run started",
        outputs=outputs,
        undo=tuple(record.undo) if record.undo else None,
        in_root=record.in_root,
    )
