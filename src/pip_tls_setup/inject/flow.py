"""The ``setup`` flow: validate inputs, discover targets, plan, apply, export."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pip_tls_setup.ca.sources import CASet
from pip_tls_setup.errors import InputError
from pip_tls_setup.inject import planner, stores
from pip_tls_setup.inject.apply import ApplyReport, FileSystem, apply
from pip_tls_setup.inject.edits import envexport
from pip_tls_setup.inject.journal import Journal
from pip_tls_setup.inject.lock import RunLock
from pip_tls_setup.inject.plan import FileChange, Plan
from pip_tls_setup.inject.stores.base import Query
from pip_tls_setup.policy import runtime
from pip_tls_setup.policy.findings import Finding
from pip_tls_setup.target import osinfo, pythons
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.root import Root


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

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.failing]

    @property
    def changed(self) -> bool:
        return bool(self.applied and (self.applied.files or self.applied.commands))


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
    targets, notes = pythons.discover(request.root, request.pythons, env)
    layout = planner.default_layout(request.root, privilege, env, request.bundle, request.state_dir)
    findings = runtime.evaluate(request.root, targets, env, allow=(layout.bundle, layout.corporate))
    plan = planner.build(
        root=request.root,
        store=store,
        cas=request.cas.certs,
        targets=targets,
        layout=layout,
        options=request.options,
        privilege=privilege,
        query=query,
        env=env,
    )
    if request.env_file:
        _plan_env_file(plan, request.env_file, privilege)
    return SetupResult(request, info, store, targets, layout, plan, privilege, discovery_notes=notes, findings=findings)


def _plan_env_file(plan: Plan, path: str, privilege: Privilege) -> None:
    host = Path(path).absolute()
    planner.check_writable("--env-file", host, privilege)
    try:
        before: bytes | None = host.read_bytes()
    except FileNotFoundError:
        before = None
    text = envexport.upsert_dotenv((before or b"").decode("utf-8", "replace"), plan.env)
    plan.add_file(FileChange(str(host), before, text.encode("utf-8"), "environment for later steps (--env-file)"))


def execute(result: SetupResult, env: Mapping[str, str]) -> SetupResult:
    """Apply the plan under the run lock, then hand the environment to the platform."""
    request = result.request
    fs = FileSystem(result.privilege)
    on_host = frozenset({str(Path(request.env_file).absolute())}) if request.env_file else frozenset()
    with RunLock(result.layout.state_dir / "lock"):
        journal = Journal.load(result.layout.state_dir, str(request.root))
        result.applied = apply(result.plan, request.root, journal, fs, on_host=on_host)
    if request.env_file:
        result.env_sinks.append(str(Path(request.env_file).absolute()))
    github_env = env.get("GITHUB_ENV")
    if github_env and request.root.is_host:
        with open(github_env, "a", encoding="utf-8") as handle:
            handle.write(envexport.render(result.plan.env, "github"))
        result.env_sinks.append("$GITHUB_ENV")
    return result


def state_dir_for(root: Root, privilege: Privilege, env: Mapping[str, str], explicit: str | None) -> Path:
    return planner.default_layout(root, privilege, env, None, explicit).state_dir


def environ() -> dict[str, str]:
    return dict(os.environ)
