"""git: ``git -c http.sslVerify=false ...`` and ``git config [--global] http.sslVerify false`` (also
``git config set``), the CA paths ``http.sslCAInfo`` / ``http.sslCAPath``."""

from __future__ import annotations

from pip_tls_setup.policy import checks
from pip_tls_setup.policy.invocations.scope import Scope
from pip_tls_setup.policy.shell import Command, Word

_GLOBAL_VALUE_OPTS = ("-C", "--git-dir", "--work-tree", "--namespace")
_CONFIG_VALUE_OPTS = ("-f", "--file", "--blob", "--type", "--default", "--comment")


def git(scope: Scope, words: list[Word], _command: Command | None) -> None:
    args = [w.text for w in words]
    i = _global_options(scope, words, args)
    if i < len(args) and args[i] == "config":
        _config(scope, words, args, i + 1)


def _global_options(scope: Scope, words: list[Word], args: list[str]) -> int:
    """Check ``-c KEY=VALUE`` options before the subcommand; returns the subcommand's index."""
    i = 1
    while i < len(args):
        arg = args[i]
        if arg == "-c" and i + 1 < len(args):
            key, eq, value = args[i + 1].partition("=")
            checks.git_config(key, value if eq else "true", scope.line(words[i + 1]), scope.ctx, "git -c")
            i += 2
        elif arg in _GLOBAL_VALUE_OPTS:
            i += 2
        elif arg.startswith("-"):
            i += 1
        else:
            return i
    return i


def _config(scope: Scope, words: list[Word], args: list[str], start: int) -> None:
    """``git config [OPTIONS] [set] NAME VALUE``."""
    rest: list[int] = []
    j = start
    while j < len(args):
        arg = args[j]
        if arg in _CONFIG_VALUE_OPTS:
            j += 2
            continue
        if not arg.startswith("-"):
            rest.append(j)
        j += 1
    names = [args[p] for p in rest]
    if names and names[0] == "set" and len(names) >= 3:
        rest = rest[1:]
        names = names[1:]
    if len(names) >= 2 and "." in names[0]:
        checks.git_config(names[0], names[1], scope.line(words[rest[0]]), scope.ctx, "git config")
