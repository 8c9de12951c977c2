"""Marker-delimited blocks the tool owns inside files it does not (certifi's cacert.pem)."""

from __future__ import annotations

import re

BEGIN = "# >>> pip-tls-setup: corporate CAs (managed block; `pip-tls-setup undo` removes it) >>>"
END = "# <<< pip-tls-setup <<<"
_BLOCK = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.DOTALL)


def strip(text: str) -> str:
    """``text`` without our block (and without the newline we added before it)."""
    match = _BLOCK.search(text)
    if not match:
        return text
    head = text[: match.start()]
    if head.endswith("\n\n"):
        head = head[:-1]
    return head + text[match.end() :]


def upsert(text: str, body: str) -> str:
    """``text`` with exactly one block holding ``body``, at the end."""
    base = strip(text)
    if not body:
        return base
    if base and not base.endswith("\n"):
        base += "\n"
    separator = "\n" if base else ""
    return f"{base}{separator}{BEGIN}\n{body.rstrip(chr(10))}\n{END}\n"


def has_block(text: str) -> bool:
    return bool(_BLOCK.search(text))
