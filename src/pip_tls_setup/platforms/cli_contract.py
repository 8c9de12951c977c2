"""What the CI run steps learn from the CLI, read from its documented JSON (one reader for every platform),
and the inputs both wrappers share (one vocabulary: the same names, meanings and ``PTS_*`` variables).

The run steps call the CLI as a subprocess (``python -m pip_tls_setup ...``) and read its JSON:
``setup --json``, ``doctor --json``, ``undo --json`` and ``scan --format json`` (``{"findings": [{"rule",
"severity", "path", "line", "message"}]}``). Reading the contracts, not the internals, keeps the wrappers
thin. The wrappers ship with the tool, so every option they pass exists: nothing is probed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pip_tls_setup import escape, redact

PROG = "pip-tls-setup"
ERROR_PREFIX = f"{PROG}: error: "


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # error, warning or note
    path: str
    line: int
    message: str
    title: str = ""
    fix: str = ""


@dataclass(frozen=True)
class Change:
    action: str
    path: str
    reason: str


@dataclass
class Facts:
    """Everything a summary, an output or a dotenv report needs; every string is already redacted."""

    mode: str = "enforce"
    proxy: str = ""
    intercepted: str = ""  # "true" / "false" / "" (not checked)
    issuer: str = ""
    vendor: str = ""
    diagnosis: str = ""
    bundle: str = ""
    verified: str = ""
    cas: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ok: bool = True

    @property
    def findings_count(self) -> int:
        """Errors and warnings (notes are informational)."""
        return sum(1 for f in self.findings if f.severity != "note")

    def outputs(self) -> dict[str, str]:
        return {
            "bundle-path": self.bundle,
            "proxy": self.proxy,
            "intercepted": self.intercepted,
            "issuer": self.issuer,
            "findings": str(self.findings_count),
        }


@dataclass(frozen=True)
class Result:
    args: list[str]  # the CLI arguments (the subcommand first)
    returncode: int
    stdout: str
    stderr: str

    @property
    def command(self) -> str:
        return self.args[0] if self.args else ""

    def json(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.stdout)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    @property
    def errors(self) -> list[str]:
        """The tool's one-line errors (``pip-tls-setup: error: ...``), without the prefix."""
        return [line[len(ERROR_PREFIX) :].strip() for line in self.stderr.splitlines() if line.startswith(ERROR_PREFIX)]

    @property
    def unavailable(self) -> bool:
        """The command or an option does not exist in this version of the tool."""
        text = self.stderr
        return self.returncode == 2 and ("is not implemented yet" in text or "unrecognized arguments" in text)


class Invoker(Protocol):
    def __call__(self, args: Sequence[str], env: Mapping[str, str], timeout: float | None = None) -> Result: ...


TIMED_OUT = 124  # what timeout(1) returns: the command ran out of its time budget


def invoke(args: Sequence[str], env: Mapping[str, str], timeout: float | None = None) -> Result:
    """Run the CLI with this interpreter (the tool's own environment, or the single-file build)."""
    single_file = os.environ.get("PIP_TLS_SETUP_SINGLE_FILE")
    argv = [sys.executable, single_file, *args] if single_file else [sys.executable, "-m", "pip_tls_setup", *args]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=dict(env), check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Result(list(args), TIMED_OUT, "", f"{ERROR_PREFIX}{args[0]}: did not finish within {timeout:.0f} s\n")
    return Result(list(args), done.returncode, done.stdout, done.stderr)


def findings_from(data: Mapping[str, Any] | None) -> list[Finding]:
    found: list[Finding] = []
    for item in (data or {}).get("findings", []) or []:
        if not isinstance(item, dict):
            continue
        try:
            line = int(item.get("line") or 0)
        except (TypeError, ValueError):
            line = 0
        found.append(
            Finding(
                rule=str(item.get("rule", "")),
                severity=str(item.get("severity", "error")),
                path=str(item.get("path", "")),
                line=line,
                message=redact.url(str(item.get("message", ""))),
                title=redact.url(str(item.get("title") or "")),
                fix=redact.url(str(item.get("fix") or "")),
            )
        )
    return found


def unshown_lines(result: Result, facts: Facts, shown: Sequence[str] = (), drop_errors: bool = False) -> list[str]:
    """The CLI's stderr lines that say something the run step does not already show (no line twice).

    ``setup --json`` still prints its warnings and the runtime policy's findings on stderr; the run step
    shows them from the JSON (notes, annotations), and turns the error lines into annotations.
    """
    known = [text for text in (*facts.notes, *shown) if len(text) >= 12]
    kept = []
    for line in result.stderr.splitlines():
        if drop_errors and line.startswith(ERROR_PREFIX):
            continue
        if any(text in redact.url(line) for text in known):
            continue
        kept.append(line)
    return kept


def _text(value: Any) -> str:
    return redact.url(str(value)) if value not in (None, "") else ""


