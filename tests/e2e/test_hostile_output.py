"""Hostile certificate names reach no output raw: no ESC byte, no CR, and no line that starts a CI log command.

The names come from the places an attacker controls: a CA file handed to inspect and setup, and the chain
a TLS server (here the lab's intercepting proxy, re-signing with that CA) presents to doctor and verify.
Every command runs in text and JSON, with the GitHub step summary written; stdout, stderr and the summary
are searched.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from corplab.isolation import clean_env, isolated
from corplab.lab import Lab
from corplab.pki import make_ca
from corplab.venvs import make_venv

from support.runs import Run, run_cmd

pytestmark = pytest.mark.e2e

# Each name tries another way out: a forged annotation, a GitLab section, colours and cursor moves, a
# carriage return that rewrites the line, a bidi override.
HOSTILE_CN = "Evil\n::error::owned\x1b[2J"
HOSTILE_O = "\r\x1b[0Ksection_start:1700000000:x\r\x1b[0K\u202e"
COMMAND_STARTS = ("::", "##[", "section_start:", "section_end:")


def bad_lines(text: str) -> list[str]:
    found = [line for line in text.split("\n") if line.lstrip().startswith(COMMAND_STARTS)]
    if "\x1b" in text or "\r" in text:
        found.append(repr(text[max(text.find("\x1b"), 0) : max(text.find("\x1b"), 0) + 40]))
    return found


@pytest.fixture(scope="module")
def hostile_lab(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    ca = make_ca(HOSTILE_CN, HOSTILE_O)
    with Lab(tmp_path_factory.mktemp("hostile-lab"), ca=ca) as lab:
        yield lab


def test_hostile_names_never_reach_output_raw(hostile_lab: Lab, tmp_path: Path) -> None:
    lab = hostile_lab
    python = make_venv(tmp_path / "venv")
    summary = tmp_path / "summary.md"
    env = {
        "HTTPS_PROXY": lab.proxy_url,
        "PIP_INDEX_URL": lab.index_url,
        "GITHUB_STEP_SUMMARY": str(summary),
        "PIP_TLS_SETUP_STATE_DIR": str(tmp_path / "state"),
    }
    runs: list[tuple[str, Run]] = []

    def tool(*args: str) -> Run:
        run = run_cmd(isolated([sys.executable, "-m", "pip_tls_setup", *args]), clean_env(tmp_path / "home", **env))
        assert "Traceback" not in run.stderr, (args, run.stderr)
        runs.append((" ".join(args[:2]), run))
        return run

    ca = str(lab.ca_path)
    for fmt in ([], ["--json"]):
        tool("inspect", ca, *fmt)
        tool("doctor", "--python", str(python), *fmt)
        tool("doctor", "--python", str(python), "--ca", ca, *fmt)
        tool("verify", "--python", str(python), *fmt)
    setup = ["setup", "--ca", ca, "--python", str(python), "--no-system-store", "--bundle", str(tmp_path / "b.pem")]
    done = tool(*setup)
    assert done.returncode == 0, done.output
    tool(*setup, "--json")
    tool("verify", "--python", str(python))
    tool("undo")

    doctor = next(run for label, run in runs if label.startswith("doctor"))
    assert "Evil" in doctor.stdout  # the name is shown, escaped: "Evil\\n::error::owned\\x1b[2J"
    problems = [(label, bad_lines(run.stdout + "\n" + run.stderr)) for label, run in runs]
    problems = [(label, found) for label, found in problems if found]
    assert not problems, problems
    assert summary.read_text().strip() and not bad_lines(summary.read_text())
    for written in (tmp_path / "b.pem", tmp_path / "b-corporate.pem"):
        if written.exists():  # after undo they are gone; while set up, their comments were one line each
            assert not bad_lines(written.read_text())
    # doctor saw the chain the proxy presented, hostile issuer and all, and named it escaped
    chain_doctor = next(run for label, run in runs if label.startswith("doctor") and "intercepted" in run.stdout)
    assert "\\x1b[2J" in chain_doctor.stdout or "\\\\x1b[2J" in chain_doctor.stdout, chain_doctor.stdout
