"""Run pip and Python as a fresh machine would: clean environment, host pip config masked.

Build machines export SSL_CERT_FILE, PIP_CERT and friends and carry a global
pip config; a test that inherits them measures the host, not the code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

HOST_PIP_CONFIGS = ("/etc/pip.conf", "/etc/xdg/pip/pip.conf")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A minimal environment: no CA variables, no proxy, no PIP_* from the host."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": SYSTEM_PATH,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CONFIG_DIRS": str(home / "no-xdg-config-dirs"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra)
    return env


def can_isolate() -> bool:
    return (
        hasattr(os, "geteuid")
        and os.geteuid() == 0
        and any(os.access(os.path.join(d, "unshare"), os.X_OK) for d in SYSTEM_PATH.split(":"))
    )


def isolated(argv: Sequence[str]) -> list[str]:
    """``argv`` inside a private mount namespace where the host's global pip config reads as empty.

    Needs root (``unshare -m``); without it the command runs as is, and only the
    clean environment protects it.
    """
    if not can_isolate():
        return list(argv)
    masks = " ".join(HOST_PIP_CONFIGS)
    script = f'for f in {masks}; do [ -f "$f" ] && mount --bind /dev/null "$f"; done; exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "isolated", *argv]
