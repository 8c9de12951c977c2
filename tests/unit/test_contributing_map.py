"""docs/CONTRIBUTING.md is the map: every package and module under src/ is named in its layout, every test
file it points to exists, and the 'where do I change X' table and the per-command flows are there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "pip_tls_setup"
MAP = (REPO / "docs" / "CONTRIBUTING.md").read_text(encoding="utf-8")
LAYOUT = MAP.split("## Layout", 1)[1].split("## Where do I change X?", 1)[0]


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" and "__pycache__" not in p.parts)


@pytest.mark.parametrize("module", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_is_on_the_map(module: Path) -> None:
    assert re.search(rf"(?<![\w.]){re.escape(module.stem)}(\.py)?\b", LAYOUT), f"{module.relative_to(REPO)}"


@pytest.mark.parametrize(
    "package", sorted(p.parent for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE), ids=lambda p: p.name
)
def test_every_package_is_on_the_map(package: Path) -> None:
    assert f"{package.name}/" in LAYOUT, f"{package.relative_to(REPO)}"


def test_the_test_files_it_names_exist() -> None:
    named = set(re.findall(r"tests/[\w/]+\.py", MAP))
    missing = sorted(n for n in named if not (REPO / n).exists())
    assert not missing, missing


def test_the_changes_table_and_the_flows_are_there() -> None:
    table = MAP.split("## Where do I change X?", 1)[1].split("\n## ", 1)[0]
    for change in ("rule", "OS family", "trap", "product", "output format", "client", "CI platform"):
        assert change in table, change
    flows = MAP.split("## How each command's data flows", 1)[1].split("\n## ", 1)[0]
    for command in ("setup", "doctor", "verify", "scan", "undo"):
        assert f"**{command}**" in flows, command
