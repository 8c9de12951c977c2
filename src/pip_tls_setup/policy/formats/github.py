"""GitHub Actions workflow commands: ``::error file=F,line=L,title=T::message``.

Escaping follows the runner (actions/toolkit ``command.ts``): data escapes ``%``, CR and LF;
property values also escape ``:`` and ``,``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pip_tls_setup.policy.findings import ERROR, WARNING, Finding, clean_text

_LEVEL = {ERROR: "error", WARNING: "warning"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    level = _LEVEL.get(finding.severity, "notice")
    props: list[str] = []
    if not finding.path.startswith("env:"):
        props.append(f"file={escape_property(finding.path)}")
        if finding.line:
            props.append(f"line={finding.line}")
            if finding.column:
                props.append(f"col={finding.column}")
    props.append(f"title={escape_property(f'{finding.rule} {finding.title}')}")
    where = "" if not finding.path.startswith("env:") else f"{finding.path[4:]}: "
    message = f"{where}{clean_text(finding.message, 1000)}. Fix: {clean_text(finding.fix, 600)}"
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def render(findings: Sequence[Finding]) -> str:
    return "".join(annotation(f) + "\n" for f in findings)
