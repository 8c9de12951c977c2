"""GitHub Actions: workflow commands, step outputs, ``$GITHUB_ENV`` and the step summary.

Everything here is text in GitHub's documented formats, escaped by the one encoder (``escape``):
values become one printable line, then ``%``, CR, LF (and ``:`` ``,`` in properties) are escaped, so a
value can never start a second workflow command. Multi-line values go to files with a random heredoc
delimiter.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TextIO

from pip_tls_setup import escape
from pip_tls_setup.inject.apply import failure
from pip_tls_setup.inject.edits import envexport
from pip_tls_setup.inject.plan import EnvVar
from pip_tls_setup.platforms.cli_contract import Facts, Finding

MIN_MASK_LENGTH = 4  # GitHub ignores very short masks; they would also hide ordinary words
# GitHub refuses a step summary over 1 MiB; the findings table stops short of it and says where the rest is.
SUMMARY_FINDINGS_BYTES = 900 * 1024
SUMMARY_LIMIT_NOTE = "1 MiB per step: the SARIF file or 'pip-tls-setup scan' lists them all"


def annotation(
    level: str, message: str, *, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
    """``::error file=F,line=N,title=T::message`` (one line)."""
    return escape.workflow_command(level, message, file=file, line=line, title=title)


def add_mask(value: str) -> list[str]:
    """``::add-mask::`` lines for a secret; each line of a multi-line value separately."""
    lines: list[str] = []
    for part in [value, *value.splitlines()]:
        part = part.strip()
        if len(part) >= MIN_MASK_LENGTH and "\n" not in part:
            command = f"::add-mask::{escape.workflow_data(part)}"
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


_cell = escape.markdown_cell
_code = escape.markdown_code


def summary(facts: Facts) -> str:
    """The step summary: proxy, interception, CA, what was installed where, findings."""
    status = "passed" if facts.ok else "failed"
    return f"## pip-tls-setup: {status}\n\n" + _summary_table(facts) + _summary_sections(facts)


def _interception(facts: Facts) -> str:
    if facts.intercepted == "true":
        text = "yes" + (f", issuer {_code(facts.issuer)}" if facts.issuer else "")
        return text + (f" ({_cell(facts.vendor)})" if facts.vendor else "")
    return "no" if facts.intercepted == "false" else "not checked"


def _summary_table(facts: Facts) -> str:
    rows = [("Mode", _cell(facts.mode)), ("Proxy", _code(facts.proxy) or "none")]
    rows.append(("TLS interception", _interception(facts)))
    if facts.diagnosis:
        rows.append(("Diagnosis", _cell(facts.diagnosis)))
    rows.extend(("Corporate CA", _cell(ca)) for ca in facts.cas)
    if facts.bundle:
        rows.append(("Combined bundle", _code(facts.bundle)))
    if facts.verified:
        rows.append(("Verification", _cell(facts.verified)))
    rows.append(("Findings", str(facts.findings_count)))
    return "| | |\n|---|---|\n" + "".join(f"| {name} | {value} |\n" for name, value in rows) + "\n"


def _bullets(title: str, items: Sequence[str]) -> str:
    if not items:
        return ""
    return f"### {title}\n\n" + "".join(f"- {_cell(item)}\n" for item in items) + "\n"


def _summary_sections(facts: Facts) -> str:
    out = [_bullets("Errors", facts.errors), _bullets("Pythons set up", facts.targets)]
    if facts.changes:
        out.append("### Installed\n\n| Action | Path | Why |\n|---|---|---|\n")
        out.extend(f"| {_cell(c.action)} | {_code(c.path)} | {_cell(c.reason)} |\n" for c in facts.changes)
        out.append("\n")
    elif facts.bundle:
        out.append("Nothing to change: every target already trusts these CAs.\n\n")
    if facts.env:
        names = ", ".join(_code(name) for name in facts.env)
        out.append(f"Later steps get {names} (via `$GITHUB_ENV`).\n\n")
    out.append(_bullets("Notes", facts.notes))
    out.append(_findings_table(facts))
    return "".join(out)


def _findings_table(facts: Facts) -> str:
    """Every finding (annotations stop at 10 per level and step), within the step summary's size limit."""
    if not facts.findings:
        return ""
    header = f"### Insecure settings ({facts.findings_count})\n\n"
    out = [header + "| Severity | Rule | Location | Message |\n|---|---|---|---|\n"]
    size = len(out[0])
    for index, f in enumerate(facts.findings):
        location = f"{f.path}:{f.line}" if f.line else f.path
        row = f"| {_cell(f.severity)} | {_cell(f.rule)} | {_code(location)} | {_cell(f.message)} |\n"
        size += len(row.encode("utf-8"))
        if size > SUMMARY_FINDINGS_BYTES:
            out.append(
                f"\n{len(facts.findings) - index} more findings do not fit in a step summary ({SUMMARY_LIMIT_NOTE})\n"
            )
            break
        out.append(row)
    return "".join(out) + "\n"


def cleanup_summary(restored: Sequence[str], removed: Sequence[str], warnings: Sequence[str]) -> str:
    """The post step's account: what the end of the job put back."""
    out = [f"## pip-tls-setup: cleanup\n\nRestored {len(restored)} file(s), removed {len(removed)}.\n\n"]
    out.extend(f"- restored {_code(path)}\n" for path in restored)
    out.extend(f"- removed {_code(path)}\n" for path in removed)
    out.extend(f"- warning: {_cell(warning)}\n" for warning in warnings)
    return "".join(out) + "\n"


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


GITHUB_ENV_FAILED = "the files are set up ({undo} restores them); later steps lack the variables"


def export_environment(env: Mapping[str, str], variables: Sequence[EnvVar], undo: str) -> bool:
    """Append ``variables`` to ``$GITHUB_ENV`` for the job's later steps; False when not on GitHub Actions.

    A write that fails after setup changed the files is an error naming what is done and how to undo it.
    """
    path = env.get("GITHUB_ENV")
    if not path:
        return False
    try:
        append(path, envexport.render(variables, "github"))
    except OSError as exc:
        raise failure("writing $GITHUB_ENV", exc, GITHUB_ENV_FAILED.format(undo=f"'{undo}'")) from None
    return True
