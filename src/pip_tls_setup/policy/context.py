"""Where parsers report: the scanner's hit sink, which maps lines back to the file and follows includes.

Not to be confused with doctor's state (``diagnosis``): a :class:`ScanContext` lives for one file of a
scan (or one runtime evaluation) and collects :class:`~pip_tls_setup.policy.findings.Hit` objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pip_tls_setup.policy.findings import Hit

LineMapper = Callable[[int], int]
# (text, scan context) -> None: a parser for one kind of content
ContentParser = Callable[[str, "ScanContext"], None]
# (reference as written, kind, line) -> None: scan another file (a -r include, a COPY source, an env_file)
Follower = Callable[[str, str, int], None]
# (setting name, value, line, scan context, column) -> None: how CA paths are judged (static or at run time)
CaCheck = Callable[[str, str, int, "ScanContext", "int | None"], None]


# Findings kept per scanned file: a hostile file repeating one setting a million times must not turn into a
# million findings (memory, report size); the scanner adds a note when a file reaches it.
MAX_HITS = 1000


def _identity(line: int) -> int:
    return line


@dataclass
class Options:
    """What a scan context knows about where its text lives."""

    # Relative CA paths point into the repository (CI files, scripts); inside an image they do not.
    relative_paths_in_repo: bool = True
    runtime: bool = False


@dataclass
class ScanContext:
    """The hit sink of one scanned file; :meth:`derive` makes one for text embedded in it."""

    kind: str
    hits: list[Hit] = field(default_factory=list)
    map_line: LineMapper = _identity
    follower: Follower | None = None
    parsers: dict[str, ContentParser] = field(default_factory=dict)
    options: Options = field(default_factory=Options)
    path: str | None = None  # set when hits belong to another file than the one being scanned
    ca_check: CaCheck | None = None  # set by the runtime evaluation: real files, not repository text

    def add(
        self,
        rule: str,
        line: int | None,
        message: str,
        *,
        host: str | None = None,
        column: int | None = None,
        severity: str | None = None,
        fix: str | None = None,
    ) -> None:
        if len(self.hits) >= MAX_HITS:
            return
        mapped = self.map_line(line) if line else None
        self.hits.append(Hit(rule, mapped, message, column, host, fix, severity, self.path))

    def derive(self, map_line: LineMapper, kind: str | None = None, **options: bool) -> ScanContext:
        """A scan context for text embedded in this one (``sh -c "..."``, a heredoc, an echoed file)."""
        outer = self.map_line

        def composed(line: int) -> int:
            return outer(map_line(line))

        opts = Options(**{**self.options.__dict__, **options})
        return ScanContext(
            kind or self.kind, self.hits, composed, self.follower, self.parsers, opts, self.path, self.ca_check
        )

    def at_line(self, line: int, kind: str | None = None, **options: bool) -> ScanContext:
        """Everything reported by the derived scan context lands on one line (single-line embedded text)."""
        return self.derive(lambda _line: line, kind, **options)

    def shifted(self, first_line: int, kind: str | None = None, **options: bool) -> ScanContext:
        """Embedded text whose line 1 is ``first_line`` here."""
        return self.derive(lambda line: first_line + line - 1, kind, **options)

    def content(self, kind: str, text: str, into: ScanContext) -> None:
        parser = self.parsers.get(kind)
        if parser is not None:
            parser(text, into)

    def follow(self, reference: str, kind: str, line: int) -> None:
        if self.follower is not None:
            self.follower(reference, kind, self.map_line(line))
