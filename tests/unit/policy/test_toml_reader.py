"""The small TOML reader agrees with tomllib on every TOML text in the fixtures, and keeps lines."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

from pip_tls_setup.policy import toml

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scan"


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat().replace("+00:00", "Z")
    return value


def _texts() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.glob("*.toml"))]
    for name, text in list(out):
        for case in toml.loads(text).data.get("case", []):
            for file, content in {case["file"]: case["text"], **case.get("files", {})}.items():
                if file.endswith(".toml") or file in ("Pipfile",):
                    out.append((f"{name}:{case['name']}:{file}", content))
    return out


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is 3.11+")
@pytest.mark.parametrize(("name", "text"), _texts(), ids=[n for n, _ in _texts()])
def test_agrees_with_tomllib(name: str, text: str) -> None:
    import tomllib

    try:
        expected = tomllib.loads(text)
    except tomllib.TOMLDecodeError:  # a deliberately invalid fixture: both readers refuse it
        with pytest.raises(toml.TomlError):
            toml.loads(text)
        return
    assert _normalise(toml.loads(text).data) == _normalise(expected), name


def test_lines_of_values() -> None:
    doc = toml.loads('a = 1\n[t]\nb = [\n  "x",\n  "y",\n]\n[[arr]]\nc = "z"\n[[arr]]\nc = """\nm"""\n')
    assert doc.line("a") == 1
    assert doc.line("t", "b", 1) == 5
    assert doc.line("arr", 1, "c") == 10
    assert doc.get("arr", 1, "c") == "m"


@pytest.mark.parametrize("bad", ["a = ", "[t\nx=1", 'a = "unterminated', "a = 1\na = 2", "[t]\n[t]"])
def test_errors_name_the_line(bad: str) -> None:
    with pytest.raises(toml.TomlError) as caught:
        toml.loads(bad)
    assert caught.value.line >= 1
