"""The one encoder for human lines, workflow commands and Markdown."""

from __future__ import annotations

import io

import pytest

from pip_tls_setup import escape
from pip_tls_setup.ui import Console

HOSTILE = [
    "CN=x\n::error::owned",
    "name\r::set-output name=a::b",
    "\x1b[2J\x1b[31mred",
    "\x1b[0Ksection_start:1700000000:evil\r\x1b[0K",
    "a\u202eevil\u202c",
    "bad\udcffname",
    "nul\x00and\x7fdel\x9bcsi",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_is_one_printable_line(value: str) -> None:
    out = escape.text(value)
    assert "\n" not in out and "\r" not in out and "\x1b" not in out and "\x00" not in out
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) < 0xA0 for c in out)
    assert "\u202e" not in out
    out.encode("utf-8")  # no lone surrogates left: every format can write it


def test_text_keeps_ordinary_names_and_bounds_length() -> None:
    assert escape.text("CN=Zscaler Root CA, O=Zscaler Inc. — ünïcode") == "CN=Zscaler Root CA, O=Zscaler Inc. — ünïcode"
    assert escape.text("x" * 50, limit=10) == "xxxxxxx..."


@pytest.mark.parametrize("line", ["::error::x", "  ::warning::y", "##[error]z", "section_start:1:n", "section_end:1:n"])
def test_lines_that_would_start_a_ci_command_are_neutralised(line: str) -> None:
    assert not escape.is_command(escape.lines(line))


def test_lines_keeps_line_breaks_but_no_line_starts_a_command() -> None:
    out = escape.lines("first\n::error::second\nthird\x1b[0m")
    parts = out.split("\n")
    assert len(parts) == 3 and not any(escape.is_command(p) for p in parts)
    assert "\x1b" not in out


def test_console_output_is_escaped_for_every_kind_of_line() -> None:
    stream = io.StringIO()
    console = Console(stream, color=False)
    for value in HOSTILE:
        console.line(value)
        console.item("ok", "CA", value)
        console.warn(value)
    out = stream.getvalue()
    assert "\x1b" not in out and "\r" not in out
    assert not any(escape.is_command(line) for line in out.splitlines())


def test_console_colors_are_ours_only() -> None:
    stream = io.StringIO()
    Console(stream, color=True).line("\x1b[31mhostile", "ok")
    assert stream.getvalue().count("\x1b[") == 2  # our own paint and reset, the hostile one escaped


def test_workflow_command_is_one_line_whatever_the_values_hold() -> None:
    command = escape.workflow_command(
        "error", "a\n::add-mask::x\r%\x1b[1m", file="a,b:c.yml\n::x", line=3, col=2, title="t,i:t\x1b"
    )
    assert "\n" not in command and "\r" not in command and "\x1b" not in command
    assert command.startswith("::error file=a%2Cb%3Ac.yml")
    assert ",line=3,col=2," in command
    with pytest.raises(ValueError):
        escape.workflow_command("debug", "x")


def test_markdown_cells_cannot_break_a_table_or_inject_html() -> None:
    assert escape.markdown_cell("a|b\nc<script>") == "a\\|b c&lt;script&gt;"
    assert escape.markdown_code("x`y|z") == "`x'y\\|z`"
    assert escape.markdown_code("") == ""
