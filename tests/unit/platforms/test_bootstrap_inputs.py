"""The stdlib bootstrap's CA input is bounded like the tool's: regular files only, size-capped by what is
read, linear PEM splitting (results only, no clock)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from corplab.pki import make_ca

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "entrypoint"))

import bootstrap  # noqa: E402


@pytest.fixture(scope="module")
def ca():
    return make_ca("Bootstrap Corp Root", "Corp")


@pytest.mark.parametrize("target", ["fifo", "/dev/zero", "/dev/urandom"])
def test_fifos_and_devices_are_refused_at_once(target: str, tmp_path: Path) -> None:
    path = tmp_path / "ca.pem"
    if target == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(target)
    with pytest.raises(bootstrap.BootstrapError, match="is not a regular file") as info:
        bootstrap.corporate_cas({}, [str(path)])
    assert info.value.code == 2


def test_a_directory_reads_regular_files_only(tmp_path: Path, ca) -> None:
    ca.write(tmp_path / "a.pem")
    os.mkfifo(tmp_path / "b.pem")
    (tmp_path / "c.pem").symlink_to("/dev/zero")
    assert bootstrap.corporate_cas({}, [str(tmp_path)]) == bootstrap.parse_certificates(ca.pem, "x")


def test_size_cap_and_empty_path(tmp_path: Path, ca) -> None:
    big = tmp_path / "big.pem"
    with big.open("wb") as handle:
        handle.write(ca.pem)
        handle.truncate(bootstrap.MAX_CA_BYTES + 1)
    with pytest.raises(bootstrap.BootstrapError, match="is larger than 16 MiB"):
        bootstrap.corporate_cas({}, [str(big)])
    with pytest.raises(bootstrap.BootstrapError, match="empty CA file path"):
        bootstrap.corporate_cas({}, [""])


def test_pem_splitting_is_linear_and_keeps_complete_blocks(ca) -> None:
    begins = b"-----BEGIN CERTIFICATE-----\n" * (1024 * 1024 // 28)
    assert bootstrap.pem_blocks(begins) == []
    mixed = b"-----BEGIN CERTIFICATE-----\nbroken\n" + ca.pem + b"-----END CERTIFICATE-----\n"
    assert bootstrap.parse_certificates(mixed, "x") == bootstrap.parse_certificates(ca.pem, "x")
