"""Issue 8, point 3: a run killed (or out of disk space) at any write leaves what the next run can finish.

Kill points come from the tool's own syscalls: one traced run (``strace -y``) lists every ``openat`` that
creates or opens for writing, every ``write`` to a file, ``fsync``, ``renameat``, ``unlinkat`` and ``mkdirat``;
then each chosen occurrence N is re-run under ``strace --inject=SYSCALL:signal=KILL:when=N`` (the signal
arrives as the call is entered: the tool dies right before it). After each kill one more ``setup`` (with one
of two CAs) and ``undo`` must succeed and leave the target byte-identical to its start (contents, modes, link
targets, no temp files). Targets: a venv, and a Debian bookworm root with its real update-ca-certificates;
phases: a first setup, a setup over an earlier one with another CA, and undo. Where a phase has more points
than its budget, they are sampled evenly over the run with every syscall kind kept
(``PTS_KILL_BUDGET=all`` runs every point). Random delays kill the whole process group, the store tool with
it, and one kill lands inside update-ca-certificates on purpose.

Disk full: the same points with ``error=ENOSPC`` (and one ``EDQUOT``) must give one error line, exit 1, and
leave everything as before.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from corplab.pki import make_ca
from corplab.venvs import make_venv

from support.roots import copy_root, snapshot
from support.runs import Run

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chroot, update-ca-certificates)"),
    pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (tests/run-all.sh installs it)"),
]

TRACED = "openat,write,fsync,fdatasync,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,rmdir"
KINDS = {"renameat": "rename", "renameat2": "rename", "unlinkat": "unlink", "mkdirat": "mkdir", "rmdir": "unlink"}
WRITE_OPEN = re.compile(r"O_(WRONLY|RDWR|CREAT)")
FILE_FD = re.compile(r"^\w+\(\d+</(?!dev/)")  # an fd strace -y names by a path (not a pipe, not /dev/null)
BUDGET = {"venv": 8, "root": 3}  # kill points per phase (every syscall kind is added when sampling missed it)
RANDOM_TRIALS = {"venv": 3, "root": 1}  # each: a setup and an undo killed after a random delay
SEED = 8
CAS = [make_ca("Example Corp Root CA", "Example Corp"), make_ca("Example Corp Root CA 2", "Example Corp")]
TALLY: Counter[str] = Counter()


@dataclass(frozen=True)
class Point:
    syscall: str
    nth: int  # strace's when=: the nth call of this syscall by the process
    line: str

    @property
    def kind(self) -> str:
        return KINDS.get(self.syscall, self.syscall)


def points_of(trace: str) -> list[Point]:
    counters: Counter[str] = Counter()
    found = []
    for line in trace.splitlines():
        match = re.match(r"(\w+)\(", line)
        if not match:
            continue
        name = match[1]
        counters[name] += 1
        if name == "openat" and not WRITE_OPEN.search(line):
            continue
        if name in ("write", "fsync", "fdatasync") and not FILE_FD.match(line):
            continue
        found.append(Point(name, counters[name], line[:160]))
    return found


def sample(points: list[Point], budget: int | None) -> list[Point]:
    """Evenly spread over the run (so every phase of it), plus the first point of each kind not yet taken."""
    if budget is None or len(points) <= budget:
        return points
    chosen = {round(i * (len(points) - 1) / (budget - 1)) for i in range(budget)}
    for kind in {p.kind for p in points}:
        if not any(points[i].kind == kind for i in chosen):
            chosen.add(next(i for i, p in enumerate(points) if p.kind == kind))
    return [points[i] for i in sorted(chosen)]


class Subject:
    """What the tool acts on, how to run it there, and what must come back byte for byte."""

    def __init__(self, kind: str, base: Path, env: dict[str, str], cas: list[Path]) -> None:
        self.kind, self.base, self.cas = kind, base, cas
        self.env = {**env, "PYTHONHASHSEED": "0"}
        if kind == "root":
            self.env["PIP_TLS_SETUP_STATE_DIR"] = ""
        else:
            self.env["PIP_TLS_SETUP_STATE_DIR"] = str(base / "state")

    def setup_args(self, ca: int) -> list[str]:
        common = ["setup", "--ca", str(self.cas[ca]), "--no-verify", "-q"]
        if self.kind == "root":
            return [*common, "--root", str(self.base)]
        python = str(self.base / "venv/bin/python")
        return [*common, "--python", python, "--no-system-store", "--bundle", str(self.base / "out/bundle.pem")]

    def undo_args(self) -> list[str]:
        return ["undo", "-q", "--root", str(self.base)] if self.kind == "root" else ["undo", "-q"]

    def watched(self) -> list[Path]:
        if self.kind == "root":
            return [self.base / d for d in ("etc", "var", "tmp", "usr/local", "usr/lib/python3", "root")]
        return [self.base / "venv", self.base / "out", self.base / "state"]

    def argv(self, args: list[str]) -> list[str]:
        return [sys.executable, "-m", "pip_tls_setup", *args]

    def run(self, args: list[str], prefix: list[str] | None = None) -> Run:
        argv = [*(prefix or []), *self.argv(args)]
        done = subprocess.run(argv, capture_output=True, text=True, env=self.env, check=False)
        return Run(argv, done.returncode, done.stdout, done.stderr)

    def ok(self, args: list[str]) -> Run:
        run = self.run(args)
        assert run.returncode == 0, f"{args}: {run.output}"
        return run

    def assert_trusts(self, ca: int) -> None:
        """After a completed setup every file we wrote trusts exactly this CA."""
        body = CAS[ca].pem.decode().split("-----")[2].strip()
        other = CAS[1 - ca].pem.decode().split("-----")[2].strip()
        if self.kind == "root":
            files = [self.base / "etc/ssl/certs/ca-certificates.crt", self.base / "etc/pip-tls-setup/ca-bundle.pem"]
            anchors = list((self.base / "usr/local/share/ca-certificates").glob("pip-tls-setup-*.crt"))
            assert len(anchors) == 1, anchors
            files += anchors
        else:
            vendored = next((self.base / "venv/lib").glob("python3*/site-packages/pip/_vendor/certifi/cacert.pem"))
            files = [self.base / "out/bundle.pem", self.base / "out/bundle-corporate.pem", vendored]
        for path in files:
            text = path.read_text()
            assert text.count(body) == 1 and other not in text, path


def killed(subject: Subject, args: list[str], point: Point, action: str = "signal=KILL") -> Run:
    inject = ["strace", "-qq", "-o", "/dev/null", f"--inject={point.syscall}:{action}:when={point.nth}"]
    return _grouped(subject, [*inject, *subject.argv(args)])


def _grouped(subject: Subject, argv: list[str], delay: float | None = None, when_exists: Path | None = None) -> Run:
    """Run ``argv`` in its own process group; kill the group after ``delay`` / once ``when_exists`` appears,
    and in any case once the leader has ended (children of a killed tool must not outlive it)."""
    process = subprocess.Popen(
        argv, env=subject.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    if delay is not None:
        time.sleep(delay)
        _killpg(process.pid)
    if when_exists is not None:
        while process.poll() is None and not when_exists.exists():
            time.sleep(0.002)
        _killpg(process.pid)
    out, err = process.communicate()  # reaps the leader; then no member of the group may be left
    while _killpg(process.pid):
        time.sleep(0.01)  # so the next run never races a dying update-ca-certificates
    return Run(argv, process.returncode, out, err)


def _killpg(pgid: int) -> bool:
    """SIGKILL every process of the group; False when there was none."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def traced_points(subject: Subject, args: list[str], tmp: Path) -> list[Point]:
    trace = tmp / "trace.txt"
    run = subject.run(args, ["strace", "-qq", "-y", "-o", str(trace), "-e", f"trace={TRACED}"])
    assert run.returncode == 0, run.output
    return points_of(trace.read_text())


