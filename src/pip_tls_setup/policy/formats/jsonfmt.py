"""JSON: ``{"findings": [{"rule", "severity", "path", "line", "message", ...}], "summary": {...}}``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pip_tls_setup import __version__
from pip_tls_setup.policy.findings import ERROR, NOTE, WARNING, Finding


def render(findings: Sequence[Finding], **info: Any) -> str:
    data: dict[str, Any] = {
        "tool": {"name": "pip-tls-setup", "version": __version__},
        "findings": [f.to_dict() for f in findings],
        "summary": {
            "errors": sum(1 for f in findings if f.severity == ERROR),
            "warnings": sum(1 for f in findings if f.severity == WARNING),
            "notes": sum(1 for f in findings if f.severity == NOTE),
            **info.get("summary", {}),
        },
    }
    suppressed = info.get("suppressed")
    if suppressed:
        data["suppressed"] = [{**f.to_dict(), "suppressed_by": f.suppressed_by} for f in suppressed]
    return json.dumps(data, indent=2) + "\n"
