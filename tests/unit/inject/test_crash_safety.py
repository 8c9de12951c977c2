"""A run that dies at any file-system call leaves what the next run can finish (in-process, every point).

``crash_at(n)`` makes the n-th mutating ``os`` call (open for writing, mkdir, fchmod, fsync, rename, unlink,
rmdir) raise ``Crash``, a BaseException nothing in the tool catches, and every call after it too: like
SIGKILL, no cleanup reaches the disk. Then one more setup and undo must restore the scratch root byte for byte
(contents, modes, no temp file, no state left). The e2e kill suite (tests/e2e/test_kill_safety.py) does the
same with real SIGKILLs through strace, sampled; this one tries every point.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from corplab.pki import make_ca

from pip_tls_setup.ca.certs import CACert
from pip_tls_setup.errors import CheckFailed
from pip_tls_setup.inject import flow, planner
from pip_tls_setup.inject.apply import FileSystem
from pip_tls_setup.inject.plan import Command, Plan
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.pythons import CertifiFacts, PipFacts, Target
from pip_tls_setup.target.root import Root
from support.roots import snapshot

PUBLIC = make_ca("Lab Public Root", "Lab Public Trust")
CAS = [make_ca("Example Corp Root CA", "Example Corp"), make_ca("Example Corp Root CA 2", "Example Corp")]
MUTATORS = ("open", "mkdir", "fchmod", "fsync", "rename", "replace", "unlink", "rmdir")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT
SITE = "/venv/lib/python3.11/site-packages"


class Crash(BaseException):
    """The process died here."""


@pytest.fixture(autouse=True)
def no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ordering is what is tested here, not durability: fsync is counted as a point but costs nothing."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


@pytest.fixture
def scene_dir(tmp_path: Path) -> Iterator[Path]:
    """A memory-backed directory when there is one: hundreds of runs rename thousands of files."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="pts-crash-", dir=shm))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def crash_at(n: int | None) -> Iterator[dict[str, int]]:
    """Count mutating os calls; the n-th (1-based) and all later ones raise Crash."""
    state = {"calls": 0, "dead": 0}
    originals = {name: getattr(os, name) for name in MUTATORS}

    def wrapped(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*args: Any, **kwargs: Any) -> Any:
            if name == "open" and not (args[1] & WRITE_FLAGS):
                return call(*args, **kwargs)  # reads go on; they change nothing
            if state["dead"]:
                raise Crash
            state["calls"] += 1
            if state["calls"] == n:
                state["dead"] = 1
                raise Crash
            return call(*args, **kwargs)

        return inner

    for name, call in originals.items():
        setattr(os, name, wrapped(name, call))
    try:
        yield state
    finally:
        for name, call in originals.items():
            setattr(os, name, call)


def scratch(tmp_path: Path) -> Root:
    root = tmp_path / "root"
    (root / "etc/ssl/certs").mkdir(parents=True)
    (root / "etc/ssl/certs/ca-certificates.crt").write_bytes(PUBLIC.pem)
    for package in ("certifi", "pip/_vendor/certifi"):
        (root / SITE.lstrip("/") / package).mkdir(parents=True)
        (root / SITE.lstrip("/") / package / "cacert.pem").write_bytes(b"# Mozilla roots\n" + PUBLIC.pem)
    os.chmod(root / SITE.lstrip("/") / "certifi/cacert.pem", 0o640)
    (root / "venv/pip.conf").write_text("[global]\ntimeout = 60\n")
    (root / "var/lib").mkdir(parents=True)
    (root / "store.out").write_text("store bundle\n")
    return Root.of(str(root))


def target() -> Target:
    certifi = CertifiFacts(f"{SITE}/certifi/cacert.pem", f"{SITE}/certifi/cacert.pem", "2024.1.1", False)
    vendored = CertifiFacts(
        f"{SITE}/pip/_vendor/certifi/cacert.pem", f"{SITE}/pip/_vendor/certifi/cacert.pem", None, False
    )
    pip = PipFacts("24.0", f"{SITE}/pip", vendored, False, None, {"site": ["/venv/pip.conf"]}, False)
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


