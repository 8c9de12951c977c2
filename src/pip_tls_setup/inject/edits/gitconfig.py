"""Line-preserving edits of git's config files: ``http.sslCAInfo`` in the ``[http]`` section.

git's config is INI-like: section names and keys are case-insensitive (``[HTTP]`` ``sslcainfo``), ``#`` and ``;``
start comments, a value with ``"``, ``\\``, a comment character or edge spaces must be quoted. Only the plain
``[http]`` section is touched (``[http "https://host/"]`` sections are the user's per-URL settings and kept).
"""

from __future__ import annotations

import re

KEY = "sslCAInfo"
MARKER = "\t# sslCAInfo: set by pip-tls-setup (public roots + corporate CAs)"
_SECTION = re.compile(r'^\s*\[\s*([A-Za-z0-9.-]+)(\s+"(?:[^"\\]|\\.)*")?\s*\]')
_KEY = re.compile(r"^\s*([A-Za-z][A-Za-z0-9-]*)\s*(=|$)")


def quote(value: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./:@+,=-]+", value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _header(line: str) -> tuple[str, bool] | None:
    """(section name lower-cased, has a subsection) for a section header line."""
    match = _SECTION.match(line)
    if not match:
        return None
    return match.group(1).lower(), bool(match.group(2))


def set_cainfo(text: str, bundle: str) -> tuple[str, list[str]]:
    """Point every ``http.sslCAInfo`` at ``bundle``, or add it under the first ``[http]``; (new text, old values)."""
    lines = text.splitlines(keepends=True)
    wanted = f"\t{KEY} = {quote(bundle)}\n"
    replaced: list[str] = []
    in_http = False
    first_http: int | None = None
    found = False
    for index, line in enumerate(lines):
        header = _header(line)
        if header is not None:
            in_http = header == ("http", False)
            if in_http and first_http is None:
                first_http = index
            continue
        key = _KEY.match(line)
        if in_http and key and key.group(1).lower() == KEY.lower():
            value = line.split("=", 1)[1].strip() if "=" in line else ""
            if value != quote(bundle):
                replaced.append(value)
            lines[index] = wanted
            found = True
    if not found:
        if first_http is not None:
            header_line = lines[first_http]
            if not header_line.endswith("\n"):
                lines[first_http] = header_line + "\n"
            lines[first_http + 1 : first_http + 1] = [MARKER + "\n", wanted]
        else:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += "\n"
            lines += ["[http]\n", MARKER + "\n", wanted]
    return "".join(lines), replaced


def get_cainfo(text: str) -> str | None:
    """The last ``http.sslCAInfo`` in the plain ``[http]`` section (unquoted), as git would take it."""
    found = None
    in_http = False
    for line in text.splitlines():
        header = _header(line)
        if header is not None:
            in_http = header == ("http", False)
            continue
        key = _KEY.match(line)
        if in_http and key and key.group(1).lower() == KEY.lower() and "=" in line:
            value = line.split("=", 1)[1].strip()
            if value.startswith('"') and value.endswith('"') and len(value) >= 2:
                value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            found = value
    return found
