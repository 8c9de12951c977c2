"""Line-preserving edits of a ``.condarc`` (YAML): ``ssl_verify: <combined bundle>``.

conda's ``ssl_verify`` takes ``true``, ``false``, ``truststore`` or a CA bundle path; a path *replaces* the roots
conda's requests would use, so it names the combined bundle (public roots + corporate CAs). Only a top-level
``ssl_verify`` line is edited; everything else stays as written.
"""

from __future__ import annotations

import re

MARKER = "# ssl_verify: set by pip-tls-setup (public roots + corporate CAs)"
_TOP = re.compile(r"^ssl_verify\s*:\s*(.*?)\s*(#.*)?$")


def quote(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./@+-]+", value) and value.lower() not in ("true", "false", "yes", "no", "null"):
        return value
    return "'" + value.replace("'", "''") + "'"


def get_ssl_verify(text: str) -> str | None:
    found = None
    for line in text.splitlines():
        match = _TOP.match(line)
        if match:
            found = match.group(1).strip().strip("'\"")
    return found


def set_ssl_verify(text: str, bundle: str) -> tuple[str, list[str]]:
    """Every top-level ``ssl_verify`` → ``bundle`` (or one appended); (new text, the values replaced)."""
    lines = text.splitlines(keepends=True)
    wanted = f"ssl_verify: {quote(bundle)}\n"
    replaced: list[str] = []
    found = False
    for index, line in enumerate(lines):
        match = _TOP.match(line.rstrip("\r\n"))
        if match:
            found = True
            if line != wanted:
                replaced.append(match.group(1))
            lines[index] = wanted
    if not found:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines += [MARKER + "\n", wanted]
    return "".join(lines), replaced