PHASES = {
    "setup": ([], lambda s: s.setup_args(0)),
    "setup-over": ([0], lambda s: s.setup_args(1)),
    "undo": ([0], lambda s: s.undo_args()),
}


def check_recovery(subject: Subject, pristine: dict[str, str], recovery_ca: int, what: str) -> None:
    subject.ok(subject.setup_args(recovery_ca))
    subject.assert_trusts(recovery_ca)
    subject.ok(subject.undo_args())
    after = snapshot(*subject.watched())
    assert after == pristine, f"{what}: not as before: {_diff(pristine, after)}"


def _diff(before: dict[str, str], after: dict[str, str]) -> list[str]:
    keys = sorted(set(before) | set(after))
    return [
        f"{k}: {before.get(k, 'absent')} -> {after.get(k, 'absent')}" for k in keys if before.get(k) != after.get(k)
    ][:8]


def _budget(kind: str) -> int | None:
    raw = os.environ.get("PTS_KILL_BUDGET")
    if raw == "all":
        return None
    return int(raw) if raw else BUDGET[kind]


@pytest.fixture(scope="module")
def ca_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    base = tmp_path_factory.mktemp("cas")
    return [ca.write(base / f"corp{i}.pem") for i, ca in enumerate(CAS)]


@pytest.fixture(scope="module")
def venv_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory.mktemp("venv") / "venv").parent.parent


