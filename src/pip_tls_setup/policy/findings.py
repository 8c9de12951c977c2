"""The finding model every parser produces and every renderer consumes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pip_tls_setup import redact

ERROR = "error"
WARNING = "warning"
NOTE = "note"
_RANK = {NOTE: 0, WARNING: 1, ERROR: 2}


def rank(severity: str) -> int:
    return _RANK[severity]


def failing(severity: str) -> bool:
    """Errors and warnings fail a run; notes never do."""
    return _RANK[severity] >= _RANK[WARNING]


@dataclass(frozen=True)
class Hit:
    """What a parser reports: a rule at a line of the file it is reading (path added by the scanner)."""

    rule: str
    line: int | None
    message: str
    column: int | None = None
    host: str | None = None
    fix: str | None = None
    severity: str | None = None
    path: str | None = None  # set when the hit belongs to another file (a COPY source, a -r include)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    path: str  # relative to the scanned root, POSIX separators; or a logical path / "environment"
    line: int | None  # 1-based; None for settings that have no line (environment variables)
    message: str
    fix: str
    title: str = ""
    column: int | None = None
    snippet: str = ""
    host: str | None = None
    suppressed_by: str | None = field(default=None, compare=False)

    @property
    def failing(self) -> bool:
        return failing(self.severity)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def with_(self, **changes: Any) -> Finding:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
            "title": self.title,
        }
        if self.column is not None:
            data["column"] = self.column
        if self.snippet:
            data["snippet"] = self.snippet
        if self.host:
            data["host"] = self.host
        return data


def clean_text(text: str, limit: int = 300) -> str:
    """One line, credentials masked, bounded length: safe to print anywhere.

    The text is cut to a window before anything else runs on it, so the work is bounded whatever the file
    held (a 50 MB line); the window never ends in the middle of a URL, whose credentials could be cut off
    from the ``@`` the redaction needs to see."""
    window = limit * 4 + 64
    if len(text) > window:
        text = _cut(text, window)
    flat = " ".join(redact.url(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _cut(text: str, size: int) -> str:
    """``text`` cut to about ``size`` characters at a blank; a URL in the last, unfinished word loses all but
    its scheme."""
    head = text[:size]
    blank = max(head.rfind(" "), head.rfind("\t"), head.rfind("\n"))
    if blank >= size // 2:
        return head[:blank] + " ..."
    start = blank + 1
    scheme = head.find("://", start)
    if scheme != -1:
        return head[: scheme + 3] + "..."
    return head + "..."


def sort_key(finding: Finding) -> tuple[str, int, int, str]:
    return (finding.path, finding.line or 0, finding.column or 0, finding.rule)
