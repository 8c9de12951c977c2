"""The bootstrap's install path without the network: the lock's platforms, pip's failures named in one line,
where the venv lives and when it is reused, the launcher, the GitLab registry URL, escaping like the tool's."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pip_tls_setup import escape

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "entrypoint"))
sys.path.insert(0, str(REPO / "tools"))

import bootstrap  # noqa: E402
import lock as lock_tool  # noqa: E402
import pts_index  # noqa: E402

LOCK = (REPO / "entrypoint" / "requirements.lock").read_text()
PINS = bootstrap.lock_pins(LOCK)


def tags_for(version: tuple[int, int], platform: str) -> list[str]:
    """What pip on that CPython and platform accepts (pip's own tag code, as the bootstrap asks it)."""
    from pip._vendor.packaging.tags import compatible_tags, cpython_tags

    platforms = [platform, "manylinux_2_17_x86_64", "manylinux2014_x86_64"]
    found = list(cpython_tags(version, platforms=platforms)) + list(compatible_tags(version, platforms=platforms))
    return [str(tag) for tag in found]


CP315 = tags_for((3, 15), "manylinux_2_36_x86_64")


def facts(tags: list[str]) -> bootstrap.Facts:
    markers = [pin.marker != 'python_version < "3.11"' for pin in PINS]  # a 3.11+ interpreter
    return bootstrap.Facts((24, 0), tags, markers)


def test_the_lock_names_its_wheels_and_what_they_cover() -> None:
    wheels = bootstrap.lock_wheels(LOCK)
    assert {pin.spec.lower() for pin in PINS} == set(wheels)
    assert all(len(files) == len(pin_hashes) for (files, pin_hashes) in zip(wheels.values(), _hash_counts()))
    assert bootstrap.lock_covers(LOCK).startswith("CPython 3.9-3.14 on Linux glibc x86_64/aarch64")
    assert bootstrap.wheel_tags("cffi-2.0.0-cp39-cp39-manylinux1_i686.manylinux2014_i686.whl") == {
        "cp39-cp39-manylinux1_i686",
        "cp39-cp39-manylinux2014_i686",
    }


def _hash_counts() -> list[list[str]]:
    pins = sorted(pts_index.read_pins(LOCK), key=lambda p: pts_index.normalize(p.name))
    return [list(pin.hashes) for pin in pins]


def test_docs_state_the_covered_matrix_of_the_lock() -> None:
    table = lock_tool.matrix_markdown(pts_index.read_pins(LOCK), lock_tool.wheels_in_lock(LOCK))
    assert "| Linux glibc x86_64 | 3.9-3.14 | glibc 2.17+ |" in table
    assert "| macOS x86_64 | none | - |" in table  # cryptography publishes no such wheel for this pin
    docs = (REPO / "docs" / "github-action.md").read_text()
    assert table in docs, "run python3 tools/lock.py --matrix and paste it into docs/github-action.md"


def test_an_uncovered_platform_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A stub for pip's answer: CPython 3.15 on x86_64, which the lock's cffi and pyyaml have no wheel for."""
    monkeypatch.setattr(bootstrap, "platform_facts", lambda python, env, markers: facts(CP315))
    monkeypatch.setattr(bootstrap, "pip_config", lambda python, env: {})
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.corp.test/simple/")
    with pytest.raises(SystemExit) as exited:
        bootstrap.main(["install", "--venv", str(tmp_path / "venv")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if line.startswith("pip-tls-setup: error:")]
    assert line.startswith(
        "pip-tls-setup: error: this platform (cp315-cp315-manylinux_2_36_x86_64): "
        "the lock has no wheel of cffi==2.0.0, pyyaml==6.0.3 for it; pin an older pip-tls-setup release"
    )
    assert "--find-links DIR" in line and "the lock covers CPython 3.9-3.14" in line
    assert not (tmp_path / "venv").exists()  # nothing was made


def test_this_machine_is_covered() -> None:
    coverage = bootstrap.Coverage(LOCK, PINS)
    coverage.facts = bootstrap.platform_facts(sys.executable, dict(os.environ), [p.marker for p in PINS])
    assert coverage.facts.tags and coverage.missing() == []


MISSING = """\
Looking in indexes: https://mirror.corp.test/simple/
ERROR: Could not find a version that satisfies the requirement certifi==2026.10.18 (from versions: 2024.2.2)
ERROR: No matching distribution found for certifi==2026.10.18
"""


def test_a_mirror_without_a_pinned_version_is_named() -> None:
    coverage = bootstrap.Coverage(LOCK, PINS, facts(tags_for((3, 11), "manylinux_2_36_x86_64")))
    error = bootstrap.pip_failure(MISSING, coverage, "https://mirror.corp.test/simple/")
    assert error is not None and error.code == 1
    assert str(error).startswith("https://mirror.corp.test/simple/: has no certifi==2026.10.18 (pinned by the lock)")
    assert "--find-links DIR" in str(error)


def test_failures_that_are_not_a_missing_version_say_what_they_are() -> None:
    coverage = bootstrap.Coverage(LOCK, PINS, facts(["py3-none-any"]))
    tls = "Could not fetch URL https://i.test/simple/certifi/: SSLError(CERTIFICATE_VERIFY_FAILED)\n" + MISSING
    error = bootstrap.pip_failure(tls, coverage, "https://i.test/simple/")
    assert error is not None and "CERTIFICATE_VERIFY_FAILED" in str(error) and "has no" not in str(error)
    refused = "WARNING: Retrying ... NewConnectionError('refused')\n" + MISSING
    assert bootstrap.pip_failure(refused, coverage, "x") is None  # shown as pip wrote it
    tampered = (
        "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. ...\n"
        "    pip-tls-setup==0.1.0 from https://gitlab-ci-token:s3cr3t@gl.test/api/v4/p.whl#sha256=ab"
        " (from -r t.txt (line 1)):\n"
        "        Expected sha256 ab\n             Got        cd\n"
    )
    error = bootstrap.pip_failure(tampered, coverage, "x")
    assert error is not None and error.code == 1
    assert str(error).startswith("pip-tls-setup==0.1.0 from https://gitlab-ci-token:****@gl.test/api/v4/p.whl: does")
    assert "does not match the sha256 pinned for it" in str(error) and "s3cr3t" not in str(error)


def test_the_default_venv_is_private_to_the_user() -> None:
    assert bootstrap.default_venv({"HOME": "/home/u"}, False) == Path("/home/u/.local/share/pip-tls-setup/venv")
    assert bootstrap.default_venv({"HOME": "/h", "XDG_DATA_HOME": "/d"}, False) == Path("/d/pip-tls-setup/venv")
    assert bootstrap.default_venv({"LOCALAPPDATA": "C:/L"}, True) == Path("C:/L/pip-tls-setup/venv")


def test_a_ready_venv_in_the_cache_is_reused_without_building(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identity: the lock, the tool's source tree, this interpreter and the bootstrap itself."""
    tool = bootstrap.tool_from_args(bootstrap.parser().parse_args(["install"]), {})
    identity = bootstrap.venv_identity(LOCK.encode(), tool)
    venv = tmp_path / "cache" / identity[:16]
    for path in (bootstrap.venv_python(venv), bootstrap.tool_path(venv)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    (venv / bootstrap.READY).write_text(identity + "\n")
    monkeypatch.setattr(bootstrap, "build", lambda job: pytest.fail("a ready venv is rebuilt"))
    assert bootstrap.main(["install", "--venv-cache", str(tmp_path / "cache")]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{bootstrap.tool_path(venv)}\n"
    assert "reusing" in captured.err
    other = bootstrap.Tool(source=tool.source, digest="another tree")
    assert bootstrap.venv_identity(LOCK.encode(), other) != identity


def test_a_directory_that_is_not_a_venv_is_never_removed(tmp_path: Path) -> None:
    precious = tmp_path / "home"
    (precious / "notes.txt").parent.mkdir()
    (precious / "notes.txt").write_text("mine")
    with pytest.raises(bootstrap.BootstrapError, match="exists and is not a venv"):
        bootstrap.clear_venv(precious)
    assert (precious / "notes.txt").read_text() == "mine"
    (precious / "pyvenv.cfg").write_text("home = /usr/bin\n")
    bootstrap.clear_venv(precious)
    assert not precious.exists()


def test_the_source_copy_gets_metadata_byte_code_and_a_launcher(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    interpreter = bootstrap.make_venv(venv, dict(os.environ), with_pip=False)
    bootstrap.install_source(REPO / "src", interpreter, dict(os.environ))
    launcher = bootstrap.write_launcher(venv, interpreter)
    site = bootstrap.purelib(interpreter, dict(os.environ))
    assert (site / "pip_tls_setup" / "__pycache__").is_dir()
    assert (site / "pip_tls_setup-0.1.0.dist-info" / "METADATA").read_text().startswith("Metadata-Version: 2.1")
    done = subprocess.run(
        [str(launcher), "--version"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "pip-tls-setup 0.1.0", done.stderr
    shutil.rmtree(venv)


def test_the_gitlab_registry_url_and_its_token() -> None:
    env = {"CI_API_V4_URL": "https://gitlab.corp.test/api/v4", "CI_JOB_TOKEN": "glcbt-64_abc"}
    assert bootstrap.gitlab_registry_url("platform/pip-tls-setup", env) == (
        "https://gitlab-ci-token:glcbt-64_abc@gitlab.corp.test/api/v4/projects/platform%2Fpip-tls-setup/packages/pypi/simple"
    )
    assert bootstrap.gitlab_registry_url("42", {"CI_API_V4_URL": "https://g.test/api/v4/"}).endswith(
        "/api/v4/projects/42/packages/pypi/simple"
    )
    with pytest.raises(bootstrap.BootstrapError, match="plain-HTTP"):
        bootstrap.gitlab_registry_url("g/p", {"CI_API_V4_URL": "http://gitlab.example/api/v4"})
    with pytest.raises(bootstrap.BootstrapError, match="is empty"):
        bootstrap.gitlab_registry_url(" ", env)


def test_an_unstamped_template_says_it_is_not_a_release(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        bootstrap.main(["install", "--tool-requirement", "pip-tls-setup==0.1.0", "--tool-sha256", "unreleased"])
    assert exited.value.code == 2
    assert "'unreleased' is not 64 hex digits; copy the wheel's sha256" in capsys.readouterr().err


def test_lists_in_variables() -> None:
    assert bootstrap.env_list(' ["a b", "c"]') == ["a b", "c"]
    assert bootstrap.env_list("a\nb,c") == ["a", "b", "c"]
    assert bootstrap.env_list(" []") == []


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "::error::x",
        "  ::warning::y",
        "##[group]z",
        "section_start:1:a",
        "esc\x1b[31m",
        "bidi\u202eevil",
        "a\rb",
    ],
)
def test_printed_lines_are_escaped_like_the_tools(text: str) -> None:
    assert bootstrap.neutral_lines(text) == escape.lines(text)
    assert bootstrap.printable(text) == escape.text(text)


JS_PROBE = """
const lib = require(process.env.PTS_LIB);
const data = JSON.parse(process.env.PTS_DATA);
const out = {};
out.found = lib.findPython({PATH: data.path}, 'win32');
out.lines = data.lines.map(lib.neutralLines);
out.env = lib.runEnv(data.inputs, '/v/bin/pip-tls-setup');
out.python = lib.toolPython('/v/bin/pip-tls-setup', 'linux');
try { lib.findPython({PATH: data.stub}, 'win32'); } catch (e) { out.error = e.message; }
process.stdout.write(JSON.stringify(out));
"""
HOSTILE = ["::error::x", "esc\x1b", "bidi\u202e", "ok", "  ##[group]y"]


def test_the_javascript_side_escapes_and_finds_python_like_documented(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    stub = tmp_path / "Microsoft" / "WindowsApps"
    real = tmp_path / "Python312"
    for directory in (stub, real):
        directory.mkdir(parents=True)
        (directory / "python3.exe").write_text("")
    inputs = {"INPUT_SCAN-PATHS": "app", "INPUT_CA": "PEM", "INPUT_CA-FINGERPRINTS": "sha256:ab", "PATH": "/bin"}
    data = {"path": f"{stub};{real}", "stub": str(stub), "lines": HOSTILE, "inputs": inputs}
    env = {"PATH": os.environ["PATH"], "PTS_LIB": str(REPO / "action" / "lib.js"), "PTS_DATA": json.dumps(data)}
    done = subprocess.run([node, "-e", JS_PROBE], capture_output=True, text=True, check=True, env=env)
    result = json.loads(done.stdout)
    assert result["found"] == str(real / "python3.exe")
    assert result["lines"] == [escape.lines(t) for t in HOSTILE]
    assert result["env"]["PTS_SCAN_PATHS"] == "app" and result["env"]["PIP_TLS_SETUP_CA"] == "PEM"
    assert result["env"]["PIP_TLS_SETUP_CA_FINGERPRINTS"] == "sha256:ab"
    assert not any(name.startswith("INPUT_") for name in result["env"])
    assert result["python"] == "/v/bin/python"
    assert "Windows Store stub does not count" in result["error"]


def test_the_lock_check_skips_when_the_index_cannot_be_reached(capsys: pytest.CaptureFixture[str]) -> None:
    """127.0.0.1:9 (discard) refuses: offline-safe means a note, not a failure."""
    assert lock_tool.main(["--check", "--offline-ok", "--index-url", "https://127.0.0.1:9/simple/"]) == 0
    assert "lock check skipped: the index cannot be reached" in capsys.readouterr().err


def test_wheel_hashes_in_the_lock_are_unique_per_file() -> None:
    hashes = [h for pin in pts_index.read_pins(LOCK) for h in pin.hashes]
    assert len(hashes) == len(set(hashes))
    assert hashlib.sha256(b"").hexdigest() not in hashes
