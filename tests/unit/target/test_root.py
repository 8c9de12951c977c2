"""Paths under --root: links resolved inside the root, never the host; write paths refuse links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pip_tls_setup.errors import InputError
from pip_tls_setup.target.root import Root, check_writable, host_writable


def test_absolute_links_restart_at_the_root_and_dotdot_stops_there(tmp_path: Path) -> None:
    host = tmp_path / "host"
    (host / "secret").mkdir(parents=True)
    root_dir = tmp_path / "root"
    (root_dir / "etc").mkdir(parents=True)
    (root_dir / "usr/lib").mkdir(parents=True)
    (root_dir / "etc/abs").symlink_to(str(host / "secret"))  # a host path, as written inside an image
    (root_dir / "etc/rel").symlink_to("../usr/lib")
    (root_dir / "etc/climb").symlink_to("../../../../../../" + str(host).lstrip("/"))
    (root_dir / "usr/lib/os-release").write_text("ID=debian\n")
    root = Root.of(str(root_dir))

    assert root.resolve("/etc/abs/x") == str(host / "secret/x")  # a logical path: inside the root
    assert root.host("/etc/abs/x") == root_dir / str(host / "secret/x").lstrip("/")
    assert root.host("/etc/rel/os-release").read_text() == "ID=debian\n"
    assert root.resolve("/etc/climb") == str(host)
    assert str(root.host("/etc/climb")).startswith(str(root_dir) + "/")
    assert root.resolve("/../../etc/rel") == "/usr/lib"


def test_a_link_in_the_middle_is_followed_inside_the_root_too(tmp_path: Path) -> None:
    """The old resolver checked only the last component, through links the host then followed."""
    root_dir = tmp_path / "root"
    (root_dir / "data/b").mkdir(parents=True)
    (root_dir / "a").symlink_to("/data")
    (root_dir / "data/b/c").symlink_to("/final")
    root = Root.of(str(root_dir))
    assert root.resolve("/a/b/c/file") == "/final/file"


def test_link_loops_are_bad_input(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to("/loop")
    with pytest.raises(InputError, match="symlink loop"):
        Root.of(str(tmp_path)).resolve("/loop/x")


def test_write_paths_refuse_links_in_their_own_components(tmp_path: Path) -> None:
    root = Root.of(str(tmp_path))
    (tmp_path / "etc").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "etc/pip-tls-setup").symlink_to("/elsewhere")
    target = root.writable("/etc/pip-tls-setup/ca-bundle.pem", 2)
    assert target.base == tmp_path / "etc" and target.parts == ("pip-tls-setup", "ca-bundle.pem")
    with pytest.raises(InputError, match=r"^/etc/pip-tls-setup: is a symbolic link; replace the link"):
        check_writable(target)
    # Depth 1: the directory is the user's choice (resolved inside the root); only the file must be real.
    assert root.writable("/etc/pip-tls-setup/ca-bundle.pem").base == tmp_path / "elsewhere"


def test_write_paths_refuse_a_linked_file_and_non_regular_files(tmp_path: Path) -> None:
    (tmp_path / "real.pem").write_text("x")
    (tmp_path / "link.pem").symlink_to(tmp_path / "real.pem")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(InputError, match=r"--bundle .*link\.pem: is a symbolic link"):
        check_writable(host_writable(tmp_path / "link.pem"), f"--bundle {tmp_path / 'link.pem'}")
    with pytest.raises(InputError, match="is not a regular file"):
        check_writable(host_writable(tmp_path / "fifo"))
    with pytest.raises(InputError, match="is a directory"):
        check_writable(host_writable(tmp_path))
    assert check_writable(host_writable(tmp_path / "real.pem")) is True
    assert check_writable(host_writable(tmp_path / "new/dir/file.pem", 3)) is False


def test_host_writable_takes_relative_paths_from_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = host_writable(Path("state/journal.json"), 2)
    assert target.host == tmp_path / "state/journal.json"
    assert target.base == tmp_path
