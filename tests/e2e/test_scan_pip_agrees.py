"""Real pip agrees with what scan reports: several pip versions parse the same command lines,
requirements-file lines, config files and environment variables, and end up trusting the same
hosts / using the same plain-HTTP indexes the scan names. Nothing is downloaded: only pip's own
option and config machinery runs (clean environment, host pip config masked)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from corplab.isolation import clean_env, isolated

from pip_tls_setup.policy import scanner

pytestmark = pytest.mark.e2e

PYENV = Path.home() / ".pyenv" / "versions"
# Interpreters with different pips (22.0, 23.0, 23.2, 24.2 on this machine); those present are used.
PYTHONS = [
    sys.executable,
    *sorted(
        str(p)
        for p in PYENV.glob("3.*/bin/python")
        if p.parent.parent.name.split(".")[1] in ("7", "8", "12", "13") and os.access(p, os.X_OK)
    ),
]

PARSE_CLI = r"""
import json, sys
from pip._internal.commands import create_command
cmd = create_command(sys.argv[1])
try:
    options, args = cmd.parse_args(sys.argv[2:])
except SystemExit as exc:
    print(json.dumps({"error": exc.code})); raise SystemExit(0)
print(json.dumps({"trusted": options.trusted_hosts, "index": options.index_url,
                  "extra": options.extra_index_urls, "links": options.find_links}))
"""
PARSE_REQ_LINE = r"""
import json, shlex, sys
from pip._internal.req.req_file import build_parser
parser = build_parser()
try:
    options, args = parser.parse_args(shlex.split(sys.argv[1]))
except Exception as exc:
    print(json.dumps({"error": str(exc).splitlines()[-1]})); raise SystemExit(0)
print(json.dumps({"trusted": options.trusted_hosts or [], "index": options.index_url,
                  "extra": options.extra_index_urls or [], "links": options.find_links or []}))
"""
MODERN = (23, 1)  # pip 23.1 removed --install-option, which made --i / --in ambiguous before


def pip_version(python: str, home: Path) -> tuple[int, ...]:
    text = run_python(python, "import pip; print(pip.__version__)", home=home)
    return tuple(int(p) for p in text.split(".")[:2])


# (pip subcommand, arguments, what scan reports: rule -> host or URL)
CLI_CASES = [
    ("install", "--trusted-host=index.example foo", {"PTS101": "index.example"}),
    ("install", "--trusted index.example foo", {"PTS101": "index.example"}),
    ("install", "--tr=index.example foo", {"PTS101": "index.example"}),
    ("install", "-qihttp://mirror.example/simple foo", {"PTS201": "http://mirror.example/simple"}),
    ("install", "--pypi-url http://alias.example/simple foo", {"PTS201": "http://alias.example/simple"}),
    ("install", "--in http://abbrev.example/simple foo", {"PTS201": "http://abbrev.example/simple"}),
    ("install", "--ext=http://extra.example/simple foo", {"PTS201": "http://extra.example/simple"}),
    ("download", "-f http://links.example/ foo", {"PTS201": "http://links.example/"}),
    ("install", "--t index.example foo", {}),  # ambiguous: pip refuses
]
REQ_CASES = [
    ("--t abbrev.example", {"PTS101": "abbrev.example"}),
    ("--i http://abbrev.example/simple", {"PTS201": "http://abbrev.example/simple"}),
    ("--ex=http://extra.example/simple", {"PTS201": "http://extra.example/simple"}),
    ("--py http://alias.example/simple", {"PTS201": "http://alias.example/simple"}),
    ("-f http://links.example/", {"PTS201": "http://links.example/"}),
]


def run_python(python: str, code: str, *args: str, env_extra: dict[str, str] | None = None, home: Path) -> str:
    env = clean_env(home, **(env_extra or {}))
    done = subprocess.run(
        isolated([python, "-c", code, *args]), capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def scan_text(tmp_path: Path, name: str, content: str) -> dict[str, list[str]]:
    root = tmp_path / "scan"
    root.mkdir(exist_ok=True)
    (root / name).write_text(content, encoding="utf-8")
    found: dict[str, list[str]] = {}
    for finding in scanner.scan([str(root)]).findings:
        found.setdefault(finding.rule, []).append(finding.message)
    (root / name).unlink()
    return found


@pytest.mark.parametrize("python", PYTHONS)
def test_command_lines(python: str, tmp_path: Path) -> None:
    modern = pip_version(python, tmp_path) >= MODERN
    for subcommand, args, expected in CLI_CASES:
        parsed = json.loads(run_python(python, PARSE_CLI, subcommand, *shlex.split(args), home=tmp_path))
        reported = scan_text(tmp_path, "run.sh", f"pip {subcommand} {args}\n")
        assert set(reported) == set(expected), (args, reported)
        if not expected:
            assert "error" in parsed, (python, args, parsed)
            continue
        if "error" in parsed:
            # an older pip refuses an abbreviation that newer pips accept: never the other way round
            assert not modern, (python, args, parsed)
            continue
        for rule, value in expected.items():
            if rule == "PTS101":
                assert value in parsed["trusted"], (python, args, parsed)
            else:
                assert value in [parsed["index"], *parsed["extra"], *parsed["links"]], (python, args, parsed)
            assert any(value.split("//")[-1].split("/")[0] in m for m in reported[rule])


@pytest.mark.parametrize("python", PYTHONS)
def test_requirements_file_lines(python: str, tmp_path: Path) -> None:
    modern = pip_version(python, tmp_path) >= MODERN
    for line, expected in REQ_CASES:
        parsed = json.loads(run_python(python, PARSE_REQ_LINE, line, home=tmp_path))
        reported = scan_text(tmp_path, "requirements.txt", line + "\n")
        assert set(reported) == set(expected), (line, reported)
        if "error" in parsed:
            assert not modern and "ambiguous" in parsed["error"], (python, line, parsed)
            continue
        for rule, value in expected.items():
            pool = parsed["trusted"] if rule == "PTS101" else [parsed["index"], *parsed["extra"], *parsed["links"]]
            assert value in pool, (python, line, parsed)


@pytest.mark.parametrize("python", PYTHONS)
def test_config_file_spellings(python: str, tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\ntrusted_host = a.example\n[install]\n--trusted-host: b.example\n    c.example\n"
        "[download]\nPYPI-URL = http://d.example/simple\n",
        encoding="utf-8",
    )
    env = clean_env(tmp_path / "home", PIP_CONFIG_FILE=str(conf))
    done = subprocess.run(
        isolated([python, "-m", "pip", "config", "list"]), capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    listed = done.stdout
    assert "global.trusted-host='a.example'" in listed
    assert "install.trusted-host='b.example\\nc.example'" in listed
    assert "download.pypi-url='http://d.example/simple'" in listed
    found = sorted((f.line, f.rule) for f in scanner.scan([str(conf)]).findings)
    assert found == [(2, "PTS101"), (4, "PTS101"), (5, "PTS101"), (7, "PTS201")]


@pytest.mark.parametrize("python", PYTHONS)
def test_environment_variable_spellings(python: str, tmp_path: Path) -> None:
    code = (
        "import json\nfrom pip._internal.commands import create_command\n"
        "o, _ = create_command('install').parse_args([])\nprint(json.dumps(o.trusted_hosts))"
    )
    mixed = run_python(python, code, env_extra={"PIP_Trusted_Host": "mixed.example"}, home=tmp_path)
    assert json.loads(mixed) == ["mixed.example"]
    empty = run_python(python, code, env_extra={"PIP_TRUSTED_HOST": ""}, home=tmp_path)
    assert json.loads(empty) == []
    lower = run_python(python, code, env_extra={"pip_trusted_host": "lower.example"}, home=tmp_path)
    assert json.loads(lower) == []
    reported = scan_text(
        tmp_path, ".env", "PIP_Trusted_Host=mixed.example\nPIP_TRUSTED_HOST=\npip_trusted_host=lower.example\n"
    )
    assert {rule: len(messages) for rule, messages in reported.items()} == {"PTS101": 1}


def test_pip_default_index_is_read_from_pip_not_written_down(tmp_path: Path) -> None:
    """The tests name no public index: pip's own default is https, so scan has nothing to say about it."""
    code = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"
    default = run_python(sys.executable, code, home=tmp_path)
    assert default.startswith("https://")
    assert scan_text(tmp_path, "requirements.txt", f"--index-url {default}\n") == {}


