"""JSON (``--json`` / ``--format json``), schema ``docs/schemas/scan.schema.json``::

    {"schema_version": 1, "tool_version": "...", "command": "scan", "ok": true,
     "tool": {"name", "version"},
     "findings": [{"rule", "severity", "path", "line", "message", "fix", "title", "column"?, "snippet"?,
                   "host"?, "help_uri"}],
     "summary": {"errors", "warnings", "notes", "failed", "files_seen"?, "files_read"?, "suppressed"?},
     "suppressed"?: [{... "suppressed_by"}]}

The envelope is the one every ``--json`` output of the tool has; ``findings`` (``rule``, ``severity``,
``path``, ``line``, ``message``) is the contract the GitHub Action and the GitLab component read
(``platforms/cli_contract.findings_from``): keys are only ever added, never renamed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pip_tls_setup import __version__, envelope
from pip_tls_setup.policy import rules
from pip_tls_setup.policy.findings import ERROR, NOTE, WARNING, Finding


def _finding(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    rule = rules.RULES.get(finding.rule)
    if rule is not None:
        data["help_uri"] = rule.help_uri
    return data


def report(findings: Sequence[Finding], **info: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "errors": sum(1 for f in findings if f.severity == ERROR),
        "warnings": sum(1 for f in findings if f.severity == WARNING),
        "notes": sum(1 for f in findings if f.severity == NOTE),
        **(info.get("summary") or {}),
    }
    failed = bool(summary.get("failed", summary["errors"] or summary["warnings"]))
    summary["failed"] = failed
    data = envelope(
        "scan",
        not failed,
        {
            "tool": {"name": "pip-tls-setup", "version": __version__},
            "findings": [_finding(f) for f in findings],
            "summary": summary,
        },
    )
    suppressed = info.get("suppressed")
    if suppressed:
        data["suppressed"] = [{**_finding(f), "suppressed_by": f.suppressed_by} for f in suppressed]
    return data


def render(findings: Sequence[Finding], **info: Any) -> str:
    # ensure_ascii (the default): an undecodable file name (surrogate escapes) is written as \udcXX, never
    # as bytes that are not UTF-8, and no control character reaches a terminal raw
    return json.dumps(report(findings, **info), indent=2) + "\n"
