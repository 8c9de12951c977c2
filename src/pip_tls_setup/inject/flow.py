"""The ``setup`` and ``undo`` flows: validate inputs, discover targets, then under the run lock: finish
an interrupted run, plan, apply (or undo), and export."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pip_tls_setup import clients as clients_
from pip_tls_setup.ca.sources import CASet
from pip_tls_setup.errors import InputError, PipTlsSetupError
from pip_tls_setup.inject import apply as applying
from pip_tls_setup.inject import planner, safefs, stores
from pip_tls_setup.inject.apply import UNDO, ApplyReport, FileSystem, Recovery, UndoReport
from pip_tls_setup.inject.edits import envexport
from pip_tls_setup.inject.journal import LOCK_NAME, Journal
from pip_tls_setup.inject.lock import RunLock
from pip_tls_setup.inject.plan import FileChange, Plan
from pip_tls_setup.inject.stores.base import Query
from pip_tls_setup.inject.stores.linux import AnchorDirStore
from pip_tls_setup.policy import runtime
from pip_tls_setup.policy.findings import Finding
from pip_tls_setup.target import osinfo, pythons
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.root import Root, host_writable


@dataclass(frozen=True)
class SetupRequest:
    cas: CASet
    root: Root
    pythons: Sequence[str] = ()
    bundle: str | None = None
    state_dir: str | None = None
    options: planner.Options = field(default_factory=planner.Options)
    env_file: str | None = None
    env_format: str = "dotenv"
    dry_run: bool = False
    clients: Sequence[str] = ()  # --client NAME: only these (default: every client found)
    no_clients: Sequence[str] = ()  # --no-client NAME


@dataclass
class SetupResult:
    request: SetupRequest
    os: osinfo.OSInfo
    store: stores.TrustStore | None
    targets: list[pythons.Target]
    layout: planner.Layout
    plan: Plan
    privilege: Privilege
    applied: ApplyReport | None = None
    env_sinks: list[str] = field(default_factory=list)
    discovery_notes: list[str] = field(default_factory=list)
    # Insecure installer settings in force here (runtime policy), found before anything is planned.
    findings: list[Finding] = field(default_factory=list)
    query: Query = stores.run_query
    env: Mapping[str, str] = field(default_factory=dict)
    clients: list[tuple[clients_.Client, clients_.Found]] = field(default_factory=list)
    client_context: clients_.Context | None = None

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.failing]

    @property
    def changed(self) -> bool:
        return bool(self.applied and (self.applied.files or self.applied.commands))

    @property
    def undo_command(self) -> str:
        return undo_command(self.request.root, self.request.state_dir or self.env.get(planner.STATE_ENV))


def undo_command(root: Root, state_dir: str | None) -> str:
    """The exact command that undoes a run with this root and explicit state dir (shell-quoted)."""
    parts = ["pip-tls-setup", "undo"]
    if not root.is_host:
        parts += ["--root", shlex.quote(str(root))]
    if state_dir:
        parts += ["--state-dir", shlex.quote(state_dir)]
    return " ".join(parts)


def with_undo_command(exc: PipTlsSetupError, command: str) -> PipTlsSetupError:
    """``exc`` with its undo advice naming ``command`` (the same class, the same exit code)."""
    quoted = f"'{command}'"
    if quoted == UNDO or UNDO not in str(exc):
        return exc
    if isinstance(exc, InputError):
        return InputError(exc.what, exc.problem.replace(UNDO, quoted), exc.fix.replace(UNDO, quoted))
    return type(exc)(str(exc).replace(UNDO, quoted))


def prepare(
    request: SetupRequest,
    env: Mapping[str, str],
    privilege: Privilege,
    query: Query = stores.run_query,
) -> SetupResult:
    """Everything up to (and including) the plan; nothing is written."""
    if not request.root.is_host and privilege is Privilege.NONE:
        raise InputError(
            f"--root {request.root}",
            "needs root or passwordless sudo (targets run there through chroot)",
            "run as root",
        )
    info = osinfo.detect(request.root)
    store = stores.for_os(info)
    chosen = clients_.select(request.clients, request.no_clients)
    if request.pythons and not request.clients:
        chosen = []  # explicit --python targets only, unless --client names clients too
    # The two inventories are independent and mostly wait on the interpreters and clients they ask: at once.
    with ThreadPoolExecutor(max_workers=1) as pool:
        inventory = pool.submit(pythons.discover, request.root, request.pythons, env)
        layout = planner.default_layout(request.root, privilege, env, request.bundle, request.state_dir)
        context = planner.client_context(
            request.root, env, privilege, layout, store, request.options, request.cas.certs
        )
        found = clients_.discover(context, chosen)
        targets, notes = inventory.result()
    notes += add_tool_venvs(request.root, targets, found, env)
    findings = runtime.evaluate(request.root, targets, env, allow=(layout.bundle, layout.corporate))
    result = SetupResult(
        request,
        info,
        store,
        targets,
        layout,
        Plan(),
        privilege,
        discovery_notes=notes,
        findings=findings,
        query=query,
        env=env,
        clients=found,
        client_context=context,
    )
    # This plan is shown (--dry-run) and fails early on bad input; ``execute`` plans again under the lock.
    result.plan = _plan(result)
    return result


def _plan(result: SetupResult, managed: Sequence[str] | None = None) -> Plan:
    """``managed``: from the journal (read here when not given: the dry-run plan, outside the lock)."""
    request = result.request
    if managed is None:
        managed = _journaled_cas(result.layout.state_dir, request.root)
    plan = planner.build(
        root=request.root,
        store=result.store,
        cas=request.cas.certs,
        targets=result.targets,
        layout=result.layout,
        options=request.options,
        privilege=result.privilege,
        query=result.query,
        env=result.env,
        managed=managed,
        clients=result.clients,
        client_context=result.client_context,
    )
    if request.env_file:
        _plan_env_file(plan, request.env_file, result.privilege)
    return plan


def add_tool_venvs(
    root: Root,
    targets: list[pythons.Target],
    found: Sequence[tuple[clients_.Client, clients_.Found]],
    env: Mapping[str, str],
    own_prefix: str = sys.prefix,
) -> list[str]:
    """The venvs behind the clients found (pipx, uv tool, console scripts, poetry, pipenv, ...) become Python
    targets too, unless already one (or pip-tls-setup's own); returns notes about the ones that failed."""
    seen = {os.path.realpath(root.host(t.prefix)) for t in targets}
    own = os.path.realpath(own_prefix)
    notes: list[str] = []
    for _client, facts in found:
        for python in facts.venvs:
            prefix = os.path.realpath(root.host(os.path.dirname(os.path.dirname(python))))
            if prefix in seen or (root.is_host and prefix == own):
                continue
            seen.add(prefix)
            try:
                targets.append(pythons.inventory(root, python, env))
            except InputError as exc:
                notes.append(f"skipped {python} ({facts.client}): {exc.problem}")
    return notes


def _plan_env_file(plan: Plan, path: str, privilege: Privilege) -> None:
    target = host_writable(Path(path))
    planner.check_output("--env-file", target, privilege)
    before = safefs.read(target)
    text = envexport.upsert_dotenv((before or b"").decode("utf-8", "replace"), plan.env)
    plan.add_file(FileChange(target.logical, before, text.encode("utf-8"), "environment for later steps (--env-file)"))


def execute(result: SetupResult, env: Mapping[str, str]) -> SetupResult:
    """Apply the plan under the run lock; the caller hands the environment to the platform."""
    request = result.request
    fs = FileSystem(result.privilege)
    on_host = frozenset({os.path.abspath(request.env_file)}) if request.env_file else frozenset()
    state_dir = result.layout.state_dir
    supplied = [c.sha256 for c in request.cas.certs]
    try:
        result.plan, result.applied = locked_apply(
            request.root,
            state_dir,
            fs,
            lambda managed: _plan(result, managed),
            leftovers(result.store),
            supplied,
            on_host,
        )
    except PipTlsSetupError as exc:
        raise with_undo_command(exc, result.undo_command) from None
    if request.env_file:
        result.env_sinks.append(str(Path(request.env_file).absolute()))
    return result


def locked_apply(
    root: Root,
    state_dir: Path,
    fs: FileSystem,
    make_plan: Callable[[list[str]], Plan],
    store_leftovers: Sequence[str] = (),
    supplied: Sequence[str] = (),
    on_host: frozenset[str] = frozenset(),
) -> tuple[Plan, ApplyReport]:
    """Take the run lock, finish what an interrupted run left, plan (``make_plan(managed CAs)``), apply."""
    try:
        with RunLock(state_dir / LOCK_NAME, tidy=True):
            journal = Journal.load(state_dir, str(root))
            recovery = applying.recover(root, journal, fs, store_leftovers)
            # Planned under the lock, from what the files hold now: a concurrent run cannot interleave.
            plan = make_plan(journal.managed)
            plan.commands.extend(applying.unfinished_commands(journal, plan))
            _note_recovery(plan, recovery)
            return plan, applying.apply(plan, root, journal, fs, on_host, supplied)
    except OSError as exc:
        raise applying.failure("setup", exc, "nothing more was changed") from None


def _journaled_cas(state_dir: Path, root: Root) -> list[str]:
    if not os.path.lexists(state_dir):
        return []
    try:
        return Journal.load(state_dir, str(root)).managed
    except InputError:
        return []  # reported (exit 2) by the run that takes the lock


def leftovers(store: stores.TrustStore | None) -> tuple[str, ...]:
    return store.leftovers if isinstance(store, AnchorDirStore) else ()


def _note_recovery(plan: Plan, recovery: Recovery) -> None:
    if recovery.undone is not None:
        plan.note("info", "recovery", "an interrupted undo was finished first")
    if recovery.removed:
        shown = ", ".join(recovery.removed[:3]) + (
            f" and {len(recovery.removed) - 3} more" if len(recovery.removed) > 3 else ""
        )
        plan.note("info", "recovery", f"removed what an interrupted run left: {shown}")


def state_dir_for(root: Root, privilege: Privilege, env: Mapping[str, str], explicit: str | None) -> Path:
    return planner.default_layout(root, privilege, env, None, explicit).state_dir


@dataclass
class UndoResult:
    state_dir: Path
    report: UndoReport | None = None  # None: there was no journal
    recovery: Recovery = field(default_factory=Recovery)


def undo(root: Root, privilege: Privilege, env: Mapping[str, str], explicit_state: str | None) -> UndoResult:
    """Under the run lock: finish or undo what the journal holds, then forget it (and remove leftovers)."""
    state_dir = state_dir_for(root, privilege, env, explicit_state)
    if not os.path.lexists(state_dir):
        return UndoResult(state_dir)
    return locked_undo(root, state_dir, FileSystem(privilege), leftovers(stores.for_os(osinfo.detect(root))))


def locked_undo(root: Root, state_dir: Path, fs: FileSystem, store_leftovers: Sequence[str] = ()) -> UndoResult:
    result = UndoResult(state_dir)
    try:
        with RunLock(state_dir / LOCK_NAME, tidy=True):
            journal = Journal.load(state_dir, str(root))
            result.recovery = applying.recover(root, journal, fs, store_leftovers)
            if result.recovery.undone is not None:
                result.report = result.recovery.undone
            elif journal.exists:
                result.report = applying.undo(root, journal, fs)
                journal.discard()
    except OSError as exc:
        raise applying.failure("undo", exc, f"the journal keeps what is left to restore: run {UNDO} again") from None
    return result
