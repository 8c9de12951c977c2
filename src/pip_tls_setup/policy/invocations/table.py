"""The handler table: which module reads which command. One place; add a tool here and in its module.

A command's first word is looked up in this order:

1. :data:`BUILTINS`, by the base name as written (``/usr/bin/sudo`` -> ``sudo``): wrappers and shell
   built-ins that carry another command or shell text;
2. :data:`TOOLS`, by the base name with Windows separators too (``C:\\Python\\Scripts\\pipx.exe``);
3. :data:`PATTERNS`, versioned names (``pip3.12``, ``python3.11``, ``pypy3``);
4. a variable that holds pip (``$PIP``, ``${PIP_CMD}``; not ``$PIPELINE``).
"""

from __future__ import annotations

import posixpath
import re

from pip_tls_setup.policy.invocations import (
    builtins,
    conda,
    docker,
    downloads,
    git,
    node,
    pip,
    pip_wrappers,
    project_tools,
    python,
    uv,
    wrappers,
)
from pip_tls_setup.policy.invocations.scope import Handler
from pip_tls_setup.policy.shell import Word

BUILTINS: dict[str, Handler] = {
    **dict.fromkeys(wrappers.NAMES, wrappers.wrapper),
    **dict.fromkeys(builtins.EXPORTS, builtins.export),
    "alias": builtins.alias,
    "eval": builtins.eval_,
    **dict.fromkeys(builtins.SHELLS, builtins.shell),
    "su": builtins.su,
}

TOOLS: dict[str, Handler] = {
    "pip-compile": pip_wrappers.piptools,
    "pip-sync": pip_wrappers.piptools,
    "pipx": pip_wrappers.pipx,
    "pipenv": pip_wrappers.pipenv,
    "uv": uv.command,
    "uvx": uv.command,
    "uv.exe": uv.command,
    "uvx.exe": uv.command,
    "conda": conda.conda,
    "mamba": conda.conda,
    "micromamba": conda.conda,
    "conda.exe": conda.conda,
    "mamba.exe": conda.conda,
    "poetry": project_tools.poetry,
    "pdm": project_tools.pdm,
    "git": git.git,
    "curl": downloads.curl,
    "wget": downloads.wget,
    "npm": node.npm,
    "yarn": node.npm,
    "pnpm": node.npm,
    "docker": docker.docker,
    "podman": docker.docker,
    "nerdctl": docker.docker,
    "buildah": docker.docker,
    "py": python.python,
    "py.exe": python.python,
}

PATTERNS: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (re.compile(r"^pip(\d+(\.\d+)?)?(\.exe)?$"), pip.command),
    (re.compile(r"^(python|pypy|pythonw)(\d+(\.\d+)?[a-z]?)?(\.exe)?$"), python.python),
)


def handler_for(word: Word) -> Handler | None:
    """The handler of a command whose first word is ``word``, or None (a command that does not matter)."""
    builtin = BUILTINS.get(posixpath.basename(word.text))
    return builtin if builtin is not None else tool_handler(word)


def tool_handler(word: Word) -> Handler | None:
    """The handler of an installer or download tool named by ``word`` (built-ins and wrappers excluded)."""
    text = word.text
    base = posixpath.basename(text.replace("\\", "/"))
    handler = TOOLS.get(base)
    if handler is not None:
        return handler
    for pattern, by_pattern in PATTERNS:
        if pattern.match(base):
            return by_pattern
    lowered = text.lower()
    if word.expands and "pip" in lowered and "pipe" not in lowered:
        return pip.command  # $PIP, ${PIP_CMD}: a variable that holds pip
    return None
