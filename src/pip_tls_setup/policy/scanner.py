"""Walk a tree, pick the files worth reading by name, parse each with its kind's parser,
follow includes (``-r``, ``COPY pip.conf``, ``env_file``, ``include: local``), then apply
inline ignores and exceptions.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pip_tls_setup.errors import CheckFailed, InputError
from pip_tls_setup.policy import classify, exceptions, reading, rules
from pip_tls_setup.policy.context import MAX_HITS, Options, ScanContext
from pip_tls_setup.policy.findings import Finding, Hit, clean_text, sort_key
from pip_tls_setup.policy.parsers import PARSERS, LimitReached, ParseError

DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
# Every rule needs one of these words; a file without any is not parsed at all.
_TRIGGERS = re.compile(
    r"pip|uv|trust|insecure|http:|git:|svn:|ssl|cert|ca_bundle|verify|index|find.links|conda|mamba|poetry|pdm|"
    r"curl|wget|channel|include|env_file|node_tls|strict|unverified|GITHUB_ENV|npmrc|gitconfig",
    re.IGNORECASE,
)
# Small kinds that can include other files (-r/-c): always parsed.
_ALWAYS_PARSE = frozenset({"requirements", "pipconf", "dotenv"})


@dataclass
class ScanResult:
    findings: list[Finding]
    suppressed: list[Finding] = field(default_factory=list)
    files_seen: int = 0
    files_read: int = 0


@dataclass
class _Root:
    path: Path  # directory the scan is relative to
    shown: str  # prefix for displayed paths ("" when the only root)
    files: list[Path] | None = None  # explicit files (a file argument) instead of a walk
    exemptions: list[exceptions.Exemption] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)


def _shown(raw: str) -> str:
    """Display prefix of a scanned path: ``./x`` → ``x``, the current directory → nothing."""
    normal = _posix(os.path.normpath(raw))
    return "" if normal == "." else normal


class Scanner:
    def __init__(
        self,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        exclude: Sequence[str] = (),
        today: dt.date | None = None,
    ) -> None:
        self.max_file_size = max_file_size
        self.exclude = [pattern.strip("/") for pattern in exclude]
        self.today = today or dt.date.today()
        self.files_seen = 0
        self.files_read = 0

    # -- entry point ------------------------------------------------------------------------------
    def scan(self, paths: Sequence[str], config: str | None = None) -> ScanResult:
        roots = self._roots(paths)
        explicit = exceptions.load_config(Path("."), config) if config else None
        all_findings: list[tuple[Finding, str, _Root]] = []
        for root in roots:
            loaded = explicit if explicit is not None else exceptions.load_config(root.path, None, root.shown)
            root.exemptions = loaded.exemptions
            root.exclude = loaded.exclude
            for finding, relpath in self._scan_root(root):
                all_findings.append((finding, relpath, root))
        kept: list[Finding] = []
        suppressed: list[Finding] = []
        by_root: dict[int, list[tuple[Finding, str]]] = {}
        for finding, relpath, root in all_findings:
            if finding.suppressed_by is not None:
                suppressed.append(finding)
                continue
            by_root.setdefault(id(root), []).append((finding, relpath))
        seen_exemptions: list[exceptions.Exemption] = []
        for root in roots:
            pairs = by_root.get(id(root), [])
            k, s = exceptions.apply(pairs, root.exemptions, self.today)
            kept += k
            suppressed += s
            for exemption in root.exemptions:
                if not any(exemption is e for e in seen_exemptions):
                    seen_exemptions.append(exemption)
        kept += exceptions.findings_about(seen_exemptions, self.today)
        kept = _dedupe(kept)
        kept.sort(key=sort_key)
        return ScanResult(kept, suppressed, self.files_seen, self.files_read)

    def _roots(self, paths: Sequence[str]) -> list[_Root]:
        roots: list[_Root] = []
        single = len(paths) == 1
        for raw in paths:
            path = Path(raw)
            if not path.exists():
                raise InputError(raw, "does not exist", "give a directory or file to scan")
            if path.is_dir():
                roots.append(_Root(path, "" if single else _shown(raw)))
            else:
                parent = path.parent
                roots.append(_Root(parent, "" if single else _shown(str(parent)), [path]))
        return roots

    # -- walking -------------------------------------------------------------------------------------
    def _scan_root(self, root: _Root) -> Iterator[tuple[Finding, str]]:
        done: set[tuple[str, str]] = set()
        queue: list[tuple[Path, str, str]] = []  # (host path, kind, relpath)
        for host, relpath, kind in self._candidates(root):
            queue.append((host, kind, relpath))
        while queue:
            host, kind, relpath = queue.pop(0)
            key = (relpath, kind)
            if key in done:
                continue
            done.add(key)
            followed: list[tuple[Path, str, str]] = []
            yield from self._scan_file(root, host, relpath, kind, followed)
            for item in followed:
                if (item[2], item[1]) not in done:
                    queue.append(item)

    def _candidates(self, root: _Root) -> Iterator[tuple[Path, str, str]]:
        """(host path, relpath, kind) of each file worth reading: the files given, or a walk of the root."""
        if root.files is not None:
            yield from self._given(root.files)
        else:
            yield from self._walk(root)

    def _given(self, files: list[Path]) -> Iterator[tuple[Path, str, str]]:
        for file in files:
            self.files_seen += 1
            relpath = file.name
            kind = classify.kind_of(relpath)
            if kind is None and classify.needs_shebang(file.name):
                kind = self._peek_shebang(file)
            if kind is None:
                raise InputError(
                    str(file), "is not a kind of file scan understands", "see docs/scan.md for the file kinds"
                )
            yield file, relpath, kind

    def _walk(self, root: _Root) -> Iterator[tuple[Path, str, str]]:
        stack: list[tuple[str, str]] = [(str(root.path), "")]
        while stack:
            directory, prefix = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            in_build = prefix.rsplit("/", 1)[-1] == "build" if prefix else False
            subdirs: list[tuple[str, str]] = []
            for entry in entries:
                relpath = f"{prefix}{entry.name}"
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if self._descend(entry, relpath, in_build, root):
                        subdirs.append((entry.path, relpath + "/"))
                    continue
                self.files_seen += 1
                kind = self._file_kind(entry, relpath)
                if kind is not None and not self._excluded(relpath, root):
                    yield Path(entry.path), relpath, kind
            stack.extend(reversed(subdirs))

    def _descend(self, entry: os.DirEntry[str], relpath: str, in_build: bool, root: _Root) -> bool:
        name = entry.name
        if name in classify.SKIP_DIRS or name.endswith(".egg-info"):
            return False
        if in_build and (name.startswith(("lib", "bdist.", "temp.", "scripts-"))):
            return False
        if self._excluded(relpath, root):
            return False
        return not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))  # a virtual environment under another name

    def _file_kind(self, entry: os.DirEntry[str], relpath: str) -> str | None:
        kind = classify.kind_of(relpath)
        if kind is not None or not classify.needs_shebang(entry.name):
            return kind
        try:
            mode = entry.stat().st_mode
        except OSError:
            return None
        if stat.S_ISREG(mode) and mode & 0o111:
            return self._peek_shebang(Path(entry.path))
        return None

    def _excluded(self, relpath: str, root: _Root) -> bool:
        import fnmatch

        patterns = [*self.exclude, *root.exclude]
        return any(
            fnmatch.fnmatchcase(relpath, p) or relpath.startswith(p.rstrip("*").rstrip("/") + "/") for p in patterns
        )

    @staticmethod
    def _peek_shebang(path: Path) -> str | None:
        return classify.shebang_kind(reading.peek(path, 128))

    # -- one file -----------------------------------------------------------------------------------
    def _scan_file(
        self, root: _Root, host: Path, relpath: str, kind: str, followed: list[tuple[Path, str, str]]
    ) -> Iterator[tuple[Finding, str]]:
        shown = f"{root.shown}/{relpath}" if root.shown else relpath
        data = reading.read(host, self.max_file_size)
        if isinstance(data, reading.Skipped):
            yield self._note(shown, None, data.problem), relpath
            return
        self.files_read += 1
        # NUL bytes and other binary content are text to pip and to most readers: decoded, never skipped
        text = reading.decode(data, kind)
        del data
        if kind not in _ALWAYS_PARSE and not _TRIGGERS.search(text):
            return
        hits: list[Hit] = []

        def follow(reference: str, follow_kind: str, line: int) -> None:
            target = self._resolve(root, relpath, reference)
            if target is not None:
                followed.append((root.path / target, follow_kind, target))

        ctx = ScanContext(kind, hits, follower=follow, parsers=PARSERS, options=Options())
        note = self._parse(kind, text, ctx, shown, classify.guessed(relpath))
        if note is not None:
            yield note, relpath  # the hits found before the parser gave up still count
        if len(hits) >= MAX_HITS:
            yield (
                self._note(shown, None, f"has more than {MAX_HITS} findings; the first {MAX_HITS} are listed"),
                relpath,
            )
        lines = text.splitlines()
        for hit in hits:
            if hit.path is not None:
                continue  # belongs to another file (not produced by parsers here)
            reason = exceptions.inline(lines, hit.line, hit.rule, shown)
            finding = make_finding(hit, shown, lines)
            if reason is not None:
                finding = finding.with_(suppressed_by=f"inline: {clean_text(reason, 200)}")
            yield finding, relpath

    def _parse(self, kind: str, text: str, ctx: ScanContext, shown: str, guessed: bool = False) -> Finding | None:
        """Run the kind's parser. A bound reached is a note (PTS402); a file that is not valid for its kind
        fails closed (PTS701), unless its kind was only guessed from a directory name; a parser bug fails the run."""
        try:
            PARSERS[kind](text, ctx)
        except LimitReached as exc:
            return self._note(shown, exc.line, f"{exc.problem}; the rest is not checked")
        except ParseError as exc:
            if guessed:
                return self._note(shown, exc.line, f"{exc.problem}; not checked")
            return unparsed(shown, exc.line, exc.problem)
        except RecursionError:
            return self._note(shown, None, "is nested too deeply to parse; not checked")
        except Exception as exc:  # a parser bug: fail closed, naming the file (never skip it silently)
            problem = clean_text(f"{type(exc).__name__}: {exc}", 200)
            raise CheckFailed(
                f"{shown}: could not be checked ({problem}); this is a bug in pip-tls-setup, please report it"
            ) from exc
        return None

    def _resolve(self, root: _Root, relpath: str, reference: str) -> str | None:
        """A referenced file, relative to the referring file's directory, then to the root; inside the root only."""
        reference = reference.strip().strip("'\"")
        if not reference or "://" in reference:
            return None
        base = os.path.dirname(relpath)
        candidates = [os.path.normpath(os.path.join(base, reference)), os.path.normpath(reference.lstrip("/"))]
        for candidate in candidates:
            if candidate.startswith("..") or os.path.isabs(candidate):
                continue
            target = root.path / candidate
            if os.path.lexists(target) and not target.is_dir():  # a FIFO or device gets its note when read
                return _posix(candidate)
        return None

    @staticmethod
    def _note(shown: str, line: int | None, problem: str) -> Finding:
        rule = rules.get("PTS402")
        return Finding(rule.id, rule.severity, shown, line, f"{shown} {problem}", rule.fix, rule.title)


