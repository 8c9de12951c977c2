"""GitLab Code Quality report (the Code Climate subset GitLab reads)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from pip_tls_setup import escape
from pip_tls_setup.policy.findings import ERROR, WARNING, Finding

_SEVERITY = {ERROR: "critical", WARNING: "major"}


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
                "description": escape.text(f"{finding.rule}: {finding.message} Fix: {finding.fix}"),
                "categories": ["Security"],
                "fingerprint": fingerprint,
                "severity": _SEVERITY.get(finding.severity, "info"),
                "location": {"path": escape.text(finding.path), "lines": {"begin": finding.line or 1}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"
