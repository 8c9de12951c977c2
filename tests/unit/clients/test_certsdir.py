"""The store directory snapshot (inject/certsdir): what update-ca-certificates changes is put back exactly."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pip_tls_setup.inject import certsdir
from pip_tls_setup.target.root import Root


def _state(directory: Path) -> dict[str, str]:
    out = {}
    for name in sorted(os.listdir(directory)):
        path = directory / name
        if path.is_symlink():
            out[name] = "link:" + os.readlink(path)
        else:
            out[name] = f"file:{path.stat().st_mode & 0o777:o}:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    return out


def test_snapshot_and_restore(tmp_path: Path) -> None:
    certs = tmp_path / "root/etc/ssl/certs"
    certs.mkdir(parents=True)
    (certs / "ca-certificates.crt").write_text("bundle\n")
    (certs / "Regular.pem").write_text("regular pem\n")
    (certs / "Regular.pem").chmod(0o600)
    (certs / "Mozilla.pem").symlink_to("/usr/share/ca-certificates/mozilla/Mozilla.crt")
    root = Root.of(str(tmp_path / "root"))
    backups: dict[str, bytes] = {}

    def backup(data: bytes) -> str:
        name = hashlib.sha256(data).hexdigest()
        backups[name] = data
        return name

    before = _state(certs)
    entries = certsdir.snapshot(root, "/etc/ssl/certs", backup)
    assert entries["Mozilla.pem"] == ["link", "/usr/share/ca-certificates/mozilla/Mozilla.crt"]
    assert entries["Regular.pem"][:2] == ["file", 0o600]

    # What the refresh does: the regular file becomes a link, a hash link appears, the link moves, the bundle grows.
    (certs / "Regular.pem").unlink()
    (certs / "Regular.pem").symlink_to("/usr/share/ca-certificates/Regular.crt")
    (certs / "abcd1234.0").symlink_to("Regular.pem")
    (certs / "Mozilla.pem").unlink()
    (certs / "Mozilla.pem").symlink_to("/elsewhere.crt")
    (certs / "ca-certificates.crt").write_text("bundle\ncorp\n")

    changed = certsdir.restore(root, "/etc/ssl/certs", entries, backups.get)
    assert _state(certs) == before
    assert set(changed) == {
        f"/etc/ssl/certs/{n}" for n in ("Regular.pem", "abcd1234.0", "Mozilla.pem", "ca-certificates.crt")
    }
    assert certsdir.restore(root, "/etc/ssl/certs", entries, backups.get) == []
