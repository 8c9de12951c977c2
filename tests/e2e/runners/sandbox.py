"""Run a CI runner (act, gitlab-ci-local) on this host without touching the host's trust store.

The runner and every job step run inside a private mount namespace (``unshare -m``) in which ``/etc``,
``/usr``, ``/var`` and ``/opt`` are overlays: reads see the host, writes land in an upper directory under
the test's tmp dir and vanish with the namespace. So ``update-ca-certificates``, ``/etc/pip.conf``,
``/etc/pip-tls-setup`` and ``/var/lib/pip-tls-setup`` written by the tool under test stay private, and
the host fingerprint taken by ``tests/run-all.sh`` is unchanged. The host's global pip config is
replaced by an empty file in the overlay, as on a fresh runner.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

OVERLAID = ("/etc", "/usr", "/var", "/opt")
EMPTIED = ("/etc/pip.conf", "/etc/xdg/pip/pip.conf")


def available() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("unshare") is not None


def sandboxed(argv: Sequence[str], state: Path) -> list[str]:
    """``argv`` run inside the overlay namespace whose writes land in ``state``."""
    script = ["set -e"]
    for index, directory in enumerate(OVERLAID):
        upper = state / f"upper{index}"
        work = state / f"work{index}"
        upper.mkdir(parents=True, exist_ok=True)
        work.mkdir(parents=True, exist_ok=True)
        for emptied in EMPTIED:
            if emptied.startswith(directory + "/") and os.path.exists(emptied):
                target = upper / emptied[len(directory) + 1 :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text("")
        script.append(f"mount -t overlay overlay -o lowerdir={directory},upperdir={upper},workdir={work} {directory}")
    script.append('exec "$@"')
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script), "sandbox", *argv]


def changed(state: Path, logical: str) -> Path | None:
    """Where a file the sandboxed run wrote lives on the host (``None`` if it was not written)."""
    for index, directory in enumerate(OVERLAID):
        if logical.startswith(directory + "/"):
            candidate = state / f"upper{index}" / logical[len(directory) + 1 :]
            return candidate if candidate.exists() else None
    return None
