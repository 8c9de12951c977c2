"""The lexer behind :func:`pip_tls_setup.policy.shell.parse`: one pass over the text, recursive for
command substitutions (which run too)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pip_tls_setup.policy.shell.model import ASSIGNMENT, Command, Heredoc, Pipeline, Redirect, Word, assignment

_META = frozenset(" \t\n;&|()<>")
# Characters with no meaning to the lexer outside quotes (and inside double quotes): read as one run.
_PLAIN = re.compile(r"[^ \t\n;&|()<>\r\\'\"$`]+")
_PLAIN_QUOTED = re.compile(r'[^"\\$`]+')
_ARRAY_START = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_RESERVED_DROP = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "fi", "done", "time"})
_ANSI = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "e": "\x1b", "0": "\0"}


@dataclass
class _ListState:
    """What the reading of one command list keeps track of (see :meth:`Lexer.parse_list`)."""

    current: Command
    stop_at_paren: bool  # inside $(...) / <(...): a ")" ends the list
    done: bool = False
    pipeline: list[Command] = field(default_factory=list)
    paren_depth: int = 0
    case_stack: list[bool] = field(default_factory=list)  # True while expecting a case pattern
    skip_until_separator: bool = False  # "for x in a b c" lists are not commands
    group_stack: list[int] = field(default_factory=list)  # where each open { ... } / ( ... ) began, in pipelines
    closed_group: tuple[int, int] | None = None  # "{ ...; } >> file": redirects apply to the group

    @property
    def in_pattern(self) -> bool:
        return bool(self.case_stack) and self.case_stack[-1]


# Command substitutions nested deeper than this are kept as one word, not parsed as commands: the lexer
# recurses for each level, and "$($($(..." must neither exhaust Python's stack nor cost more than one pass.
MAX_NESTING = 64


class Lexer:
    def __init__(self, text: str, depth: int = 0) -> None:
        self.text = text
        self.n = len(text)
        self.pipelines: list[Pipeline] = []
        self.pending: list[Heredoc] = []
        self.depth = depth  # nesting of $(...), <(...) and backticks around this text
        self.too_deep = False  # some substitution was deeper than MAX_NESTING (kept as a word)

    # -- structure -------------------------------------------------------------------------------
    # parse_list reads one command list: a loop over tokens, one method per operator character and one
    # for words (which handles reserved words); the state they share is a _ListState.
    def parse_list(self, pos: int, stop_at_paren: bool) -> int:
        """Parse commands from ``pos``; returns the position after the end (or after the closing paren)."""
        text, n = self.text, self.n
        state = _ListState(Command(pos), stop_at_paren)
        while pos < n and not state.done:
            if text[pos] in " \t":
                pos += 1
                continue
            pos = self._token(state, pos)
        if not state.done:
            self._finish(state, pos, True)
        return pos

    def _token(self, state: _ListState, pos: int) -> int:
        """Read the token at ``pos`` (not a blank) into ``state``; returns where the next one starts."""
        text = self.text
        ch = text[pos]
        if ch in "\\\r" and text.startswith("\n", pos + 1):
            return pos + (2 if ch == "\\" else 1)  # a line continuation; CR of a CRLF
        if ch == "#":
            end = text.find("\n", pos)
            return self.n if end == -1 else end
        operator = _OPERATORS.get(ch)
        if operator is not None:
            return operator(self, state, pos)
        if ch in "<>" or (ch.isdigit() and self._fd_redirect(pos)):
            return self._redirect(state, pos)
        return self._word(state, pos)

    def _finish(self, state: _ListState, pos: int, end_pipeline: bool) -> None:
        """End the current command (and, with ``end_pipeline``, the pipeline); the next starts at ``pos``."""
        if state.skip_until_separator:
            state.current = Command(pos)
            state.skip_until_separator = False
        elif state.in_pattern:
            # a pattern list "a|b)" ends at ")"; anything else here is dropped
            state.current = Command(pos)
        current = state.current
        if state.closed_group is not None and current.redirects and not current.words and not current.assignments:
            # "{ ...; } >> file": the redirections apply to every command of the group
            for grouped in self.pipelines[state.closed_group[0] : state.closed_group[1]]:
                for member in grouped.commands:
                    member.redirects.extend(current.redirects)
            state.current = Command(pos)
        state.closed_group = None
        if not state.current.empty:
            state.pipeline.append(state.current)
        state.current = Command(pos)
        if end_pipeline and state.pipeline:
            self.pipelines.append(Pipeline(state.pipeline))
            state.pipeline = []

    def _separate(self, state: _ListState, pos: int) -> int:
        """After a separator that ends the pipeline: the next command starts at ``pos``."""
        self._finish(state, pos, True)
        state.current.start = pos
        return pos

    def _newline(self, state: _ListState, pos: int) -> int:
        pos += 1
        self._finish(state, pos, True)
        if self.pending:
            pos = self.read_heredocs(pos)
        state.current.start = pos
        return pos

    def _semicolon(self, state: _ListState, pos: int) -> int:
        text = self.text
        if text.startswith(";;", pos) or text.startswith(";&", pos):
            # the end of a case branch: a pattern comes next
            pos = self._separate(state, pos + (3 if text.startswith(";;&", pos) else 2))
            if state.case_stack:
                state.case_stack[-1] = True
            return pos
        return self._separate(state, pos + 1)

    def _ampersand(self, state: _ListState, pos: int) -> int:
        if self.text.startswith("&&", pos):
            return self._separate(state, pos + 2)
        if self.text.startswith("&>", pos):
            return self.read_redirect(pos, state.current, "")
        return self._separate(state, pos + 1)

    def _pipe(self, state: _ListState, pos: int) -> int:
        if self.text.startswith("||", pos):
            return self._separate(state, pos + 2)
        pos += 2 if self.text.startswith("|&", pos) else 1
        if state.in_pattern:
            return pos  # alternative in a case pattern
        self._finish(state, pos, False)
        state.current.start = pos
        return pos

    def _open_paren(self, state: _ListState, pos: int) -> int:
        current = state.current
        if (
            len(current.words) == 1
            and not current.assignments
            and self.text.startswith(")", self._skip_blanks(pos + 1))
        ):
            # "name() { ...; }": a function definition, the body follows as commands
            state.current = Command(pos)
            return self.text.index(")", pos) + 1
        if state.in_pattern and current.empty:
            return pos + 1  # optional "(" before a case pattern
        self._finish(state, pos, True)
        state.paren_depth += 1
        state.group_stack.append(len(self.pipelines))
        state.current.start = pos + 1
        return pos + 1

    def _close_paren(self, state: _ListState, pos: int) -> int:
        if state.in_pattern:
            state.current = Command(pos + 1)  # the pattern ends: its words are dropped
            state.case_stack[-1] = False
            return pos + 1
        if state.paren_depth > 0:
            state.paren_depth -= 1
            self._finish(state, pos + 1, True)
            if state.group_stack:
                state.closed_group = (state.group_stack.pop(), len(self.pipelines))
            state.current.start = pos + 1
            return pos + 1
        if state.stop_at_paren:
            self._finish(state, pos, True)
            state.done = True
        return pos + 1

    def _redirect(self, state: _ListState, pos: int) -> int:
        text = self.text
        if text[pos] in "<>" and text.startswith("(", pos + 1):
            # process substitution <(...) / >(...): runs, and stands for a file name
            end = self.substitution(pos + 1)
            state.current.words.append(Word(text[pos:end], pos, end, expands=True))
            return end
        return self.read_redirect(pos, state.current, "")

    def _word(self, state: _ListState, pos: int) -> int:
        word, end = self.read_word(pos)
        if end == pos:  # never loop on a character no rule consumes
            return pos + 1
        current = state.current
        if state.in_pattern:
            if word.text == "esac" and current.empty and not word.quoted:
                state.case_stack.pop()
            else:
                current.words.append(word)  # pattern words, dropped at ")"
            return end
        if state.skip_until_separator:
            if word.text == "do" and not word.quoted:
                state.current = Command(end)
                state.skip_until_separator = False
            return end
        if not current.words and not word.quoted:
            after = self._reserved(state, word.text, end)
            if after is not None:
                return after
        if not current.words and assignment(word) is not None and not self._name_quoted(word):
            current.assignments.append(word)
        else:
            current.words.append(word)
        return end

    def _reserved(self, state: _ListState, text: str, pos: int) -> int | None:
        """A reserved word where a command starts: its effect, and where reading goes on; None if it is not one."""
        if text == "esac" and state.case_stack:
            state.case_stack.pop()
            return pos
        if state.current.assignments:
            return None  # "A=1 if": a command named "if"
        if text == "{":
            state.group_stack.append(len(self.pipelines))
        elif text == "}":
            if state.group_stack:
                state.closed_group = (state.group_stack.pop(), len(self.pipelines))
        elif text in ("for", "select"):
            state.skip_until_separator = True  # "for x in a b c" lists are not commands
        elif text == "case":
            # "case WORD in": skip to "in", then patterns
            state.case_stack.append(True)
            return self._skip_case_head(pos)
        elif text == "function":
            return self._skip_function_name(pos)
        elif text not in _RESERVED_DROP:
            return None
        return pos

    def _skip_function_name(self, pos: int) -> int:
        """``function name`` or ``function name()``: the body follows as commands."""
        _, pos = self.read_word(self._skip_blanks(pos))
        after = self._skip_blanks(pos)
        if self.text.startswith("()", after):
            pos = after + 2
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
        match = ASSIGNMENT.match(raw)
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
            plain = _PLAIN.match(text, pos)  # a run of ordinary characters, taken in one slice
            if plain is not None:
                out.append(plain.group())
                pos = plain.end()
                continue
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
                pos, escaped = self._backslash(pos, out)
                quoted = quoted or escaped
                continue
            if ch == "'":
                pos = self._single_quoted(pos, out)
                quoted = True
                continue
            if ch == '"':
                value, pos, exp = self._double_quoted(pos + 1)
                out.append(value)
                quoted = True
                expands = expands or exp
                continue
            if ch in "$`":
                value, pos, exp = self._expansion(pos, in_double=False)
                out.append(value)
                expands = expands or exp
                quoted = quoted or (not exp and value != "$")  # $'...' and $"..." are quoting
                continue
            out.append(ch)
            pos += 1
        return Word("".join(out), start, pos, quoted, expands), pos

    def _backslash(self, pos: int, out: list[str]) -> tuple[int, bool]:
        """A backslash outside quotes: a line continuation disappears, any other character is kept quoted."""
        text, n = self.text, self.n
        if pos + 1 >= n:
            return pos + 1, False
        if text[pos + 1] == "\n":
            return pos + 2, False
        out.append(text[pos + 1])
        return pos + 2, True

    def _single_quoted(self, pos: int, out: list[str]) -> int:
        """'...' from ``pos``: its text as it is; an unclosed one runs to the end of the text."""
        end = self.text.find("'", pos + 1)
        if end == -1:
            out.append(self.text[pos + 1 :])
            return self.n
        out.append(self.text[pos + 1 : end])
        return end + 1

    def _double_quoted(self, pos: int) -> tuple[str, int, bool]:
        text, n = self.text, self.n
        out: list[str] = []
        expands = False
        while pos < n:
            plain = _PLAIN_QUOTED.match(text, pos)
            if plain is not None:
                out.append(plain.group())
                pos = plain.end()
                continue
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
            if ch in "$`":
                value, pos, exp = self._expansion(pos, in_double=True)
                out.append(value)
                expands = expands or exp
                continue
            out.append(ch)
            pos += 1
        return "".join(out), pos, expands

    def _expansion(self, pos: int, in_double: bool) -> tuple[str, int, bool]:
        """A ``$`` expansion or a backtick substitution at ``pos``: its text, the end, whether it expands."""
        if self.text[pos] == "`":
            end = self._backtick(pos)
            return self.text[pos:end], end, True
        return self._dollar(pos, in_double)

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
            end = self.substitution(pos + 1)
            return text[pos:end], end, True
        if nxt == "{":
            end = self._braced_end(pos)
            return text[pos:end], end, True
        if nxt and (nxt.isalnum() or nxt == "_"):
            end = pos + 2
            if not nxt.isdigit():  # $1 is one digit; $NAME runs on
                while end < n and (text[end].isalnum() or text[end] == "_"):
                    end += 1
            return text[pos:end], end, True
        if nxt and nxt in "@*#?$!-":
            return text[pos : pos + 2], pos + 2, True
        return "$", pos + 1, False

    def substitution(self, paren: int) -> int:
        """Parse the commands of ``(...)`` at ``paren`` (of ``$(``, ``<(``, ``>(``); returns the end after ``)``.
        Deeper than :data:`MAX_NESTING`, the group is skipped as text instead (and ``too_deep`` is set)."""
        if self.depth >= MAX_NESTING:
            self.too_deep = True
            return self._match_paren(paren)
        self.depth += 1
        try:
            return self.parse_list(paren + 1, stop_at_paren=True)
        finally:
            self.depth -= 1

    def _braced_end(self, pos: int) -> int:
        """End (exclusive) of ``${...}`` at ``pos`` (nested braces counted) or of ``${{ ... }}``."""
        text, n = self.text, self.n
        if text.startswith("${{", pos):  # GitHub/Gitea expression syntax ${{ ... }}
            end = text.find("}}", pos)
            return n if end == -1 else end + 2
        depth = 0
        end = pos + 1
        while end < n:
            c = text[end]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return end + 1
            elif c == "\\":
                end += 1
            end += 1
        return n

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
        if self.depth >= MAX_NESTING:
            self.too_deep = True
            return min(end + 1, n)
        inner = Lexer(text[pos + 1 : end].replace("\\`", "`"), self.depth + 1)
        inner.parse_list(0, stop_at_paren=False)
        self.too_deep = self.too_deep or inner.too_deep
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
                pos = self._skip_double_quoted(pos + 1)
                continue
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    return pos + 1
            pos += 1
        return n

    def _skip_double_quoted(self, pos: int) -> int:
        """The end of a double-quoted string from ``pos`` (after its opening quote), without parsing what is
        inside (no recursion: this skips text that is not analysed)."""
        text, n = self.text, self.n
        while pos < n:
            ch = text[pos]
            if ch == "\\":
                pos += 2
                continue
            if ch == '"':
                return pos + 1
            pos += 1
        return n


# operator character -> the Lexer method that reads it
_OPERATORS: dict[str, Callable[[Lexer, _ListState, int], int]] = {
    "\n": Lexer._newline,
    ";": Lexer._semicolon,
    "&": Lexer._ampersand,
    "|": Lexer._pipe,
    "(": Lexer._open_paren,
    ")": Lexer._close_paren,
}


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
