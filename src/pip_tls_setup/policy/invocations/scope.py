"""The state every handler is given: where hits go, how offsets map to lines, what the script defined.

A :class:`Scope` is made for each analysed text (a script, a ``sh -c`` string, an option list in a
variable). Handlers never build one from nothing: they derive one with :meth:`Scope.within`, which keeps
the way back to the walker (:class:`Walker`), so a handler can run the command a tool forwards to
(``uv run CMD``) or shell text it carries (``sh -c "..."``) without importing the handler table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.shell import Command, Heredoc, Word

Locate = Callable[[int], int]  # offset in the analysed text -> line (1-based) in that text


def first_line(_offset: int) -> int:
    """The locator of text that sits on one line (a JSON argv, a ``--pip-args`` value)."""
    return 1


@dataclass(frozen=True)
class Walker:
    """How a handler hands work back to the walker (``walk.py``): shell text, a command's words, an assignment."""

    text: Callable[[str, ScanContext, set[str]], None]
    argv: Callable[[Scope, list[Word], Command | None], None]
    assignment: Callable[[Scope, Word], None]


# Values kept per variable name (``CONF=/etc/pip.conf`` in one branch, ``CONF=~/.pip/pip.conf`` in another).
MAX_VALUES = 8


@dataclass
class Scope:
    ctx: ScanContext
    locate: Locate
    known: set[str]  # variables the analysed text (or its file) defines: their option lists are not unknown
    walker: Walker
    # what the analysed text assigns to each variable, in any branch (if/else, case): write targets in
    # variables are followed through them
    values: dict[str, list[str]] = field(default_factory=dict)
    source: str = ""  # the analysed text itself (for the line of each line of a multi-line string)

    def learn(self, name: str, value: str) -> None:
        """``name`` is assigned ``value`` somewhere in the analysed text."""
        self.known.add(name)
        seen = self.values.setdefault(name, [])
        if value not in seen and len(seen) < MAX_VALUES:
            seen.append(value)

    def line(self, node: Word | Command) -> int:
        return self.locate(node.start)

    def within(self, ctx: ScanContext, locate: Locate, known: set[str] | None = None) -> Scope:
        """A scope for text inside this one; it gets its own copy of the known variables."""
        return Scope(ctx, locate, set(self.known if known is None else known), self.walker)

    def run(self, words: list[Word], command: Command | None = None) -> None:
        """Analyse ``words`` as a command (``sudo pip ...`` -> ``pip ...``, ``uv run pip ...``)."""
        if words:
            self.walker.argv(self, words, command)

    def assign(self, word: Word) -> None:
        """A ``NAME=value`` word (``export``, ``env NAME=value``): the variable's checks and its option list."""
        self.walker.assignment(self, word)

    def nested(self, text: str, word: Word) -> None:
        """Shell text inside a word (``sh -c "..."``, ``eval``, an alias body): lines counted from the word."""
        self.walker.text(text, self.ctx.shifted(self.line(word)), self.known)

    def heredoc_script(self, heredoc: Heredoc) -> None:
        """A here-document a shell reads as its script (``bash <<EOF``)."""
        self.walker.text(heredoc.body, self.ctx.shifted(self.locate(heredoc.body_start)), self.known)


# A handler: the scope, the command's words (argv[0] is the tool) and the command they came from (None
# when the words were forwarded by another tool or come from an exec-form array).
# (A string inside Callable: ``X | None`` cannot be evaluated on Python 3.9.)
Handler = Callable[[Scope, list[Word], "Command | None"], None]


# -- argument helpers shared by the handlers ----------------------------------------------------------


def following(args: Sequence[str], index: int) -> str:
    """The argument after ``args[index]`` (an option's separate value), or "" at the end."""
    return args[index + 1] if index + 1 < len(args) else ""


def option_value(args: Sequence[str], index: int) -> str:
    """The value of the option at ``args[index]``: ``--opt=value`` or ``--opt value``."""
    _, eq, value = args[index].partition("=")
    return value if eq else following(args, index)


def positionals(args: Sequence[str]) -> list[int]:
    """Indexes of the arguments after argv[0] that are not options."""
    return [i for i, arg in enumerate(args) if i > 0 and not arg.startswith("-")]


def flag_letters(token: str, value_letters: frozenset[str]) -> str:
    """Letters of a short-option bundle up to the first that takes a value (``-sSLk`` -> ``sSLk``)."""
    out = []
    for letter in token[1:]:
        if letter in value_letters:
            break
        out.append(letter)
    return "".join(out)
