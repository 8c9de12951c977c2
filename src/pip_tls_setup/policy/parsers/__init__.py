"""One parser per source kind. Each is ``parse(text, ctx)`` and reports lines relative to ``text``.

Modules are imported on first use, so a scan that meets no YAML never imports PyYAML.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pip_tls_setup.policy.context import ScanContext

# kind -> (module under pip_tls_setup.policy.parsers, function)
KINDS: dict[str, tuple[str, str]] = {
    "shell": ("shellfiles", "shell"),
    "powershell": ("shellfiles", "powershell"),
    "batch": ("shellfiles", "batch"),
    "jenkinsfile": ("shellfiles", "jenkinsfile"),
    "makefile": ("shellfiles", "makefile"),
    "dotenv": ("envfiles", "dotenv"),
    "dockerfile": ("dockerfile", "parse"),
    "pipconf": ("ini", "pipconf"),
    "setupcfg": ("ini", "setupcfg"),
    "toxini": ("ini", "toxini"),
    "gitconfig": ("ini", "gitconfig"),
    "npmrc": ("ini", "npmrc"),
    "requirements": ("requirements", "parse"),
    "pyproject": ("tomlfiles", "pyproject"),
    "uvtoml": ("tomlfiles", "uvtoml"),
    "poetrytoml": ("tomlfiles", "poetry_config"),
    "pdmtoml": ("tomlfiles", "pdm_config"),
    "pipfile": ("tomlfiles", "pipfile"),
    "toxtoml": ("tomlfiles", "toxtoml"),
    "pipfilelock": ("jsonfiles", "pipfile_lock"),
    "devcontainer": ("jsonfiles", "devcontainer"),
    "github": ("yamlfiles", "github_workflow"),
    "githubaction": ("yamlfiles", "github_action"),
    "gitlab": ("yamlfiles", "gitlab"),
    "ci": ("yamlfiles", "generic_ci"),
    "compose": ("yamlfiles", "compose"),
    "condarc": ("yamlfiles", "condarc"),
    "condaenv": ("yamlfiles", "conda_env"),
    "precommit": ("yamlfiles", "precommit"),
    "pycustomize": ("pyfiles", "customize"),
}

Parser = Callable[[str, ScanContext], None]


class _Lazy(dict[str, Parser]):
    def __missing__(self, kind: str) -> Parser:
        module_name, function = KINDS[kind]
        module = importlib.import_module(f"pip_tls_setup.policy.parsers.{module_name}")
        parser: Parser = getattr(module, function)
        self[kind] = parser
        return parser

    def get(self, kind: str, default: Parser | None = None) -> Parser | None:  # type: ignore[override]
        if kind in KINDS:
            return self[kind]
        return default


PARSERS: dict[str, Parser] = _Lazy()


class ParseError(ValueError):
    """A file that is not what its name says (bad YAML, bad TOML): a finding (PTS701), never a crash."""

    def __init__(self, line: int | None, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


class LimitReached(ParseError):
    """A file past one of the scan's bounds (YAML alias expansion, nesting): a note (PTS402); the hits found
    before the bound still count."""
