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

from pip_tls_setup.policy.shell.lexer import MAX_NESTING, Lexer
from pip_tls_setup.policy.shell.model import Command, Heredoc, LineMap, Pipeline, Redirect, Script, Word, assignment

__all__ = [
    "MAX_NESTING",
    "Command",
    "Heredoc",
    "LineMap",
    "Pipeline",
    "Redirect",
    "Script",
    "Word",
    "assignment",
    "parse",
    "split_words",
]


def parse(text: str) -> Script:
    lexer = Lexer(text)
    lexer.parse_list(0, stop_at_paren=False)
    return Script(lexer.pipelines, text, lexer.too_deep)


def split_words(text: str) -> list[Word]:
    """The words of one command line (``--pip-args "..."`` values, alias bodies): operators split, not kept."""
    script = parse(text)
    words: list[Word] = []
    for command in script.commands():
        words.extend(command.assignments)
        words.extend(command.words)
    return words