class Scene:
    """setup / undo on the scratch root, the way ``flow`` runs them (lock, recovery, plan under the lock)."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = scratch(tmp_path)
        self.state = self.root.host("/var/lib") / "pip-tls-setup"
        self.fs = FileSystem(Privilege.ROOT)
        out = self.root.host("/store.out")
        # A command that rewrites an output file, as update-ca-certificates rewrites the OS bundle.
        self.command = Command(
            ("sh", "-c", f"printf 'refreshed\\n' >> {out}"),
            "refresh",
            outputs=("/store.out",),
            undo=("true",),
            in_root=False,
        )

    def plan(self, ca: int, managed: list[str]) -> Plan:
        layout = planner.Layout(
            "/etc/pip-tls-setup/ca-bundle.pem", "/etc/pip-tls-setup/ca-bundle-corporate.pem", self.state
        )
        plan = planner.build(
            root=self.root, store=None, cas=[CACert(CAS[ca].cert, "corp.pem")], targets=[target()], layout=layout,
            options=planner.Options(), privilege=Privilege.ROOT, query=lambda argv: None, env={}, managed=managed,
        )  # fmt: skip
        plan.commands.append(self.command)
        return plan

    def setup(self, ca: int) -> None:
        flow.locked_apply(self.root, self.state, self.fs, lambda managed: self.plan(ca, managed), (), [CAS[ca].sha256])

    def undo(self) -> None:
        flow.locked_undo(self.root, self.state, self.fs)

    def snapshot(self) -> dict[str, str]:
        return snapshot(self.root.path)

    def trusts(self, ca: int) -> bool:
        body = CAS[ca].pem.decode().split("-----")[2].strip()
        files = [
            "/etc/pip-tls-setup/ca-bundle.pem",
            f"{SITE}/certifi/cacert.pem",
            f"{SITE}/pip/_vendor/certifi/cacert.pem",
        ]
        return all(self.root.host(f).read_text().count(body) == 1 for f in files)


PHASES: dict[str, tuple[list[int], Callable[[Scene], None]]] = {
    "setup": ([], lambda s: s.setup(0)),
    "setup-over": ([0], lambda s: s.setup(1)),
    "undo": ([0], lambda s: s.undo()),
}


@pytest.mark.parametrize("phase", sorted(PHASES))
def test_a_crash_at_any_call_is_finished_by_the_next_runs(scene_dir: Path, phase: str) -> None:
    scene = Scene(scene_dir)
    pristine = scene.snapshot()
    before, run = PHASES[phase]
    for ca in before:
        scene.setup(ca)
    with crash_at(None) as counted:
        run(scene)
    total = counted["calls"]
    scene.undo()
    assert scene.snapshot() == pristine
    assert total > 20
    print(f"{phase}: {total} crash points")
    for n in range(1, total + 1):
        for ca in before:
            scene.setup(ca)
        with crash_at(n), pytest.raises(Crash):
            run(scene)
        recovery_ca = n % 2
        scene.setup(recovery_ca)
        assert scene.trusts(recovery_ca), f"{phase}: crash at call {n}"
        scene.undo()
        assert scene.snapshot() == pristine, f"{phase}: crash at call {n}"


def test_a_failed_refresh_is_run_again_by_the_next_setup(tmp_path: Path) -> None:
    scene = Scene(tmp_path)
    pristine = scene.snapshot()
    failing = Command(("false",), "refresh", undo=("true",), in_root=False)
    with pytest.raises(CheckFailed, match="undo"):
        flow.locked_apply(scene.root, scene.state, scene.fs, lambda m: _only(scene.plan(0, m), failing))
    # Nothing else to change, but the journal says the command never finished: it runs again.
    with pytest.raises(CheckFailed, match="false failed"):
        flow.locked_apply(scene.root, scene.state, scene.fs, lambda m: Plan())
    scene.undo()
    assert scene.snapshot() == pristine


def _only(plan: Plan, command: Command) -> Plan:
    plan.commands = [command]
    return plan
