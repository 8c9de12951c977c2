"""Explicit, expiring exceptions, and inline ignores.

In ``pyproject.toml``::

    [[tool.pip-tls-setup.exceptions]]
    rule = "PTS101"
    host = "legacy-index.example"        # and/or path = "docker/legacy/**"
    reason = "vendor mirror without TLS until SEC-123 lands"
    expires = 2026-12-31

or the same entries as ``[[exceptions]]`` in ``.pip-tls-setup.toml``. Every entry needs a
rule, a path glob or a host, a reason and an expiry date; a missing reason or date is bad
input (exit 2). An expired entry stops suppressing and is itself a failing finding (PTS501).

Inline: ``# pip-tls-setup: ignore[PTS101] reason`` on the line of the finding or the line
above it. The reason is required.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pip_tls_setup.errors import InputError
from pip_tls_setup.policy import reading, rules
from pip_tls_setup.policy.findings import Finding
from pip_tls_setup.policy.toml import TomlError, loads

CONFIG_NAMES = (".pip-tls-setup.toml", "pyproject.toml")
CONFIG_LIMIT = 2 * 1024 * 1024
_INLINE = re.compile(r"pip-tls-setup:\s*ignore\[(?P<rules>[^\]]*)\](?P<reason>[^\n]*)", re.IGNORECASE)
_ENTRY_FIX = "each entry needs rule, path or host, reason and expires (YYYY-MM-DD)"


@dataclass
class Exemption:
    rule: str
    reason: str
    expires: dt.date
    source: str  # the config file as shown to the user
    line: int
    path: str | None = None
    host: str | None = None
    used: int = field(default=0, compare=False)

    def matches(self, finding: Finding, relpath: str) -> bool:
        if finding.rule != self.rule:
            return False
        if self.path is not None and not (fnmatch.fnmatchcase(relpath, self.path) or relpath == self.path.rstrip("/")):
            return False
        return not (self.host is not None and (finding.host or "").lower() != self.host.lower())

    @property
    def scope(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(f"path {self.path}")
        if self.host is not None:
            parts.append(f"host {self.host}")
        return ", ".join(parts)


@dataclass
class Config:
    exemptions: list[Exemption] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)  # path globs never scanned (e.g. deliberate examples)


def load_config(root: Path, explicit: str | None = None, shown_root: str = "") -> Config:
    """``--config FILE``, else ``ROOT/.pip-tls-setup.toml`` and ``[tool.pip-tls-setup]`` in ``ROOT/pyproject.toml``."""
    config = Config()
    if explicit is not None:
        path = Path(explicit)
        if not path.exists() or path.is_dir():
            raise InputError(f"--config {explicit}", "does not exist", "give the path of a .pip-tls-setup.toml file")
        _read(path, explicit, config)
        return config
    for name in CONFIG_NAMES:
        path = root / name
        if path.is_file():
            shown = f"{shown_root.rstrip('/')}/{name}" if shown_root else name
            _read(path, shown, config)
    return config


def _read(path: Path, shown: str, config: Config) -> None:
    data = reading.read(path, CONFIG_LIMIT)
    if isinstance(data, reading.Skipped):
        raise InputError(shown, data.problem, "give a readable .pip-tls-setup.toml or pyproject.toml")
    text = reading.decode(data, "pyproject")
    if path.name == "pyproject.toml" and "pip-tls-setup" not in text:
        return
    try:
        doc = loads(text)
    except TomlError as exc:
        raise InputError(f"{shown}:{exc.line}", f"is not valid TOML ({exc.problem})", "fix the syntax") from None
    base: tuple[str, ...] = ("tool", "pip-tls-setup") if path.name == "pyproject.toml" else ()
    table = doc.get(*base) if base else doc.data
    if table is None:
        return
    if not isinstance(table, dict):
        raise InputError(f"{shown}:{doc.line(*base)}", "[tool.pip-tls-setup] is not a table", _ENTRY_FIX)
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        raise InputError(
            f"{shown}:{doc.line(*base, 'exclude')}",
            "exclude must be a list of path globs",
            'e.g. exclude = ["examples/insecure/**"]',
        )
    config.exclude.extend(_relative_glob(e) for e in exclude)
    entries = table.get("exceptions", [])
    if not isinstance(entries, list):
        raise InputError(f"{shown}:{doc.line(*base, 'exceptions')}", "exceptions must be a list of tables", _ENTRY_FIX)
    for index, entry in enumerate(entries):
        config.exemptions.append(_exemption(entry, shown, doc.line(*base, "exceptions", index)))


def _exemption(entry: object, shown: str, line: int) -> Exemption:
    """One ``[[exceptions]]`` entry, validated (bad input names the file and line)."""
    where = f"{shown}:{line}"
    if not isinstance(entry, dict):
        raise InputError(where, "an exception is not a table", _ENTRY_FIX)
    rule = str(entry.get("rule", "")).strip().upper()
    if not rule:
        raise InputError(where, "exception has no rule", _ENTRY_FIX)
    if rule not in rules.RULES:
        raise InputError(where, f"unknown rule {rule}", "use a rule ID from docs/rules.md (e.g. PTS101)")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError(where, f"exception for {rule} has no reason", 'say why it is acceptable in reason = "..."')
    path_glob = entry.get("path")
    host = entry.get("host")
    if path_glob is None and host is None:
        raise InputError(where, f"exception for {rule} names neither a path nor a host", _ENTRY_FIX)
    return Exemption(
        rule,
        reason.strip(),
        _expiry(entry.get("expires"), where, rule),
        shown,
        line,
        _relative_glob(str(path_glob)) if path_glob is not None else None,
        str(host).strip() if host is not None else None,
    )


def _expiry(expires: object, where: str, rule: str) -> dt.date:
    if expires is None:
        raise InputError(where, f"exception for {rule} has no expiry date", "add expires = YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(str(expires)[:10])
    except ValueError:
        raise InputError(where, f"expires = {expires!r} is not a date", "use YYYY-MM-DD") from None


def _relative_glob(glob: str) -> str:
    glob = glob.strip()
    while glob.startswith("./"):
        glob = glob[2:]
    return glob.lstrip("/")


def apply(
    findings: Sequence[tuple[Finding, str]], exemptions: Sequence[Exemption], today: dt.date
) -> tuple[list[Finding], list[Finding]]:
    """(kept, suppressed). ``findings`` pairs each finding with its root-relative path."""
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding, relpath in findings:
        match = next((e for e in exemptions if e.matches(finding, relpath)), None)
        if match is None:
            kept.append(finding)
            continue
        match.used += 1
        if match.expires < today:
            kept.append(finding)
            continue
        suppressed.append(finding.with_(suppressed_by=f"{match.source}:{match.line}"))
    return kept, suppressed


def findings_about(exemptions: Sequence[Exemption], today: dt.date) -> list[Finding]:
    """PTS501 for expired exceptions, PTS502 for unused ones."""
    out: list[Finding] = []
    for exemption in exemptions:
        about = f"the exception for {exemption.rule} ({exemption.scope})"
        if exemption.expires < today:
            out.append(_finding("PTS501", exemption, f"{about} expired on {exemption.expires}: {exemption.reason}"))
        elif not exemption.used:
            out.append(_finding("PTS502", exemption, f"{about} matched nothing in this scan"))
    return out


def _finding(rule_id: str, exemption: Exemption, message: str) -> Finding:
    """A finding about the exception itself, at its line in the config file."""
    rule = rules.get(rule_id)
    return Finding(rule.id, rule.severity, exemption.source, exemption.line, message, rule.fix, rule.title)


def inline(lines: Sequence[str], line: int | None, rule: str, shown: str) -> str | None:
    """The reason of an inline ignore for ``rule`` on ``line`` or the line above, else None."""
    if not line:
        return None
    for number in (line, line - 1):
        if 1 <= number <= len(lines):
            text = lines[number - 1]
            if "pip-tls-setup" not in text:
                continue
            match = _INLINE.search(text)
            if not match:
                continue
            named = {r.strip().upper() for r in match.group("rules").split(",") if r.strip()}
            if rule not in named:
                continue
            reason = match.group("reason").strip().strip("-#*/ ").strip()
            if not reason:
                raise InputError(
                    f"{shown}:{number}",
                    f"inline ignore of {rule} has no reason",
                    f"write '# pip-tls-setup: ignore[{rule}] <why this is acceptable>'",
                )
            return reason
    return None