def unparsed(shown: str, line: int | None, problem: str) -> Finding:
    """PTS701: a file that is not valid for its kind, so nothing in it was checked."""
    rule = rules.get("PTS701")
    message = f"{shown} {problem}: none of its settings could be checked"
    return Finding(rule.id, rule.severity, shown, line, clean_text(message, 600), rule.fix, rule.title)


def make_finding(hit: Hit, shown: str, lines: Sequence[str] = ()) -> Finding:
    rule = rules.get(hit.rule)
    snippet = ""
    column = hit.column
    if hit.line and 1 <= hit.line <= len(lines):
        text = lines[hit.line - 1]
        first = _FIRST_CHARACTER.search(text)
        if first is not None:  # cut before stripping: a 2 MiB line is not copied for each finding on it
            snippet = clean_text(text[first.start() : first.start() + _COLUMN_WINDOW].rstrip(), 200)
        column = column or _column(text, hit.host)
    return Finding(
        rule=rule.id,
        severity=hit.severity or rule.severity,
        path=shown,
        line=hit.line,
        message=clean_text(hit.message, 600),
        fix=hit.fix or rule.fix,
        title=rule.title,
        column=column,
        snippet=snippet,
        host=hit.host,
    )


_COLUMN_WINDOW = 1 << 16
_FIRST_CHARACTER = re.compile(r"\S")


def _column(text: str, host: str | None) -> int | None:
    """1-based column of a finding on its line: where its host is written, else where the line's text
    starts (only the start of a very long line is searched)."""
    head = text[:_COLUMN_WINDOW]
    if host:
        # the host as a whole name: "a" in "pip install --trusted-host a" is not the "a" of "install"
        found = re.search(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", head, re.IGNORECASE)
        if found:
            return found.start() + 1
    stripped = head.lstrip()
    return len(head) - len(stripped) + 1 if stripped else None


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int | None, str]] = set()
    out: list[Finding] = []
    for finding in findings:
        key = (finding.rule, finding.path, finding.line, finding.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(finding)
    return out


def _posix(path: str) -> str:
    return path.replace(os.sep, "/")


def scan(
    paths: Sequence[str],
    *,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    exclude: Sequence[str] = (),
    config: str | None = None,
    today: dt.date | None = None,
) -> ScanResult:
    return Scanner(max_file_size, exclude, today).scan(paths, config)
