"""OS trust stores: one small interface, one module per platform kind.

Linux families differ only in data (anchor directory, file suffix, refresh
command, bundle path), so they share ``linux.AnchorDirStore``; macOS and
Windows are command plans over their native tools.
"""

from __future__ import annotations

from pip_tls_setup.osinfo import OSInfo
from pip_tls_setup.stores.base import Query, TrustStore, run_query
from pip_tls_setup.stores.linux import FAMILIES
from pip_tls_setup.stores.macos import MacOSKeychain
from pip_tls_setup.stores.windows import WindowsRootStore

__all__ = ["Query", "TrustStore", "for_os", "run_query"]


def for_os(info: OSInfo) -> TrustStore | None:
    if info.family == "macos":
        return MacOSKeychain()
    if info.family == "windows":
        return WindowsRootStore()
    return FAMILIES.get(info.family)
