"""The single-file build for OCI images: wheel selection and the launcher's safety checks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "entrypoint"))
sys.path.insert(0, str(REPO / "tools"))

import build_single_file  # noqa: E402
import pts_index  # noqa: E402
import single_file_main  # noqa: E402


def test_each_variant_gets_abi3_cryptography_and_one_cffi_per_python() -> None:
    pins = {
        pts_index.normalize(p.name): p for p in pts_index.read_pins((REPO / "entrypoint/requirements.lock").read_text())
    }
    need = build_single_file.wanted(pins)
    assert need["manylinux_x86_64/cryptography"] == ("cryptography", "cp39-abi3-manylinux_2_17_x86_64")
    assert need["musllinux_aarch64/cp314/cffi"] == ("cffi", "cp314-cp314-musllinux_1_2_aarch64")
    assert len([k for k in need if k.endswith("/cffi")]) == 4 * 6


@pytest.mark.parametrize(
    ("filename", "pattern", "expected"),
    [
        (
            "cryptography-50.0.2-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "cp39-abi3-manylinux_2_17_x86_64",
            True,
        ),
        (
            "cryptography-50.0.2-cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "cp39-abi3-manylinux_2_17_x86_64",
            False,
        ),
        (
            "cryptography-50.0.1-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "cp39-abi3-manylinux_2_17_x86_64",
            False,
        ),
        ("cffi-2.0.0-cp312-cp312-musllinux_1_2_x86_64.whl", "cp312-cp312-musllinux_1_2_x86_64", True),
        ("certifi-2026.10.18-py3-none-any.whl", "any", True),
    ],
)
def test_wheel_matching(filename: str, pattern: str, expected: bool) -> None:
    project = filename.split("-", 1)[0]
    version = "50.0.2" if project == "cryptography" else filename.split("-")[1]
    assert build_single_file.matches(filename, project, version, pattern) is expected


def test_launcher_refuses_a_cache_others_can_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    single_file_main.private_dir(str(cache))  # fine
    os.chmod(cache, 0o777)  # noqa: S103 - the unsafe cache under test
    with pytest.raises(SystemExit) as exited:
        single_file_main.private_dir(str(cache))
    assert exited.value.code == 2
    assert "is writable by others" in capsys.readouterr().err
    link = tmp_path / "link"
    link.symlink_to(cache)
    with pytest.raises(SystemExit):
        single_file_main.private_dir(str(link))
    if os.geteuid() == 0:
        os.chmod(cache, 0o700)
        os.chown(cache, 65534, 65534)
        with pytest.raises(SystemExit):
            single_file_main.private_dir(str(cache))
        assert "belongs to another user" in capsys.readouterr().err


def test_launcher_names_what_it_cannot_run_on(capsys: pytest.CaptureFixture[str]) -> None:
    meta = {"pythons": ["cp27"], "variants": {}}
    with pytest.raises(SystemExit):
        single_file_main.variant(meta)
    assert "is not covered by this single-file build (it covers cp27)" in capsys.readouterr().err
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    with pytest.raises(SystemExit):
        single_file_main.variant({"pythons": [tag], "variants": {"musllinux_s390x": {"libc": [1, 2]}}})
    assert "no native build for" in capsys.readouterr().err


def test_launcher_picks_this_machine() -> None:
    assert single_file_main.machine()  # x86_64 or aarch64 get native parts; others are named in the error
    family, version = single_file_main.libc()
    assert family in ("glibc", "musl") and len(version) == 2
