"""Tools that run pip for you and take pip's options: pipx, pip-tools (``pip-compile``, ``pip-sync``),
Pipenv."""

from __future__ import annotations

from pip_tls_setup.policy import checks
from pip_tls_setup.policy.invocations import pip
from pip_tls_setup.policy.invocations.scope import Scope, following, option_value
from pip_tls_setup.policy.shell import Command, Word

_PIPTOOLS_INDEX = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links")
_PIPTOOLS_VALUE_OPTS = frozenset(
    {"--trusted-host", *_PIPTOOLS_INDEX, "--pip-args", "-o", "--output-file", "-c", "--constraint", "--cert"}
)


def pipx(scope: Scope, words: list[Word], _command: Command | None) -> None:
    args = [w.text for w in words]
    sub = next((a for a in args[1:] if not a.startswith("-")), "")
    if sub == "runpip":
        index = args.index("runpip")
        if index + 2 <= len(words):
            pip.pip(scope, words, index + 2)  # pipx runpip VENV ARGS
        return
    for i, arg in enumerate(args):
        line = scope.line(words[i])
        name, eq, _ = arg.partition("=")
        if name in ("--index-url", "-i"):
            checks.pip_index(option_value(args, i), line, scope.ctx, "pipx --index-url")
        elif name == "--pip-args":
            value_word = words[i + (0 if eq else 1)] if i + 1 < len(words) or eq else words[i]
            pip.args_string(scope, option_value(args, i), value_word)
        if sub == "run" and i > args.index("run") and not arg.startswith("-"):
            break  # the app's own arguments


def piptools(scope: Scope, words: list[Word], _command: Command | None) -> None:
    args = [w.text for w in words]
    skip_next = False
    for i, arg in enumerate(args[1:], start=1):
        if skip_next:
            skip_next = False
            continue
        name, eq, value = arg.partition("=")
        if name in _PIPTOOLS_VALUE_OPTS and not eq:
            value = following(args, i)
            skip_next = True
        _piptools_argument(scope, words[i], name, value)


def _piptools_argument(scope: Scope, word: Word, name: str, value: str) -> None:
    line = scope.line(word)
    if name == "--trusted-host":
        checks.trusted_hosts([value], line, scope.ctx, "pip-compile --trusted-host")
    elif name in _PIPTOOLS_INDEX:
        checks.pip_index(value, line, scope.ctx, f"pip-tools {name}")
    elif name == "--pip-args":
        pip.args_string(scope, value, word)
    elif name in ("-c", "--constraint"):
        pip.requirement_file(scope, value, line, "--constraint")
    elif not word.text.startswith("-") and word.text.endswith((".in", ".txt")):
        pip.requirement_file(scope, word.text, line, "--requirement")


def pipenv(scope: Scope, words: list[Word], _command: Command | None) -> None:
    args = [w.text for w in words]
    if len(args) > 2 and args[1] == "run":
        scope.run(words[2:])
        return
    for i, arg in enumerate(args):
        line = scope.line(words[i])
        name = arg.partition("=")[0]
        if name in ("--pypi-mirror", "-i", "--index"):
            checks.source_url(option_value(args, i), line, scope.ctx, "PTS204", f"pipenv {name}")
        elif name == "--extra-pip-args":
            pip.args_string(scope, option_value(args, i), words[i])
