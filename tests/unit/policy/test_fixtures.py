"""The fixture suite: every case in tests/fixtures/scan/*.toml, scanned and compared exactly."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pip_tls_setup.policy import rules, scanner
from pip_tls_setup.policy.toml import loads

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scan"
TODAY = dt.date(2026, 6, 1)


@dataclass
class Case:
    suite: str
    name: str
    file: str
    text: str
    expect: list[tuple[str, int | None, str]]
    files: dict[str, str] = field(default_factory=dict)
    executable: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.suite}:{self.name}"


def _expectation(raw: str, default_path: str) -> tuple[str, int | None, str]:
    where, rule = raw.rsplit(" ", 1)
    if ":" in where:
        path, line = where.rsplit(":", 1)
        return path, int(line), rule
    if where.isdigit():
        return default_path, int(where), rule
    return where, None, rule


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for manifest in sorted(FIXTURES.glob("*.toml")):
        data: dict[str, Any] = loads(manifest.read_text(encoding="utf-8")).data
        for entry in data.get("case", []):
            cases.append(
                Case(
                    suite=manifest.stem,
                    name=entry["name"],
                    file=entry["file"],
                    text=entry["text"],
                    expect=[_expectation(e, entry["file"]) for e in entry["expect"]],
                    files=dict(entry.get("files", {})),
                    executable=list(entry.get("executable", [])),
                )
            )
    return cases


CASES = load_cases()


def materialise(case: Case, where: Path) -> None:
    for relpath, text in {case.file: case.text, **case.files}.items():
        path = where / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for relpath in case.executable:
        os.chmod(where / relpath, 0o700)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    materialise(case, tmp_path)
    result = scanner.scan([str(tmp_path)], today=TODAY)
    got = sorted((f.path, f.line, f.rule) for f in result.findings)
    want = sorted(case.expect, key=lambda e: (e[0], e[1] or 0, e[2]))
    detail = "\n".join(f"  {f.location} {f.rule} {f.message}" for f in result.findings)
    assert got == want, f"{case.id}\nfindings:\n{detail}"


def test_suite_size_and_shape() -> None:
    """The acceptance floor: >= 120 cases across the file kinds, positives and near-miss negatives."""
    assert len(CASES) >= 120, len(CASES)
    names = [c.id for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique per suite"
    negatives = [c for c in CASES if not c.expect]
    positives = [c for c in CASES if any(rules.get(rule).severity != "note" for _, _, rule in c.expect)]
    assert len(negatives) >= 30
    assert len(positives) >= 80
    for case in CASES:
        for _, line, rule in case.expect:
            assert rule in rules.RULES, (case.id, rule)
            assert line is None or line >= 1, case.id


def test_every_failing_rule_has_a_fixture() -> None:
    covered = {rule for case in CASES for _, _, rule in case.expect}
    missing = {rid for rid in rules.RULES if rid not in covered} - {"PTS402", "PTS501", "PTS502"}
    assert not missing, f"rules without a fixture case: {sorted(missing)}"
