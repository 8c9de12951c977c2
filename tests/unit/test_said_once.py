"""No output line is printed twice: a shared consequence is said once, after the findings it follows from."""

from __future__ import annotations

import venv
from pathlib import Path

from corplab.pki import make_ca

from pip_tls_setup.ca.certs import STRICT_CONSEQUENCE

WEAK = make_ca("Weak Corp Root", bc_critical=False, key_usage=False, ski=False)


def _no_line_twice(text: str) -> None:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), text


def test_inspect_says_the_313_consequence_once(tool, tmp_path: Path) -> None:
    run = tool("inspect", str(WEAK.write(tmp_path / "weak.pem")))
    assert run.stdout.count(STRICT_CONSEQUENCE[:60]) == 1, run.stdout
    _no_line_twice(run.stdout)


def test_setup_says_the_313_consequence_once(tool, tmp_path: Path) -> None:
    venv.create(tmp_path / "venv", with_pip=False)
    run = tool(
        "setup",
        "--ca",
        str(WEAK.write(tmp_path / "weak.pem")),
        "--python",
        str(tmp_path / "venv" / "bin" / "python"),
        "--no-system-store",
        "--bundle",
        str(tmp_path / "out" / "bundle.pem"),
        "--offline",
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.count(STRICT_CONSEQUENCE[:60]) == 1, run.stderr
    _no_line_twice(run.stderr)


def test_quiet_setup_prints_only_warnings(tool, tmp_path: Path) -> None:
    venv.create(tmp_path / "venv", with_pip=False)
    ca = make_ca("Good Corp Root").write(tmp_path / "ca.pem")
    run = tool(
        "setup",
        "--ca",
        str(ca),
        "--python",
        str(tmp_path / "venv/bin/python"),
        "--no-system-store",
        "--bundle",
        str(tmp_path / "out/bundle.pem"),
        "--offline",
        "-q",
        env={"container": "docker"},  # inside a container, but not an image build (-q silences the hint anyway)
    )
    assert run.returncode == 0, run.stderr
    assert all(line.startswith("warning:") for line in run.stderr.splitlines()), run.stderr
    assert run.stdout.startswith("export ")


def test_a_blocking_setting_prints_once_and_its_fix_does_not_point_at_setup(tool, tmp_path: Path) -> None:
    venv.create(tmp_path / "venv", with_pip=False)
    ca = make_ca("Good Corp Root").write(tmp_path / "ca.pem")
    run = tool(
        "setup", "--ca", str(ca), "--python", str(tmp_path / "venv/bin/python"), "--no-system-store",
        "--bundle", str(tmp_path / "out/bundle.pem"), "--offline",
        env={"PIP_TRUSTED_HOST": "mirror.example"},
    )
    assert run.returncode == 1
    mentions = [line for line in run.stderr.splitlines() if "mirror.example" in line]
    assert len(mentions) == 1, run.stderr
    assert "'pip-tls-setup setup" not in run.stderr, run.stderr
    last = run.stderr.splitlines()[-1]
    assert last.startswith("pip-tls-setup: error: env:PIP_TRUSTED_HOST") and "nothing was changed" in last
    _no_line_twice(run.stderr)
    assert not (tmp_path / "out").exists()  # nothing was changed
