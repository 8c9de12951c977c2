"""Carry out a plan safely, and undo it.

Every write is a temp file in the same directory + fsync + rename, with the
original mode and owner. Files the process may not write go through
``sudo -n`` when passwordless sudo exists (GitHub-hosted runners), with the
same rename. Everything is journaled first, so ``undo`` can restore it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pip_tls_setup.errors import CheckFailed
from pip_tls_setup.inject.edits import blocks
from pip_tls_setup.inject.journal import Journal, sha256
from pip_tls_setup.inject.plan import FileChange, Plan
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.root import Root

COMMAND_TIMEOUT = 300


class FileSystem:
    """Writes under a root, directly where allowed, else through ``sudo -n``."""

    def __init__(self, privilege: Privilege) -> None:
        self.privilege = privilege

    def _needs_sudo(self, host: Path) -> bool:
        directory = host.parent
        while not directory.exists() and directory != directory.parent:
            directory = directory.parent
        if os.access(directory, os.W_OK) and (not host.exists() or os.access(host, os.W_OK)):
            return False
        if self.privilege is Privilege.SUDO:
            return True
        raise CheckFailed(
            f"{host}: permission denied; run pip-tls-setup as root or with passwordless sudo, "
            "or choose paths you can write (--bundle, --python of a venv you own)"
        )

    def write(self, host: Path, data: bytes, new_mode: int) -> list[Path]:
        """Atomically replace ``host``; returns the directories it had to create."""
        if host.is_symlink():
            # Replacing a link with a file would silently detach it from what it pointed at.
            raise CheckFailed(f"{host}: is a symlink; pip-tls-setup only rewrites regular files (resolve it first)")
        created = self._missing_dirs(host.parent)
        if self._needs_sudo(host):
            self._sudo_write(host, data, new_mode, created)
            return created
        host.parent.mkdir(parents=True, exist_ok=True)
        try:
            st: os.stat_result | None = host.stat()
        except FileNotFoundError:
            st = None
        fd, tmp = tempfile.mkstemp(prefix=f".{host.name}.", suffix=".pts-tmp", dir=host.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if st is not None:
                os.chmod(tmp, st.st_mode & 0o7777)
                if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
                    with contextlib.suppress(PermissionError):
                        os.chown(tmp, st.st_uid, st.st_gid)
            else:
                os.chmod(tmp, new_mode)
            os.replace(tmp, host)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        _fsync_dir(host.parent)
        return created

    def restore(self, host: Path, data: bytes, mode: int | None, uid: int | None, gid: int | None) -> None:
        self.write(host, data, mode if mode is not None else 0o644)
        if mode is not None and not self._needs_sudo(host):
            os.chmod(host, mode)
            if uid is not None and gid is not None and hasattr(os, "chown"):
                with contextlib.suppress(PermissionError):
                    os.chown(host, uid, gid)

    def remove(self, host: Path) -> None:
        if not host.exists() and not host.is_symlink():
            return
        if self._needs_sudo(host):
            _sudo(["rm", "-f", str(host)])
        else:
            host.unlink()
        _fsync_dir(host.parent)

    def rmdir(self, host: Path) -> bool:
        try:
            if any(host.iterdir()):
                return False
        except FileNotFoundError:
            return False
        if self._needs_sudo(host):
            _sudo(["rmdir", str(host)])
        else:
            host.rmdir()
        return True

    @staticmethod
    def _missing_dirs(directory: Path) -> list[Path]:
        missing: list[Path] = []
        while not directory.exists() and directory != directory.parent:
            missing.append(directory)
            directory = directory.parent
        return list(reversed(missing))

    def _sudo_write(self, host: Path, data: bytes, new_mode: int, created: list[Path]) -> None:
        if created:
            _sudo(["mkdir", "-p", str(host.parent)])
        try:
            st: os.stat_result | None = host.stat()
        except FileNotFoundError:
            st = None
        mode = st.st_mode & 0o7777 if st else new_mode
        owner = ["-o", str(st.st_uid), "-g", str(st.st_gid)] if st else ["-o", "0", "-g", "0"]
        staged = host.parent / f".{host.name}.pts-tmp"
        with tempfile.NamedTemporaryFile(delete=False) as handle:
            handle.write(data)
            local = handle.name
        try:
            _sudo(["install", "-m", f"{mode:o}", *owner, local, str(staged)])
            _sudo(["mv", "-f", str(staged), str(host)])
            _sudo(["sync", str(host)], check=False)
        finally:
            os.unlink(local)


def _sudo(argv: list[str], check: bool = True) -> None:
    done = subprocess.run(["sudo", "-n", *argv], capture_output=True, text=True, timeout=60, check=False)
    if check and done.returncode != 0:
        raise CheckFailed(f"sudo {' '.join(argv)} failed: {done.stderr.strip()[:300]}")


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def host_path(root: Root, change_path: str, on_host: bool) -> Path:
    return Path(change_path) if on_host else root.host(change_path)


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
    plan: Plan, root: Root, journal: Journal, fs: FileSystem, on_host: frozenset[str] = frozenset()
) -> ApplyReport:
    """Write the plan's files, then run its commands; journal each step first."""
    report = ApplyReport()
    for change in plan.effective_files:
        is_host = change.path in on_host
        host = host_path(root, change.path, is_host)
        record = journal.remember(change.path, host, on_host=is_host)
        if change.after is None:
            fs.remove(host)
        else:
            journal.add_created_dirs(fs.write(host, change.after, change.mode))
        journal.written(record, change.after)
        report.files.append(change)
    for command in plan.commands:
        for output in command.outputs:
            journal.remember(output, root.host(output), kind="output")
        journal.add_command(list(command.argv), list(command.undo) if command.undo else None, command.in_root)
        run = run_command(root, command.argv, command.in_root, fs.privilege)
        report.commands.append(run)
        if run.returncode != 0:
            last = (run.output.splitlines() or [""])[-1][:300]
            raise CheckFailed(
                f"{' '.join(command.argv)} failed (exit {run.returncode}): {last}; "
                "the changes made so far are journaled: run 'pip-tls-setup undo' to restore them"
            )
        for output in command.outputs:
            rewritten = journal.find(output)
            if rewritten is not None:
                try:
                    journal.written(rewritten, root.host(output).read_bytes())
                except FileNotFoundError:
                    journal.written(rewritten, None)
    return report


