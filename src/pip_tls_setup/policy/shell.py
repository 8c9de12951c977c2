"""A POSIX shell lexer that is good enough to know what runs.

It understands quoting ('...', "...", $'...'), backslash escapes and ``\\``-newline
continuations, comments (``#`` at the start of a word only), the control operators
(``&&``, ``||``, ``;``, ``|``, ``&``, newlines), subshells and groups, reserved words
(``if``/``then``/``do``/``case`` patterns/``for`` lists/function definitions),
redirections including here-documents, and command substitutions (``$(...)``, backticks,
``<(...)``), which are parsed recursively because they run too.

It does not expand anything: ``$VAR`` stays in the word text and the word is marked
``expands`` so callers can report an unresolvable value instead of guessing.
Offsets refer to the text given to :func:`parse`, so callers map them to file lines.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

_META = frozenset(" \t\n;&|()<>")
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?=)")
_ARRAY_START = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_RESERVED_DROP = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "fi", "done", "time"})
_ANSI = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "e": "\x1b", "0": "\0"}


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

    def commands(self) -> list[Command]:
        return [c for p in self.pipelines for c in p.commands]


def parse(text: str) -> Script:
    lexer = _Lexer(text)
    lexer.parse_list(0, stop_at_paren=False)
    return Script(lexer.pipelines)


def split_words(text: str) -> list[Word]:
    """The words of one command line (``--pip-args "..."`` values, alias bodies): operators split, not kept."""
    script = parse(text)
    words: list[Word] = []
    for command in script.commands():
        words.extend(command.assignments)
        words.extend(command.words)
    return words


def assignment(word: Word) -> tuple[str, str] | None:
    match = _ASSIGNMENT.match(word.text)
    if not match:
        return None
    return match.group(1), word.text[match.end() :]


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.pipelines: list[Pipeline] = []
        self.pending: list[Heredoc] = []

    # -- structure -------------------------------------------------------------------------------
    def parse_list(self, pos: int, stop_at_paren: bool) -> int:
        """Parse commands from ``pos``; returns the position after the end (or after the closing paren)."""
        text, n = self.text, self.n
        current = Command(pos)
        pipeline: list[Command] = []
        paren_depth = 0
        case_stack: list[bool] = []  # True while expecting a case pattern
        skip_until_separator = False  # "for x in a b c" lists are not commands
        group_stack: list[int] = []  # where each open { ... } / ( ... ) began, in self.pipelines
        closed_group: tuple[int, int] | None = None  # "{ ...; } >> file": redirects apply to the group

        def finish(end_pipeline: bool) -> None:
            nonlocal current, pipeline, skip_until_separator, closed_group
            if skip_until_separator:
                current = Command(pos)
                skip_until_separator = False
            elif case_stack and case_stack[-1]:
                # a pattern list "a|b)" ends at ")"; anything else here is dropped
                current = Command(pos)
            if closed_group is not None and current.redirects and not current.words and not current.assignments:
                for grouped in self.pipelines[closed_group[0] : closed_group[1]]:
                    for member in grouped.commands:
                        member.redirects.extend(current.redirects)
                current = Command(pos)
            closed_group = None
            if not current.empty:
                pipeline.append(current)
            current = Command(pos)
            if end_pipeline and pipeline:
                self.pipelines.append(Pipeline(pipeline))
                pipeline = []

        while pos < n:
            ch = text[pos]
            if ch in " \t":
                pos += 1
                continue
            if ch == "\\" and pos + 1 < n and text[pos + 1] == "\n":
                pos += 2
                continue
            if ch == "\r" and pos + 1 < n and text[pos + 1] == "\n":
                pos += 1
                continue
            if ch == "#":
                end = text.find("\n", pos)
                pos = n if end == -1 else end
                continue
            if ch == "\n":
                pos += 1
                finish(True)
                if self.pending:
                    pos = self.read_heredocs(pos)
                current.start = pos
                continue
            if ch == ";":
                if text.startswith(";;", pos) or text.startswith(";&", pos):
                    pos += 3 if text.startswith(";;&", pos) else 2
                    finish(True)
                    if case_stack:
                        case_stack[-1] = True
                    current.start = pos
                    continue
                pos += 1
                finish(True)
                current.start = pos
                continue
            if ch == "&":
                if text.startswith("&&", pos):
                    pos += 2
                    finish(True)
                    current.start = pos
                    continue
                if text.startswith("&>", pos):
                    pos = self.read_redirect(pos, current, "")
                    continue
                pos += 1
                finish(True)
                current.start = pos
                continue
            if ch == "|":
                if text.startswith("||", pos):
                    pos += 2
                    finish(True)
                else:
                    pos += 2 if text.startswith("|&", pos) else 1
                    if case_stack and case_stack[-1]:
                        continue  # alternative in a case pattern
                    finish(False)
                current.start = pos
                continue
            if ch == "(":
                if (
                    len(current.words) == 1
                    and not current.assignments
                    and text[pos + 1 :].lstrip(" \t").startswith(")")
                ):
                    # "name() { ...; }": a function definition, the body follows as commands
                    current = Command(pos)
                    pos = text.index(")", pos) + 1
                    continue
                if case_stack and case_stack[-1] and current.empty:
                    pos += 1  # optional "(" before a case pattern
                    continue
                finish(True)
                paren_depth += 1
                group_stack.append(len(self.pipelines))
                pos += 1
                current.start = pos
                continue
            if ch == ")":
                if case_stack and case_stack[-1]:
                    current = Command(pos)  # the pattern
                    case_stack[-1] = False
                    pos += 1
                    current.start = pos
                    continue
                if paren_depth > 0:
                    paren_depth -= 1
                    pos += 1
                    finish(True)
                    if group_stack:
                        closed_group = (group_stack.pop(), len(self.pipelines))
                    current.start = pos
                    continue
                if stop_at_paren:
                    finish(True)
                    return pos + 1
                pos += 1
                continue
            if ch in "<>" or (ch.isdigit() and self._fd_redirect(pos)):
                if ch in "<>" and pos + 1 < n and text[pos + 1] == "(":
                    # process substitution <(...) / >(...): runs, and stands for a file name
                    end = self.parse_list(pos + 2, stop_at_paren=True)
                    current.words.append(Word(text[pos:end], pos, end, expands=True))
                    pos = end
                    continue
                pos = self.read_redirect(pos, current, "")
                continue

            before = pos
            word, pos = self.read_word(pos)
            if pos == before:  # never loop on a character no rule consumes
                pos += 1
                continue
            if case_stack and case_stack[-1]:
                if word.text == "esac" and current.empty and not word.quoted:
                    case_stack.pop()
                    continue
                current.words.append(word)  # pattern words, dropped at ")"
                continue
            if skip_until_separator:
                if word.text == "do" and not word.quoted:
                    current = Command(pos)
                    skip_until_separator = False
                continue
            if not current.words and not word.quoted:
                if not current.assignments and word.text == "{":
                    group_stack.append(len(self.pipelines))
                    continue
                if not current.assignments and word.text == "}":
                    if group_stack:
                        closed_group = (group_stack.pop(), len(self.pipelines))
                    continue
                if not current.assignments and word.text in _RESERVED_DROP:
                    continue
                if not current.assignments and word.text in ("for", "select"):
                    skip_until_separator = True
                    continue
                if not current.assignments and word.text == "case":
                    # "case WORD in": skip to "in", then patterns
                    pos = self._skip_case_head(pos)
                    case_stack.append(True)
                    continue
                if not current.assignments and word.text == "function":
                    name, pos = self.read_word(self._skip_blanks(pos))
                    del name
                    rest = text[pos:].lstrip(" \t")
                    if rest.startswith("()"):
                        pos = text.index(")", pos) + 1
                    continue
                if word.text == "esac" and case_stack:
                    case_stack.pop()
                    continue
            if not current.words and assignment(word) is not None and not self._name_quoted(word):
                current.assignments.append(word)
                continue
            current.words.append(word)
        finish(True)
        return pos

    def _skip_blanks(self, pos: int) -> int:
        while pos < self.n and self.text[pos] in " \t":
            pos += 1
        return pos

    def _skip_case_head(self, pos: int) -> int:
        # read words until the reserved word "in"
        while pos < self.n:
            pos = self._skip_blanks(pos)
            if pos >= self.n:
                return pos
            if self.text[pos] == "\n":
                pos += 1
                continue
            if self.text[pos] in _META:
                return pos  # a malformed case head: let the caller go on from here
            word, pos = self.read_word(pos)
            if word.text == "in" and not word.quoted:
                return pos
        return pos

    def _name_quoted(self, word: Word) -> bool:
        raw = self.text[word.start : word.end]
        match = _ASSIGNMENT.match(raw)
        return match is None

    def _fd_redirect(self, pos: int) -> bool:
        # "2>file", "2>&1": digits directly followed by < or >, at a word start
        end = pos
        while end < self.n and self.text[end].isdigit():
            end += 1
        return end < self.n and self.text[end] in "<>" and (pos == 0 or self.text[pos - 1] in " \t\n;&|()")

    # -- redirections and here-documents ------------------------------------------------------
    def read_redirect(self, pos: int, command: Command, fd: str) -> int:
        text = self.text
        start = pos
        while pos < self.n and text[pos].isdigit():
            pos += 1
        fd = text[start:pos]
        for op in ("<<<", "<<-", "&>>", "<<", ">>", ">&", "<&", "&>", ">|", "<>", "<", ">"):
            if text.startswith(op, pos):
                break
        else:  # pragma: no cover - callers only call on < > &
            return pos + 1
        pos += len(op)
        if op in (">&", "<&"):
            # ">&2", "2>&1", ">&-": the target is a descriptor, or a file name
            pos = self._skip_blanks(pos)
            target, pos = self.read_word(pos)
            if not target.text.isdigit() and target.text != "-":
                command.redirects.append(Redirect(">", fd, target))
            return pos
        pos = self._skip_blanks(pos)
        if pos >= self.n or text[pos] == "\n":
            command.redirects.append(Redirect(op, fd))
            return pos
        target, pos = self.read_word(pos)
        if op in ("<<", "<<-"):
            heredoc = Heredoc(target.text, target.quoted, op == "<<-")
            self.pending.append(heredoc)
            command.redirects.append(Redirect(op, fd, target, heredoc))
        else:
            command.redirects.append(Redirect(op, fd, target))
        return pos

    def read_heredocs(self, pos: int) -> int:
        text = self.text
        for heredoc in self.pending:
            heredoc.body_start = pos
            lines: list[str] = []
            while pos < self.n:
                end = text.find("\n", pos)
                line_end = self.n if end == -1 else end
                line = text[pos:line_end]
                pos = line_end + 1 if end != -1 else self.n
                check = line.rstrip("\r")
                if heredoc.strip_tabs:
                    check = check.lstrip("\t")
                if check == heredoc.delimiter:
                    break
                lines.append(line.lstrip("\t") if heredoc.strip_tabs else line)
            heredoc.body = "\n".join(lines) + ("\n" if lines else "")
        self.pending = []
        return min(pos, self.n)

    # -- words -----------------------------------------------------------------------------------
    def read_word(self, pos: int) -> tuple[Word, int]:
        text, n = self.text, self.n
        start = pos
        out: list[str] = []
        quoted = False
        expands = False
        while pos < n:
            ch = text[pos]
            if ch in _META:
                if ch == "(" and _ARRAY_START.fullmatch("".join(out)):
                    # NAME=(a b c): an array assignment, kept whole
                    end = self._match_paren(pos)
                    out.append(text[pos:end])
                    pos = end
                    continue
                break
            if ch == "\r" and pos + 1 < n and text[pos + 1] == "\n":
                break
            if ch == "\\":
                if pos + 1 < n:
                    if text[pos + 1] == "\n":
                        pos += 2
                        continue
                    out.append(text[pos + 1])
                    quoted = True
                    pos += 2
                    continue
                pos += 1
                continue
            if ch == "'":
                end = text.find("'", pos + 1)
                end = n if end == -1 else end
                out.append(text[pos + 1 : end])
                quoted = True
                pos = end + 1
                continue
            if ch == '"':
                value, pos, exp = self._double_quoted(pos + 1)
                out.append(value)
                quoted = True
                expands = expands or exp
                continue
            if ch == "$":
                value, pos, exp = self._dollar(pos)
                out.append(value)
                expands = expands or exp
                quoted = quoted or (not exp and value != "$")
                continue
            if ch == "`":
                end = self._backtick(pos)
                out.append(text[pos:end])
                expands = True
                pos = end
                continue
            out.append(ch)
            pos += 1
        return Word("".join(out), start, pos, quoted, expands), pos

    def _double_quoted(self, pos: int) -> tuple[str, int, bool]:
        text, n = self.text, self.n
        out: list[str] = []
        expands = False
        while pos < n:
            ch = text[pos]
            if ch == '"':
                return "".join(out), pos + 1, expands
            if ch == "\\" and pos + 1 < n:
                nxt = text[pos + 1]
                if nxt == "\n":
                    pos += 2
                    continue
                if nxt in '$`"\\':
                    out.append(nxt)
                    pos += 2
                    continue
                out.append(ch)
                pos += 1
                continue
            if ch == "$":
                value, pos, exp = self._dollar(pos, in_double=True)
                out.append(value)
                expands = expands or exp
                continue
            if ch == "`":
                end = self._backtick(pos)
                out.append(text[pos:end])
                expands = True
                pos = end
                continue
            out.append(ch)
            pos += 1
        return "".join(out), pos, expands

    def _dollar(self, pos: int, in_double: bool = False) -> tuple[str, int, bool]:
        """Read an expansion at ``pos`` (a ``$``); returns its verbatim text, the end and whether it expands."""
        text, n = self.text, self.n
        nxt = text[pos + 1] if pos + 1 < n else ""
        if nxt == "'" and not in_double:
            return self._ansi_c(pos + 2)
        if nxt == '"' and not in_double:
            value, end, exp = self._double_quoted(pos + 2)
            return value, end, exp
        if text.startswith("$((", pos):
            end = self._match_paren(pos + 1)
            return text[pos:end], end, True
        if nxt == "(":
            # command substitution: its commands run, so parse them as commands too
            end = self.parse_list(pos + 2, stop_at_paren=True)
            return text[pos:end], end, True
        if nxt == "{":
            if text.startswith("${{", pos):  # GitHub/Gitea expression syntax ${{ ... }}
                end = text.find("}}", pos)
                end = n if end == -1 else end + 2
                return text[pos:end], end, True
            depth = 0
            end = pos + 1
            while end < n:
                c = text[end]
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        end += 1
                        break
                elif c == "\\":
                    end += 1
                end += 1
            return text[pos:end], min(end, n), True
        if nxt and (nxt.isalnum() or nxt == "_"):
            end = pos + 1
            if nxt.isdigit():
                end += 1
            else:
                while end < n and (text[end].isalnum() or text[end] == "_"):
                    end += 1
            return text[pos:end], end, True
        if nxt and nxt in "@*#?$!-":
            return text[pos : pos + 2], pos + 2, True
        return "$", pos + 1, False

    def _ansi_c(self, pos: int) -> tuple[str, int, bool]:
        text, n = self.text, self.n
        out: list[str] = []
        while pos < n:
            ch = text[pos]
            if ch == "'":
                return "".join(out), pos + 1, False
            if ch == "\\" and pos + 1 < n:
                out.append(_ANSI.get(text[pos + 1], text[pos + 1]))
                pos += 2
                continue
            out.append(ch)
            pos += 1
        return "".join(out), pos, False

    def _backtick(self, pos: int) -> int:
        text, n = self.text, self.n
        end = pos + 1
        while end < n and text[end] != "`":
            if text[end] == "\\":
                end += 1
            end += 1
        inner = _Lexer(text[pos + 1 : end].replace("\\`", "`"))
        inner.parse_list(0, stop_at_paren=False)
        for pipeline in inner.pipelines:
            for command in pipeline.commands:
                _shift(command, pos + 1)
            self.pipelines.append(pipeline)
        return min(end + 1, n)

    def _match_paren(self, pos: int) -> int:
        """End (exclusive) of the balanced (...) group starting at ``pos``; quotes respected."""
        text, n = self.text, self.n
        depth = 0
        while pos < n:
            ch = text[pos]
            if ch == "\\":
                pos += 2
                continue
            if ch == "'":
                end = text.find("'", pos + 1)
                pos = n if end == -1 else end + 1
                continue
            if ch == '"':
                _, pos, _ = self._double_quoted(pos + 1)
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    return pos + 1
            pos += 1
        return n


def _shift(command: Command, offset: int) -> None:
    command.start += offset
    for word in [*command.words, *command.assignments]:
        word.start += offset
        word.end += offset
    for redirect in command.redirects:
        if redirect.target is not None:
            redirect.target.start += offset
            redirect.target.end += offset
        if redirect.heredoc is not None and redirect.heredoc.body_start >= 0:
            redirect.heredoc.body_start += offset


class LineMap:
    """Offsets in a text -> 1-based (line, column), optionally shifted to where the text sits in a file."""

    def __init__(self, text: str, first_line: int = 1, first_column: int = 1) -> None:
        self.starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.first_line = first_line
        self.first_column = first_column

    def line(self, offset: int) -> int:
        return self.locate(offset)[0]

    def locate(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.starts, max(offset, 0)) - 1
        column = offset - self.starts[index] + 1
        if index == 0:
            column += self.first_column - 1
        return self.first_line + index, column
