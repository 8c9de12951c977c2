"""The scan on a hostile tree (issue 8, bounded input and safe output): FIFOs, links to /dev/zero and
/dev/urandom, a 50 MB one-line Dockerfile, YAML alias and merge-key bombs in .gitlab-ci.yml and in a
workflow, and file names and contents holding ESC, a newline followed by ``::``, and bytes that are not
UTF-8. The scan runs as ``python -m pip_tls_setup scan`` in a child process: it finishes, its peak memory
(the child's max RSS from ``getrusage(RUSAGE_CHILDREN)``, measured by a wrapper process of its own) stays
under 300 MB, every skipped file has its note, and no format writes an ESC byte or a line starting with
``::`` that the tool did not mean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from corplab.isolation import clean_env

from pip_tls_setup import escape

pytestmark = pytest.mark.e2e

PEAK_LIMIT_MIB = 300
BIG_DOCKERFILE = 50 * 1024 * 1024
FORMATS = ("text", "json", "sarif", "github", "gitlab")
# Runs the scan as its child: exit code, output, and the child's peak RSS (KiB on Linux).
MEASURE = r"""
import json, resource, subprocess, sys
done = subprocess.run(json.loads(sys.argv[1]), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(json.dumps({"rc": done.returncode, "rss_kib": rss,
                             "out": done.stdout.hex(), "err": done.stderr.hex()}))
"""
ESC_NAME = "esc\x1b[31mred"
COMMAND_NAME = "x\n::error::owned"
LATIN1_NAME = b"caf\xe9.sh"


def _alias_bomb(levels: int, leaf: str) -> str:
    lines = [f'l0: &l0 ["{leaf}", "b", "c", "d", "e", "f", "g", "h", "i"]']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _merge_bomb(levels: int) -> str:
    lines = ["m0: &m0 {PIP_TRUSTED_HOST: merge.example, a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}"]
    for level in range(1, levels + 1):
        lines.append(f"m{level}: &m{level} {{<<: [" + ", ".join([f"*m{level - 1}"] * 9) + f"], k{level}: 1}}")
    return "\n".join(lines) + "\n"


def hostile_tree(root: Path) -> dict[str, str]:
    """Build the tree; returns each file that must be skipped with a note -> the note's words."""
    (root / "pipes").mkdir(parents=True)
    os.mkfifo(root / "pipes" / "Dockerfile")
    os.mkfifo(root / "pipes" / "requirements.txt")
    (root / "devices").mkdir()
    os.symlink("/dev/zero", root / "devices" / "requirements.txt")
    os.symlink("/dev/urandom", root / "devices" / ".gitlab-ci.yml")
    (root / "big").mkdir()
    with open(root / "big" / "Dockerfile", "wb") as handle:
        handle.write(b"FROM python:3.12\nRUN pip install")
        chunk = b" --trusted-host big.example" * 4096
        while handle.tell() < BIG_DOCKERFILE:
            handle.write(chunk)
    gitlab = _alias_bomb(9, "pip install --trusted-host alias.example x") + _merge_bomb(9)
    gitlab += "job:\n  variables: *m9\n  script: *l9\n"
    (root / ".gitlab-ci.yml").write_text(gitlab, encoding="utf-8")
    workflow = _alias_bomb(9, "pip install --trusted-host workflow.example x")
    workflow += "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: *l9\n"
    workflow += "      - env: *l9\n        run: echo\n"
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "bomb.yml").write_text(workflow, encoding="utf-8")
    _hostile_names_and_contents(root)
    return {
        "pipes/Dockerfile": "is a FIFO",
        "pipes/requirements.txt": "is a FIFO",
        "devices/requirements.txt": "is a link to a character device",
        "devices/.gitlab-ci.yml": "is a link to a character device",
        "big/Dockerfile": "over the 2097152-byte limit",
    }


