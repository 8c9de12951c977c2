"""The walk over parsed shell text: the variables it defines, its assignments, the files it writes, and
each command's words through the handler table (:mod:`.table`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pip_tls_setup.policy import checks, shell
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.invocations import builtins, pip, table, writes
from pip_tls_setup.policy.invocations.scope import Locate, Scope, Walker
from pip_tls_setup.policy.shell import Command, Word

# A value that names a pip option is worth parsing as an option list.
_OPTIONISH = re.compile(
    r"(^|[\s(])(--trusted-host|--index-url|--extra-index-url|--find-links|--pypi-url|--allow-insecure-host|"
    r"-i\s*https?:|-f\s*https?:|--index\b|--default-index)"
)


def new_scope(
    ctx: ScanContext, locate: Locate, known: set[str] | None = None, values: dict[str, list[str]] | None = None
) -> Scope:
    scope = Scope(ctx, locate, set(known or ()), WALKER)
    for name, assigned in (values or {}).items():
        for value in assigned:
            scope.learn(name, value)
    return scope


def text(
    source: str, ctx: ScanContext, known: set[str] | None = None, values: dict[str, list[str]] | None = None
) -> None:
    """Shell text; hits carry lines relative to ``source`` (the scan context maps them to the file)."""
    if not source.strip():
        return
    script(new_scope(ctx, shell.LineMap(source).line, known, values), shell.parse(source))


def script(scope: Scope, parsed: shell.Script) -> None:
    scope.source = parsed.text
    if parsed.too_deep:
        scope.ctx.add(
            "PTS402",
            scope.locate(0),
            f"nests command substitutions deeper than {shell.MAX_NESTING} levels: the innermost are not checked",
        )
    _learn_variables(scope, parsed)
    for pipeline in parsed.pipelines:
        for index, member in enumerate(pipeline.commands):
            command(scope, member, pipeline.commands[index + 1 :])


def _learn_variables(scope: Scope, parsed: shell.Script) -> None:
    """Names the script assigns or exports anywhere: ``$PIP_OPTS`` defined here is not an unknown."""
    for member in parsed.commands():
        for word in member.assignments:
            found = shell.assignment(word)
            if found:
                scope.learn(*found)
        if member.words and member.words[0].text in builtins.EXPORTS:
            for word in member.words[1:]:
                found = shell.assignment(word)
                if found:
                    scope.learn(*found)
                else:
                    scope.known.add(word.text)


def command(scope: Scope, member: Command, following: Sequence[Command] = ()) -> None:
    for word in member.assignments:
        assignment(scope, word)
    writes.written_files(scope, member, following)
    if member.words:
        argv(scope, member.words, member)


def assignment(scope: Scope, word: Word) -> None:
    found = shell.assignment(word)
    if found is None:
        return
    name, value = found
    checks.variable(name, value, scope.line(word), scope.ctx)
    option_list(scope, value, word)


def option_list(scope: Scope, value: str, word: Word) -> None:
    """``PIP_OPTS="--trusted-host x -i http://..."``, ``ARGS=(--trusted-host x)``: pip options in a variable."""
    if not _OPTIONISH.search(value):
        return
    inner = value[1:-1] if value.startswith("(") and value.endswith(")") else value
    words = shell.split_words(inner)
    if not words:
        return
    sub = scope.within(scope.ctx.shifted(scope.line(word)), shell.LineMap(inner).line)
    if table.tool_handler(words[0]) is not None:
        argv(sub, words, None)
    elif words[0].text.startswith("-"):
        pip.pip(sub, words, 0, default_subcommand="install")
    # else: prose that mentions an option ("do not use --trusted-host"), not an option list


def argv(scope: Scope, words: list[Word], member: Command | None) -> None:
    if not words:
        return
    handler = table.handler_for(words[0])
    if handler is not None:
        handler(scope, words, member)


WALKER = Walker(text, argv, assignment)
