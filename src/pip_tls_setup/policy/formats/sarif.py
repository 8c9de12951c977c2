"""SARIF 2.1.0 (valid against the OASIS schema; accepted by GitHub code scanning).

Each rule's ``helpUri`` is its section of docs/rules.md (:attr:`rules.Rule.help_uri`): repository-relative
(``docs/rules.md#pts101``) until the project documents a public base URL (``rules.DOCS_BASE_URL``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from pip_tls_setup import __version__, escape
from pip_tls_setup.policy import rules
from pip_tls_setup.policy.findings import ERROR, NOTE, WARNING, Finding

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {ERROR: "error", WARNING: "warning", NOTE: "note"}
_SECURITY_SEVERITY = {ERROR: "8.0", WARNING: "5.0", NOTE: "2.0"}


def _rule(rule: rules.Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "helpUri": rule.help_uri,
        "help": {
            "text": f"{rule.description} Fix: {rule.fix}",
            "markdown": f"{rule.description}\n\n**Fix:** {rule.fix}\n\nSee [{rule.anchor}]({rule.help_uri}).",
        },
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "tags": ["security", "tls", "supply-chain"],
            "precision": "high",
            "security-severity": _SECURITY_SEVERITY[rule.severity],
        },
    }


def _uri(path: str) -> tuple[str, str | None]:
    if path.startswith("env:"):
        return escape.text(path), None
    # The file's bytes on disk, percent-encoded: an undecodable name (surrogateescape) still has a URI.
    encoded = quote(path.encode("utf-8", "surrogateescape"), safe="/")
    if path.startswith("/"):
        return "file://" + encoded, None
    return encoded, "%SRCROOT%"


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    uri, base = _uri(finding.path)
    artifact: dict[str, Any] = {"uri": uri}
    if base:
        artifact["uriBaseId"] = base
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if finding.line:
        region: dict[str, Any] = {"startLine": finding.line}
        if finding.column:
            region["startColumn"] = finding.column
        if finding.snippet:
            region["snippet"] = {"text": escape.text(finding.snippet)}
        physical["region"] = region
    fingerprint = hashlib.sha256(
        "|".join((finding.rule, finding.path, finding.snippet or finding.message)).encode("utf-8", "surrogateescape")
    ).hexdigest()
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": _LEVEL[finding.severity],
        "message": {"text": escape.text(f"{finding.message}. Fix: {finding.fix}")},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"pipTlsSetup/v1": fingerprint},
    }
    if finding.host:
        result["properties"] = {"host": finding.host}
    return result


def render(findings: Sequence[Finding], **info: Any) -> str:
    catalogue = list(rules.RULES.values())
    index = {rule.id: i for i, rule in enumerate(catalogue)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "pip-tls-setup",
                "semanticVersion": __version__,
                "version": __version__,
                "rules": [_rule(r) for r in catalogue],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index) for f in findings],
    }
    base = info.get("base_uri")
    if base:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": base}}
    suppressed = info.get("suppressed") or []
    for finding in suppressed:
        result = _result(finding, index)
        reason = str(finding.suppressed_by or "")
        kind = "inSource" if reason.startswith("inline:") else "external"
        result["suppressions"] = [{"kind": kind, "justification": reason}]
        run["results"].append(result)
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"
