"""Line-preserving edits of an ``.npmrc``: ``cafile=<combined bundle>``.

npm's rc files are ``key=value`` lines (``;`` and ``#`` comments); ``cafile`` replaces node's built-in roots for
npm's requests, so it must name the combined bundle (public roots + corporate CAs), never the corporate CAs alone.
"""

from __future__ import annotations

import re

MARKER = "; cafile: set by pip-tls-setup (public roots + corporate CAs)"
_KEY = re.compile(r"^\s*([^=;#\s][^=]*?)\s*=")


def keys(text: str) -> dict[str, str]:
    """Every ``key=value`` (last one wins), keys lower-cased."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _KEY.match(line)
        if match:
            found[match.group(1).strip().lower()] = line.split("=", 1)[1].strip()
    return found


def set_cafile(text: str, bundle: str) -> tuple[str, list[str]]:
    """Point every ``cafile`` at ``bundle`` or append one; (new text, the values replaced)."""
    lines = text.splitlines(keepends=True)
    replaced: list[str] = []
    found = False
    for index, line in enumerate(lines):
        match = _KEY.match(line)
        if match and match.group(1).strip().lower() == "cafile":
            value = line.split("=", 1)[1].strip()
            if value != bundle:
                replaced.append(value)
            lines[index] = f"cafile={bundle}\n"
            found = True
    if not found:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines += [MARKER + "\n", f"cafile={bundle}\n"]
    return "".join(lines), replaced
