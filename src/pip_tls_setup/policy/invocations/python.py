"""``python -m pip`` and the other modules that install: ``-m uv``, ``-m pipx``, ``-m piptools``; the
interpreter's own options before ``-m`` are skipped (``python3 -I -X utf8 -m pip``, ``py -Im pip``)."""

from __future__ import annotations

import re

from pip_tls_setup.policy.invocations import pip, pip_wrappers, uv
from pip_tls_setup.policy.invocations.scope import Scope
from pip_tls_setup.policy.shell import Command, Word

_BUNDLE_ENDING_IN_M = re.compile(r"-[A-Za-z]*m[A-Za-z]*")  # -Im pip


def python(scope: Scope, words: list[Word], _command: Command | None) -> None:
    i = 1
    while i < len(words):
        text = words[i].text
        if text.startswith("-m"):
            attached = len(text) > 2  # -mpip
            module = text[2:] if attached else _word_after(words, i)
            _module(scope, words, module, i + 1 if attached else i + 2, bundled=False)
            return
        if text == "-c" or not text.startswith("-"):
            return  # a script or -c code: not pip
        if text in ("-X", "-W"):
            i += 2
            continue
        if _BUNDLE_ENDING_IN_M.fullmatch(text) and text.endswith("m"):
            _module(scope, words, _word_after(words, i), i + 2, bundled=True)
            return
        i += 1


def _module(scope: Scope, words: list[Word], module: str, start: int, bundled: bool) -> None:
    """``-m MODULE`` whose arguments begin at ``words[start]``; after a bundle (``-Im``) only pip and uv."""
    if module == "pip":
        pip.pip(scope, words, start)
    elif module == "uv":
        uv.uv(scope, words, start)
    elif bundled:
        return
    elif module == "pipx":
        pip_wrappers.pipx(scope, words[start - 1 :], None)
    elif module in ("piptools", "pip_tools"):
        pip_wrappers.piptools(scope, words[start - 1 :], None)


def _word_after(words: list[Word], i: int) -> str:
    return words[i + 1].text if i + 1 < len(words) else ""
