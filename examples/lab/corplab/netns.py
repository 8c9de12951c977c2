"""Run a command where it cannot reach any real resolver or network: a fresh network namespace.

``offline(argv, resolv)`` wraps ``argv`` in ``unshare --net --mount``: only the
loopback interface exists (brought up), ``/etc/resolv.conf`` reads as a file
that names 127.0.0.1 (where nothing answers DNS), and the host's global pip
config is masked as in ``isolation.isolated``. A DNS lookup there fails at
once and never leaves the namespace.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from corplab.isolation import HOST_PIP_CONFIGS


def available() -> bool:
    return (
        hasattr(os, "geteuid")
        and os.geteuid() == 0
        and shutil.which("unshare") is not None
        and shutil.which("ip") is not None
    )


def resolv_conf(directory: Path) -> Path:
    path = directory / "resolv.conf"
    path.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    return path


def offline(argv: Sequence[str], resolv: Path) -> list[str]:
    masks = " ".join(HOST_PIP_CONFIGS)
    script = (
        "ip link set lo up && "
        f'mount --bind "{resolv}" /etc/resolv.conf && '
        f'for f in {masks}; do [ -f "$f" ] && mount --bind /dev/null "$f"; done; exec "$@"'
    )
    return ["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", script, "offline", *argv]
