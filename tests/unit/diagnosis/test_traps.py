"""The trap registry and docs/doctor.md's trap table are one list: same ids, severities, versions, order;
and the schema's trap ids are the registry's."""

from __future__ import annotations

import json
from pathlib import Path

from pip_tls_setup.diagnosis import traps

REPO = Path(__file__).resolve().parents[3]
DOCS = (REPO / "docs" / "doctor.md").read_text()
SCHEMA = json.loads((REPO / "docs" / "schemas" / "doctor.schema.json").read_text())


def documented() -> list[tuple[str, tuple[str, ...], str]]:
    """(id, severities, versions) of each row of the table under '### Traps'."""
    section = DOCS.split("### Traps\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            rows.append((cells[0].strip("`"), tuple(s.strip() for s in cells[1].split(",")), cells[2]))
    return rows


def test_docs_table_is_the_registry() -> None:
    registry = [(spec.id, spec.severities, spec.versions) for spec in traps.REGISTRY.values()]
    assert documented() == registry


def test_schema_names_every_registered_trap() -> None:
    assert set(SCHEMA["$defs"]["trap"]["properties"]["id"]["enum"]) == set(traps.REGISTRY)


def test_every_trap_has_its_texts() -> None:
    for spec in traps.REGISTRY.values():
        assert spec.workaround and spec.versions, spec.id
        assert set(spec.severities) <= {"info", "warning", "error"}, spec.id
