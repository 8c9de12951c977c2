"""What shell commands do to installer trust: pip and its wrappers, uv, conda, poetry, pdm, pipenv,
git, curl/wget, npm, docker build args, variable assignments and files written by echo/printf/cat.

:func:`analyse` takes shell text (a script, a ``RUN`` line, a workflow ``run:``), parses it with
:mod:`~pip_tls_setup.policy.shell` and reports hits with line numbers relative to that text.

The modules:

- ``walk``: the walk over a parsed script (assignments, files written, each command's words);
- ``table``: the one handler table, command name or pattern -> handler;
- ``scope``: the state a handler is given (:class:`~.scope.Scope`) and argument helpers;
- one module per tool family: ``pip``, ``python`` (``-m pip``), ``pip_wrappers`` (pipx, pip-tools,
  Pipenv), ``uv``, ``project_tools`` (Poetry, PDM), ``conda``, ``git``, ``downloads`` (curl, wget),
  ``node`` (npm, yarn, pnpm), ``docker``; ``builtins`` (export, alias, eval, ``sh -c``, su),
  ``wrappers`` (sudo, env, timeout, ...), ``writes`` (files written by echo, printf, cat, tee).
"""

from __future__ import annotations

from pip_tls_setup.policy import shell
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.invocations import walk
from pip_tls_setup.policy.invocations.scope import Locate, first_line
from pip_tls_setup.policy.invocations.writes import classify_target
from pip_tls_setup.policy.shell import Word

__all__ = ["analyse", "analyse_argv", "analyse_script", "classify_target", "option_assignment"]


def analyse(
    text: str, ctx: ScanContext, known: set[str] | None = None, values: dict[str, list[str]] | None = None
) -> None:
    """Analyse shell text; hits carry lines relative to ``text`` (the scan context maps them to the file).

    ``known``: variables the surrounding file defines (a Makefile's), so ``$(PIP_OPTS)`` is not unknown;
    ``values``: what it assigns to them (a pass-through ``--build-arg X=$(X)`` of an empty one is a note).
    """
    walk.text(text, ctx, known, values)


def analyse_script(script: shell.Script, ctx: ScanContext, locate: Locate) -> None:
    """A script parsed already, with its own offset -> line map (a Dockerfile ``RUN`` across lines)."""
    walk.script(walk.new_scope(ctx, locate), script)


def analyse_argv(words: list[Word], ctx: ScanContext, locate: Locate = first_line) -> None:
    """One command given as words, not shell text (an exec-form ``RUN [...]``, a compose ``command:``)."""
    walk.argv(walk.new_scope(ctx, locate), words, None)


def option_assignment(value: str, line: int, ctx: ScanContext, known: set[str] | None = None) -> None:
    """A variable (Makefile, CI) whose value is a pip command or pip options: ``PIP := pip --trusted-host x``."""
    walk.option_list(walk.new_scope(ctx.at_line(line), first_line, known), value, Word(value, 0, len(value)))
