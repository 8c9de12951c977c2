"""The installed ``pip-tls-setup`` console script on whole repositories: every fixture case at once
in one tree, every output format, SARIF validated against the OASIS schema, and the lab's
insecure example repository."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from corplab.isolation import clean_env

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"
SCRIPT = Path(sys.executable).parent / "pip-tls-setup"
sys.path.insert(0, str(REPO / "tests" / "unit" / "policy"))

from test_fixtures import CASES, materialise  # noqa: E402


def run(*args: str, cwd: Path | None = None, home: Path) -> subprocess.CompletedProcess[str]:
    executable = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "pip_tls_setup"]
    return subprocess.run(
        [*executable, *args],
        capture_output=True,
        text=True,
        env=clean_env(home),
        cwd=cwd,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("monorepo")
    for index, case in enumerate(CASES):
        materialise(case, root / case.suite / f"{index:03d}")
    return root


def test_every_case_in_one_tree(monorepo: Path, tmp_path: Path) -> None:
    done = run("scan", str(monorepo), "--format", "json", home=tmp_path)
    assert done.returncode == 1, done.stderr
    got = {(f["path"], f["line"], f["rule"]) for f in json.loads(done.stdout)["findings"]}
    want: set[tuple[str, int | None, str]] = set()
    for index, case in enumerate(CASES):
        prefix = f"{case.suite}/{index:03d}/"
        want.update((prefix + path, line, rule) for path, line, rule in case.expect)
    assert got == want, {"missing": sorted(want - got, key=str)[:20], "extra": sorted(got - want, key=str)[:20]}


def test_sarif_of_the_whole_tree_is_valid(monorepo: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.sarif"
    done = run("scan", str(monorepo), "--format", "sarif", "--output", str(out), home=tmp_path)
    assert done.returncode == 1, done.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    assert len([r for r in results if "suppressions" not in r]) > 150
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file:///")


def test_github_and_gitlab_formats_of_the_whole_tree(monorepo: Path, tmp_path: Path) -> None:
    github = run("scan", str(monorepo), "--format", "github", home=tmp_path)
    assert github.returncode == 1
    lines = github.stdout.splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    gitlab = run("scan", str(monorepo), "--format", "gitlab", home=tmp_path)
    issues = json.loads(gitlab.stdout)
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_lab_insecure_repository(tmp_path: Path) -> None:
    done = run("scan", "examples/lab/insecure-repo", cwd=REPO, home=tmp_path)
    assert done.returncode == 1, done.stderr
    # on stdout, as linters print: path:line:col: RULE message
    located = set(re.findall(r"^([^:\n]+):(\d+):\d+: (PTS\d+) ", done.stdout, re.MULTILINE))
    assert ("Dockerfile", "5", "PTS101") in located
    assert ("requirements.txt", "3", "PTS201") in located and ("requirements.txt", "4", "PTS101") in located


def test_scan_of_this_repository_outside_deliberate_examples(tmp_path: Path) -> None:
    """The project's own files trip nothing (the deliberate example is excluded in pyproject.toml)."""
    done = run("scan", ".", "--format", "json", cwd=REPO, home=tmp_path)
    findings = [f for f in json.loads(done.stdout)["findings"] if f["severity"] != "note"]
    assert findings == [], findings