@pytest.fixture
def subject(request: pytest.FixtureRequest, tmp_path: Path, tool_env, ca_files, venv_base) -> Iterator[Subject]:
    kind = request.param
    if kind == "root":
        base = copy_root("bookworm", tmp_path / "root")
    else:
        base = tmp_path / "trial"
        shutil.copytree(venv_base, base / "venv", symlinks=True)
    yield Subject(kind, base, tool_env, ca_files)


@pytest.mark.parametrize("subject", ["venv", "root"], indirect=True)
@pytest.mark.parametrize("phase", sorted(PHASES))
def test_sigkill_at_every_write_leaves_what_the_next_run_finishes(subject: Subject, phase: str, tmp_path) -> None:
    pristine = snapshot(*subject.watched())
    before, traced = PHASES[phase]
    for ca in before:
        subject.ok(subject.setup_args(ca))
    points = traced_points(subject, traced(subject), tmp_path)
    if phase != "undo":
        subject.ok(subject.undo_args())
    assert snapshot(*subject.watched()) == pristine
    chosen = sample(points, _budget(subject.kind))
    assert {p.kind for p in chosen} >= {"openat", "write", "fsync", "rename"} | (
        {"unlink"} if phase == "undo" else set()
    )
    dead = 0
    for number, point in enumerate(chosen):
        for ca in before:
            subject.ok(subject.setup_args(ca))
        run = killed(subject, traced(subject), point)
        dead += run.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL)
        check_recovery(subject, pristine, number % 2, f"{subject.kind}/{phase} killed at {point}")
    TALLY[f"kill points {subject.kind}/{phase}"] += len(chosen)
    print(f"{subject.kind}/{phase}: {len(points)} kill points, {len(chosen)} run, {dead} killed")
    assert dead >= len(chosen) * 0.9, "most injected kills must land (the run is deterministic)"


@pytest.mark.parametrize("subject", ["venv", "root"], indirect=True)
def test_sigkill_of_the_process_group_at_random_moments(subject: Subject) -> None:
    pristine = snapshot(*subject.watched())
    started = time.monotonic()
    subject.ok(subject.setup_args(0))
    duration = time.monotonic() - started
    subject.ok(subject.undo_args())
    rng = random.Random(SEED)  # noqa: S311 (reproducible kill moments, not secrets)
    trials = RANDOM_TRIALS[subject.kind]
    for number in range(trials):
        _grouped(subject, subject.argv(subject.setup_args(number % 2)), delay=rng.uniform(0, duration))
        check_recovery(subject, pristine, (number + 1) % 2, f"{subject.kind}: killed after a random delay")
        subject.ok(subject.setup_args(0))
        _grouped(subject, subject.argv(subject.undo_args()), delay=rng.uniform(0, duration))
        check_recovery(subject, pristine, number % 2, f"{subject.kind}: undo killed after a random delay")
    TALLY[f"random kills {subject.kind}"] += 2 * trials


@pytest.mark.parametrize("subject", ["root"], indirect=True)
def test_sigkill_inside_update_ca_certificates(subject: Subject) -> None:
    """Killed while the store tool appends to ca-certificates.crt.new: the next run must not build on it."""
    pristine = snapshot(*subject.watched())
    partial = subject.base / "etc/ssl/certs/ca-certificates.crt.new"
    run = _grouped(subject, subject.argv(subject.setup_args(0)), when_exists=partial)
    assert run.returncode != 0 and partial.exists()
    assert list((subject.base / "tmp").glob("ca-certificates.tmp.*"))  # the tool's own temp files, left behind
    subject.ok(subject.setup_args(1))
    assert not partial.exists() and not list((subject.base / "tmp").glob("ca-certificates.tmp.*"))
    bundle = (subject.base / "etc/ssl/certs/ca-certificates.crt").read_text()
    original = (subject.base / "usr/share/ca-certificates").rglob("*.crt")
    assert bundle.count("BEGIN CERTIFICATE") == len(list(original)) + 1  # no duplicates
    subject.ok(subject.undo_args())
    assert snapshot(*subject.watched()) == pristine
    TALLY["random kills root"] += 1


