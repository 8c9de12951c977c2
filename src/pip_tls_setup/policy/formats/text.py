"""Plain text, the way linters print: one ``path:line:col: RULE message`` line per finding, then each rule's
fix once (not on every line), then a summary line.

:func:`line` is the older one-line form with the fix (``setup`` prints the runtime findings with it).
Every value is escaped (:func:`escape.text`) and every line checked (:func:`escape.neutralise`), so a file
name holding ESC or a newline followed by ``::`` cannot become a terminal sequence or a CI log command.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pip_tls_setup import escape
from pip_tls_setup.policy import rules
from pip_tls_setup.policy.findings import ERROR, NOTE, WARNING, Finding, clean_text
from pip_tls_setup.ui import Console

_KIND = {ERROR: "error", WARNING: "warning", NOTE: "info"}
_ORDER = {ERROR: 0, WARNING: 1, NOTE: 2}
FIXES_HEADING = "How to fix:"


def line(finding: Finding, color: bool = False) -> str:
    """One finding as one clean line (no newlines, credentials masked)::

    /etc/pip.conf:2: error PTS101 pip is told to trust host 'mirror.example' (...). Fix: remove ...
    """
    painter = Console(color=color)
    label = painter.paint(_KIND[finding.severity], finding.severity)
    message = escape.text(clean_text(finding.message, 1000)).rstrip(".")
    fix = escape.text(clean_text(finding.fix, 1000))
    return escape.neutralise(f"{escape.text(finding.location)}: {label} {finding.rule} {message}. Fix: {fix}")


def where(finding: Finding) -> str:
    """``path:line:col``, ``path:line`` or ``path`` (environment variables and whole files have no line)."""
    parts = [escape.text(finding.path)]
    if finding.line:
        parts.append(str(finding.line))
        if finding.column:
            parts.append(str(finding.column))
    return ":".join(parts)


def finding_line(finding: Finding, color: bool = False) -> str:
    """``Dockerfile:5:24: PTS101 pip is told to trust host 'index.corp.test' (--trusted-host): ...``"""
    painter = Console(color=color)
    rule = painter.paint(_KIND[finding.severity], finding.rule)
    message = escape.text(clean_text(finding.message, 1000)).rstrip(".")
    return escape.neutralise(f"{where(finding)}: {rule} {message}")


def fixes(findings: Sequence[Finding], color: bool = False) -> list[str]:
    """Each rule found, once: its severity, title, how many findings, each distinct fix and its docs."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    if not by_rule:
        return []
    painter = Console(color=color)
    out = ["", FIXES_HEADING]
    for rule_id in sorted(by_rule, key=lambda r: (min(_ORDER[f.severity] for f in by_rule[r]), r)):
        found = by_rule[rule_id]
        severities = sorted({f.severity for f in found}, key=_ORDER.__getitem__)
        label = "/".join(painter.paint(_KIND[s], s) for s in severities)
        title = escape.text(found[0].title or (rules.RULES[rule_id].title if rule_id in rules.RULES else ""))
        count = f"{len(found)} finding{'s' if len(found) != 1 else ''}"
        out.append(escape.neutralise(f"{rule_id} ({label}) {title}: {count}"))
        for fix in dict.fromkeys(f.fix for f in found):
            out.append(escape.neutralise(f"  fix: {escape.text(clean_text(fix, 1000))}"))
        if rule_id in rules.RULES:
            out.append(f"  see: {rules.RULES[rule_id].help_uri}")
    return out


def render(findings: Sequence[Finding], color: bool = False, summary: dict[str, Any] | None = None) -> str:
    out = [finding_line(f, color) for f in findings]
    out += fixes(findings, color)
    if summary is not None:
        if out:
            out.append("")
        out.append(summary_line(findings, summary))
    return "\n".join(out) + ("\n" if out else "")


def summary_line(findings: Sequence[Finding], summary: dict[str, Any]) -> str:
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = sum(1 for f in findings if f.severity == WARNING)
    notes = sum(1 for f in findings if f.severity == NOTE)
    files = len({f.path for f in findings if f.severity != NOTE})
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    text = ", ".join(parts)
    if errors or warnings:
        text += f" in {files} file{'s' if files != 1 else ''}"
    text += f"; {notes} note{'s' if notes != 1 else ''}"
    suppressed = summary.get("suppressed", 0)
    if suppressed:
        text += f"; {suppressed} suppressed by exceptions"
    if "files_read" in summary:
        text += f" (read {summary['files_read']} of {summary['files_seen']} files)"
    return f"pip-tls-setup scan: {text}"
