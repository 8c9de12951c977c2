"""JSON sources: devcontainer.json (JSON with comments and trailing commas) and Pipfile.lock."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from pip_tls_setup.policy import checks, invocations, shell
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.parsers import LimitReached, ParseError

MAX_DEPTH = 200  # nested objects and arrays (the reader recurses for each)
_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass
class Node:
    value: Any  # dict[str, Node] | list[Node] | str | float | bool | None
    line: int

    def get(self, key: str) -> Node | None:
        if isinstance(self.value, dict):
            found: Node | None = self.value.get(key)
            return found
        return None

    def text(self) -> str | None:
        return self.value if isinstance(self.value, str) else None


def load(text: str) -> Node:
    parser = _Parser(text)
    parser.skip()
    node = parser.value()
    parser.skip()
    if parser.pos < len(text):
        raise ParseError(parser.line(), "not valid JSON (text after the value)")
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.newlines: list[int] | None = None  # offsets of the newlines, found once (not per value)
        self.depth = 0

    def line(self) -> int:
        if self.newlines is None:
            self.newlines = [i for i, ch in enumerate(self.text) if ch == "\n"] if "\n" in self.text else []
        return bisect.bisect_left(self.newlines, self.pos) + 1

    def fail(self, problem: str) -> ParseError:
        return ParseError(self.line(), f"not valid JSON ({problem})")

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r\n\ufeff":
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end == -1 else end
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                self.pos = len(text) if end == -1 else end + 2
            else:
                return

    def value(self) -> Node:
        self.skip()
        line = self.line()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end")
        ch = self.text[self.pos]
        if ch in "{[":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise LimitReached(line, f"nests JSON deeper than {MAX_DEPTH} levels")
            node = Node(self.obj() if ch == "{" else self.arr(), line)
            self.depth -= 1
            return node
        if ch == '"':
            return Node(self.string(), line)
        for word, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return Node(result, line)
        match = _NUMBER.match(self.text, self.pos)
        if match and match.group(0):
            self.pos = match.end()
            return Node(float(match.group(0)), line)
        raise self.fail(f"unexpected {ch!r}")

    def obj(self) -> dict[str, Node]:
        self.pos += 1
        out: dict[str, Node] = {}
        while not self.closed("}"):
            if not self.text.startswith('"', self.pos):
                raise self.fail("expected a key")
            key = self.string()
            self.skip()
            if not self.text.startswith(":", self.pos):
                raise self.fail("expected ':'")
            self.pos += 1
            out[key] = self.value()
            if not self.another("}"):
                break
        return out

    def arr(self) -> list[Node]:
        self.pos += 1
        out: list[Node] = []
        while not self.closed("]"):
            out.append(self.value())
            if not self.another("]"):
                break
        return out

    def closed(self, closer: str) -> bool:
        """Skip blanks and comments; True (stepped over) when ``closer`` is next."""
        self.skip()
        if self.text.startswith(closer, self.pos):
            self.pos += 1
            return True
        return False

    def another(self, closer: str) -> bool:
        """After an item: True after a comma (another item may follow), False at ``closer`` (stepped over)."""
        if self.closed(","):
            return True
        if self.text.startswith(closer, self.pos):
            self.pos += 1
            return False
        raise self.fail(f"expected ',' or '{closer}'")

    def string(self) -> str:
        self.pos += 1
        out: list[str] = []
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == '"':
                self.pos += 1
                return "".join(out)
            if ch == "\\" and self.pos + 1 < len(text):
                nxt = text[self.pos + 1]
                if nxt == "u":
                    try:
                        out.append(chr(int(text[self.pos + 2 : self.pos + 6], 16)))
                    except ValueError:
                        raise self.fail("bad \\u escape") from None
                    self.pos += 6
                    continue
                out.append(_ESCAPES.get(nxt, nxt))
                self.pos += 2
                continue
            if ch == "\n":
                raise self.fail("newline in a string")
            out.append(ch)
            self.pos += 1
        raise self.fail("unterminated string")


def _env(node: Node | None, ctx: ScanContext) -> None:
    if node is None or not isinstance(node.value, dict):
        return
    for name, value in node.value.items():
        text = value.text()
        if text is not None:
            checks.variable(name, text, value.line, ctx)


def _command(node: Node | None, ctx: ScanContext) -> None:
    if node is None:
        return
    if isinstance(node.value, str):
        invocations.analyse(node.value, ctx.at_line(node.line))
    elif isinstance(node.value, list):
        words = [shell.Word(item.value, 0, 0) for item in node.value if isinstance(item.value, str)]
        invocations.analyse_argv(words, ctx.at_line(node.line))
    elif isinstance(node.value, dict):  # parallel commands: {"name": "cmd" | [argv]}
        for item in node.value.values():
            _command(item, ctx)


def devcontainer(text: str, ctx: ScanContext) -> None:
    root = load(text)
    _env(root.get("containerEnv"), ctx)
    _env(root.get("remoteEnv"), ctx)
    build = root.get("build")
    if build is not None:
        _env(build.get("args"), ctx)
    for key in (
        "initializeCommand",
        "onCreateCommand",
        "updateContentCommand",
        "postCreateCommand",
        "postStartCommand",
        "postAttachCommand",
    ):
        _command(root.get(key), ctx)


def pipfile_lock(text: str, ctx: ScanContext) -> None:
    root = load(text)
    meta = root.get("_meta")
    sources = meta.get("sources") if meta is not None else None
    if sources is None or not isinstance(sources.value, list):
        return
    for source in sources.value:
        url = source.get("url")
        if url is not None and url.text():
            checks.source_url(url.text() or "", url.line, ctx, "PTS204", "Pipfile.lock source url")
        verify = source.get("verify_ssl")
        if verify is not None and verify.value is False:
            ctx.add(
                "PTS104",
                verify.line,
                "Pipfile.lock source has verify_ssl = false: pipenv installs with --trusted-host "
                "(certificate verification off)",
            )
