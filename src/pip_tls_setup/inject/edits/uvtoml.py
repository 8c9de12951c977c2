"""Line-preserving edits of a ``uv.toml``: switch uv to the OS store (``system-certs`` / ``native-tls``).

uv has no setting that names a CA file (only ``SSL_CERT_FILE``): what a config file can do is make uv verify
with the OS store, which setup fills. The key depends on the version (``system-certs`` from uv 0.11.0; an unknown
key makes uv refuse the whole file), so the caller chooses it. Top-level keys must come before the first table.
"""

from __future__ import annotations

import re

MARKER = "# {key}: set by pip-tls-setup (verify with the OS trust store, which holds the corporate CAs)"
TLS_KEYS = ("system-certs", "native-tls")
_TABLE = re.compile(r"^\s*\[")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*(#.*)?$")


def top_level(text: str) -> dict[str, str]:
    """Top-level ``key = value`` pairs (values as written)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if _TABLE.match(line):
            break
        match = _KEY.match(line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def enable(text: str, key: str) -> tuple[str, list[str]]:
    """``key = true`` at the top level (an existing ``key`` set to true in place); (new text, keys changed)."""
    lines = text.splitlines(keepends=True)
    changed: list[str] = []
    table_at = next((i for i, line in enumerate(lines) if _TABLE.match(line)), len(lines))
    present = False
    for index in range(table_at):
        match = _KEY.match(lines[index])
        if match and match.group(1) == key:
            present = True
            if match.group(2) != "true":
                changed.append(f"{key} = {match.group(2)}")
                lines[index] = f"{key} = true\n"
    if not present:
        addition = [MARKER.format(key=key) + "\n", f"{key} = true\n"]
        if table_at == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        if table_at < len(lines):
            addition.append("\n")
        lines[table_at:table_at] = addition
    return "".join(lines), changed
