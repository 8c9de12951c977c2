"""One encoder for every text the tool writes for people and for CI log parsers.

Names and contents come from hostile places: certificate subjects a MITM presents, file names in a
scanned repository, proxy URLs. A CI log treats some lines as commands: GitHub's workflow commands
(a line starting with ``::``, or the older ``##[``) and GitLab's collapsible sections
(``section_start:``/``section_end:`` markers); terminals obey ESC sequences and CR overwrites a line.
So every value is escaped where it is inserted (:func:`text`), and every line printed is checked once
more (:func:`lines`) so that no line the tool writes can start a command it did not mean.
"""

from __future__ import annotations

import unicodedata

# Bidirectional overrides and isolates reorder what a reader sees (CVE-2021-42574, "Trojan Source").
_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
_COMMAND_STARTS = ("::", "##[", "section_start:", "section_end:")
_NEUTRAL = "> "  # visible, and no log parser treats it as a command
ELLIPSIS = "..."


def _escape_char(char: str) -> str:
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\r":
        return "\\r"
    if char == "\t":
        return "\\t"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _unsafe(char: str) -> bool:
    if ord(char) in _BIDI:
        return True
    return unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn")


def text(value: object, limit: int | None = None, keep_newlines: bool = False) -> str:
    """``value`` as one printable line: control characters (ESC, CR, LF, other C0/C1), bidi overrides,
    surrogates (undecodable file names) escaped as ``\\xNN``/``\\uNNNN``; at most ``limit`` characters.

    ``keep_newlines`` leaves CR and LF for an encoder that escapes them itself (workflow commands)."""
    raw = str(value)
    kept = "\r\n" if keep_newlines else ""
    if any(_unsafe(c) and c not in kept for c in raw):
        raw = "".join(_escape_char(c) if _unsafe(c) and c not in kept else c for c in raw)
    if limit is not None and len(raw) > limit:
        raw = raw[: max(limit - len(ELLIPSIS), 0)] + ELLIPSIS
    return raw


def neutralise(line: str) -> str:
    """A line that would start a CI log command gets a visible prefix instead."""
    if line.lstrip().startswith(_COMMAND_STARTS):
        return _NEUTRAL + line
    return line


def lines(block: str) -> str:
    """A block of human text: each line escaped (the newlines between lines kept) and neutralised."""
    return "\n".join(neutralise(text(part)) for part in block.split("\n"))


def is_command(line: str) -> bool:
    return line.lstrip().startswith(_COMMAND_STARTS)


# ----------------------------------------------------------------- GitHub workflow commands
# Escaping as the runner's ActionCommand and actions/toolkit command.ts: data escapes %, CR and LF;
# property values also escape ":" and ",".


def workflow_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(value: str) -> str:
    return workflow_data(value).replace(":", "%3A").replace(",", "%2C")


WORKFLOW_LEVELS = ("error", "warning", "notice")


def workflow_command(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    title: str | None = None,
) -> str:
    """``::error file=F,line=N,col=C,title=T::message``: one line whatever the values hold."""
    if level not in WORKFLOW_LEVELS:
        raise ValueError(level)
    props: list[str] = []
    if file:
        props.append(f"file={workflow_property(text(file))}")
        if line:
            props.append(f"line={int(line)}")
            if col:
                props.append(f"col={int(col)}")
    if title:
        props.append(f"title={workflow_property(text(title))}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{workflow_data(text(message, keep_newlines=True))}"


# ----------------------------------------------------------------- Markdown (step summaries)


def markdown_cell(value: object) -> str:
    """Text for a Markdown table cell or list item: one line, ``|`` escaped, HTML inert."""
    flat = text(value).replace("\\n", " ").replace("\\r", " ")
    return flat.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown_code(value: object) -> str:
    """An inline code span (empty for an empty value); GitHub splits table cells on ``|`` even there."""
    flat = text(value).replace("\\n", " ").replace("`", "'").replace("|", "\\|")
    return f"`{flat}`" if flat else ""
