"""A small TOML reader that remembers the line of every value.

``tomllib`` (3.11+) gives no positions and is missing on 3.9/3.10, so this reader covers what
installer config files use: tables, arrays of tables, dotted and quoted keys, basic/literal/
multi-line strings, numbers, booleans, dates (kept as text), arrays and inline tables.
Tested against ``tomllib`` on every TOML fixture.
"""

from __future__ import annotations

import re
from typing import Any

Path = tuple[Any, ...]
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b", '"': '"', "\\": "\\"}
_NUMBER = re.compile(r"[+-]?(0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|inf|nan|[0-9_]+(\.[0-9_]+)?([eE][+-]?[0-9_]+)?)")
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?([Zz]|[+-]\d{2}:\d{2})?|\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
)


class TomlError(ValueError):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


class TomlTooDeep(TomlError):
    """Arrays and inline tables nested past :data:`MAX_DEPTH` (the reader recurses for each level)."""


MAX_DEPTH = 200


class Document:
    """Parsed data plus ``lines[path] -> line`` for every key (path of keys and array indexes)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.lines: dict[Path, int] = {}

    def line(self, *path: Any) -> int:
        for cut in range(len(path), 0, -1):
            found = self.lines.get(tuple(path[:cut]))
            if found is not None:
                return found
        return 1

    def get(self, *path: Any) -> Any:
        node: Any = self.data
        for key in path:
            if (isinstance(node, dict) and key in node) or (
                isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node)
            ):
                node = node[key]
            else:
                return None
        return node


def loads(text: str) -> Document:
    parser = _Parser(text)
    try:
        return parser.parse()
    except (TypeError, KeyError, IndexError, AttributeError):
        # a key used both as a value and as a table, an array of tables redefined as a table, ...
        raise TomlError(parser.line, "a key is defined twice with different types") from None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text.replace("\r\n", "\n")
        self.pos = 0
        self.line = 1
        self.doc = Document()

    # -- helpers -----------------------------------------------------------------------------------------
    def error(self, problem: str) -> TomlError:
        return TomlError(self.line, problem)

    def peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.text[i] if i < len(self.text) else ""

    def advance(self, k: int = 1) -> None:
        for _ in range(k):
            if self.pos < len(self.text) and self.text[self.pos] == "\n":
                self.line += 1
            self.pos += 1

    def skip_ws(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.advance()

    def skip_ws_comments_newlines(self) -> None:
        while True:
            ch = self.peek()
            if ch in (" ", "\t", "\n", "\r") and ch:
                self.advance()
            elif ch == "#":
                self.skip_comment()
            else:
                return

    def skip_comment(self) -> None:
        while self.peek() and self.peek() != "\n":
            self.advance()

    def end_of_line(self) -> None:
        self.skip_ws()
        if self.peek() == "#":
            self.skip_comment()
        if self.peek() not in ("\n", ""):
            raise self.error(f"unexpected {self.peek()!r} after a value")

    # -- document ---------------------------------------------------------------------------------------
    def parse(self) -> Document:
        current: Path = ()
        defined: set[Path] = set()
        while True:
            self.skip_ws_comments_newlines()
            if not self.peek():
                return self.doc
            if self.peek() == "[":
                line = self.line
                if self.peek(1) == "[":
                    self.advance(2)
                    key = self.key()
                    self.skip_ws()
                    if self.peek() != "]" or self.peek(1) != "]":
                        raise self.error("expected ']]'")
                    self.advance(2)
                    array = self.container(key[:-1], line)
                    existing = array.get(key[-1])
                    if existing is None:
                        existing = array[key[-1]] = []
                        self.doc.lines[key] = line
                    if not isinstance(existing, list):
                        raise self.error(f"{'.'.join(key)} is not an array of tables")
                    existing.append({})
                    current = self.resolve(key)
                    self.doc.lines[current] = line
                else:
                    self.advance()
                    key = self.key()
                    self.skip_ws()
                    if self.peek() != "]":
                        raise self.error("expected ']'")
                    self.advance()
                    if key in defined:
                        raise self.error(f"table [{'.'.join(key)}] defined twice")
                    defined.add(key)
                    self.container(key, line)
                    self.doc.lines.setdefault(key, line)
                    current = self.resolve(key)
                self.end_of_line()
                continue
            line = self.line
            key = self.key_and_equals("after a key")
            value = self.value((*current, *key))
            table = self.container_at((*current, *key[:-1]), line)
            if key[-1] in table:
                raise self.error(f"key {'.'.join(key)} defined twice")
            table[key[-1]] = value
            self.doc.lines[(*current, *key)] = line
            self.end_of_line()

    def resolve(self, key: Path) -> Path:
        """A table path with array-of-table indexes filled in (``[a.b]`` after ``[[a]]``)."""
        node: Any = self.doc.data
        path: list[Any] = []
        for part in key:
            node = node[part]
            path.append(part)
            if isinstance(node, list):
                path.append(len(node) - 1)
                node = node[-1]
        return tuple(path)

    def container(self, key: Path, line: int) -> dict[str, Any]:
        node: Any = self.doc.data
        path: list[Any] = []
        for part in key:
            path.append(part)
            if part not in node:
                node[part] = {}
                self.doc.lines.setdefault(tuple(path), line)
            node = node[part]
            if isinstance(node, list):
                path.append(len(node) - 1)
                node = node[-1]
            if not isinstance(node, dict):
                raise self.error(f"{'.'.join(map(str, key))} is not a table")
        return node  # type: ignore[no-any-return]

    def container_at(self, path: Path, line: int) -> dict[str, Any]:
        node: Any = self.doc.data
        walked: list[Any] = []
        for part in path:
            walked.append(part)
            if isinstance(node, list):
                node = node[part]
                continue
            if part not in node:
                node[part] = {}
                self.doc.lines.setdefault(tuple(walked), line)
            node = node[part]
        if not isinstance(node, dict):
            raise self.error("a key is already a value, not a table")
        return node

    # -- keys ---------------------------------------------------------------------------------------------
    def key(self) -> Path:
        parts: list[str] = []
        while True:
            self.skip_ws()
            ch = self.peek()
            if ch == '"':
                parts.append(self.basic_string())
            elif ch == "'":
                parts.append(self.literal_string())
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if not match:
                    raise self.error("expected a key")
                parts.append(match.group(0))
                self.advance(match.end() - self.pos)
            self.skip_ws()
            if self.peek() == ".":
                self.advance()
                continue
            return tuple(parts)

    # -- values -------------------------------------------------------------------------------------------
    def value(self, path: Path) -> Any:
        ch = self.peek()
        if self.text.startswith('"""', self.pos):
            return self.multiline_basic()
        if self.text.startswith("'''", self.pos):
            return self.multiline_literal()
        if ch == '"':
            return self.basic_string()
        if ch == "'":
            return self.literal_string()
        if ch in "[{":
            if len(path) > MAX_DEPTH:
                raise TomlTooDeep(self.line, f"nests arrays and tables deeper than {MAX_DEPTH} levels")
            return self.array(path) if ch == "[" else self.inline_table(path)
        for word, result in (("true", True), ("false", False)):
            if self.text.startswith(word, self.pos):
                self.advance(len(word))
                return result
        match = _DATE.match(self.text, self.pos)
        if match and (":" in match.group(0) or "-" in match.group(0)[1:]):
            self.advance(match.end() - self.pos)
            return match.group(0)
        match = _NUMBER.match(self.text, self.pos)
        if match and match.group(0):
            self.advance(match.end() - self.pos)
            raw = match.group(0).replace("_", "")
            try:
                return (
                    int(raw, 0) if not re.search(r"[.eEn]", raw) or raw.startswith(("0x", "0o", "0b")) else float(raw)
                )
            except ValueError:
                return raw
        raise self.error("expected a value")

    def basic_string(self) -> str:
        self.advance()  # "
        out: list[str] = []
        while True:
            ch = self.peek()
            if ch in ("", "\n"):
                raise self.error("unterminated string")
            if ch == '"':
                self.advance()
                return "".join(out)
            if ch == "\\":
                out.append(self.escape())
                continue
            out.append(ch)
            self.advance()

    def escape(self) -> str:
        self.advance()  # backslash
        ch = self.peek()
        if ch in _ESCAPES:
            self.advance()
            return _ESCAPES[ch]
        if ch in ("u", "U"):
            width = 4 if ch == "u" else 8
            digits = self.text[self.pos + 1 : self.pos + 1 + width]
            self.advance(width + 1)
            try:
                return chr(int(digits, 16))
            except ValueError:
                raise self.error("bad unicode escape") from None
        raise self.error(f"bad escape \\{ch}")

    def literal_string(self) -> str:
        self.advance()
        end = self.text.find("'", self.pos)
        if end == -1 or self.text.find("\n", self.pos, end) != -1:  # searched up to the quote only: linear
            raise self.error("unterminated string")
        value = self.text[self.pos : end]
        self.advance(end + 1 - self.pos)
        return value

    def multiline_basic(self) -> str:
        self.advance(3)
        if self.peek() == "\n":
            self.advance()
        out: list[str] = []
        while True:
            if not self.peek():
                raise self.error("unterminated string")
            if self.text.startswith('"""', self.pos):
                extra = 0
                while self.text.startswith('"', self.pos + 3 + extra) and extra < 2:
                    extra += 1
                out.append('"' * extra)
                self.advance(3 + extra)
                return "".join(out)
            ch = self.peek()
            if ch == "\\":
                nxt = self.peek(1)
                if nxt in (" ", "\t", "\n"):
                    # line-ending backslash: trim whitespace up to the next content
                    self.advance()
                    while self.peek() in (" ", "\t", "\n") and self.peek():
                        self.advance()
                    continue
                out.append(self.escape())
                continue
            out.append(ch)
            self.advance()

    def multiline_literal(self) -> str:
        self.advance(3)
        if self.peek() == "\n":
            self.advance()
        end = self.text.find("'''", self.pos)
        if end == -1:
            raise self.error("unterminated string")
        extra = 0
        while extra < 2 and self.text.startswith("'", end + 3):
            end += 1
            extra += 1
        value = self.text[self.pos : end]
        self.advance(end + 3 - self.pos)
        return value

    def array(self, path: Path) -> list[Any]:
        self.advance()  # [
        items: list[Any] = []
        while True:
            self.skip_ws_comments_newlines()
            if self.peek() == "]":
                self.advance()
                return items
            line = self.line
            items.append(self.value((*path, len(items))))
            self.doc.lines[(*path, len(items) - 1)] = line
            if self.end_of_item("]", "an array"):
                return items

    def inline_table(self, path: Path) -> dict[str, Any]:
        self.advance()  # {
        table: dict[str, Any] = {}
        self.skip_ws()
        if self.peek() == "}":
            self.advance()
            return table
        while True:
            self.skip_ws_comments_newlines()
            line = self.line
            key = self.key_and_equals("in an inline table")
            node = table
            for part in key[:-1]:
                node = node.setdefault(part, {})
            node[key[-1]] = self.value((*path, *key))
            self.doc.lines[(*path, *key)] = line
            if self.end_of_item("}", "an inline table"):
                return table

    def key_and_equals(self, where: str) -> Path:
        """A (dotted) key and its ``=``; the value follows. ``where`` names the place in the error."""
        key = self.key()
        self.skip_ws()
        if self.peek() != "=":
            raise self.error(f"expected '=' {where}")
        self.advance()
        self.skip_ws()
        return key

    def end_of_item(self, closer: str, container: str) -> bool:
        """After an array item or inline-table entry: True at ``closer`` (stepped over), False after a comma."""
        self.skip_ws_comments_newlines()
        if self.peek() == ",":
            self.advance()
            return False
        if self.peek() == closer:
            self.advance()
            return True
        raise self.error(f"expected ',' or '{closer}' in {container}")
