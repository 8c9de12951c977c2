"""safefs: never through a link, atomic, modes set explicitly; the journal's ordering and old journals."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from corplab.pki import make_ca

from pip_tls_setup.ca.certs import CACert
from pip_tls_setup.errors import InputError
from pip_tls_setup.inject import flow, planner, safefs
from pip_tls_setup.inject.apply import FileSystem
from pip_tls_setup.inject.journal import Journal
from pip_tls_setup.inject.lock import RunLock
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.root import Root, host_writable

CA = make_ca("Example Corp Root CA", "Example Corp")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_write_never_follows_a_link_planted_after_the_check(tmp_path: Path) -> None:
    (tmp_path / "victim").write_text("keep")
    (tmp_path / "d").mkdir()
    target = host_writable(tmp_path / "d/file", 2)
    (tmp_path / "d").rmdir()
    (tmp_path / "d").symlink_to(tmp_path)  # the directory became a link between plan and write
    with pytest.raises(safefs.UnsafePath, match="found while writing"):
        safefs.write(target, b"x", 0o644)
    (tmp_path / "file").symlink_to(tmp_path / "victim")
    with pytest.raises(safefs.UnsafePath):
        safefs.write(host_writable(tmp_path / "file"), b"x", 0o644)
    with pytest.raises(safefs.UnsafePath):
        safefs.read(host_writable(tmp_path / "file"))
    with pytest.raises(safefs.UnsafePath):
        safefs.remove(host_writable(tmp_path / "file"))
    assert (tmp_path / "victim").read_text() == "keep"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(safefs.TEMP_SUFFIX)]


def test_read_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(safefs.UnsafePath, match="not a regular file"):
        safefs.read(host_writable(tmp_path / "fifo"))


def test_modes_are_set_explicitly_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        safefs.write(host_writable(tmp_path / "shared/dir/bundle.pem", 3), b"pem", 0o644)
        (tmp_path / "private.pem").write_bytes(b"old")
        os.chmod(tmp_path / "private.pem", 0o640)
        safefs.write(host_writable(tmp_path / "private.pem"), b"new", 0o644)  # keeps its own mode
        safefs.write(host_writable(tmp_path / "forced.pem"), b"x", 0o600)
        safefs.write(host_writable(tmp_path / "forced.pem"), b"y", 0o644, keep_mode=False)
    finally:
        os.umask(old)
    assert mode(tmp_path / "shared") == mode(tmp_path / "shared/dir") == 0o755
    assert mode(tmp_path / "shared/dir/bundle.pem") == 0o644
    assert mode(tmp_path / "private.pem") == 0o640
    assert mode(tmp_path / "forced.pem") == 0o644


def test_temp_leftovers_are_ours_only(tmp_path: Path) -> None:
    (tmp_path / ".pip.conf.1a2b3c4d.pts-tmp").write_text("killed run")
    (tmp_path / ".pip.conf.swp").write_text("an editor's")
    (tmp_path / ".other.1a2b3c4d.pts-tmp").write_text("another file's")
    assert safefs.remove_temps(host_writable(tmp_path / "pip.conf")) == [".pip.conf.1a2b3c4d.pts-tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.1a2b3c4d.pts-tmp", ".pip.conf.swp"]


def _setup_once(tmp_path: Path, existing: bytes | None = None) -> tuple[Root, Path, Path]:
    (tmp_path / "root/etc").mkdir(parents=True)
    root = Root.of(str(tmp_path / "root"))
    if existing is not None:
        (tmp_path / "root/etc/pip-tls-setup").mkdir()
        (tmp_path / "root/etc/pip-tls-setup/ca-bundle.pem").write_bytes(existing)
    state = tmp_path / "state"
    layout = planner.Layout("/etc/pip-tls-setup/ca-bundle.pem", "/etc/pip-tls-setup/ca-bundle-corporate.pem", state)

    def make_plan(managed: list[str]):
        return planner.build(
            root=root, store=None, cas=[CACert(CA.cert, "a")], targets=[], layout=layout, options=planner.Options(),
            privilege=Privilege.ROOT, query=lambda a: None, env={}, managed=managed,
        )  # fmt: skip

    old = os.umask(0o077)
    try:
        flow.locked_apply(root, state, FileSystem(Privilege.ROOT), make_plan)
    finally:
        os.umask(old)
    return root, state, tmp_path / "root/etc/pip-tls-setup"


def test_shared_files_world_readable_and_state_private_under_umask_077(tmp_path: Path) -> None:
    _, state, shared = _setup_once(tmp_path)
    assert mode(shared) == 0o755
    assert mode(shared / "ca-bundle.pem") == mode(shared / "ca-bundle-corporate.pem") == 0o644
    assert mode(state) == 0o700 and mode(state / "journal.json") == 0o600 and mode(state / "lock") == 0o600


def test_a_missing_backup_of_a_file_already_restored_is_no_error(tmp_path: Path) -> None:
    """What an undo killed between deleting backups and journal.json left, before that order was fixed."""
    original = b"an old bundle\n"
    root, state, shared = _setup_once(tmp_path, existing=original)
    assert mode(state / "backups") == 0o700
    (shared / "ca-bundle.pem").write_bytes(original)  # restored by the killed undo ...
    (shared / "ca-bundle-corporate.pem").unlink()
    for backup in (state / "backups").iterdir():  # ... which then deleted the backups
        backup.unlink()
    result = flow.locked_undo(root, state, FileSystem(Privilege.ROOT))
    assert result.report is not None and not result.report.warnings
    assert (shared / "ca-bundle.pem").read_bytes() == original
    assert not state.exists()


def test_undo_deletes_the_journal_before_its_backups(tmp_path: Path, monkeypatch) -> None:
    root, state, _ = _setup_once(tmp_path, existing=b"old\n")
    order: list[str] = []
    real = safefs.remove

    def remove(target):
        order.append(target.name if target.name == "journal.json" else target.parts[-2])
        return real(target)

    monkeypatch.setattr(safefs, "remove", remove)
    flow.locked_undo(root, state, FileSystem(Privilege.ROOT))
    assert order.index("journal.json") < order.index("backups")


def test_a_version_1_journal_still_undoes(tmp_path: Path) -> None:
    root_dir = tmp_path / "root"
    (root_dir / "etc").mkdir(parents=True)
    (root_dir / "etc/pip.conf").write_text("[global]\ncert = /etc/pip-tls-setup/ca-bundle.pem\n")
    state = tmp_path / "state"
    (state / "backups").mkdir(parents=True)
    original = b"[global]\n"
    import hashlib

    digest = hashlib.sha256(original).hexdigest()
    (state / "backups" / digest).write_bytes(original)
    current = hashlib.sha256((root_dir / "etc/pip.conf").read_bytes()).hexdigest()
    record = {"path": "/etc/pip.conf", "on_host": False, "existed": True, "backup": digest, "mode": 0o644,
              "uid": os.getuid(), "gid": os.getgid(), "after": current, "kind": "file"}  # fmt: skip
    payload = {"version": 1, "root": str(root_dir), "files": [record], "commands": [], "created_dirs": []}
    (state / "journal.json").write_text(json.dumps(payload))
    result = flow.locked_undo(Root.of(str(root_dir)), state, FileSystem(Privilege.ROOT))
    assert result.report is not None and result.report.restored == ["/etc/pip.conf"]
    assert (root_dir / "etc/pip.conf").read_bytes() == original
    assert not state.exists()


def test_a_linked_state_directory_or_backups_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "state").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InputError, match="symbolic link"), RunLock(tmp_path / "state/lock"):
        pass
    (tmp_path / "state").unlink()
    (tmp_path / "state").mkdir()
    (tmp_path / "state/backups").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InputError, match="backups: is a symbolic link"):
        Journal.load(tmp_path / "state", "/")


def test_lock_tidies_only_what_it_created(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with RunLock(state / "lock", tidy=True):
        assert (state / "lock").exists()
    assert not state.exists()
    state.mkdir()
    (state / "keep").write_text("not ours")
    with RunLock(state / "lock", tidy=True):
        pass
    assert sorted(p.name for p in state.iterdir()) == ["keep"]
