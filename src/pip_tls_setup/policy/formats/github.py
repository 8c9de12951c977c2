"""GitHub Actions workflow commands: ``::error file=F,line=L,title=T::message``.

Values are first made one printable line (:func:`escape.text`), then escaped as the runner wants
(:func:`escape.workflow_data` / :func:`escape.workflow_property`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pip_tls_setup import escape
from pip_tls_setup.policy.findings import ERROR, WARNING, Finding, clean_text

_LEVEL = {ERROR: "error", WARNING: "warning"}


def annotation(finding: Finding) -> str:
    level = _LEVEL.get(finding.severity, "notice")
    in_env = finding.path.startswith("env:")
    where = f"{finding.path[4:]}: " if in_env else ""
    message = f"{where}{clean_text(finding.message, 1000)}. Fix: {clean_text(finding.fix, 600)}"
    return escape.workflow_command(
        level,
        message,
        file=None if in_env else finding.path,
        line=finding.line,
        col=finding.column,
        title=f"{finding.rule} {finding.title}",
    )


def render(findings: Sequence[Finding]) -> str:
    return "".join(annotation(f) + "\n" for f in findings)