@dataclass
class UndoReport:
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    commands: list[CommandRun] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def undo(root: Root, journal: Journal, fs: FileSystem) -> UndoReport:
    report = UndoReport()
    for record in reversed([r for r in journal.files if r.kind == "file"]):
        host = host_path(root, record.path, record.on_host)
        try:
            current: bytes | None = host.read_bytes()
        except FileNotFoundError:
            current = None
        original = journal.backup_bytes(record)
        current_hash = sha256(current) if current is not None else None
        if current_hash == record.backup:
            continue  # already as it was
        if current_hash != record.after:
            if current is not None and blocks.has_block(current.decode("utf-8", "replace")):
                stripped = blocks.strip(current.decode("utf-8", "replace")).encode("utf-8")
                fs.write(host, stripped, 0o644)
                report.warnings.append(
                    f"{record.path} changed after setup (an upgrade?); removed only the pip-tls-setup block"
                )
            else:
                report.warnings.append(f"{record.path} changed after setup; left as it is now")
            continue
        if original is None:
            fs.remove(host)
            report.removed.append(record.path)
        else:
            fs.restore(host, original, record.mode, record.uid, record.gid)
            report.restored.append(record.path)
    for command in reversed(journal.commands):
        if command.undo:
            run = run_command(root, command.undo, command.in_root, fs.privilege)
            report.commands.append(run)
            if run.returncode != 0:
                report.warnings.append(f"{' '.join(command.undo)} failed (exit {run.returncode}): {run.output[-300:]}")
    for record in [r for r in journal.files if r.kind == "output"]:
        host = root.host(record.path)
        original = journal.backup_bytes(record)
        try:
            current = host.read_bytes()
        except FileNotFoundError:
            current = None
        if original is not None and current != original:
            fs.restore(host, original, record.mode, record.uid, record.gid)
            report.restored.append(record.path)
    for directory in reversed(journal.created_dirs):
        fs.rmdir(Path(directory))
    return report
