"""Exceptions (pyproject / .pip-tls-setup.toml) and inline ignores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pip_tls_setup.errors import InputError
from pip_tls_setup.policy import scanner

TODAY = dt.date(2026, 6, 1)
DOCKERFILE = (
    "FROM python:3.12\nRUN pip install --trusted-host legacy.example foo\nRUN pip install -i http://m.example/s x\n"
)


def write(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def rules_of(result: scanner.ScanResult) -> list[tuple[str, int | None, str]]:
    return sorted((f.path, f.line, f.rule) for f in result.findings)


def test_host_exception_in_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docker/Dockerfile": DOCKERFILE,
            "pyproject.toml": """
[project]
name = "x"

[[tool.pip-tls-setup.exceptions]]
rule = "PTS101"
host = "legacy.example"
reason = "vendor mirror without TLS until SEC-123 lands"
expires = 2026-12-31
""",
        },
    )
    result = scanner.scan([str(tmp_path)], today=TODAY)
    assert rules_of(result) == [("docker/Dockerfile", 3, "PTS201")]
    assert [f.rule for f in result.suppressed] == ["PTS101"]
    assert result.suppressed[0].suppressed_by == "pyproject.toml:5"


def test_path_exception_in_dotfile(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "docker/legacy/Dockerfile": DOCKERFILE,
            "Dockerfile": DOCKERFILE,
            ".pip-tls-setup.toml": """
[[exceptions]]
rule = "PTS201"
path = "docker/legacy/**"
reason = "legacy image, retired in Q3"
expires = "2026-09-30"
""",
        },
    )
    result = scanner.scan([str(tmp_path)], today=TODAY)
    assert ("docker/legacy/Dockerfile", 3, "PTS201") not in rules_of(result)
    assert ("Dockerfile", 3, "PTS201") in rules_of(result)
    assert ("docker/legacy/Dockerfile", 2, "PTS101") in rules_of(result)


def test_expired_exception_fails_and_stops_suppressing(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": DOCKERFILE,
            ".pip-tls-setup.toml": """
