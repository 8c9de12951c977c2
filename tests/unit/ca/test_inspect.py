"""``inspect`` and ``setup`` on hostile CA input: names printed as one escaped line, non-regular files refused at once,
and a big bundle handled in linear time (asserted on results only)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from corplab.pki import make_ca

from pip_tls_setup import cli
from support.bulk_certs import many_cas
from support.runs import ToolRunner

HOSTILE_NAME = "Corp\n::error::pwned\r\x1b[2J\u202e"


def test_names_are_printed_escaped(tool: ToolRunner, tmp_path: Path) -> None:
    ca = make_ca(HOSTILE_NAME, "Org\n::set-output name=x::y")
    run = tool("inspect", str(ca.write(tmp_path / "odd.pem")))
    assert run.returncode == 0, run.output
    assert "\x1b" not in run.output and "\r" not in run.output and "\u202e" not in run.output
    assert not any(line.startswith("::") for line in run.output.splitlines())
    assert "Corp\\x0a::error::pwned\\x0d\\x1b[2J\\u202e" in run.output
    data = json.loads(tool("inspect", str(tmp_path / "odd.pem"), "--json").stdout)
    assert HOSTILE_NAME in data["certificates"][0]["subject"]  # JSON keeps the exact name, escaped by JSON


def test_fifo_and_empty_path_are_bad_input_at_once(tool: ToolRunner, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.pem")
    run = tool("inspect", str(tmp_path / "pipe.pem"))
    assert run.returncode == 2 and "is a FIFO (named pipe), not a regular file" in run.stderr
    empty = tool("inspect", "")
    assert empty.returncode == 2 and "is an empty path" in empty.stderr
    device = tool("inspect", "/dev/zero")
    assert device.returncode == 2 and "is a character device" in device.stderr


def test_a_big_bundle_with_repeats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pems = many_cas(3000)
    path = tmp_path / "big.pem"
    path.write_bytes(b"".join(pems) * 2)
    assert cli.main(["inspect", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["certificates"]) == 6000 and data["ok"] is True
    assert len({c["sha256"] for c in data["certificates"]}) == 3000


def test_setup_refuses_a_fifo_or_device_ca_before_anything(tool: ToolRunner, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "ca.pem")
    for ca in (str(tmp_path / "ca.pem"), "/dev/urandom", ""):
        run = tool("setup", "--ca", ca, "--dry-run", "--offline", "--bundle", str(tmp_path / "b.pem"))
        assert run.returncode == 2, run.output
        assert run.stderr.count("pip-tls-setup: error:") == 1 and "Traceback" not in run.output
    assert not (tmp_path / "b.pem").exists()
