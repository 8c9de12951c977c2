"""Property-based fuzzing (Hypothesis) of the shell lexer, the Dockerfile/INI/TOML/YAML/JSON readers and the
whole scanner on random text: only the documented errors are ever raised (``ParseError`` and its
``LimitReached`` from the readers, ``TomlError`` from the TOML reader; the scanner turns every one of them
into a finding), nothing else. Time and memory stay within limits by construction: the inputs are bounded
(at most a few kilobytes, built from the characters and tokens that steer each reader), and every reader is
linear in its input (see benchmarks/scan/linear.py); there are no wall-clock asserts.

Each test runs EXAMPLES examples (deterministic database-less runs: ``derandomize``), deadline=None.
"""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pip_tls_setup import escape
from pip_tls_setup.policy import origins, scanner, shell, toml
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.findings import clean_text
from pip_tls_setup.policy.formats import FORMATS, render
from pip_tls_setup.policy.parsers import PARSERS, ParseError
from pip_tls_setup.policy.parsers.jsonfiles import load as load_json
from pip_tls_setup.policy.textscan import split_like_shlex

EXAMPLES = 200
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters and tokens that steer the readers: quotes, escapes, operators, expansions, brackets, YAML and
# TOML structure, here-documents, NUL and other control characters, a surrogate-free slice of Unicode.
SPECIAL = "\\\"'`$(){}[]<>|&;#\n\r\t =:-@/*!~%^,.\x00\x1b\u2028\ufeff"
TOKENS = (
    "pip install ", "--trusted-host ", "--index-url http://x.example/simple ", "-i ", "trusted-host = ",
    "[global]\n", "[tool.uv]\n", "allow-insecure-host = [", "RUN ", "ENV ", "ARG ", "ONBUILD ", "COPY ", "FROM x\n",
    "<<EOF\n", "EOF\n", "<<-'EOF'\n", "$(", "${", "${{ ", " }}", "`", "\\\n", "'''", '"""', "&a ", "*a", "<<: *a\n",
    "- ", ": ", "{", "}", "[", "]", "!reference ", "script:\n", "  - ", "variables:\n", "env:\n", "jobs:\n",
    "steps:\n", "run: |\n", "ssl_verify: ", "strict-ssl=", "sslVerify = ", "[http \"https://h/\"]\n", "export ",
    "alias pip='", "echo \"", "\" > /etc/pip.conf\n", "| tee pip.conf\n", "case x in ", "esac", "if [ ]; then ",
    "fi\n", "for a in b; do ", "done\n", "function f() { ", "http://u:p@h.example/", "\x00", "\ufeff", "\r\n",
)  # fmt: skip
PIECES = st.one_of(
    st.sampled_from(TOKENS),
    st.text(alphabet=SPECIAL, max_size=6),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
)
TEXT = st.lists(PIECES, max_size=60).map("".join)

STRUCTURED_KINDS = ("pyproject", "uvtoml", "poetrytoml", "pdmtoml", "pipfile", "toxtoml", "github", "githubaction")
STRUCTURED_KINDS += ("gitlab", "ci", "compose", "condarc", "condaenv", "precommit", "devcontainer", "pipfilelock")
TEXT_KINDS = ("shell", "powershell", "batch", "jenkinsfile", "makefile", "dotenv", "dockerfile", "pipconf")
TEXT_KINDS += ("setupcfg", "toxini", "gitconfig", "npmrc", "requirements", "pycustomize")
NAMES = {
    "shell": "run.sh", "dockerfile": "Dockerfile", "requirements": "requirements.txt", "pipconf": "pip.conf",
    "gitlab": ".gitlab-ci.yml", "github": ".github/workflows/ci.yml", "pyproject": "pyproject.toml",
    "devcontainer": ".devcontainer/devcontainer.json", "dotenv": ".env", "makefile": "Makefile",
    "condarc": ".condarc", "npmrc": ".npmrc", "gitconfig": ".gitconfig", "powershell": "setup.ps1",
}  # fmt: skip


def _parse(kind: str, text: str) -> None:
    PARSERS[kind](text, ScanContext(kind, [], parsers=PARSERS))


@FUZZ
@given(TEXT)
def test_the_shell_lexer_reads_any_text(text: str) -> None:
    script = shell.parse(text)
    for command in script.commands():
        for word in [*command.words, *command.assignments]:
            assert 0 <= word.start <= word.end <= len(text)
    shell.split_words(text)


@FUZZ
@given(st.sampled_from(TEXT_KINDS), TEXT)
def test_text_readers_never_raise(kind: str, text: str) -> None:
    """Scripts, Dockerfiles, INI files, requirements and .env are read as their tools read them: any text."""
    _parse(kind, text)


@FUZZ
@given(st.sampled_from(STRUCTURED_KINDS), TEXT)
def test_structured_readers_raise_only_parse_errors(kind: str, text: str) -> None:
    """TOML, YAML and JSON readers: a file that is not valid for its kind is a ParseError (a finding)."""
    try:
        _parse(kind, text)
    except ParseError as exc:
        assert exc.problem and (exc.line is None or exc.line >= 1)


@FUZZ
@given(TEXT)
def test_the_toml_reader_raises_only_toml_errors(text: str) -> None:
    try:
        toml.loads(text)
    except toml.TomlError as exc:
        assert exc.line >= 1


@FUZZ
@given(TEXT)
def test_the_json_reader_raises_only_parse_errors(text: str) -> None:
    try:
        load_json(text)
    except ParseError as exc:
        assert exc.line is None or exc.line >= 1


@FUZZ
@given(st.text(alphabet=" \t\n\\'\"ab=-#", max_size=40))
def test_the_requirements_splitter_is_shlex(text: str) -> None:
    """pip splits a requirements-file option line with shlex.split; the linear splitter agrees exactly."""
    try:
        expected: list[str] | str = shlex.split(text)
    except ValueError:
        expected = "error"
    try:
        got: list[str] | str = split_like_shlex(text)
    except ValueError:
        got = "error"
    assert got == expected


@FUZZ
@given(TEXT, st.sampled_from(["hunter2", "s3cr%2Fet", "p@ss"]), st.integers(min_value=20, max_value=400))
def test_clean_text_is_one_bounded_line_without_the_password(text: str, password: str, limit: int) -> None:
    value = f"{text} http://user:{password}@proxy.example:3128/ {text}"
    out = clean_text(value, limit)
    assert len(out) <= limit and "\n" not in out
    assert f":{password}@" not in out


@FUZZ
@given(TEXT)
def test_expansion_helpers_read_any_text(text: str) -> None:
    origins.has_expansion(text)
    origins.only_expansion(text)
    origins.pip_trusted_host(text.strip())
    origins.host_of_trusted(text)


@settings(FUZZ, max_examples=EXAMPLES // 2)
@given(st.lists(st.tuples(st.sampled_from(sorted(NAMES.values())), TEXT), min_size=1, max_size=4))
def test_the_scanner_on_random_files_reports_findings_only(files: list[tuple[str, str]]) -> None:
    """The whole scan on random content: findings (errors, notes, PTS701) and never an exception; every
    format renders it with no ESC byte and no line that starts a CI log command."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, text in files:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", errors="surrogateescape")
        result = scanner.scan([tmp])
    for fmt in FORMATS:
        out = render(fmt, result.findings, summary={"files_seen": 1, "files_read": 1})
        assert "\x1b" not in out
        lines = out.splitlines()
        if fmt == "github":
            assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
        else:
            assert not any(escape.is_command(line) for line in lines)
