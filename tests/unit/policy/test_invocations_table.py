"""The handler table of policy/invocations: one place that knows which module reads which command."""

from __future__ import annotations

import pkgutil

import pytest

from pip_tls_setup.policy import invocations, shell
from pip_tls_setup.policy.invocations import builtins, pip, python, table, uv, wrappers

PLUMBING = {"scope", "table", "walk", "writes"}  # not tool families: no handler of their own in the table


def _handlers() -> list[object]:
    return [*table.BUILTINS.values(), *table.TOOLS.values(), *(handler for _, handler in table.PATTERNS)]


def test_every_tool_family_module_has_a_handler_in_the_table() -> None:
    families = {m.name for m in pkgutil.iter_modules(invocations.__path__)} - PLUMBING
    in_table = {getattr(handler, "__module__", "").rsplit(".", 1)[-1] for handler in _handlers()}
    assert families == in_table


@pytest.mark.parametrize(
    ("first_word", "expected"),
    [
        (shell.Word("pip3.12", 0, 7), pip.command),
        (shell.Word("/usr/local/bin/python3.11", 0, 25), python.python),
        (shell.Word("C:\\Python\\Scripts\\uv.exe", 0, 24), uv.command),
        (shell.Word("/usr/bin/sudo", 0, 13), wrappers.wrapper),
        (shell.Word("bash", 0, 4), builtins.shell),
        (shell.Word("${PIP_CMD}", 0, 10, expands=True), pip.command),
        (shell.Word("$PIPELINE", 0, 9, expands=True), None),
        (shell.Word("ls", 0, 2), None),
    ],
)
def test_a_command_is_looked_up_by_its_base_name(first_word: shell.Word, expected: object) -> None:
    assert table.handler_for(first_word) is expected
