"""What the shell lexer produces: words, redirections, here-documents, commands, pipelines; and the map
from offsets in the lexed text to lines."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?=)")


@dataclass
class Word:
    text: str  # after quote removal; expansions are kept verbatim ("$HOME/x")
    start: int
    end: int
    quoted: bool = False
    expands: bool = False

    def __str__(self) -> str:
        return self.text


@dataclass
class Heredoc:
    delimiter: str
    quoted: bool
    strip_tabs: bool
    body: str = ""
    body_start: int = -1


@dataclass
class Redirect:
    op: str
    fd: str
    target: Word | None = None
    heredoc: Heredoc | None = None


@dataclass
class Command:
    start: int
    words: list[Word] = field(default_factory=list)
    assignments: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        return [w.text for w in self.words]

    @property
    def empty(self) -> bool:
        return not (self.words or self.assignments or self.redirects)


@dataclass
class Pipeline:
    commands: list[Command]


@dataclass
class Script:
    pipelines: list[Pipeline]
    text: str = ""  # what was lexed (offsets in the words refer to it)
    too_deep: bool = False  # command substitutions nested past the lexer's bound were kept as words

    def commands(self) -> list[Command]:
        return [c for p in self.pipelines for c in p.commands]


def assignment(word: Word) -> tuple[str, str] | None:
    match = ASSIGNMENT.match(word.text)
    if not match:
        return None
    return match.group(1), word.text[match.end() :]


class LineMap:
    """Offsets in a text -> 1-based lines, optionally shifted to where the text sits in a file."""

    def __init__(self, text: str, first_line: int = 1) -> None:
        self.starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.first_line = first_line

    def line(self, offset: int) -> int:
        return self.first_line + bisect.bisect_right(self.starts, max(offset, 0)) - 1
