"""Issue 8, point 2: no link is followed out of bounds.

Each case plants a link where setup (or undo) writes — in a debootstrapped root, in a venv, in the state
directory, as ``--bundle`` / ``--env-file`` — pointing at a decoy that stands for someone else's file. Every
run must exit 2 with one error line naming the link, before anything changes: the target (root or venv),
the state directory and the decoy hash the same before and after.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from corplab.pki import make_ca
from corplab.venvs import make_venv

from support.roots import copy_root, snapshot
from support.runs import Run

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chroot into the debootstrapped root)"),
]

SITE = f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"
DECOY_PEM = make_ca("Decoy Host Root", "Somebody Else").pem


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_ca("Example Corp Root CA", "Example Corp").write(tmp_path_factory.mktemp("ca") / "corp.pem")


@pytest.fixture(scope="module")
def base_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(tmp_path_factory.mktemp("venv") / "venv").parent.parent  # the venv directory


def decoy_dir(path: Path) -> Path:
    """A directory of someone else's: a file setup must never touch, and one undo must never delete."""
    path.mkdir(parents=True)
    (path / "keep.pem").write_bytes(DECOY_PEM)
    (path / "0123456789abcdef").write_text("not a backup of ours\n")
    return path


def decoy_file(path: Path) -> Path:
    """A root-owned private file (think /etc/shadow)."""
    path.write_bytes(b"[global]\nsecret = do-not-append\n" + DECOY_PEM)
    path.chmod(0o600)
    return path


def plant(link: Path, target: Path) -> None:
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    elif link.exists() or link.is_symlink():
        link.unlink()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def assert_refused(run: Run, named: str) -> None:
    assert run.returncode == 2, run.output
    errors = [line for line in run.stderr.splitlines() if line.startswith("pip-tls-setup: error:")]
    assert len(errors) == 1, run.stderr
    assert named in errors[0] and "symbolic link" in errors[0], errors[0]
    assert "Traceback" not in run.output


# --- in a root (--root): absolute links inside the image that name host paths ----------------------------

ROOT_LINKS = [
    ("/etc/pip-tls-setup", "dir"),
    ("/usr/local/share/ca-certificates", "dir"),
    ("/var/lib/pip-tls-setup", "dir"),
    ("/var/lib/pip-tls-setup/backups", "dir"),
    ("/etc/ssl/certs/ca-certificates.crt", "file"),
]


def root_setup(tool, root: Path, ca: Path) -> Run:
    return tool("setup", "--ca", str(ca), "--root", str(root), "--no-verify", env={"PIP_TLS_SETUP_STATE_DIR": ""})


@pytest.mark.parametrize(("logical", "kind"), ROOT_LINKS, ids=[c[0] for c in ROOT_LINKS])
def test_root_link_to_a_host_path_is_refused(tool, tmp_path: Path, ca_file: Path, logical: str, kind: str) -> None:
    root = copy_root("bookworm", tmp_path / "root")
    decoy = decoy_dir(tmp_path / "host-decoy") if kind == "dir" else decoy_file(tmp_path / "host-decoy.crt")
    if logical.endswith("/backups"):
        (root / "var/lib/pip-tls-setup").mkdir(mode=0o700)
    plant(root / logical.lstrip("/"), decoy)  # absolute: the host's path, as the old code followed it
    watched = [root / "etc", root / "usr/local", root / "var/lib", root / "usr/lib/python3/dist-packages/pip"]
    before = snapshot(*watched, decoy)

    run = root_setup(tool, root, ca_file)

    assert_refused(run, logical)
    assert snapshot(*watched, decoy) == before


def test_root_links_that_stay_inside_are_read(tool, tmp_path: Path, ca_file: Path) -> None:
    """Read-only inputs may be links inside the root: an absolute one is resolved at the root, not the host."""
    root = copy_root("bookworm", tmp_path / "root")
    release = root / "etc/os-release"
    assert release.is_symlink()  # Debian's own relative link into /usr/lib
    real = (root / "usr/lib/os-release").read_text()
    plant(release, Path("/usr/lib/os-release"))  # now absolute: must mean ROOT/usr/lib/os-release
    run = root_setup(tool, root, ca_file)
    assert run.returncode == 0, run.output
    assert "Debian GNU/Linux 12" in run.stderr and "Debian" in real
    undo = tool("undo", "--root", str(root), env={"PIP_TLS_SETUP_STATE_DIR": ""})
    assert undo.returncode == 0, undo.output


