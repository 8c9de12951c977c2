"""Renderers for findings: text (people), json (the contract), sarif (code scanning),
github (workflow annotations), gitlab (Code Quality)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pip_tls_setup.policy.findings import Finding

FORMATS = ("text", "json", "sarif", "github", "gitlab")


def render(fmt: str, findings: Sequence[Finding], **info: Any) -> str:
    if fmt == "json":
        from pip_tls_setup.policy.formats import jsonfmt

        return jsonfmt.render(findings, **info)
    if fmt == "sarif":
        from pip_tls_setup.policy.formats import sarif

        return sarif.render(findings, **info)
    if fmt == "github":
        from pip_tls_setup.policy.formats import github

        return github.render(findings)
    if fmt == "gitlab":
        from pip_tls_setup.policy.formats import gitlab

        return gitlab.render(findings)
    if fmt == "text":
        from pip_tls_setup.policy.formats import text

        return text.render(findings, color=bool(info.get("color")), summary=info.get("summary"))
    raise ValueError(fmt)
