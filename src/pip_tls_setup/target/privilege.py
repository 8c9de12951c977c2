"""Whether this run may change system files: as root, through passwordless sudo, or not at all."""

from __future__ import annotations

import enum
import os
import shutil
import subprocess
import sys


class Privilege(enum.Enum):
    ROOT = "root"
    SUDO = "sudo"
    NONE = "none"


def detect() -> Privilege:
    if sys.platform == "win32":
        return Privilege.ROOT if _windows_admin() else Privilege.NONE
    if os.geteuid() == 0:
        return Privilege.ROOT
    sudo = shutil.which("sudo")
    if sudo:
        try:
            done = subprocess.run([sudo, "-n", "true"], capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return Privilege.NONE
        if done.returncode == 0:
            return Privilege.SUDO
    return Privilege.NONE


def _windows_admin() -> bool:
    try:
        import ctypes

        return bool(ctypes.windll.shell32.IsUserAnAdmin())  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False
