"""The reproducible-build pieces: normalised sdist, clean build environment, SOURCE_DATE_EPOCH, pins."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tools"))

import pts_index  # noqa: E402
import reproducible  # noqa: E402

EPOCH = 1_700_000_000
GIT_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.test",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.test",
}


def raw_sdist(path: Path, order: list[str], uid: int, mtime: int, mode: int) -> Path:
    files = {
        "pkg-1.0/PKG-INFO": b"Name: pkg\n",
        "pkg-1.0/src/pkg/__init__.py": b"x = 1\n",
        "pkg-1.0/run.sh": b"#!/bin/sh\n",
    }
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT) as archive:
        for name in order:
            info = tarfile.TarInfo(name)
            info.uid, info.gid, info.uname, info.gname, info.mtime = uid, uid, "builder", "staff", mtime
            if name in files:
                info.size, info.mode = len(files[name]), 0o755 if name.endswith(".sh") else mode
                archive.addfile(info, io.BytesIO(files[name]))
            else:
                info.type, info.mode = tarfile.DIRTYPE, 0o700
                archive.addfile(info)
    return path


NAMES = [
    "pkg-1.0",
    "pkg-1.0/src",
    "pkg-1.0/src/pkg",
    "pkg-1.0/src/pkg/__init__.py",
    "pkg-1.0/PKG-INFO",
    "pkg-1.0/run.sh",
]


def test_sdists_differing_in_order_owner_time_and_umask_normalise_to_the_same_bytes(tmp_path: Path) -> None:
    one = raw_sdist(tmp_path / "one.tar.gz", NAMES, 1000, 1_800_000_000, 0o664)
    two = raw_sdist(tmp_path / "two.tar.gz", list(reversed(NAMES)), 0, 1_600_000_000, 0o600)
    assert one.read_bytes() != two.read_bytes()
    reproducible.normalize_sdist(one, tmp_path / "a.tar.gz", EPOCH)
    reproducible.normalize_sdist(two, tmp_path / "b.tar.gz", EPOCH)
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()


def test_the_normal_form(tmp_path: Path) -> None:
    raw = raw_sdist(tmp_path / "raw.tar.gz", list(reversed(NAMES)), 1000, 1_800_000_000, 0o664)
    out = tmp_path / "pkg-1.0.tar.gz"
    reproducible.normalize_sdist(raw, out, EPOCH)
    header = out.read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08" and header[3] == 0  # gzip, no FNAME (no file name) flag
    assert header[4:8] == b"\0\0\0\0"  # gzip mtime 0
    with tarfile.open(out, "r:gz") as archive:
        members = archive.getmembers()
        assert [m.name for m in members] == sorted(NAMES)
        for member in members:
            assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", "")
            assert member.mtime == EPOCH
            assert member.mode == (0o755 if member.isdir() or member.name.endswith(".sh") else 0o644)
        assert archive.extractfile("pkg-1.0/src/pkg/__init__.py").read() == b"x = 1\n"  # type: ignore[union-attr]
        assert not any(m.pax_headers for m in members)


def test_links_are_refused(tmp_path: Path) -> None:
    raw = tmp_path / "raw.tar.gz"
    with tarfile.open(raw, "w:gz") as archive:
        info = tarfile.TarInfo("pkg-1.0/link")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(info)
    with pytest.raises(SystemExit, match="only files and directories"):
        reproducible.normalize_sdist(raw, tmp_path / "out.tar.gz", EPOCH)


def test_build_env_keeps_ca_and_proxy_settings_and_nothing_else_of_the_host(tmp_path: Path) -> None:
    host = {
        "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
        "PIP_CERT": "/etc/ssl/certs/ca-certificates.crt",
        "HTTPS_PROXY": "http://proxy.corp.test:3128",
        "PIP_FIND_LINKS": "/opt/wheels",
        "PIP_EXTRA_INDEX_URL": "file:///opt/pypi/simple",
        "PIP_CONSTRAINT": "/etc/constraints.txt",
        "PYTHONPATH": "/somewhere",
        "HOME": "/root",
        "GIT_DIR": "/elsewhere",
    }
    env = reproducible.build_env(tmp_path / "home", tz="UTC0", epoch=EPOCH, pip_cache=tmp_path / "c", source=host)
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["SSL_CERT_FILE"] == host["SSL_CERT_FILE"] and env["PIP_CERT"] == host["PIP_CERT"]
    assert env["HTTPS_PROXY"] == host["HTTPS_PROXY"]
    assert env["SOURCE_DATE_EPOCH"] == str(EPOCH) and env["TZ"] == "UTC0"
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "PYTHONPATH", "GIT_DIR"):
        assert name not in env
    assert env["HOME"] == str(tmp_path / "home")
    assert {k for k in env if k.startswith("PIP_")} <= {
        "PIP_CONFIG_FILE",
        "PIP_CACHE_DIR",
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "PIP_NO_INPUT",
        "PIP_CERT",
        "PIP_INDEX_URL",
    }


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = dict(GIT_ENV)
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True).stdout


def test_source_date_epoch_is_the_last_commit_that_changed_the_sources(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "src").mkdir()
    (repo / "src" / "a.py").write_text("a = 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "sources", date="@1600000000 +0000")
    (repo / "template.yml").write_text("stamped\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "stamp", date="@1600009999 +0000")
    assert reproducible.source_date_epoch(repo) == 1_600_000_000  # the stamp commit does not move it
    (repo / "pyproject.toml").write_text("[project]\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "metadata", date="@1600020000 +0000")
    assert reproducible.source_date_epoch(repo) == 1_600_020_000


def test_a_shallow_clone_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    for n in range(2):
        (repo / "README.md").write_text(f"{n}\n")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", str(n))
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], env=GIT_ENV, check=True)
    with pytest.raises(SystemExit, match="shallow"):
        reproducible.source_date_epoch(shallow)


def test_modes_come_from_git_not_from_the_umask(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "tool.sh").write_text("#!/bin/sh\n")
    (repo / "tool.sh").chmod(0o700)
    (repo / "data.txt").write_text("x\n")
    (repo / "data.txt").chmod(0o600)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "x")
    reproducible.normalize_modes(repo)
    assert (repo / "tool.sh").stat().st_mode & 0o777 == 0o755
    assert (repo / "data.txt").stat().st_mode & 0o777 == 0o644


def test_the_build_backend_pin_is_the_same_in_pyproject_and_the_lock() -> None:
    tomllib = pytest.importorskip("tomllib")
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    wanted = {p.name: p.version for p in pts_index.read_pins((REPO / "tools" / "build-requirements.in").read_text())}
    locked = pts_index.read_pins((REPO / "tools" / "build-requirements.txt").read_text())
    assert requires == [f"setuptools=={wanted['setuptools']}"]
    assert {p.name: p.version for p in locked} == wanted
    assert all(p.hashes for p in locked), "every pin of the build lock carries --hash"
    assert {"setuptools", "wheel"} <= set(wanted)


def test_the_version_has_one_source() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "pip_tls_setup.__version__"}
    assert project["project"]["license"] == "Apache-2.0" and project["project"]["license-files"] == ["LICENSE"]
