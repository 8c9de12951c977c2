"""Mangled inputs never crash or hang a parser: truncations, stray quotes and operators, shuffled and
duplicated lines, structural tokens of other formats (deterministic, bounded)."""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

import pytest
from test_fixtures import CASES

from pip_tls_setup.errors import CheckFailed
from pip_tls_setup.policy import classify, scanner
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.parsers import PARSERS, ParseError

CHARS = "\\\"'`$(){}[]<>|&;#\n\t =:-@/*!~%^"
TOKENS = (
    "[[tool]]", "[tool.uv]", "= [", "{", "- ", ": ", "<<EOF", "EOF", "\\", "'''", '"""', "[global]", "tool = 1",
    "source = [1]", "<<: *a", "&a", "!reference [a]", "--trusted-host", "$(", "`", "case x in", "esac", "))",
    "${{", "}}", "[[tool.uv.index]]", "env: [1]", "jobs: 3", "steps: {a: 1}", "variables: [a]", "channels: 5",
)  # fmt: skip


def mutate(rng: random.Random, text: str) -> str:
    choice = rng.random()
    if choice < 0.25:
        return text[: rng.randrange(len(text) + 1)]
    if choice < 0.5:
        for _ in range(rng.randint(1, 5)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(CHARS) + text[at:]
        return text
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.3 and lines:
            at = rng.randrange(len(lines))
            lines.insert(at, lines[at])
        elif roll < 0.5 and len(lines) > 1:
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
        else:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(TOKENS))
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(4))
def test_mutated_fixtures_never_crash(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data
    for _ in range(1500):
        case = rng.choice(CASES)
        kind = classify.kind_of(case.file) or "shell"
        with contextlib.suppress(ParseError):
            PARSERS[kind](mutate(rng, case.text), ScanContext(kind, [], parsers=PARSERS))


def test_bad_syntax_fails_closed_naming_the_line(tmp_path: Path) -> None:
    """A CI or config file that does not parse is an error (PTS701: nothing in it was checked), unless its
    kind was only guessed from a directory name (a Helm chart's templates/ is not a GitLab component)."""
    (tmp_path / ".gitlab-ci.yml").write_text("test:\n  script:\n    - pip install x\n  bad: [\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.uv]\nindex-url = \n", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    helm = "{{- include \"chart.labels\" . }}\nkind: Deployment\n  {{ if .Values.pip }}\n"
    (tmp_path / "templates" / "deployment.yaml").write_text(helm, encoding="utf-8")
    found = sorted((f.path, f.line, f.rule, f.severity) for f in scanner.scan([str(tmp_path)]).findings)
    assert found == [
        (".gitlab-ci.yml", 5, "PTS701", "error"),
        ("pyproject.toml", 2, "PTS701", "error"),
        ("templates/deployment.yaml", 1, "PTS402", "note"),
    ]


def test_a_parser_bug_fails_closed_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str, ctx: ScanContext) -> None:
        raise ValueError("boom")

    monkeypatch.setitem(PARSERS, "dockerfile", broken)
    (tmp_path / "Dockerfile").write_text("FROM x\nRUN pip install y\n", encoding="utf-8")
    with pytest.raises(CheckFailed, match=r"^Dockerfile: could not be checked \(ValueError: boom\)"):
        scanner.scan([str(tmp_path)])
