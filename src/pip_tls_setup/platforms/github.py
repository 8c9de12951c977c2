"""GitHub Actions: workflow commands, step outputs, ``$GITHUB_ENV`` and the step summary.

Everything here is text in GitHub's documented formats; nothing is printed that is not escaped
(``%``, CR, LF in messages; also ``:`` and ``,`` in properties), so a value can never start a second
workflow command. Multi-line values go to files with a random heredoc delimiter.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TextIO

from pip_tls_setup.platforms.cli_contract import Facts, Finding

LEVELS = ("error", "warning", "notice")
MIN_MASK_LENGTH = 4  # GitHub ignores very short masks; they would also hide ordinary words


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str, message: str, *, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
    """``::error file=F,line=N,title=T::message`` (one line)."""
    if level not in LEVELS:
        raise ValueError(level)
    props: list[str] = []
    if file:
        props.append(f"file={escape_property(file)}")
        if line:
            props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(message)}"


def add_mask(value: str) -> list[str]:
    """``::add-mask::`` lines for a secret; each line of a multi-line value separately."""
    lines: list[str] = []
    for part in [value, *value.splitlines()]:
        part = part.strip()
        if len(part) >= MIN_MASK_LENGTH and "\n" not in part:
            command = f"::add-mask::{escape_data(part)}"
            if command not in lines:
                lines.append(command)
    return lines


def _delimiter(values: Iterable[str]) -> str:
    while True:
        candidate = f"ghadelimiter_{secrets.token_hex(16)}"
        if all(candidate not in value for value in values):
            return candidate


def file_commands(pairs: Mapping[str, str]) -> str:
    """``name<<DELIM`` blocks for ``$GITHUB_OUTPUT`` / ``$GITHUB_ENV`` (safe for any value)."""
    out: list[str] = []
    for name, value in pairs.items():
        if not name or any(ch in name for ch in "=\r\n<") or name != name.strip():
            raise ValueError(f"bad name {name!r}")
        delimiter = _delimiter([name, value])
        out.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(out)


def append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def finding_annotations(findings: Sequence[Finding], enforce: bool, base: str = "") -> list[str]:
    """One annotation per finding, naming the file (relative to the workspace) and line.

    Errors are ``::error`` when enforcing and ``::warning`` in warn mode; warnings stay warnings and
    notes (informational findings) are ``::notice``.
    """
    lines: list[str] = []
    for finding in findings:
        path = finding.path
        if base and base not in (".", "./") and path:
            path = f"{base.rstrip('/')}/{path}"
        if finding.severity == "note":
            level = "notice"
        elif finding.severity == "error" and enforce:
            level = "error"
        else:
            level = "warning"
        title = " ".join(part for part in (finding.rule, finding.title) if part) or "pip-tls-setup"
        message = f"{finding.message}. Fix: {finding.fix}" if finding.fix else finding.message
        lines.append(annotation(level, message, file=path or None, line=finding.line or None, title=title))
    return lines


def runtime_annotations(findings: Sequence[Finding], enforce: bool) -> list[str]:
    """Annotations for settings in force on the runner (``env:PIP_TRUSTED_HOST``, ``/etc/pip.conf:3``)."""
    lines: list[str] = []
    for finding in findings:
        level = (
            "error"
            if finding.severity == "error" and enforce
            else "notice"
            if finding.severity == "note"
            else "warning"
        )
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        title = " ".join(part for part in (finding.rule, finding.title) if part) or "pip-tls-setup"
        message = f"{where}: {finding.message}" + (f". Fix: {finding.fix}" if finding.fix else "")
        lines.append(annotation(level, message, title=title))
    return lines


# ---------------------------------------------------------------- step summary (Markdown)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _code(text: object) -> str:
    # GitHub's tables split cells on "|" even inside a code span unless it is escaped.
    value = str(text).replace("`", "'").replace("\n", " ").replace("|", "\\|")
    return f"`{value}`" if value else ""


def summary(facts: Facts) -> str:
    """The step summary: proxy, interception, CA, what was installed where, findings."""
    status = "passed" if facts.ok else "failed"
    out = [f"## pip-tls-setup: {status}\n\n"]
    out.append("| | |\n|---|---|\n")
    out.append(f"| Mode | {_cell(facts.mode)} |\n")
    out.append(f"| Proxy | {_code(facts.proxy) or 'none'} |\n")
    if facts.intercepted == "true":
        intercepted = "yes" + (f", issuer {_code(facts.issuer)}" if facts.issuer else "")
        if facts.vendor:
            intercepted += f" ({_cell(facts.vendor)})"
    elif facts.intercepted == "false":
        intercepted = "no"
    else:
        intercepted = "not checked"
    out.append(f"| TLS interception | {intercepted} |\n")
    if facts.diagnosis:
        out.append(f"| Diagnosis | {_cell(facts.diagnosis)} |\n")
    for ca in facts.cas:
        out.append(f"| Corporate CA | {_cell(ca)} |\n")
    if facts.bundle:
        out.append(f"| Combined bundle | {_code(facts.bundle)} |\n")
    if facts.verified:
        out.append(f"| Verification | {_cell(facts.verified)} |\n")
    out.append(f"| Findings | {facts.findings_count} |\n\n")
    if facts.errors:
        out.append("### Errors\n\n")
        out.extend(f"- {_cell(e)}\n" for e in facts.errors)
        out.append("\n")
    if facts.targets:
        out.append("### Pythons set up\n\n")
        out.extend(f"- {_cell(t)}\n" for t in facts.targets)
        out.append("\n")
    if facts.changes:
        out.append("### Installed\n\n| Action | Path | Why |\n|---|---|---|\n")
        out.extend(f"| {_cell(c.action)} | {_code(c.path)} | {_cell(c.reason)} |\n" for c in facts.changes)
        out.append("\n")
    elif facts.bundle:
        out.append("Nothing to change: every target already trusts these CAs.\n\n")
    if facts.env:
        names = ", ".join(_code(name) for name in facts.env)
        out.append(f"Later steps get {names} (via `$GITHUB_ENV`).\n\n")
    if facts.notes:
        out.append("### Notes\n\n")
        out.extend(f"- {_cell(n)}\n" for n in facts.notes)
        out.append("\n")
    if facts.findings:
        out.append(f"### Insecure settings ({facts.findings_count})\n\n")
        out.append("| Severity | Rule | Location | Message |\n|---|---|---|---|\n")
        for f in facts.findings:
            location = f"{f.path}:{f.line}" if f.line else f.path
            out.append(f"| {_cell(f.severity)} | {_cell(f.rule)} | {_code(location)} | {_cell(f.message)} |\n")
        out.append("\n")
    return "".join(out)


def emit(lines: Iterable[str], stream: TextIO) -> None:
    for line in lines:
        stream.write(line + "\n")
    stream.flush()


def append_step_summary(env: Mapping[str, str], markdown: str) -> str | None:
    """Append to $GITHUB_STEP_SUMMARY when set; returns a warning when it cannot be written."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return None
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    except OSError as exc:
        return f"$GITHUB_STEP_SUMMARY ({path}) cannot be written ({exc.strerror}); the summary was skipped"
    return None
