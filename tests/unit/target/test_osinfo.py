from __future__ import annotations

from pathlib import Path

import pytest

from pip_tls_setup.inject import stores
from pip_tls_setup.target import osinfo
from pip_tls_setup.target.root import Root


@pytest.mark.parametrize(
    ("release", "family"),
    [
        ('ID=debian\nVERSION_ID="12"', "debian"),
        ("ID=ubuntu\nID_LIKE=debian", "debian"),
        ("ID=alpine", "alpine"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"', "rhel"),
        ('ID=amzn\nID_LIKE="centos rhel fedora"', "rhel"),
        ("ID=fedora", "rhel"),
        ('ID="opensuse-leap"\nID_LIKE="suse opensuse"', "suse"),
        ("ID=sles", "suse"),
        ("ID=arch", "arch"),
        ("ID=plan9", "unknown"),
    ],
)
def test_family(tmp_path: Path, release: str, family: str) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text(release + "\n")
    info = osinfo.detect(Root.of(str(tmp_path)))
    assert info.family == family
    store = stores.for_os(info)
    assert (store is None) == (family == "unknown")


def test_macos_and_windows_on_host() -> None:
    assert osinfo.detect(Root.of("/"), platform="darwin").family == "macos"
    assert osinfo.detect(Root.of("/"), platform="win32").family == "windows"


def test_root_maps_and_confines(tmp_path: Path) -> None:
    root = Root.of(str(tmp_path))
    assert root.host("/etc/pip.conf") == tmp_path / "etc" / "pip.conf"
    assert root.logical(tmp_path / "etc" / "x") == "/etc/x"
    assert root.command(["update-ca-certificates"]) == ["chroot", str(tmp_path), "update-ca-certificates"]
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "link").symlink_to("/etc/real")
    assert root.resolve("/etc/link") == "/etc/real"
