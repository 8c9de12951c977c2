"""dotenv files (``.env``, ``*.env``, docker-compose ``env_file``, ``$GITHUB_ENV`` writes)."""

from __future__ import annotations

import re

from pip_tls_setup.policy import checks
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.textscan import strip_comment

_LINE = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*(?P<op>=|<<)\s*(?P<rest>.*)$")


def dotenv(text: str, ctx: ScanContext) -> None:
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        number = i + 1
        match = _LINE.match(lines[i])
        i += 1
        if not match:
            continue
        name, op, rest = match.group("name"), match.group("op"), match.group("rest")
        if op == "<<":
            # GitHub's multi-line form: NAME<<DELIMITER ... DELIMITER
            delimiter = rest.strip()
            body: list[str] = []
            while i < len(lines) and lines[i].strip() != delimiter:
                body.append(lines[i])
                i += 1
            i += 1
            checks.variable(name, "\n".join(body), number, ctx)
            continue
        value, consumed = _value(rest, lines, i)
        i += consumed
        checks.variable(name, value, number, ctx)


def _value(rest: str, lines: list[str], i: int) -> tuple[str, int]:
    rest = rest.strip()
    if rest.startswith("'"):
        end = rest.find("'", 1)
        return (rest[1:end] if end != -1 else rest[1:]), 0
    if rest.startswith('"'):
        return _double_quoted(rest[1:], lines, i)
    return strip_comment(rest).strip(), 0


def _double_quoted(first: str, lines: list[str], i: int) -> tuple[str, int]:
    """A double-quoted value that may run over the following lines; each line is scanned once."""
    parts = [first]
    consumed = 0
    while True:
        end = _closing_quote(parts[-1])
        if end != -1:
            parts[-1] = parts[-1][:end]
            return "\n".join(parts).replace('\\"', '"').replace("\\n", "\n"), consumed
        if i + consumed >= len(lines):
            return "\n".join(parts), consumed
        parts.append(lines[i + consumed])
        consumed += 1


def _closing_quote(text: str) -> int:
    """Index of the first unescaped ``"`` in ``text`` (an escape never spans lines), or -1."""
    escaped = False
    for index, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            return index
    return -1
