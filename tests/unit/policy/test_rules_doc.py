"""docs/rules.md against the rule catalogue: every rule has its section with the five fixed headings, and
"Reported by" names functions that exist and write the rule ID (one hop from the message a user sees)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pip_tls_setup.policy import rules

REPO = Path(__file__).resolve().parents[3]
SRC = REPO / "src" / "pip_tls_setup"
DOC = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
HEADINGS = ("What it does", "Why it is bad", "Example", "Use instead", "Reported by")
# "- `policy/checks.py` `trusted_hosts()`, `other()` — why": a module and the functions in it
REPORTER = re.compile(r"^- `(?P<module>[\w/]+\.py)` (?P<functions>`[\w.]+\(\)`(?:, `[\w.]+\(\)`)*)", re.MULTILINE)


def _sections() -> dict[str, str]:
    parts = re.split(r"^## (PTS\d{3})\n", DOC, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


SECTIONS = _sections()


def _subsections(section: str) -> list[tuple[str, str]]:
    parts = re.split(r"^### (.+)\n", section, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2]))


def _functions_naming(module: Path, rule_id: str) -> set[str]:
    """Qualified names (``Class.method``) of the functions in ``module`` whose body holds ``rule_id``."""
    found: set[str] = set()

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                if any(isinstance(n, ast.Constant) and n.value == rule_id for n in ast.walk(child)):
                    found.add(name)
                visit(child, name + ".")

    visit(ast.parse(module.read_text(encoding="utf-8")), "")
    return found


def test_every_rule_has_a_section_and_every_section_a_rule() -> None:
    assert set(SECTIONS) == set(rules.RULES)


@pytest.mark.parametrize("rule_id", sorted(rules.RULES))
def test_section_has_the_fixed_headings_in_order(rule_id: str) -> None:
    section = SECTIONS[rule_id]
    assert rules.RULES[rule_id].title in section.split("\n###", 1)[0], rule_id
    subsections = _subsections(section)
    assert [title for title, _ in subsections] == list(HEADINGS), rule_id
    assert all(body.strip() for _, body in subsections), rule_id
    example = dict(subsections)["Example"]
    assert "```" in example, f"{rule_id}: the example is a code block"


@pytest.mark.parametrize("rule_id", sorted(rules.RULES))
def test_reported_by_names_functions_that_write_the_rule_id(rule_id: str) -> None:
    reported_by = dict(_subsections(SECTIONS[rule_id]))["Reported by"]
    reporters = list(REPORTER.finditer(reported_by))
    assert reporters, f"{rule_id}: 'Reported by' names no `module.py` `function()`"
    for match in reporters:
        module = SRC / match.group("module")
        assert module.is_file(), f"{rule_id}: {match.group('module')} does not exist"
        named = set(re.findall(r"`([\w.]+)\(\)`", match.group("functions")))
        missing = named - _functions_naming(module, rule_id)
        assert not missing, f"{rule_id}: {sorted(missing)} in {match.group('module')} do not report it"
    for mentioned in re.findall(r"`([\w/]+\.py)`", reported_by):
        assert (SRC / mentioned).is_file(), f"{rule_id}: {mentioned} does not exist"
