"""Small text helpers that stay linear in their input.

``re.sub(r"\\s+#.*$", "", line)`` looks harmless, but on a line of many blanks without a ``#`` the regex
engine restarts ``\\s+`` at every blank: quadratic. These helpers find the ``#`` first and look back one
character, so a 2 MiB line costs one pass.
"""

from __future__ import annotations

import re

_HASH_AFTER_BLANK = re.compile(r"(?<=\s)#")
_HASH_AT_WORD_START = re.compile(r"(?:^|(?<=\s))#")


def strip_comment(text: str, at_start: bool = False) -> str:
    """``text`` without a ``#`` comment that follows a blank (``(^|\\s+)#.*$`` with ``at_start``, else
    ``\\s+#.*$``), and without the blanks before it."""
    match = (_HASH_AT_WORD_START if at_start else _HASH_AFTER_BLANK).search(text)
    return text if match is None else text[: match.start()].rstrip()


def has_comment(text: str, at_start: bool = False) -> bool:
    return (_HASH_AT_WORD_START if at_start else _HASH_AFTER_BLANK).search(text) is not None


_BLANKS = " \t\r\n"


def split_like_shlex(text: str) -> list[str]:
    """``shlex.split(text)`` (POSIX mode, no comments), which pip applies to a requirements-file option line,
    in one pass: shlex itself grows each token one character at a time (quadratic in a long token).
    Raises ValueError as shlex does for an unclosed quote or a trailing escape."""
    words: list[str] = []
    token: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _BLANKS:
            if in_word:
                words.append("".join(token))
                token, in_word = [], False
            i += 1
        elif ch == "\\":
            if i + 1 >= n:
                raise ValueError("No escaped character")
            token.append(text[i + 1])
            in_word, i = True, i + 2
        elif ch in "'\"":
            i = _quoted(text, i, token)
            in_word = True
        else:
            start = i
            while i < n and text[i] not in _BLANKS and text[i] not in "\\'\"":
                i += 1
            token.append(text[start:i])
            in_word = True
    if in_word:
        words.append("".join(token))
    return words


def _quoted(text: str, i: int, token: list[str]) -> int:
    """Append the quoted part starting at ``text[i]`` (a quote) to ``token``; returns the index after it.
    Each search starts where the previous one stopped, so the whole string is scanned once."""
    quote = text[i]
    i += 1
    n = len(text)
    if quote == "'":
        stop = text.find("'", i)
        if stop == -1:
            raise ValueError("No closing quotation")
        token.append(text[i:stop])
        return stop + 1
    closing = text.find('"', i)
    while True:
        if closing != -1 and closing < i:
            closing = text.find('"', i)
        escape = text.find("\\", i, closing if closing != -1 else n)
        if escape == -1:
            if closing == -1:
                raise ValueError("No closing quotation")
            token.append(text[i:closing])
            return closing + 1
        # a backslash inside double quotes escapes only " and \ (shlex keeps it before anything else)
        token.append(text[i:escape])
        if escape + 1 >= n:
            raise ValueError("No closing quotation")
        nxt = text[escape + 1]
        token.append(nxt if nxt in '"\\' else "\\" + nxt)
        i = escape + 2
