"""Line-preserving edits of pip's INI config (comments and layout survive)."""

from __future__ import annotations

import re

_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_KEY = re.compile(r"^([^\s=:#;][^=:]*?)\s*[=:]")
MARKER = "# cert: set by pip-tls-setup (public roots + corporate CAs)"


def normalise_key(key: str) -> str:
    """pip's own normalisation: ``--Trusted_Host`` == ``trusted-host``."""
    key = key.strip().lower().replace("_", "-")
    return key[2:] if key.startswith("--") else key


def set_cert(text: str, bundle: str) -> tuple[str, list[str]]:
    """Point every ``cert`` in the file at ``bundle``; add it to ``[global]`` if absent.

    Returns the new text and the sections whose existing ``cert`` was replaced.
    """
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    section: str | None = None
    replaced: list[str] = []
    has_global = False
    global_has_cert = False
    skipping_continuation = False
    for line in lines:
        if skipping_continuation:
            if line.strip() and line[:1] in (" ", "\t"):
                continue
            skipping_continuation = False
        header = _SECTION.match(line)
        if header:
            section = header.group(1).strip()
            has_global = has_global or section == "global"
            out.append(line)
            continue
        key = _KEY.match(line)
        if section is not None and key and normalise_key(key.group(1)) == "cert":
            new_line = f"cert = {bundle}\n"
            if line.rstrip("\r\n") != new_line.rstrip("\n"):
                replaced.append(section)
            out.append(new_line)
            skipping_continuation = True
            global_has_cert = global_has_cert or section == "global"
            continue
        out.append(line)
    result = "".join(out)
    if not has_global:
        if result and not result.endswith("\n"):
            result += "\n"
        prefix = "\n" if result.strip() else ""
        result = f"{result}{prefix}[global]\n{MARKER}\ncert = {bundle}\n"
    elif not global_has_cert:
        result = _insert_after_global(result, f"{MARKER}\ncert = {bundle}\n")
    return result, replaced


def _insert_after_global(text: str, addition: str) -> str:
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        header = _SECTION.match(line)
        if header and header.group(1).strip() == "global":
            if not line.endswith("\n"):
                lines[index] = line + "\n"
            lines.insert(index + 1, addition)
            break
    return "".join(lines)