def apply_doctor(facts: Facts, data: Mapping[str, Any] | None) -> None:
    """Proxy (redacted), interception and issuer from ``doctor --json``'s ``summary`` headline."""
    headline = (data or {}).get("summary")
    if not isinstance(headline, Mapping):
        return
    if headline.get("proxy"):
        facts.proxy = _text(headline["proxy"])
    flag = headline.get("intercepted")
    if isinstance(flag, bool):
        facts.intercepted = "true" if flag else "false"
    issuer = headline.get("issuer") or headline.get("issuer_name")
    if issuer:
        facts.issuer = _text(issuer)
    if headline.get("product"):
        facts.vendor = _text(headline["product"])
    if headline.get("message") and flag is not False:
        facts.diagnosis = _text(headline["message"])


def _mappings(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [item for item in data.get(key, []) or [] if isinstance(item, Mapping)]


def apply_setup(facts: Facts, data: Mapping[str, Any] | None) -> None:
    """The bundle, CAs, targets, changes, exported names, warnings and verify verdict of ``setup --json``."""
    if not data:
        return
    facts.bundle = _text(data.get("bundle"))
    for ca in _mappings(data, "cas"):
        until = str(ca.get("not_after", ""))[:10]
        facts.cas.append(f"{ca.get('subject', '')} sha256:{ca.get('sha256', '')} until {until}")
    for target in _mappings(data, "targets"):
        pip = f"pip {target['pip']}" if target.get("pip") else "no pip"
        facts.targets.append(f"{target.get('executable')} (Python {target.get('python')}, {pip})")
    for change in _mappings(data, "changes"):
        facts.changes.append(Change(str(change.get("action")), str(change.get("path")), str(change.get("reason"))))
    env = data.get("env")
    if isinstance(env, Mapping):
        facts.env = {str(k): str(v) for k, v in env.items()}
    for note in _mappings(data, "notes"):
        if note.get("level") == "warning":
            facts.notes.append(_text(f"{note.get('topic')}: {note.get('message')}"))
    facts.verified = _verdict(data.get("verify"))


def _verdict(verify: Any) -> str:
    """``passed``, or ``failed`` naming the first decisive checks that failed (client, view, what it said)."""
    if not isinstance(verify, Mapping):
        return _text(verify) if isinstance(verify, str) else ""
    ok = verify.get("ok")
    if ok is not False:
        return "passed" if ok is True else _text(verify.get("status"))
    failing = [
        f"{c.get('client')} ({t.get('view')}): {c.get('message')}"
        for t in _mappings(verify, "targets")
        if t.get("decisive")
        for c in t.get("checks") or []
        if isinstance(c, Mapping) and not c.get("ok")
    ]
    failing += [
        f"{c.get('client')} ({c.get('view')}): {c.get('message')}"
        for c in _mappings(verify, "clients")
        if c.get("decisive") and c.get("ok") is False
    ]
    shown = "; ".join(_text(f)[:200] for f in failing[:3])
    return f"failed: {shown}" if shown else "failed"


def proxy_from_env(env: Mapping[str, str]) -> str:
    """The proxy HTTPS requests would use, redacted (a fallback when ``doctor`` is not available)."""
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "PIP_PROXY"):
        value = env.get(name, "").strip()
        if value:
            return redact.url(value if "://" in value else f"http://{value}")
    return ""


def proxy_secrets(env: Mapping[str, str]) -> list[str]:
    """Credentials inside any proxy variable (to mask before anything prints)."""
    found: list[str] = []
    for name, value in env.items():
        if name.lower().endswith("_proxy") or name == "PIP_PROXY":
            text = value if "://" in value else f"http://{value}"
            for secret in redact.secrets_in(text):
                if secret not in found:
                    found.append(secret)
    return found


def text(facts: Facts) -> str:
    """A short human account of the run for the job log (the JSON run keeps the CLI itself quiet).

    Every value is one printable line (``escape.text``): a subject or path cannot start a log line.
    """
    e = escape.text
    lines = [f"  CA       {e(ca)}" for ca in facts.cas]
    lines += [f"  target   {e(target)}" for target in facts.targets]
    lines += [f"  {e(change.action):<8} {e(change.path)}  ({e(change.reason)})" for change in facts.changes]
    if facts.bundle:
        lines.append(f"  bundle   {e(facts.bundle)}")
    if facts.env:
        lines.append(f"  env      {e(', '.join(facts.env))}")
    if facts.verified:
        lines.append(f"  verify   {e(facts.verified)}")
    lines += [f"  note     {e(note)}" for note in facts.notes]
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------- the inputs both wrappers share

TRUE = ("true", "yes", "1", "on")
FALSE = ("false", "no", "0", "off")
MODES = ("enforce", "warn")
CLEANUPS = ("auto", "always", "never")


class BadInput(Exception):
    """An input the operator wrote wrong: one line naming the input, the problem and the fix."""


