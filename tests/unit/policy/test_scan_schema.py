"""``scan --json`` against docs/schemas/scan.schema.json, and the readers that depend on it (the Action's
and the GitLab component's ``findings_from``) still reading it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from pip_tls_setup.platforms.cli_contract import findings_from
from pip_tls_setup.policy import scanner
from pip_tls_setup.policy.findings import Finding
from pip_tls_setup.policy.formats import render

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "docs" / "schemas" / "scan.schema.json").read_text(encoding="utf-8")
)
TREE = {
    "Dockerfile": "FROM python:3.12\nRUN pip install --trusted-host index.example foo\n",
    "ci/install.sh": "pip install -i http://user:s3cret@mirror.example/simple foo\npip install $PIP_OPTS bar\n",
    ".gitlab-ci.yml": "job:\n  script: [pip install x\n",
    "requirements.txt": "# pip-tls-setup: ignore[PTS101] vendor mirror, SEC-1\n--trusted-host vendor.example\n",
}


def _validate(data: object) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.fixture
def result(tmp_path: Path) -> scanner.ScanResult:
    for rel, content in TREE.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return scanner.scan([str(tmp_path)], today=dt.date(2026, 6, 1))


def test_the_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_a_report_with_findings_notes_and_suppressions_validates(result: scanner.ScanResult) -> None:
    env = Finding("PTS101", "error", "env:PIP_TRUSTED_HOST", None, "pip is told to trust host 'x'", "remove it", "t")
    summary = {"files_seen": result.files_seen, "files_read": result.files_read, "suppressed": 1, "failed": True}
    data = json.loads(render("json", [*result.findings, env], summary=summary, suppressed=result.suppressed))
    _validate(data)
    assert data["ok"] is False and data["command"] == "scan" and data["schema_version"] == 1
    assert {f["rule"] for f in data["findings"]} >= {"PTS101", "PTS201", "PTS401", "PTS701"}
    assert [s["rule"] for s in data["suppressed"]] == ["PTS101"]
    assert all(f["help_uri"] == f"docs/rules.md#{f['rule'].lower()}" for f in data["findings"])
    assert "s3cret" not in json.dumps(data)


def test_an_empty_report_validates_and_is_ok() -> None:
    data = json.loads(render("json", [], summary={"files_seen": 0, "files_read": 0, "failed": False}))
    _validate(data)
    assert data["ok"] is True and data["findings"] == []


def test_an_unknown_key_is_refused_by_the_schema() -> None:
    data = json.loads(render("json", []))
    data["findings"] = [{**_finding_dict(), "surprise": 1}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)


def _finding_dict() -> dict[str, object]:
    return Finding("PTS101", "error", "a.sh", 1, "m", "f", "t").to_dict()


def test_the_action_and_component_reader_still_reads_every_finding(result: scanner.ScanResult) -> None:
    data = json.loads(render("json", result.findings))
    read = findings_from(data)
    assert [(f.rule, f.severity, f.path, f.line) for f in read] == [
        (f.rule, f.severity, f.path, f.line or 0) for f in result.findings
    ]
