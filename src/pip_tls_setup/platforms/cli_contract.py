"""What the CI run steps learn from the CLI, read from its documented JSON (one reader for every platform).

The run steps call the CLI as a subprocess (``python -m pip_tls_setup ...``) and read its JSON:
``setup --json``, ``doctor --json`` and ``scan --format json`` (``{"findings": [{"rule", "severity",
"path", "line", "message"}]}``). Reading the contracts, not the internals, keeps the wrappers thin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pip_tls_setup import redact

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


Invoker = Callable[[Sequence[str], Mapping[str, str]], Result]


def invoke(args: Sequence[str], env: Mapping[str, str]) -> Result:
    """Run the CLI with this interpreter (the tool's own environment, or the single-file build)."""
    single_file = os.environ.get("PIP_TLS_SETUP_SINGLE_FILE")
    argv = [sys.executable, single_file, *args] if single_file else [sys.executable, "-m", "pip_tls_setup", *args]
    done = subprocess.run(argv, capture_output=True, text=True, env=dict(env), check=False)
    return Result(list(args), done.returncode, done.stdout, done.stderr)


def supports(invoker: Invoker, env: Mapping[str, str], command: str, option: str) -> bool:
    """Whether ``command --help`` lists ``option`` (the wrappers run against the tool they ship with)."""
    done = invoker([command, "--help"], env)
    return done.returncode == 0 and option in done.stdout


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
    if isinstance(verify, Mapping):
        ok = verify.get("ok")
        return "passed" if ok is True else "failed" if ok is False else _text(verify.get("status"))
    return _text(verify) if isinstance(verify, str) else ""


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
    """A short human account of the run for the job log (the JSON run keeps the CLI itself quiet)."""
    lines = []
    for ca in facts.cas:
        lines.append(f"  CA       {ca}")
    for target in facts.targets:
        lines.append(f"  target   {target}")
    for change in facts.changes:
        lines.append(f"  {change.action:<8} {change.path}  ({change.reason})")
    if facts.bundle:
        lines.append(f"  bundle   {facts.bundle}")
    if facts.env:
        lines.append(f"  env      {', '.join(facts.env)}")
    if facts.verified:
        lines.append(f"  verify   {facts.verified}")
    for note in facts.notes:
        lines.append(f"  note     {note}")
    return "".join(line + "\n" for line in lines)
