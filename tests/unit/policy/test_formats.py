"""Report formats: SARIF against the official OASIS schema, GitHub annotations, GitLab Code Quality,
the JSON contract and the one-line text rendering."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from pip_tls_setup.policy import rules, scanner
from pip_tls_setup.policy.findings import Finding
from pip_tls_setup.policy.formats import github, gitlab, render, sarif, text

DATA = Path(__file__).resolve().parents[2] / "data"
SCHEMA = DATA / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

REPO_FILES = {
    "Dockerfile": "FROM python:3.12\nRUN pip install --trusted-host index.example foo\nENV PYTHONHTTPSVERIFY=0\n",
    "ci/install.sh": "pip install -i http://user:s3cret@mirror.example/simple foo\npip install $PIP_OPTS bar\n",
    "dir with space/requirements.txt": "--trusted-host localhost\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    env:\n      PIP_TRUSTED_HOST: a.example\n",
}


@pytest.fixture
def findings(tmp_path: Path) -> list[Finding]:
    for rel, content in REPO_FILES.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    result = scanner.scan([str(tmp_path)])
    env_finding = Finding(
        "PTS101", "error", "env:PIP_TRUSTED_HOST", None, "pip is told to trust host 'x'", "remove it", "t"
    )
    runtime_file = Finding("PTS201", "error", "/etc/pip.conf", 3, "index-url http://x is plain HTTP", "use https", "t")
    return [*result.findings, env_finding, runtime_file]


def test_schema_is_the_official_one() -> None:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")


def test_sarif_validates_against_the_schema(findings: list[Finding]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    log = json.loads(sarif.render(findings, base_uri="file:///work/repo/"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(rules.RULES)
    ids = [r["ruleId"] for r in run["results"]]
    assert "PTS101" in ids and "PTS201" in ids and "PTS401" in ids
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "dir%20with%20space/requirements.txt" in uris
    assert "file:///etc/pip.conf" in uris
    assert "s3cret" not in json.dumps(log)


def test_sarif_with_no_findings_and_with_suppressions_validates() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    suppressed = Finding("PTS101", "error", "a.sh", 1, "m", "f", "t", suppressed_by="inline: vendor mirror")
    for log in (sarif.render([]), sarif.render([], suppressed=[suppressed])):
        jsonschema.Draft4Validator(schema).validate(json.loads(log))
    result = json.loads(sarif.render([], suppressed=[suppressed]))["runs"][0]["results"][0]
    assert result["suppressions"][0]["kind"] == "inSource"


def test_json_contract(findings: list[Finding]) -> None:
    data = json.loads(render("json", findings))
    assert set(data) >= {"findings"}
    for item in data["findings"]:
        assert {"rule", "severity", "path", "line", "message"} <= set(item)
        assert "\\" not in item["path"]
    paths = {item["path"] for item in data["findings"]}
    assert "ci/install.sh" in paths and ".github/workflows/ci.yml" in paths
    assert "s3cret" not in json.dumps(data)


def test_github_annotations_are_escaped() -> None:
    finding = Finding(
        "PTS101",
        "error",
        "a,b:c/Dockerfile",
        7,
        "100% bad\nsecond line",
        "fix, it: now",
        "pip trusts a host",
        column=3,
    )
    line = github.annotation(finding)
    assert line.startswith("::error file=a%2Cb%3Ac/Dockerfile,line=7,col=3,title=PTS101 pip trusts a host::")
    assert "\n" not in line
    assert "100%25 bad second line" in line  # one clean line; % escaped
    note = github.annotation(Finding("PTS401", "note", "x.sh", 2, "m", "f", "t"))
    assert note.startswith("::notice ")
    env = github.annotation(Finding("PTS101", "error", "env:PIP_TRUSTED_HOST", None, "m", "f", "t"))
    assert env.startswith("::error title=") and "PIP_TRUSTED_HOST: m" in env


def test_gitlab_code_quality(findings: list[Finding]) -> None:
    issues = json.loads(gitlab.render(findings))
    assert issues
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(fingerprints) == len(set(fingerprints))
    for issue in issues:
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
        assert issue["check_name"].startswith("PTS")
    by_rule = {i["check_name"]: i["severity"] for i in issues}
    assert by_rule["PTS101"] == "critical" and by_rule["PTS108"] == "major" and by_rule["PTS401"] == "info"


def test_gitlab_fingerprints_survive_line_moves(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\nRUN pip install --trusted-host a.example y\n")
    before = json.loads(gitlab.render(scanner.scan([str(tmp_path)]).findings))
    (tmp_path / "Dockerfile").write_text("FROM x\n\n\nRUN pip install --trusted-host a.example y\n")
    after = json.loads(gitlab.render(scanner.scan([str(tmp_path)]).findings))
    assert before[0]["fingerprint"] == after[0]["fingerprint"]
    assert before[0]["location"]["lines"]["begin"] != after[0]["location"]["lines"]["begin"]


def test_text_line_names_file_line_rule_message_and_fix() -> None:
    finding = Finding(
        "PTS101",
        "error",
        "/etc/pip.conf",
        2,
        "pip is told to trust host 'mirror.example'\n(trusted-host in [global]) via http://u:pw@proxy.example",
        "remove the trusted host",
        "t",
    )
    line = text.line(finding)
    assert line.startswith("/etc/pip.conf:2: error PTS101 pip is told to trust host 'mirror.example'")
    assert line.endswith("Fix: remove the trusted host")
    assert "\n" not in line and "pw@" not in line
    assert "\033[" not in line
    assert "\033[31m" in text.line(finding, color=True)


def test_text_report_has_a_summary(findings: list[Finding]) -> None:
    out = render("text", findings, summary={"files_read": 4, "files_seen": 4, "suppressed": 0})
    assert out.splitlines()[-1].startswith("pip-tls-setup scan: ")
    assert "errors" in out.splitlines()[-1]


def test_every_rule_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule_id, rule in rules.RULES.items():
        assert f"\n## {rule_id}\n" in docs, rule_id
        assert rule.title in docs, rule_id


def test_sarif_rules_link_their_docs_section(findings: list[Finding]) -> None:
    driver = json.loads(sarif.render(findings))["runs"][0]["tool"]["driver"]
    for rule in driver["rules"]:
        assert rule["helpUri"] == f"docs/rules.md#{rule['id'].lower()}"
        assert f"]({rule['helpUri']})" in rule["help"]["markdown"]
    assert rules.DOCS_BASE_URL == ""  # no public base URL is documented yet: repository-relative links


def test_gitlab_descriptions_are_short_and_carry_no_fix(findings: list[Finding]) -> None:
    for issue in json.loads(gitlab.render(findings)):
        assert issue["description"].startswith(issue["check_name"] + " ")
        assert len(issue["description"]) <= gitlab.DESCRIPTION_LIMIT and "Fix:" not in issue["description"]
        assert "\n" not in issue["description"]
        assert "Fix:" in issue["content"]["body"] and "docs/rules.md#" in issue["content"]["body"]


def test_text_lines_are_path_line_col_rule_message_with_fixes_once_in_a_footer() -> None:
    name = "a\x1b[2J\n::error::x/Dockerfile"
    hostile = Finding("PTS101", "error", name, 3, "m\n::warning::y", "fix it", "t", column=7)
    env = Finding("PTS101", "error", "env:PIP_TRUSTED_HOST", None, "pip is told to trust host 'x'", "fix it", "t")
    other = Finding("PTS201", "error", "r.txt", 2, "plain http", "use https", "t2")
    out = render("text", [hostile, env, other], summary={})
    lines = out.splitlines()
    assert lines[0] == "a\\x1b[2J\\n::error::x/Dockerfile:3:7: PTS101 m ::warning::y"
    assert lines[1] == "env:PIP_TRUSTED_HOST: PTS101 pip is told to trust host 'x'"
    assert lines[2] == "r.txt:2: PTS201 plain http"
    assert lines.count("  fix: fix it") == 1 and lines.count("  fix: use https") == 1
    assert "PTS101 (error) t: 2 findings" in lines and "  see: docs/rules.md#pts101" in lines
    assert "\x1b" not in out and not [line for line in lines if line.lstrip().startswith("::")]
    assert "\033[31mPTS101\033[0m" in render("text", [other, hostile], color=True)