# --- disk full ----------------------------------------------------------------------------------------------


def assert_disk_full(run: Run) -> None:
    assert run.returncode == 1, run.output
    errors = [line for line in run.stderr.splitlines() if line.startswith("pip-tls-setup: error:")]
    assert len(errors) == 1 and "no space left on device" in errors[0], run.stderr
    assert "Traceback" not in run.output and "internal error" not in run.output


@pytest.mark.parametrize("subject", ["venv", "root"], indirect=True)
def test_disk_full_at_a_write_is_one_line_and_rolls_back(subject: Subject, tmp_path: Path) -> None:
    pristine = snapshot(*subject.watched())
    points = [
        p
        for p in traced_points(subject, subject.setup_args(0), tmp_path)
        if p.kind in ("write", "rename") or (p.kind == "fsync" and ".pts-tmp" in p.line)
    ]
    subject.ok(subject.undo_args())
    chosen = sample(points, 12 if subject.kind == "venv" else 5)
    for number, point in enumerate(chosen):
        error = "EDQUOT" if number == len(chosen) - 1 else "ENOSPC"
        run = killed(subject, subject.setup_args(0), point, f"error={error}")
        assert_disk_full(run)
        assert snapshot(*subject.watched()) == pristine, (
            f"disk full at {point}: {_diff(pristine, snapshot(*subject.watched()))}"
        )
    TALLY[f"disk-full points {subject.kind}"] += len(chosen)


@pytest.mark.parametrize("subject", ["venv"], indirect=True)
def test_disk_full_in_undo_keeps_the_journal_for_the_next_undo(subject: Subject, tmp_path: Path) -> None:
    pristine = snapshot(*subject.watched())
    subject.ok(subject.setup_args(0))
    points = [p for p in traced_points(subject, subject.undo_args(), tmp_path) if p.kind in ("write", "rename")]
    for point in sample(points, 3):
        subject.ok(subject.setup_args(0))
        assert_disk_full(killed(subject, subject.undo_args(), point, "error=ENOSPC"))
        assert (subject.base / "state/journal.json").exists()
        subject.ok(subject.undo_args())
        assert snapshot(*subject.watched()) == pristine
        TALLY["disk-full points venv-undo"] += 1


def test_undo_with_a_journal_whose_backups_are_gone(tool, tmp_path: Path, venv_base: Path, ca_files) -> None:
    """What a kill between deleting backups and deleting journal.json left (the order before issue 8)."""
    base = tmp_path / "trial"
    shutil.copytree(venv_base, base / "venv", symlinks=True)
    env = {"PIP_TLS_SETUP_STATE_DIR": str(base / "state")}
    python = str(base / "venv/bin/python")
    args = ["setup", "--ca", str(ca_files[0]), "--python", python, "--no-system-store", "--no-verify"]
    args += ["--bundle", str(base / "out/bundle.pem")]
    pristine = snapshot(base / "venv", base / "out", base / "state")
    assert tool(*args, env=env).returncode == 0
    journal = (base / "state/journal.json").read_bytes()
    assert tool("undo", env=env).returncode == 0
    (base / "state").mkdir(mode=0o700)
    (base / "state/journal.json").write_bytes(journal)  # the journal survived, its backups did not

    again = tool("undo", env=env)
    assert again.returncode == 0, again.output
    assert "internal error" not in again.output
    assert snapshot(base / "venv", base / "out", base / "state") == pristine
    assert tool(*args, env=env).returncode == 0
    assert tool("undo", env=env).returncode == 0
    assert snapshot(base / "venv", base / "out", base / "state") == pristine


def test_tally() -> None:
    """The counts the issue asks for (run with -s to see them)."""
    print("kill/disk-full tally:", dict(TALLY))