def test_root_undo_never_deletes_through_a_backups_link(tool, tmp_path: Path, ca_file: Path) -> None:
    root = copy_root("bookworm", tmp_path / "root")
    assert root_setup(tool, root, ca_file).returncode == 0
    backups = root / "var/lib/pip-tls-setup/backups"
    decoy = decoy_dir(tmp_path / "host-decoy")
    shutil.rmtree(backups)
    backups.symlink_to(decoy)
    before = snapshot(root / "etc", root / "usr/local", root / "var/lib", decoy)

    run = tool("undo", "--root", str(root), env={"PIP_TLS_SETUP_STATE_DIR": ""})

    assert_refused(run, str(backups))
    assert snapshot(root / "etc", root / "usr/local", root / "var/lib", decoy) == before


# --- in a venv (no --root): links in the venv, the state directory and the output options ------------------


def venv_setup(tool, venv: Path, ca: Path, tmp_path: Path, *extra: str, bundle: Path | None = None) -> Run:
    bundle = bundle or tmp_path / "out/bundle.pem"
    python = str(venv / "bin/python")
    return tool(
        "setup",
        "--ca",
        str(ca),
        "--python",
        python,
        "--no-system-store",
        "--no-verify",
        "--bundle",
        str(bundle),
        *extra,
    )


def vendored(venv: Path) -> Path:
    return venv / SITE / "pip/_vendor/certifi"


def _pip_conf(venv: Path, decoys: Path) -> tuple[Path, str]:
    decoy = decoy_file(decoys / "root-only.conf")
    plant(venv / "pip.conf", decoy)
    return decoy, str(venv / "pip.conf")


def _vendored_certifi(venv: Path, decoys: Path) -> tuple[Path, str]:
    foreign = decoys / "foreign-certifi"
    shutil.copytree(vendored(venv), foreign)  # someone else's certifi (a complete package, so pip imports it)
    plant(vendored(venv), foreign)
    return foreign, str(vendored(venv))


VENV_LINKS: dict[str, Callable[[Path, Path], tuple[Path, str]]] = {
    "pip.conf": _pip_conf,
    "pip/_vendor/certifi": _vendored_certifi,
}


@pytest.mark.parametrize("case", sorted(VENV_LINKS))
def test_venv_link_is_refused(tool, tmp_path: Path, base_venv: Path, ca_file: Path, case: str) -> None:
    venv = tmp_path / "venv"
    shutil.copytree(base_venv, venv, symlinks=True)
    decoys = tmp_path / "decoys"
    decoys.mkdir()
    decoy, named = VENV_LINKS[case](venv, decoys)
    before = snapshot(venv, decoys, tmp_path / "state", tmp_path / "out")

    run = venv_setup(tool, venv, ca_file, tmp_path)

    assert_refused(run, named)
    assert snapshot(venv, decoys, tmp_path / "state", tmp_path / "out") == before
    assert decoy.exists()


@pytest.mark.parametrize("option", ["--bundle", "--env-file"])
def test_linked_output_option_is_refused_before_anything_changes(
    tool, tmp_path: Path, base_venv: Path, ca_file: Path, option: str
) -> None:
    venv = tmp_path / "venv"
    shutil.copytree(base_venv, venv, symlinks=True)
    decoy = decoy_file(tmp_path / "decoy.pem")
    link = tmp_path / "link.pem"
    link.symlink_to(decoy)
    before = snapshot(venv, decoy, tmp_path / "state", tmp_path / "out")

    if option == "--bundle":
        run = venv_setup(tool, venv, ca_file, tmp_path, bundle=link)
    else:
        run = venv_setup(tool, venv, ca_file, tmp_path, "--env-file", str(link))

    assert_refused(run, f"{option} {link}")
    assert snapshot(venv, decoy, tmp_path / "state", tmp_path / "out") == before


def test_venv_undo_never_deletes_through_a_backups_link(tool, tmp_path: Path, base_venv: Path, ca_file: Path) -> None:
    venv = tmp_path / "venv"
    shutil.copytree(base_venv, venv, symlinks=True)
    assert venv_setup(tool, venv, ca_file, tmp_path).returncode == 0
    backups = tmp_path / "state/backups"
    decoy = decoy_dir(tmp_path / "target-dir")
    shutil.rmtree(backups)
    backups.symlink_to(decoy)
    before = snapshot(venv, decoy, tmp_path / "state", tmp_path / "out")

    for run in (tool("undo"), venv_setup(tool, venv, ca_file, tmp_path)):
        assert_refused(run, str(backups))
        assert snapshot(venv, decoy, tmp_path / "state", tmp_path / "out") == before
