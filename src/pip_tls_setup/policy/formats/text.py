"""Plain text: one line per finding, naming file:line, severity, rule, message and the fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pip_tls_setup import escape
from pip_tls_setup.policy.findings import ERROR, NOTE, WARNING, Finding, clean_text
from pip_tls_setup.ui import Console

_KIND = {ERROR: "error", WARNING: "warning", NOTE: "info"}


def line(finding: Finding, color: bool = False) -> str:
    """One finding as one clean line (no newlines, credentials masked)::

    /etc/pip.conf:2: error PTS101 pip is told to trust host 'mirror.example' (...). Fix: remove ...
    """
    painter = Console(color=color)
    label = painter.paint(_KIND[finding.severity], finding.severity)
    message = escape.text(clean_text(finding.message, 1000)).rstrip(".")
    fix = escape.text(clean_text(finding.fix, 1000))
    return escape.neutralise(f"{escape.text(finding.location)}: {label} {finding.rule} {message}. Fix: {fix}")


def render(findings: Sequence[Finding], color: bool = False, summary: dict[str, Any] | None = None) -> str:
    out = [line(f, color) for f in findings]
    if summary is not None:
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
