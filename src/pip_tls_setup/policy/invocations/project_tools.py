"""Project managers with settings of their own: ``poetry config`` / ``poetry source add``,
``pdm config``; ``poetry run CMD`` / ``pdm run CMD`` are analysed as CMD."""

from __future__ import annotations

import re

from pip_tls_setup.policy import booleans, checks
from pip_tls_setup.policy.invocations.scope import Scope, positionals
from pip_tls_setup.policy.shell import Command, Word

_POETRY_CERT = re.compile(r"certificates\.[^.]+\.cert")
_POETRY_REPOSITORY = re.compile(r"repositories\.[^.]+(\.url)?")
_PDM_VERIFY = re.compile(r"(pypi|repository)(\.[^.]+)?\.verify_ssl")
_PDM_URL = re.compile(r"pypi(\.[^.]+)?\.url")
_PDM_CA = re.compile(r"pypi(\.[^.]+)?\.ca_certs")


def poetry(scope: Scope, words: list[Word], _command: Command | None) -> None:
    found = _subcommand(scope, words)
    if found is None:
        return
    args, positional, sub = found
    if sub == "config":
        setting = _setting(scope, words, args, positional)
        if setting is not None:
            _poetry_config(scope, *setting)
    elif sub == "source" and len(positional) >= 4 and args[positional[1]] == "add":
        url_index = positional[3]
        checks.source_url(args[url_index], scope.line(words[url_index]), scope.ctx, "PTS204", "poetry source")


def _poetry_config(scope: Scope, key: str, value: str, line: int) -> None:
    lowered = key.lower()
    if _POETRY_CERT.fullmatch(lowered):
        if booleans.poetry_command(value):
            scope.ctx.add(
                "PTS103",
                line,
                f"poetry config {key} {value}: Poetry skips TLS certificate verification for this repository",
            )
        else:
            checks.ca_path(f"poetry {key}", value, line, scope.ctx)
    elif _POETRY_REPOSITORY.fullmatch(lowered):
        checks.source_url(value, line, scope.ctx, "PTS204", f"poetry config {key}")


def pdm(scope: Scope, words: list[Word], _command: Command | None) -> None:
    found = _subcommand(scope, words)
    if found is None:
        return
    args, positional, sub = found
    setting = _setting(scope, words, args, positional) if sub == "config" else None
    if setting is None:
        return
    raw_key, value, line = setting
    key = raw_key.lower()
    if _PDM_VERIFY.fullmatch(key) and booleans.pdm(value):
        scope.ctx.add("PTS104", line, f"pdm config {key} {value}: PDM skips certificate verification")
    elif _PDM_URL.fullmatch(key):
        checks.source_url(value, line, scope.ctx, "PTS204", f"pdm config {key}")
    elif _PDM_CA.fullmatch(key):
        checks.ca_path(f"pdm {key}", value, line, scope.ctx)


def _subcommand(scope: Scope, words: list[Word]) -> tuple[list[str], list[int], str] | None:
    """The arguments, the positional indexes and the subcommand; ``run CMD`` is analysed as CMD (None)."""
    args = [w.text for w in words]
    positional = positionals(args)
    if not positional:
        return None
    sub = args[positional[0]]
    if sub == "run" and len(positional) > 1:
        scope.run(words[positional[1] :])
        return None
    return args, positional, sub


def _setting(scope: Scope, words: list[Word], args: list[str], positional: list[int]) -> tuple[str, str, int] | None:
    """``TOOL config KEY VALUE``: the key as written, the value and the key's line."""
    if len(positional) < 3:
        return None
    return args[positional[1]], args[positional[2]], scope.line(words[positional[1]])
