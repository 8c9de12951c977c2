"""dotenv files (``.env``, ``*.env``, docker-compose ``env_file``, ``$GITHUB_ENV`` writes)."""

from __future__ import annotations

import re

from pip_tls_setup.policy import checks
from pip_tls_setup.policy.context import ScanContext

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
        text = rest[1:]
        consumed = 0
        while True:
            end = _closing_quote(text)
            if end != -1:
                return text[:end].replace('\\"', '"').replace("\\n", "\n"), consumed
            if i + consumed >= len(lines):
                return text, consumed
            text += "\n" + lines[i + consumed]
            consumed += 1
    return re.sub(r"\s+#.*$", "", rest).strip(), 0


def _closing_quote(text: str) -> int:
    escaped = False
    for index, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            return index
    return -1
