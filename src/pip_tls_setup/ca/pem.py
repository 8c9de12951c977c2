"""PEM text in and out: split PEM blocks in linear time, and make names safe to write as comments.

Splitting scans for the BEGIN/END marker lines once, left to right, with a pattern whose
every repetition is bounded, so the work grows with the input and never with the square of it
(the old ``BEGIN (.*?) END \\1`` pattern took minutes on 1 MiB of BEGIN lines).

``printable`` is the one function that turns a certificate name (attacker-chosen text: a
subject can hold newlines and a whole PEM block) into a comment line we write into a bundle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A marker: "-----BEGIN LABEL-----" or "-----END LABEL-----". The label is bounded, so a
# failed attempt costs at most ~80 steps, whatever follows it.
_MARKER = re.compile(rb"-----(BEGIN|END) ([A-Z0-9 ]{1,64})-----")
COMMENT_LIMIT = 256
# Runs of these could rebuild a PEM marker ("-----") or our managed-block markers ("<<<", ">>>").
_NO_RUNS = "-<>"


@dataclass(frozen=True)
class PemScan:
    """The complete blocks (label, base64 body) in input order, every BEGIN label, and truncation."""

    blocks: list[tuple[bytes, bytes]]
    begin_labels: list[bytes]
    truncated: bool


def scan(data: bytes) -> PemScan:
    """Every ``-----BEGIN X----- body -----END X-----`` block of ``data``, in one pass.

    A BEGIN that meets another BEGIN before its END is truncated (OpenSSL, too, does not
    nest blocks); an END without a BEGIN, or with another label, is text and ignored.
    """
    blocks: list[tuple[bytes, bytes]] = []
    begins: list[bytes] = []
    truncated = False
    open_label: bytes | None = None
    body_start = 0
    for marker in _MARKER.finditer(data):
        kind, label = marker.group(1), marker.group(2)
        if kind == b"BEGIN":
            begins.append(label)
            if open_label is not None:
                truncated = True
            open_label, body_start = label, marker.end()
        elif open_label is not None and label == open_label:
            blocks.append((label, data[body_start : marker.start()]))
            open_label = None
    return PemScan(blocks, begins, truncated or open_label is not None)


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str, limit: int = COMMENT_LIMIT) -> str:
    """``text`` as one line of printable ASCII, at most about ``limit`` characters.

    Every control, non-ASCII or otherwise non-printable character becomes a ``\\xNN`` /
    ``\\uNNNN`` escape, and a ``-``, ``<`` or ``>`` that follows the same character is escaped
    too, so the result can never hold a line break, ``-----`` (a PEM marker) or the markers of
    the blocks we manage inside other files.
    """
    out: list[str] = []
    size = 0
    previous = ""
    for char in text:
        safe = " " <= char <= "~" and not (char in _NO_RUNS and char == previous)
        piece = char if safe else _escape(char)
        if size + len(piece) > limit:
            out.append("...")
            break
        out.append(piece)
        size += len(piece)
        previous = piece[-1]
    return "".join(out)
