"""Bounded input: only regular files are read, never blocking, capped by what is read; binary content is
decoded the way its reader decodes it (pip's auto_decode for requirements files) instead of skipped."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from pip_tls_setup.errors import InputError
from pip_tls_setup.policy import reading, scanner
from pip_tls_setup.policy.findings import clean_text
from pip_tls_setup.policy.runtime import evaluate
from pip_tls_setup.target.root import Root


def scan(tmp_path: Path, **options: int) -> list[tuple[str, int | None, str, str]]:
    return sorted((f.path, f.line, f.rule, f.message) for f in scanner.scan([str(tmp_path)], **options).findings)


def test_a_fifo_is_never_opened_for_reading_and_gets_a_note(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "Dockerfile")
    os.mkfifo(tmp_path / "requirements.txt")
    (tmp_path / "ci").mkdir()
    os.symlink("../Dockerfile", tmp_path / "ci" / "Containerfile")
    found = scan(tmp_path)
    assert [(p, rule) for p, _, rule, _ in found] == [
        ("Dockerfile", "PTS402"),
        ("ci/Containerfile", "PTS402"),
        ("requirements.txt", "PTS402"),
    ]
    assert found[0][3] == "Dockerfile is a FIFO (named pipe): not read"
    assert found[1][3] == "ci/Containerfile is a link to a FIFO (named pipe): not read"


def test_links_to_devices_are_not_read(tmp_path: Path) -> None:
    os.symlink("/dev/zero", tmp_path / "requirements.txt")
    os.symlink("/dev/urandom", tmp_path / ".gitlab-ci.yml")
    os.symlink("/dev/null", tmp_path / "Dockerfile")  # reads as the empty file it stands for: no note
    messages = [message for _, _, _, message in scan(tmp_path)]
    assert messages == [
        ".gitlab-ci.yml is a link to a character device: not read",
        "requirements.txt is a link to a character device: not read",
    ]
    assert reading.read("/dev/null", 10) == b""


def test_the_size_cap_counts_what_is_read(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(b"--trusted-host x.example\n" * 100)
    (tmp_path / "a.txt").write_text("requests\n", encoding="utf-8")
    data = reading.read(tmp_path / "requirements.txt", 2500)
    assert isinstance(data, bytes) and len(data) == 2500
    over = reading.read(tmp_path / "requirements.txt", 2499)
    assert isinstance(over, reading.Skipped) and over.over_limit
    assert over.problem == "is 2500 bytes, over the 2499-byte limit: not checked (--max-file-size)"
    assert reading.peek(tmp_path / "requirements.txt", 4) == b"--tr"
    assert isinstance(reading.read(tmp_path / "missing", 10), reading.Skipped)
    assert isinstance(reading.read(tmp_path, 10), reading.Skipped)  # a directory


def test_a_nul_byte_does_not_hide_a_requirements_file(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_bytes(b"\x00\x01binary\n--trusted-host nul.example\n")
    assert [(p, line, rule) for p, line, rule, _ in scan(tmp_path)] == [("requirements.txt", 2, "PTS101")]


BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
]


@pytest.mark.parametrize(("bom", "encoding"), BOMS)
def test_requirements_with_a_bom_are_read_in_their_encoding(tmp_path: Path, bom: bytes, encoding: str) -> None:
    """What PowerShell 5.1's ``>`` writes (UTF-16 LE with a BOM) is read by pip, so by the scan."""
    text = "requests\n--trusted-host bom.example\n".encode(encoding)
    (tmp_path / "requirements.txt").write_bytes(bom + text)
    assert [(p, line, rule) for p, line, rule, _ in scan(tmp_path)] == [("requirements.txt", 2, "PTS101")]


def test_decoding_follows_pips_auto_decode() -> None:
    latin = "# -*- coding: latin-1 -*-\n--trusted-host caf\xe9.example\n".encode("latin-1")
    assert "café.example" in reading.decode(latin, "requirements")
    assert "\ufffd" in reading.decode(latin, "dockerfile")  # only requirements files honour a coding line
    assert reading.decode(b"# coding: no-such-codec\nx\n", "requirements") == "# coding: no-such-codec\nx\n"
    # pip's BOM table puts the native UTF-16 BOM first: a UTF-32-LE BOM reads as UTF-16 there too
    assert reading.decode(codecs.BOM_UTF32_LE + "x".encode("utf-32-le"), "requirements") == "\x00x\x00"


def test_redaction_runs_on_a_bounded_window_and_never_cuts_a_url_open() -> None:
    secret = "http://user:hunter2@proxy.example:3128/"
    assert "hunter2" not in clean_text(secret + " x" * 10_000_000, 300)
    cut_inside = "a " * 600 + "-" * 100 + secret + " tail"
    for limit in (100, 300, 600):
        out = clean_text(cut_inside, limit)
        assert "hunter2" not in out and len(out) <= limit
    assert "hunter2" not in clean_text("x" * 1300 + secret, 300)


def test_a_fifo_named_like_the_exceptions_file_is_bad_input(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "exceptions.toml")
    with pytest.raises(InputError, match="is a FIFO"):
        scanner.scan([str(tmp_path)], config=str(tmp_path / "exceptions.toml"))


def test_the_runtime_check_never_blocks_on_a_planted_fifo_or_device(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    os.mkfifo(tmp_path / "etc" / "pip.conf")
    (tmp_path / "root").mkdir()
    # An absolute link inside --root resolves inside the root (never to the host's /dev/zero): plant
    # the root's own /dev/zero, a FIFO nobody writes to, which must not block the read either.
    (tmp_path / "dev").mkdir()
    os.mkfifo(tmp_path / "dev" / "zero")
    os.symlink("/dev/zero", tmp_path / "root" / ".condarc")
    findings = evaluate(Root.of(str(tmp_path)), [], {})
    assert sorted((f.path, f.rule, f.severity) for f in findings) == [
        ("/etc/pip.conf", "PTS402", "note"),
        ("/root/.condarc", "PTS402", "note"),
    ]
