"""conda, mamba, micromamba: ``config --set ssl_verify``, ``channel_alias``, ``--add channels``, ``-c``,
``-k``/``--insecure`` (also inside bundles such as ``-yk``), ``--ssl-verify``; ``conda run CMD``."""

from __future__ import annotations

import posixpath
import re

from pip_tls_setup.policy import booleans, checks
from pip_tls_setup.policy.invocations.scope import Scope, flag_letters, option_value, positionals
from pip_tls_setup.policy.shell import Command, Word

_VALUE_SHORTS = frozenset("npc")  # short options that take a value: a "k" after them is not -k
_RUN_VALUE_OPTS = ("-n", "--name", "-p", "--prefix", "--cwd")
_SHORT_BUNDLE = re.compile(r"-[A-Za-z]+")


def conda(scope: Scope, words: list[Word], _command: Command | None) -> None:
    args = [w.text for w in words]
    positional = positionals(args)
    if positional and args[positional[0]] == "run":
        _run(scope, words, positional[0] + 1)
        return
    tool = posixpath.basename(args[0])
    for i in range(1, len(args)):
        _option(scope, tool, args, i, scope.line(words[i]))


def _run(scope: Scope, words: list[Word], start: int) -> None:
    """conda run [-n ENV | -p PATH] CMD ..."""
    i = start
    while i < len(words) and words[i].text.startswith("-"):
        i += 2 if words[i].text in _RUN_VALUE_OPTS else 1
    scope.run(words[i:])


def _option(scope: Scope, tool: str, args: list[str], i: int, line: int) -> None:
    arg = args[i]
    name = arg.partition("=")[0]
    if name == "--set" and i + 2 < len(args):
        _setting(scope, tool, args[i + 1].lower(), args[i + 2], line)
    elif name in ("--add", "--append", "--prepend") and i + 2 < len(args):
        if args[i + 1] in ("channels", "default_channels"):
            checks.source_url(args[i + 2], line, scope.ctx, "PTS205", f"{tool} channel")
    elif name in ("-c", "--channel"):
        checks.source_url(option_value(args, i), line, scope.ctx, "PTS205", f"{tool} channel")
    elif name == "--insecure" or (_SHORT_BUNDLE.fullmatch(arg) and "k" in flag_letters(arg, _VALUE_SHORTS)):
        scope.ctx.add(
            "PTS105",
            line,
            f'{tool} {arg}: "Allow conda to perform \\"insecure\\" SSL connections and transfers" '
            "(same as ssl_verify: false)",
        )
    elif name in ("--ssl-verify", "--ssl_verify") and checks.is_false(option_value(args, i)):
        scope.ctx.add("PTS105", line, f"{tool} {arg}: certificate verification off")


def _setting(scope: Scope, tool: str, key: str, value: str, line: int) -> None:
    """``conda config --set KEY VALUE``."""
    if key in ("ssl_verify", "verify_ssl"):
        if booleans.conda(value):
            scope.ctx.add("PTS105", line, f"{tool} config --set {key} {value}: conda skips certificate checks")
        elif value.lower() not in ("true", "yes", "on", "y", "1", "truststore"):
            checks.ca_path(f"conda {key}", value, line, scope.ctx)
    elif key == "channel_alias":
        checks.source_url(value, line, scope.ctx, "PTS205", f"{tool} channel_alias")
