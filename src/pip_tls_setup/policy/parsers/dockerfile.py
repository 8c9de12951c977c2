"""Dockerfiles and Containerfiles, read the way BuildKit reads them.

Parser directives (``# escape=```), continuation lines (comment and empty lines inside an
instruction are dropped, as Docker does), shell and exec (JSON) forms, ``RUN --mount=...``
flags, here-documents (``RUN <<EOF``, ``COPY <<EOF /etc/pip.conf``), ``ONBUILD``, ``ENV``/``ARG``
in both syntaxes, and ``COPY``/``ADD`` of a pip config or similar file (the source is scanned).
"""

from __future__ import annotations

import bisect
import json
import posixpath
import re
from dataclasses import dataclass, field

from pip_tls_setup.policy import checks, invocations, shell
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.shell import Word

_DIRECTIVE = re.compile(r"^#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$")
_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)(?=\s|$)")
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z0-9_.]+)\2")
_RUN_FLAGS = re.compile(r"^(\s*--[A-Za-z-]+(=(\"[^\"]*\"|\S*))?)+")
_SHELL_FORMS = ("RUN", "CMD", "ENTRYPOINT")


@dataclass
class Segments:
    """The joined text of one instruction and where each piece came from.

    Pieces are kept in a list and joined once (``text``): an instruction continued over 100,000 lines must
    not be copied 100,000 times; the offset -> line map is computed once too."""

    pieces: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    length: int = 0
    _text: str | None = None
    _newlines: list[int] | None = None

    def add(self, piece: str, line: int) -> None:
        self.offsets.append(self.length)
        self.lines.append(line)
        self.pieces.append(piece)
        self.length += len(piece)
        self._text = self._newlines = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(self.pieces)
            self.pieces = [self._text]
        return self._text

    @classmethod
    def of(cls, text: str, offsets: list[int], lines: list[int]) -> Segments:
        """Segments over ``text`` already joined, with the given piece offsets and lines."""
        made = cls([text], list(offsets), list(lines), len(text))
        made._text = text
        return made

    def line(self, offset: int) -> int:
        if not self.lines:
            return 1
        index = max(bisect.bisect_right(self.offsets, max(offset, 0)) - 1, 0)
        if self._newlines is None:
            text = self.text
            self._newlines = [i for i, ch in enumerate(text) if ch == "\n"] if "\n" in text else []
        # a piece can hold newlines (here-documents): count those between its start and the offset
        start = self.offsets[index]
        between = bisect.bisect_left(self._newlines, max(offset, start)) - bisect.bisect_left(self._newlines, start)
        return self.lines[index] + between


@dataclass
class Heredoc:
    delimiter: str
    strip_tabs: bool
    body: str
    first_line: int
    raw: str  # body lines and the terminator, as in the file


def parse(text: str, ctx: ScanContext) -> None:
    lines = text.splitlines()
    escape = _escape_character(lines)
    image_ctx = ctx.derive(lambda line: line, relative_paths_in_repo=False)
    i = 0
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        match = _INSTRUCTION.match(raw) if stripped and not stripped.startswith("#") else None
        if not match:
            i += 1
            continue
        keyword = match.group(1).upper()
        segments = Segments()
        first = i + 1
        i = _continued(lines, i, raw[match.end() :], escape, segments)
        heredocs: list[Heredoc] = []
        if keyword in ("RUN", "COPY", "ADD", "ONBUILD") and "<<" in segments.text:
            for found in _HEREDOC.finditer(segments.text):
                heredoc, i = _heredoc(lines, i, found.group(3), found.group(1) == "-")
                heredocs.append(heredoc)
        instruction(keyword, segments, heredocs, first, ctx, image_ctx)


def _escape_character(lines: list[str]) -> str:
    """The ``# escape=`` parser directive (backslash or backtick), from the directives at the top."""
    escape = "\\"
    for raw in lines:
        match = _DIRECTIVE.match(raw)
        if not match:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            escape = match.group(2)
    return escape


def _continued(lines: list[str], i: int, piece: str, escape: str, segments: Segments) -> int:
    """Join an instruction's continuation lines (``piece`` is the rest of line ``i``) into ``segments``; empty
    and comment lines inside are dropped, as Docker does. Returns the index of the next line."""
    while True:
        body = piece.rstrip(" \t\r")
        if not body.endswith(escape) or (escape == "\\" and body.endswith("\\\\")):
            segments.add(piece.rstrip("\r"), i + 1)
            return i + 1
        segments.add(body[:-1], i + 1)
        i += 1
        while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
            i += 1
        if i >= len(lines):
            return i
        piece = lines[i]


def _heredoc(lines: list[str], i: int, delimiter: str, strip_tabs: bool) -> tuple[Heredoc, int]:
    """The here-document whose body starts at line ``i``, and the index of the line after its terminator."""
    body_lines: list[str] = []
    start = i + 1
    raw_lines: list[str] = []
    while i < len(lines):
        candidate = lines[i]
        raw_lines.append(candidate)
        i += 1
        check = candidate.lstrip("\t") if strip_tabs else candidate
        if check.rstrip("\r") == delimiter:
            break
        body_lines.append(candidate.lstrip("\t") if strip_tabs else candidate)
    body = "\n".join(body_lines) + ("\n" if body_lines else "")
    return Heredoc(delimiter, strip_tabs, body, start, "\n".join(raw_lines)), i


