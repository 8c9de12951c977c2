"""Running commands in tests and keeping their output together."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass
class Run:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


# The ``tool`` fixture's type: tool(*args, env=..., stdin=..., timeout=...) -> Run
ToolRunner = Callable[..., "Run"]


def run_cmd(argv: Sequence[str], env: dict[str, str], timeout: float = 300, cwd: str | None = None) -> Run:
    done = subprocess.run(list(argv), capture_output=True, text=True, env=env, timeout=timeout, check=False, cwd=cwd)
    return Run(list(argv), done.returncode, done.stdout, done.stderr)