def _hostile_names_and_contents(root: Path) -> None:
    (root / ESC_NAME).mkdir()
    (root / ESC_NAME / "Dockerfile").write_text("FROM x\nRUN pip install --trusted-host esc.example y\n")
    (root / f"{COMMAND_NAME}.sh").write_text("pip install --trusted-host newline.example y\n", encoding="utf-8")
    os.mkdir(os.fsencode(root) + b"/" + b"d\xffir")
    with open(os.fsencode(root) + b"/d\xffir/" + LATIN1_NAME, "wb") as handle:
        handle.write(b"# caf\xe9 \xff\xfe\n pip install --trusted-host latin1.example y\n")
    content = (
        'pip install --trusted-host "evil\x1b]0;title\x07\x1b[2J.example" y\n'
        'pip install --trusted-host "a.example\n::error file=x::owned\n::add-mask::x" y\n'
        "echo 'section_start:1:x\r' > /dev/null; pip install --trusted-host cr\r.example y\n"
        "pip install --index-url http://user:pass@\x1b[8mmirror.example/simple y\x00\n"
    )
    (root / "contents.sh").write_text(content, encoding="utf-8")


def run_measured(args: list[str], home: Path) -> tuple[int, int, bytes, bytes]:
    argv = [sys.executable, "-m", "pip_tls_setup", "scan", *args]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps(argv)], capture_output=True, env=clean_env(home), check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    data = json.loads(done.stdout)
    return data["rc"], data["rss_kib"], bytes.fromhex(data["out"]), bytes.fromhex(data["err"])


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("hostile")
    return root, hostile_tree(root)


def test_the_scan_finishes_bounded_with_a_note_per_skipped_file(tree: tuple[Path, dict[str, str]]) -> None:
    root, skipped = tree
    rc, rss_kib, out, err = run_measured([str(root), "--json"], root.parent / "home")
    assert rc == 1, err.decode(errors="replace")
    assert b"Traceback" not in err and b"internal error" not in err
    peak_mib = rss_kib / 1024
    print(f"peak RSS of the scan: {peak_mib:.1f} MiB (limit {PEAK_LIMIT_MIB})")
    assert peak_mib < PEAK_LIMIT_MIB
    findings = json.loads(out)["findings"]
    notes = {f["path"]: f["message"] for f in findings if f["rule"] == "PTS402"}
    for path, words in skipped.items():
        assert path in notes and words in notes[path], (path, notes.get(path))
    reported = {(f["path"], f["rule"], f.get("host")) for f in findings}
    # the bombs were read to the end, each shared node once: their settings are reported at their lines
    assert (".gitlab-ci.yml", "PTS101", "alias.example") in reported
    assert (".gitlab-ci.yml", "PTS101", "merge.example") in reported
    assert (".github/workflows/bomb.yml", "PTS101", "workflow.example") in reported
    assert len([f for f in findings if f["path"] == ".gitlab-ci.yml"]) < 10


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_writes_an_escape_or_a_foreign_command_line(tree: tuple[Path, dict[str, str]], fmt: str) -> None:
    root, _ = tree
    rc, _, out, err = run_measured([str(root), "--format", fmt], root.parent / "home")
    assert rc == 1, err.decode(errors="replace")
    for stream in (out, err):
        assert b"\x1b" not in stream and b"\x07" not in stream
        text = stream.decode("utf-8")  # valid UTF-8 whatever the names held
        lines = text.split("\n")
        if fmt == "github" and stream is out:
            assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines if line)
        else:
            assert not [line for line in lines if escape.is_command(line)]
        assert "\r" not in text
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(out)
    shown = out.decode("utf-8")
    assert "pass@" not in shown and "user:pass" not in shown
    for needle in ("esc.example", "newline.example", "latin1.example"):
        assert needle in shown, needle
    if fmt == "text":
        assert "esc\\x1b[31mred/Dockerfile:2:" in shown
        assert "x\\n::error::owned.sh:1:" in shown


def test_undecodable_names_survive_an_output_file(tree: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, _ = tree
    for fmt in FORMATS:
        target = tmp_path / f"report.{fmt}"
        rc, _, out, err = run_measured([str(root), "--format", fmt, "--output", str(target)], root.parent / "home")
        assert rc == 1 and out == b"", err.decode(errors="replace")
        data = target.read_bytes()
        assert b"\x1b" not in data
        if fmt != "text":
            data.decode("utf-8")
