"""GitLab Code Quality report: the Code Climate subset GitLab reads (``description``, ``check_name``,
``fingerprint``, ``severity`` (info, minor, major, critical, blocker), ``location.path``,
``location.lines.begin``), plus Code Climate's ``type``, ``categories`` and ``content.body``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from pip_tls_setup import escape
from pip_tls_setup.policy import rules
from pip_tls_setup.policy.findings import ERROR, WARNING, Finding, clean_text

_SEVERITY = {ERROR: "critical", WARNING: "major"}


DESCRIPTION_LIMIT = 200


def description(finding: Finding) -> str:
    """GitLab's ``description``, "a description of the code quality violation" shown in the merge request
    widget next to the file and line: the rule and the finding's message, one line, short."""
    return escape.text(clean_text(f"{finding.rule} {finding.message}", DESCRIPTION_LIMIT))


def _help(finding: Finding) -> str:
    rule = rules.RULES.get(finding.rule)
    return rule.help_uri if rule is not None else "docs/rules.md"


def render(findings: Sequence[Finding]) -> str:
    issues: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for finding in findings:
        # stable across line moves: rule, file, the offending text (and its occurrence number)
        basis = "|".join((finding.rule, finding.path, finding.snippet or finding.message, finding.host or ""))
        count = seen.get(basis, 0)
        seen[basis] = count + 1
        # surrogateescape: an undecodable file name still hashes (as the bytes it is on disk)
        fingerprint = hashlib.sha256(f"{basis}|{count}".encode("utf-8", "surrogateescape")).hexdigest()
        issues.append(
            {
                "type": "issue",
                "engine_name": "pip-tls-setup",
                "check_name": finding.rule,
                "description": description(finding),
                "categories": ["Security"],
                "fingerprint": fingerprint,
                "severity": _SEVERITY.get(finding.severity, "info"),
                "location": {"path": escape.text(finding.path), "lines": {"begin": finding.line or 1}},
                # Code Climate's long form (GitLab shows the description; other readers show this)
                "content": {"body": escape.text(f"{finding.message}. Fix: {finding.fix}. See {_help(finding)}")},
            }
        )
    return json.dumps(issues, indent=2) + "\n"