# --trusted-host values as pip reads them: (arguments, what scan reports as the trusted host, words in its message)
TRUSTED_FORMS = [
    ("--trusted-host 'a.example b.example'", "a.example b.example", "one host named"),
    ("--trusted-host https://mirror.example", "https", "not a URL"),
    ("--trusted-host=HTTP://Upper.example", "http", "not a URL"),
    ("--trusted-host https://mirror.example:8443/simple", None, "cannot read"),
    ("--trusted-host plain.example:8080", "plain.example", "pip stops verifying"),
]
PARSE_TRUSTED = r"""
import json, sys
from pip._internal.commands import create_command
from pip._internal.network.session import PipSession
options, _ = create_command("install").parse_args(["--isolated", *sys.argv[1:]])
try:
    session = PipSession(trusted_hosts=options.trusted_hosts)
except ValueError as exc:
    print(json.dumps({"error": str(exc)})); raise SystemExit(0)
print(json.dumps({"hosts": [host for host, _ in session.pip_trusted_origins]}))
"""


@pytest.mark.parametrize("python", PYTHONS)
def test_trusted_host_values_as_pip_reads_them(python: str, tmp_path: Path) -> None:
    """A quoted pair is one (bogus) host, a URL is the host named like its scheme, a URL with a port makes
    pip fail: what each pip's own session trusts is what the scan names."""
    for args, host, words in TRUSTED_FORMS:
        parsed = json.loads(run_python(python, PARSE_TRUSTED, *shlex.split(args), home=tmp_path))
        root = tmp_path / "scan"
        root.mkdir(exist_ok=True)
        (root / "run.sh").write_text(f"pip install {args} foo\n", encoding="utf-8")
        (finding,) = scanner.scan([str(root)]).findings
        assert finding.rule == "PTS101" and words in finding.message, (args, finding.message)
        if host is None:
            assert "error" in parsed, (python, args, parsed)
            assert finding.host is None
        else:
            assert parsed.get("hosts") == [host] and finding.host == host, (python, args, parsed, finding.host)
