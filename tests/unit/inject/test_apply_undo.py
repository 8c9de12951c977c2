"""Plan → apply → undo on a scratch root: atomic, journaled, idempotent, byte-for-byte reversible.

These run without root: the targets are described by hand (no chroot) and the
root is a temporary directory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from corplab.pki import make_ca

from pip_tls_setup.ca.certs import CACert
from pip_tls_setup.inject import planner
from pip_tls_setup.inject.apply import FileSystem, apply, undo
from pip_tls_setup.inject.edits import blocks
from pip_tls_setup.inject.journal import Journal
from pip_tls_setup.inject.plan import Command, FileChange, Plan
from pip_tls_setup.inject.stores.base import QueryResult
from pip_tls_setup.inject.stores.linux import DEBIAN
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.pythons import CertifiFacts, PipFacts, Target
from pip_tls_setup.target.root import Root, host_writable

PUBLIC = make_ca("Lab Public Root", "Lab Public Trust")
CORP = make_ca("Example Corp Root CA", "Example Corp")


def no_query(argv):  # never called for Linux stores
    raise AssertionError(argv)


def hashes(base: Path) -> dict[str, str]:
    found = {}
    for dirpath, _, files in os.walk(base):
        for name in files:
            path = Path(dirpath) / name
            found[str(path.relative_to(base))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def make_root(tmp_path: Path) -> Root:
    root = tmp_path / "root"
    (root / "etc/ssl/certs").mkdir(parents=True)
    (root / "etc/ssl/certs/ca-certificates.crt").write_bytes(PUBLIC.pem)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "usr/local/share/ca-certificates").mkdir(parents=True)
    sbin = root / "usr/sbin"
    sbin.mkdir(parents=True)
    tool = sbin / "update-ca-certificates"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(0o755)
    venv = root / "venv/lib/python3.11/site-packages"
    for package in ("certifi", "pip/_vendor/certifi"):
        (venv / package).mkdir(parents=True)
        (venv / package / "cacert.pem").write_bytes(b"# Mozilla roots\n" + PUBLIC.pem)
    os.chmod(venv / "certifi/cacert.pem", 0o640)
    return Root.of(str(root))


def venv_target() -> Target:
    site = "/venv/lib/python3.11/site-packages"
    certifi = CertifiFacts(f"{site}/certifi/cacert.pem", f"{site}/certifi/cacert.pem", "2024.1.1", False)
    vendored = CertifiFacts(
        f"{site}/pip/_vendor/certifi/cacert.pem", f"{site}/pip/_vendor/certifi/cacert.pem", None, False
    )
    pip = PipFacts("24.0", f"{site}/pip", vendored, False, None, {"site": ["/venv/pip.conf"]}, False)
    return Target(
        "/venv/bin/python",
        "/venv/bin/python",
        "/venv",
        "/usr",
        True,
        (3, 11, 7),
        "cpython",
        "linux",
        True,
        "OpenSSL",
        None,
        certifi,
        pip,
        None,
    )


def build(root: Root, cas: list[CACert], store=None, tmp: Path | None = None) -> Plan:
    layout = planner.Layout(
        "/etc/pip-tls-setup/ca-bundle.pem", "/etc/pip-tls-setup/ca-bundle-corporate.pem", (tmp or root.path) / "state"
    )
    return planner.build(
        root=root,
        store=store,
        cas=cas,
        targets=[venv_target()],
        layout=layout,
        options=planner.Options(),
        privilege=Privilege.ROOT,
        query=no_query,
        env={},
    )


def test_plan_is_pure_and_complete(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    before = hashes(root.path)
    plan = build(root, [CACert(CORP.cert, "corp.pem")], DEBIAN)
    assert hashes(root.path) == before
    paths = {c.path for c in plan.effective_files}
    assert "/etc/pip-tls-setup/ca-bundle.pem" in paths
    assert "/venv/lib/python3.11/site-packages/certifi/cacert.pem" in paths
    assert "/venv/lib/python3.11/site-packages/pip/_vendor/certifi/cacert.pem" in paths
    assert "/venv/pip.conf" in paths
    assert any(p.startswith("/usr/local/share/ca-certificates/pip-tls-setup-example-corp-root-ca-") for p in paths)
    assert [c.argv for c in plan.commands] == [("update-ca-certificates",)]


def test_combined_bundle_holds_public_roots_and_corporate_cas(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    plan = build(root, [CACert(CORP.cert, "corp.pem")], DEBIAN)
    bundle = next(c.after for c in plan.files if c.path.endswith("ca-bundle.pem"))
    assert bundle is not None
    from pip_tls_setup.ca.certs import fingerprint, parse_bundle

    found = {fingerprint(c) for c in parse_bundle(bundle)}
    assert found == {PUBLIC.sha256, CORP.sha256}


def test_apply_three_times_then_undo_is_byte_identical(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    pristine = hashes(root.path)
    cas = [CACert(CORP.cert, "corp.pem")]
    state = tmp_path / "state"
    results = []
    for _ in range(3):
        plan = build(root, cas, None, tmp_path)
        apply(plan, root, Journal.load(state, str(root)), FileSystem(Privilege.ROOT))
        results.append(hashes(root.path))
    assert results[0] == results[1] == results[2]
    cacert = (root.path / "venv/lib/python3.11/site-packages/certifi/cacert.pem").read_text()
    assert cacert.count(blocks.BEGIN) == 1 and cacert.count("BEGIN CERTIFICATE") == 2
    assert oct(os.stat(root.path / "venv/lib/python3.11/site-packages/certifi/cacert.pem").st_mode & 0o777) == "0o640"
    journal = Journal.load(state, str(root))
    report = undo(root, journal, FileSystem(Privilege.ROOT))
    journal.discard()
    assert hashes(root.path) == pristine
    assert not (root.path / "etc/pip-tls-setup").exists()
    assert "/venv/pip.conf" in report.removed
    assert oct(os.stat(root.path / "venv/lib/python3.11/site-packages/certifi/cacert.pem").st_mode & 0o777) == "0o640"


def test_second_run_plans_nothing(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    cas = [CACert(CORP.cert, "corp.pem")]
    apply(
        build(root, cas, None, tmp_path), root, Journal.load(tmp_path / "state", str(root)), FileSystem(Privilege.ROOT)
    )
    assert build(root, cas, None, tmp_path).is_empty


def test_changed_cas_replace_the_block_and_undo_still_restores(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    pristine = hashes(root.path)
    state = tmp_path / "state"
    other = make_ca("Example Corp Root CA 2")
    for cas in ([CACert(CORP.cert, "a")], [CACert(other.cert, "b")]):
        apply(build(root, cas, None, tmp_path), root, Journal.load(state, str(root)), FileSystem(Privilege.ROOT))
    text = (root.path / "venv/lib/python3.11/site-packages/certifi/cacert.pem").read_text()
    assert text.count("BEGIN CERTIFICATE") == 2
    undo(root, Journal.load(state, str(root)), FileSystem(Privilege.ROOT))
    assert hashes(root.path) == pristine


def test_undo_after_an_upgrade_only_strips_our_block(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    state = tmp_path / "state"
    apply(
        build(root, [CACert(CORP.cert, "a")], None, tmp_path),
        root,
        Journal.load(state, str(root)),
        FileSystem(Privilege.ROOT),
    )
    cacert = root.path / "venv/lib/python3.11/site-packages/certifi/cacert.pem"
    upgraded = "# newer certifi\n" + PUBLIC.pem.decode()
    cacert.write_text(blocks.upsert(upgraded, CORP.pem.decode()))
    report = undo(root, Journal.load(state, str(root)), FileSystem(Privilege.ROOT))
    assert cacert.read_text() == upgraded
    assert any("changed after setup" in w for w in report.warnings)


def test_failed_command_is_reported_and_journaled(tmp_path: Path) -> None:
    root = Root.of(str(tmp_path))
    plan = Plan(
        files=[FileChange("/a.txt", None, b"x", "test")], commands=[Command(("false",), "always fails", in_root=False)]
    )
    from pip_tls_setup.errors import CheckFailed

    with pytest.raises(CheckFailed, match="undo"):
        apply(plan, root, Journal.load(tmp_path / "state", str(root)), FileSystem(Privilege.ROOT))
    undo(root, Journal.load(tmp_path / "state", str(root)), FileSystem(Privilege.ROOT))
    assert not (tmp_path / "a.txt").exists()


def test_permission_denied_is_a_clear_failure(tmp_path: Path) -> None:
    fs = FileSystem(Privilege.NONE)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.access(locked, os.W_OK):
        pytest.skip("running as root: directory permissions do not apply")
    from pip_tls_setup.errors import CheckFailed

    with pytest.raises(CheckFailed, match="permission denied"):
        fs.write(host_writable(locked / "x"), b"x", 0o644)


def test_stale_managed_anchor_is_removed(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    stale = root.path / "usr/local/share/ca-certificates/pip-tls-setup-old-000000000000.crt"
    stale.write_bytes(make_ca("Old Corp").pem)
    plan = build(root, [CACert(CORP.cert, "a")], DEBIAN)
    removed = [c for c in plan.files if c.after is None]
    assert [c.path for c in removed] == ["/usr/local/share/ca-certificates/pip-tls-setup-old-000000000000.crt"]


def test_missing_refresh_tool_skips_store_with_a_warning(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root.path / "usr/sbin/update-ca-certificates").unlink()
    plan = build(root, [CACert(CORP.cert, "a")], DEBIAN)
    assert not plan.commands
    assert any(n.topic == "os-store" and n.level == "warning" for n in plan.notes)


def test_macos_command_plan(tmp_path: Path) -> None:
    """macOS cannot run here: the keychain is a fake ``security`` answer."""
    from pip_tls_setup.inject.stores.macos import SYSTEM_KEYCHAIN, MacOSKeychain

    plan = Plan()
    seen = []

    def query(argv):
        seen.append(list(argv))
        return QueryResult(0, "SHA-256 hash: 00\nSHA-1 hash: 11\n")

    MacOSKeychain().plan(Root.of(str(tmp_path)), [CACert(CORP.cert, "a")], plan, query, "/etc/pip-tls-setup")
    assert seen == [["security", "find-certificate", "-a", "-Z", SYSTEM_KEYCHAIN]]
    [command] = plan.commands
    assert command.argv[:7] == ("security", "add-trusted-cert", "-d", "-r", "trustRoot", "-k", SYSTEM_KEYCHAIN)
    assert command.undo is not None and command.undo[:3] == ("security", "delete-certificate", "-t")
    already = Plan()
    MacOSKeychain().plan(
        Root.of(str(tmp_path)),
        [CACert(CORP.cert, "a")],
        already,
        lambda argv: QueryResult(0, f"SHA-256 hash: {CORP.sha256.upper()}\n"),
        "/x",
    )
    assert not already.commands


def test_windows_command_plan(tmp_path: Path) -> None:
    """Windows cannot run here: ``certutil`` is faked."""
    from pip_tls_setup.inject.stores.windows import WindowsRootStore

    plan = Plan()
    WindowsRootStore().plan(
        Root.of(str(tmp_path)), [CACert(CORP.cert, "a")], plan, lambda argv: QueryResult(1, ""), "/state"
    )
    [command] = plan.commands
    assert command.argv[:4] == ("certutil", "-addstore", "-f", "Root")
    thumbprint = hashlib.sha1(CORP.der, usedforsecurity=False).hexdigest()
    assert command.undo == ("certutil", "-delstore", "Root", thumbprint)
    present = Plan()
    WindowsRootStore().plan(
        Root.of(str(tmp_path)), [CACert(CORP.cert, "a")], present, lambda argv: QueryResult(0, ""), "/state"
    )
    assert not present.commands


def test_symlinked_certifi_is_left_alone(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    cacert = root.path / "venv/lib/python3.11/site-packages/certifi/cacert.pem"
    cacert.unlink()
    cacert.symlink_to("/etc/ssl/certs/ca-certificates.crt")
    plan = build(root, [CACert(CORP.cert, "a")], None, tmp_path)
    assert "/venv/lib/python3.11/site-packages/certifi/cacert.pem" not in {c.path for c in plan.files}
    assert any("symlink" in n.message for n in plan.notes)


def test_patched_certifi_warns_when_the_os_store_is_skipped(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    target = venv_target()
    patched = CertifiFacts("/etc/ssl/certs/ca-certificates.crt", target.certifi.bundled, None, True)  # type: ignore[union-attr]
    from dataclasses import replace

    target = replace(target, certifi=patched)
    layout = planner.Layout("/b.pem", "/b-corporate.pem", tmp_path / "state")
    for system_store, level in ((True, "skip"), (False, "warning")):
        plan = planner.build(
            root=root,
            store=DEBIAN,
            cas=[CACert(CORP.cert, "a")],
            targets=[target],
            layout=layout,
            options=planner.Options(system_store=system_store),
            privilege=Privilege.ROOT,
            query=no_query,
            env={},
        )
        [note] = [n for n in plan.notes if "distribution-patched" in n.message]
        assert note.level == level
