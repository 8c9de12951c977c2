"""OS trust stores: one small interface, one module per platform kind.

Linux families differ only in data (anchor directory, file suffix, refresh
command, bundle path), so they share ``linux.AnchorDirStore``; macOS and
Windows are command plans over their native tools.
"""

from __future__ import annotations

from pip_tls_setup.inject.stores.base import Query, TrustStore, run_query
from pip_tls_setup.inject.stores.linux import FAMILIES
from pip_tls_setup.inject.stores.macos import MacOSKeychain
from pip_tls_setup.inject.stores.windows import WindowsRootStore
from pip_tls_setup.target.osinfo import OSInfo

__all__ = ["Query", "TrustStore", "for_os", "run_query"]


def for_os(info: OSInfo) -> TrustStore | None:
    if info.family == "macos":
        return MacOSKeychain()
    if info.family == "windows":
        return WindowsRootStore()
    return FAMILIES.get(info.family)