[[exceptions]]
rule = "PTS101"
host = "legacy.example"
reason = "was temporary"
expires = 2026-01-31
""",
        },
    )
    result = scanner.scan([str(tmp_path)], today=TODAY)
    found = rules_of(result)
    assert ("Dockerfile", 2, "PTS101") in found
    assert (".pip-tls-setup.toml", 2, "PTS501") in found
    expired = next(f for f in result.findings if f.rule == "PTS501")
    assert expired.failing and "2026-01-31" in expired.message


def test_unused_exception_is_a_note(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM x\n",
            ".pip-tls-setup.toml": '[[exceptions]]\nrule = "PTS101"\nhost = "gone.example"\nreason = "r"\n'
            "expires = 2027-01-01\n",
        },
    )
    result = scanner.scan([str(tmp_path)], today=TODAY)
    assert [(f.rule, f.severity) for f in result.findings] == [("PTS502", "note")]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('rule = "PTS101"\nhost = "h"\nexpires = 2027-01-01\n', "has no reason"),
        ('rule = "PTS101"\nhost = "h"\nreason = "  "\nexpires = 2027-01-01\n', "has no reason"),
        ('rule = "PTS101"\nhost = "h"\nreason = "r"\n', "has no expiry date"),
        ('rule = "PTS101"\nhost = "h"\nreason = "r"\nexpires = "soon"\n', "is not a date"),
        ('rule = "PTS101"\nreason = "r"\nexpires = 2027-01-01\n', "neither a path nor a host"),
        ('rule = "PTS999"\nhost = "h"\nreason = "r"\nexpires = 2027-01-01\n', "unknown rule PTS999"),
        ('host = "h"\nreason = "r"\nexpires = 2027-01-01\n', "has no rule"),
    ],
)
def test_bad_exceptions_are_input_errors(tmp_path: Path, entry: str, problem: str) -> None:
    write(tmp_path, {"Dockerfile": DOCKERFILE, ".pip-tls-setup.toml": "[[exceptions]]\n" + entry})
    with pytest.raises(InputError) as caught:
        scanner.scan([str(tmp_path)], today=TODAY)
    assert problem in str(caught.value)
    assert str(caught.value).startswith(".pip-tls-setup.toml:1: ")


def test_broken_config_toml_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path, {".pip-tls-setup.toml": "[[exceptions]\n"})
    with pytest.raises(InputError, match="is not valid TOML"):
        scanner.scan([str(tmp_path)], today=TODAY)


def test_inline_ignore_same_line_and_line_above(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "ci.sh": "pip install --trusted-host a.example x  # pip-tls-setup: ignore[PTS101] SEC-1 vendor box\n"
            "# pip-tls-setup: ignore[PTS201, PTS101] SEC-2 lab mirror\n"
            "pip install --trusted-host b.example -i http://b.example/simple y\n"
            "pip install --trusted-host c.example z  # pip-tls-setup: ignore[PTS201] wrong rule\n",
        },
    )
    result = scanner.scan([str(tmp_path)], today=TODAY)
    assert rules_of(result) == [("ci.sh", 4, "PTS101")]
    reasons = sorted(f.suppressed_by or "" for f in result.suppressed)
    assert reasons == ["inline: SEC-1 vendor box", "inline: SEC-2 lab mirror", "inline: SEC-2 lab mirror"]


def test_inline_ignore_without_reason_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path, {"ci.sh": "pip install --trusted-host a.example x  # pip-tls-setup: ignore[PTS101]\n"})
    with pytest.raises(InputError) as caught:
        scanner.scan([str(tmp_path)], today=TODAY)
    assert str(caught.value).startswith("ci.sh:1: inline ignore of PTS101 has no reason")


def test_explicit_config_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "repo/Dockerfile": DOCKERFILE,
            "policy.toml": '[[exceptions]]\nrule = "PTS201"\nhost = "m.example"\nreason = "r"\nexpires = 2027-01-01\n',
        },
    )
    result = scanner.scan([str(tmp_path / "repo")], config=str(tmp_path / "policy.toml"), today=TODAY)
    assert rules_of(result) == [("Dockerfile", 2, "PTS101")]
    with pytest.raises(InputError, match="--config"):
        scanner.scan([str(tmp_path / "repo")], config=str(tmp_path / "missing.toml"), today=TODAY)


def test_exclude_globs_from_config_and_command_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "examples/insecure/Dockerfile": DOCKERFILE,
            "other/Dockerfile": DOCKERFILE,
            "Dockerfile": "FROM x\n",
            "pyproject.toml": '[tool.pip-tls-setup]\nexclude = ["examples/insecure/**"]\n',
        },
    )
    assert {f.path for f in scanner.scan([str(tmp_path)], today=TODAY).findings} == {"other/Dockerfile"}
    assert scanner.scan([str(tmp_path)], exclude=["other"], today=TODAY).findings == []
    write(tmp_path, {"pyproject.toml": '[tool.pip-tls-setup]\nexclude = "examples"\n'})
    with pytest.raises(InputError, match="exclude must be a list"):
        scanner.scan([str(tmp_path)], today=TODAY)


def test_an_exception_for_pts701_lets_a_deliberately_broken_file_pass(tmp_path: Path) -> None:
    """A file that does not parse fails closed (PTS701) unless an exception says it is not a real CI file."""
    broken = {"tests/data/broken/.gitlab-ci.yml": "job:\n  script: [pip install x\n"}
    write(tmp_path, broken)
    assert rules_of(scanner.scan([str(tmp_path)], today=TODAY)) == [("tests/data/broken/.gitlab-ci.yml", 3, "PTS701")]
    exception = (
        '[[exceptions]]\nrule = "PTS701"\npath = "tests/data/broken/**"\n'
        'reason = "deliberately invalid fixture"\nexpires = 2027-01-31\n'
    )
    write(tmp_path, {".pip-tls-setup.toml": exception})
    result = scanner.scan([str(tmp_path)], today=TODAY)
    assert rules_of(result) == []
    assert [f.rule for f in result.suppressed] == ["PTS701"]
