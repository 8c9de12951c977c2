"""Commands that run the rest of their arguments as a command: ``sudo``, ``env``, ``nohup``, ``timeout``,
``xargs``, ``chroot``, ``flock`` and friends. Their own options are skipped (with the values they take)."""

from __future__ import annotations

import posixpath

from pip_tls_setup.policy import shell
from pip_tls_setup.policy.invocations.scope import Scope
from pip_tls_setup.policy.shell import Command, Word

# wrapper -> its options that take a separate value
VALUE_OPTS = {
    "sudo": frozenset({"-u", "-g", "-C", "-p", "-r", "-t", "-U", "-h", "-D", "-R", "-T", "--user", "--group"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "timeout": frozenset({"-s", "--signal", "-k", "--kill-after"}),
    "xargs": frozenset({"-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a", "--arg-file", "--delimiter"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "runuser": frozenset({"-u", "-g", "-G", "--user", "--group"}),
    "doas": frozenset({"-u", "-C"}),
    "flock": frozenset({"-w", "-E", "-c"}),
    "chroot": frozenset({"--userspec", "--groups"}),
}
SIMPLE = frozenset({"nohup", "exec", "command", "builtin", "time", "eatmydata", "fakeroot", "xvfb-run"})
NAMES = SIMPLE | frozenset(VALUE_OPTS)
# wrappers whose first operand is theirs, not the command's: the duration, the new root, the lock file
_OWN_OPERAND = frozenset({"timeout", "chroot", "flock"})
_TAKE_ASSIGNMENTS = frozenset({"env", "sudo"})  # "env PIP_TRUSTED_HOST=x pip ...", "sudo NAME=value ..."


def wrapper(scope: Scope, words: list[Word], command: Command | None) -> None:
    base = posixpath.basename(words[0].text)
    start = _command_start(scope, base, words)
    if start is not None:
        scope.run(words[start:], command)


def _command_start(scope: Scope, base: str, words: list[Word]) -> int | None:
    """Where the wrapped command begins; None when the wrapper runs shell text itself (``env -S``)."""
    value_opts = VALUE_OPTS.get(base, frozenset())
    i = 1
    while i < len(words):
        text = words[i].text
        if text == "--" or (base in _OWN_OPERAND and not text.startswith("-")):
            return i + 1
        if text.startswith("-"):
            if _runs_text(base, text) and i + 1 < len(words):
                scope.nested(words[i + 1].text, words[i + 1])
                return None
            i += 2 if text in value_opts else 1
            continue
        if base in _TAKE_ASSIGNMENTS and shell.assignment(words[i]) is not None:
            scope.assign(words[i])
            i += 1
            continue
        return i
    return i


def _runs_text(base: str, option: str) -> bool:
    """``env -S "pip ..."``, ``sudo --split-string``, ``flock -c "pip ..."``: the value is a command line."""
    if base in _TAKE_ASSIGNMENTS:
        return option in ("-S", "--split-string")
    return base == "flock" and option == "-c"


def unwrapped(words: list[Word]) -> list[Word]:
    """The words of the real command behind ``sudo -E``, ``env X=1``, ``nohup`` and friends."""
    i = 0
    while i < len(words):
        base = posixpath.basename(words[i].text)
        if base in SIMPLE or base in ("sudo", "env", "doas"):
            i += 1
            values = VALUE_OPTS.get(base, frozenset())
            while i < len(words) and (words[i].text.startswith("-") or shell.assignment(words[i]) is not None):
                i += 2 if words[i].text in values else 1
            continue
        break
    return words[i:]
