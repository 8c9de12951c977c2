"""Human-readable output: reports on the stream a command chooses, warnings and progress on stderr.

Every line goes through :func:`escape.lines` before it is painted: hostile names (certificate
subjects from the wire, file names) cannot move the cursor, fake a line or start a CI log command.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from pip_tls_setup import escape

_COLORS = {"error": "31", "warning": "33", "ok": "32", "skip": "2", "info": "36", "heading": "1"}


def use_color(stream: TextIO, env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


class Console:
    """Human output: report lines on ``stream``; warnings (and progress) on ``warnings``, stderr by default.

    Read-only commands report on stdout (``doctor > report.txt`` keeps the report); setup reports on
    stderr because its stdout carries the export lines.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        quiet: bool = False,
        color: bool | None = None,
        warnings: TextIO | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.warnings = warnings or (stream if stream is not None and stream is not sys.stdout else sys.stderr)
        self.quiet = quiet
        self.color = use_color(self.stream) if color is None else color
        self.warn_color = self.color if self.warnings is self.stream else use_color(self.warnings)

    def paint(self, kind: str, text: str, color: bool | None = None) -> str:
        if not (self.color if color is None else color) or kind not in _COLORS:
            return text
        return f"\033[{_COLORS[kind]}m{text}\033[0m"

    def line(self, text: str = "", kind: str = "") -> None:
        if not self.quiet:
            safe = escape.lines(text)
            print(self.paint(kind, safe) if kind else safe, file=self.stream)

    def heading(self, text: str) -> None:
        self.line(text, "heading")

    def item(self, kind: str, label: str, text: str) -> None:
        if not self.quiet:
            print(f"  {self.paint(kind, label)} {escape.lines(text)}", file=self.stream)

    def warn(self, text: str) -> None:
        # Warnings show even with --quiet: they are what a quiet CI log must keep.
        label = self.paint("warning", "warning:", self.warn_color)
        print(f"{label} {escape.lines(text)}", file=self.warnings)

    @property
    def interactive(self) -> bool:
        """A person watches: the warnings stream is a terminal and the run is not quiet."""
        isatty = getattr(self.warnings, "isatty", None)
        return not self.quiet and isatty is not None and bool(isatty())

    def progress(self, text: str) -> None:
        """What a long step is doing now, for a person at a terminal only (never on a pipe, never in CI logs)."""
        if self.interactive:
            print(self.paint("skip", escape.lines(text), self.warn_color), file=self.warnings, flush=True)
