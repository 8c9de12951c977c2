"""Issue 10 point 5: undo is exact for the OS store, in a debootstrapped bookworm root.

Measured: ``update-ca-certificates`` replaces a *regular file* ``/etc/ssl/certs/NAME.pem`` with its link when it
manages a certificate of that name (``add`` runs ``ln -sf`` unless the entry is already that link), and
``openssl rehash`` adds a ``<hash>.0`` link for a regular PEM a user or package placed there; ``--fresh`` on
undo keeps both. Setup journals the directory's entries before the store command first runs and puts back what
differs after the undo refresh: the same names, types, link targets, modes and bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from corplab.pki import make_ca

from support.roots import copy_root, snapshot

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(os.geteuid() != 0, reason="needs root (debootstrap, chroot)")]


def test_undo_restores_regular_files_and_links_in_etc_ssl_certs(tool, tmp_path: Path) -> None:
    root = copy_root("bookworm", tmp_path / "bookworm")
    certs = root / "etc/ssl/certs"
    linked = certs / "ISRG_Root_X1.pem"
    assert linked.is_symlink()
    target = root / os.readlink(linked).lstrip("/")
    linked.unlink()
    linked.write_bytes(target.read_bytes())  # a regular file where the store keeps a link
    make_ca("Planted Regular CA", "Somebody").write(certs / "planted-regular.pem")  # no hash link yet
    ca = make_ca("Example Corp Root CA", "Example Corp").write(tmp_path / "corp.pem")
    before = snapshot(certs, root / "usr/local/share/ca-certificates")

    setup = tool("setup", "--ca", str(ca), "--root", str(root), "--no-verify", env={"PIP_TLS_SETUP_STATE_DIR": ""})
    assert setup.returncode == 0, setup.output
    assert linked.is_symlink()  # what update-ca-certificates does with it
    again = tool("setup", "--ca", str(ca), "--root", str(root), "--no-verify", env={"PIP_TLS_SETUP_STATE_DIR": ""})
    assert again.returncode == 0 and "nothing to change" in again.stderr, again.output

    undo = tool("undo", "--root", str(root), env={"PIP_TLS_SETUP_STATE_DIR": ""})
    assert undo.returncode == 0, undo.output
    after = snapshot(certs, root / "usr/local/share/ca-certificates")
    assert {k: (before.get(k), after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)} == {}
    assert not linked.is_symlink() and linked.read_bytes() == target.read_bytes()
