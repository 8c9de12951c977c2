"""uv and uvx: ``--allow-insecure-host``, the index options, ``-r``/``-c`` files, requirements of
``uv pip install`` / ``uv add``, and the command after ``uv run`` / ``uv tool run`` / ``uvx``."""

from __future__ import annotations

import posixpath

from pip_tls_setup.policy import checks
from pip_tls_setup.policy.invocations import pip
from pip_tls_setup.policy.invocations.scope import Scope, following
from pip_tls_setup.policy.shell import Command, Word

_INDEX_OPTS = frozenset({"--index-url", "-i", "--extra-index-url", "--index", "--default-index", "-f", "--find-links"})
# uv options that take a separate value (so the value is not read as a subcommand or a requirement)
_VALUE_OPTS = frozenset(
    {
        "--with",
        "--with-requirements",
        "--with-editable",
        "--from",
        "-p",
        "--python",
        "--index",
        "--default-index",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--allow-insecure-host",
        "--trusted-host",
        "--cache-dir",
        "--directory",
        "--project",
        "--config-file",
        "--package",
        "--extra",
        "--group",
        "--env-file",
        "--index-strategy",
        "--keyring-provider",
        "--resolution",
        "--prerelease",
        "-C",
        "--config-setting",
        "--exclude-newer",
        "--link-mode",
        "--color",
        "--python-preference",
        "--script",
        "-r",
        "--requirements",
        "--requirement",
        "-c",
        "--constraints",
        "--constraint",
        "-o",
        "--output-file",
        "--refresh-package",
        "--reinstall-package",
        "--upgrade-package",
        "-P",
    }
)
_REQUIREMENT_FILE_OPTS = {
    "-r": "--requirement",
    "--requirements": "--requirement",
    "--requirement": "--requirement",
    "-c": "--constraint",
    "--constraints": "--constraint",
    "--constraint": "--constraint",
}


def command(scope: Scope, words: list[Word], _command: Command | None) -> None:
    """``uv ...``; ``uvx TOOL`` runs a tool."""
    uv(scope, words, 1, tool_mode=posixpath.basename(words[0].text).startswith("uvx"))


def uv(scope: Scope, words: list[Word], start: int, tool_mode: bool = False) -> None:
    """uv's arguments from ``words[start]`` on (``python -m uv`` starts later)."""
    args = [w.text for w in words]
    positionals: list[int] = []
    i = start
    while i < len(args) and args[i] != "--":
        if args[i].startswith("-"):
            i += _option(scope, words, args, i)
            continue
        positionals.append(i)
        if tool_mode:
            scope.run(words[i:])  # uvx TOOL ARGS: the tool's own arguments
            return
        if _runs_command(args, positionals):
            run(scope, words, i + 1)  # uv run [opts] CMD ARGS: CMD follows the run options
            return
        i += 1
    _requirements(scope, words, args, positionals)


def _option(scope: Scope, words: list[Word], args: list[str], i: int) -> int:
    """Check the option at ``args[i]``; returns how many arguments it takes up."""
    arg = args[i]
    name, eq, value = arg.partition("=")
    if not name.startswith("--") and len(name) > 2 and name[:2] in ("-i", "-f"):
        name, value, eq = name[:2], arg[2:], "="  # -ihttp://...
    separate = name in _VALUE_OPTS and not eq
    if separate:
        value = following(args, i)
    line = scope.line(words[i])
    if not option(scope, name, value, line) and name in _REQUIREMENT_FILE_OPTS:
        pip.requirement_file(scope, value, line, _REQUIREMENT_FILE_OPTS[name])
    return 2 if separate else 1


def _runs_command(args: list[str], positionals: list[int]) -> bool:
    """``uv run`` / ``uv tool run``: the next positional is a command."""
    if args[positionals[-1]] != "run":
        return False
    return len(positionals) == 1 or (len(positionals) == 2 and args[positionals[0]] == "tool")


def _requirements(scope: Scope, words: list[Word], args: list[str], positionals: list[int]) -> None:
    """The requirements of ``uv pip install|compile|sync`` and ``uv add``."""
    sub = [args[p] for p in positionals]
    if sub[:1] == ["pip"] and len(sub) > 1 and sub[1] in ("install", "compile", "sync"):
        for p in positionals[2:]:
            checks.requirement_url(args[p], scope.line(words[p]), scope.ctx, "requirement")
    if sub[:1] == ["add"]:
        for p in positionals[1:]:
            checks.requirement_url(args[p], scope.line(words[p]), scope.ctx, "requirement")


def option(scope: Scope, name: str, value: str, line: int) -> bool:
    """Check one uv option that can switch verification off or point at an index; True if it was one."""
    if name in ("--allow-insecure-host", "--trusted-host"):
        checks.uv_insecure_hosts([value], line, scope.ctx, f"uv {name}")
        return True
    if name in _INDEX_OPTS:
        checks.uv_index(value, line, scope.ctx, f"uv {name}")
        return True
    return False


def run(scope: Scope, words: list[Word], start: int) -> None:
    """``uv run [OPTIONS] CMD ARGS``: the options, then CMD as a command of its own."""
    args = [w.text for w in words]
    i = start
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if arg == "--":
            i += 1
            break
        if not name.startswith("-"):
            break
        separate = name in _VALUE_OPTS and not eq
        if separate:
            value = following(args, i)
        option(scope, name, value, scope.line(words[i]))
        i += 2 if separate else 1
    scope.run(words[i:])