def instruction(
    keyword: str, segments: Segments, heredocs: list[Heredoc], first: int, ctx: ScanContext, image_ctx: ScanContext
) -> None:
    if keyword == "ONBUILD":
        match = _INSTRUCTION.match(segments.text)
        if not match or match.group(1).upper() == "ONBUILD":
            return  # Docker refuses "ONBUILD ONBUILD" (and a chain must not recurse once per word)
        # shift: the inner instruction starts after the trigger keyword
        cut = match.end()
        inner = Segments.of(segments.text[cut:], [max(o - cut, 0) for o in segments.offsets], segments.lines)
        instruction(match.group(1).upper(), inner, heredocs, first, ctx, image_ctx)
        return
    if keyword in _SHELL_FORMS:
        run(segments, heredocs, image_ctx)
    elif keyword in ("ENV", "ARG"):
        env(keyword, segments, image_ctx)
    elif keyword in ("COPY", "ADD"):
        copy(keyword, segments, heredocs, first, ctx, image_ctx)


def run(segments: Segments, heredocs: list[Heredoc], ctx: ScanContext) -> None:
    text = segments.text
    flags = _RUN_FLAGS.match(text)
    if flags:
        text = " " * flags.end() + text[flags.end() :]
    body = text.strip()
    if body.startswith("["):
        try:
            argv = json.loads(body)
        except ValueError:
            argv = None
        if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
            offset = text.index("[")
            words = [Word(a, offset, offset + 1) for a in argv]
            invocations.analyse_argv(words, ctx, segments.line)
            return
    if heredocs and not re.sub(_HEREDOC, "", body).strip():
        # "RUN <<EOF": each here-document is a script for the default shell
        for heredoc in heredocs:
            if heredoc.body.startswith("#!") and not re.match(r"#!\S*/(env\s+)?(ba|da|z|k)?sh\b", heredoc.body):
                continue
            invocations.analyse(heredoc.body, ctx.shifted(heredoc.first_line))
        return
    if heredocs:
        # "RUN cat <<EOF > /etc/pip.conf": give the shell the here-documents as they are in the file
        full = Segments.of(text, segments.offsets, segments.lines)
        for heredoc in heredocs:
            full.add("\n" + heredoc.raw, heredoc.first_line - 1)
        script = shell.parse(full.text)
        invocations.analyse_script(script, ctx, full.line)
        return
    script = shell.parse(text)
    invocations.analyse_script(script, ctx, segments.line)


def env(keyword: str, segments: Segments, ctx: ScanContext) -> None:
    text = segments.text
    stripped = text.strip()
    if not stripped:
        return
    first_token = stripped.split(None, 1)[0]
    if "=" in first_token:
        for word in shell.split_words(text):
            name, eq, value = word.text.partition("=")
            if eq:
                checks.variable(name, value, segments.line(word.start), ctx)
        return
    if keyword == "ARG":
        return  # "ARG NAME": no default value
    # legacy "ENV NAME value with spaces"
    name, _, value = stripped.partition(" ")
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    checks.variable(name, value, segments.line(text.index(name)), ctx)


def copy(
    keyword: str, segments: Segments, heredocs: list[Heredoc], first: int, ctx: ScanContext, image_ctx: ScanContext
) -> None:
    """``COPY``/``ADD``: a here-document written to a config path is parsed as that file; a copied config
    file of the build context is scanned as its kind."""
    if heredocs:
        _copy_heredocs(segments.text.strip(), heredocs, ctx, image_ctx)
        return
    plain: list[str] = []
    for arg in _copy_arguments(segments):
        if arg.startswith("--"):
            if arg.startswith("--from"):
                return  # another stage or image: not in this build context
            continue
        plain.append(arg)
    if len(plain) < 2:
        return
    dest = plain[-1]
    for source in plain[:-1]:
        if "://" in source or any(ch in source for ch in "*?[") or source.startswith("<<"):
            continue
        target = dest + posixpath.basename(source.rstrip("/")) if dest.endswith("/") else dest
        kind = invocations.classify_target(target)
        if kind:
            ctx.follow(source, kind, first)


def _copy_heredocs(text: str, heredocs: list[Heredoc], ctx: ScanContext, image_ctx: ScanContext) -> None:
    """``COPY <<EOF /etc/pip.conf``: each body is the file at the destination (``DEST/`` + the delimiter)."""
    tokens = [t for t in text.split() if not t.startswith("--")]
    if not tokens or tokens[-1].startswith("<<"):
        return
    dest = tokens[-1]
    for heredoc in heredocs:
        target = dest if not dest.endswith("/") else dest + heredoc.delimiter
        kind = invocations.classify_target(target)
        if kind:
            ctx.content(kind, heredoc.body, image_ctx.shifted(heredoc.first_line, kind))


def _copy_arguments(segments: Segments) -> list[str]:
    """The arguments of ``COPY``/``ADD`` in exec form (JSON) or shell form."""
    text = segments.text.strip()
    if not text.startswith("["):
        return [w.text for w in shell.split_words(segments.text)]
    try:
        args: list[str] = json.loads(text)
    except ValueError:
        args = text.split()
    return args