def parse_list(raw: str) -> list[str]:
    """A list input: a JSON array (how GitLab interpolates ``type: array``), else one item per line or comma."""
    text = raw.strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, list):
            return [str(item).strip() for item in data if str(item).strip()]
    return [item.strip() for item in re.split(r"[\n,]+", text) if item.strip()]


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(input_variable(name), "").strip().lower()
    if not raw:
        return default
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise BadInput(f"input {name}: '{raw[:40]}' is not true or false; write true or false")


def _choice(env: Mapping[str, str], name: str, choices: Sequence[str]) -> str:
    value = env.get(input_variable(name), "").strip().lower() or choices[0]
    if value not in choices:
        listed = " or ".join(choices)
        raise BadInput(f"input {name}: '{value[:40]}' is not {listed}; write {listed}")
    return value


def input_variable(name: str) -> str:
    """The variable an input reaches the run step in: ``scan-paths`` -> ``PTS_SCAN_PATHS`` (both wrappers)."""
    return "PTS_" + name.upper().replace("-", "_")


@dataclass(frozen=True)
class Inputs:
    """The inputs with the same name and meaning in the Action and the component."""

    mode: str = "enforce"
    ca_files: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    scan: bool = True
    scan_paths: tuple[str, ...] = (".",)
    system_store: bool = True
    verify: bool = True
    sarif_file: str = ""
    cleanup: str = "auto"

    @classmethod
    def read(cls, env: Mapping[str, str]) -> Inputs:
        paths = tuple(parse_list(env.get(input_variable("scan-paths"), "."))) or (".",)
        for path in paths:
            if path.startswith("-"):
                raise BadInput(f"input scan-paths: '{path[:40]}' looks like an option; give paths in the workspace")
        return cls(
            mode=_choice(env, "mode", MODES),
            ca_files=tuple(parse_list(env.get(input_variable("ca-file"), ""))),
            targets=tuple(parse_list(env.get(input_variable("targets"), ""))),
            scan=_flag(env, "scan", True),
            scan_paths=paths,
            system_store=_flag(env, "system-store", True),
            verify=_flag(env, "verify", True),
            sarif_file=env.get(input_variable("sarif-file"), "").strip(),
            cleanup=_choice(env, "cleanup", CLEANUPS),
        )

    def target_args(self) -> list[str]:
        args: list[str] = []
        for path in self.ca_files:
            args += ["--ca", path]
        for python in self.targets:
            args += ["--python", python]
        return args

    def setup_args(self, state_dir: str | None) -> list[str]:
        args = ["--mode", self.mode]
        if not self.system_store:
            args.append("--no-system-store")
        if not self.verify:
            args.append("--no-verify")
        if state_dir:
            args += ["--state-dir", state_dir]
        return args


@dataclass(frozen=True)
class Cleanup:
    """Whether the run undoes its changes at the end of the job, why, and where the journal lives."""

    enabled: bool
    reason: str
    state_dir: str | None  # None: the CLI's default (a later 'pip-tls-setup undo' finds it there)


def cleanup_plan(choice: str, outlives_job: bool, where: str, job_dir: str, env: Mapping[str, str]) -> Cleanup:
    """``auto`` undoes only where the machine outlives the job (``where`` says which machine this is).

    A journal for the end of the job lives in the job's private directory. Without cleanup it stays
    where the CLI looks by default; as a user that is not root that is the user's state directory,
    because the CLI's system-wide default (/var/lib/pip-tls-setup) is only writable through sudo.
    """
    enabled = choice == "always" or (choice == "auto" and outlives_job)
    if choice == "always":
        reason = "cleanup: always"
    elif choice == "never":
        reason = "cleanup: never"
    else:
        reason = f"cleanup: auto, {where}"
    if enabled:
        return Cleanup(True, reason, os.path.join(job_dir, "state"))
    return Cleanup(False, reason, None if _is_root() else user_state_dir(env))


def _is_root() -> bool:
    geteuid = getattr(os, "geteuid", None)
    return geteuid is None or geteuid() == 0  # Windows: the CLI's default (ProgramData) is used


def user_state_dir(env: Mapping[str, str]) -> str:
    home = env.get("HOME") or os.path.expanduser("~")
    return os.path.join(env.get("XDG_STATE_HOME") or os.path.join(home, ".local", "state"), "pip-tls-setup")


def in_container() -> bool:
    """A job in a container (docker, Kubernetes, podman executors): the container ends with the job."""
    return os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv")


def undo_summary(data: Mapping[str, Any] | None) -> tuple[list[str], list[str], list[str]]:
    """(restored, removed, warnings) of ``undo --json``."""
    found = data or {}

    def strings(key: str) -> list[str]:
        return [_text(item) for item in found.get(key, []) or []]

    return strings("restored"), strings("removed"), strings("warnings")


def nothing_to_undo(result: Result) -> bool:
    """``undo`` found no journal (exit 1, ``"journal": null``): nothing was changed, which is not a failure
    for a cleanup step (setup was blocked, or changed nothing)."""
    data = result.json()
    return result.returncode == 1 and data is not None and data.get("command") == "undo" and data.get("journal") is None
