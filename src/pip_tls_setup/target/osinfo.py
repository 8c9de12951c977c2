"""Which operating-system family a root belongs to (decides how its trust store is fed)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from pip_tls_setup.target.root import Root

_FAMILIES = (
    ("alpine", {"alpine"}),
    ("debian", {"debian", "ubuntu", "linuxmint", "raspbian", "pop", "kali", "devuan"}),
    ("rhel", {"rhel", "fedora", "centos", "rocky", "almalinux", "amzn", "ol", "mariner", "azurelinux", "cbl-mariner"}),
    ("suse", {"suse", "opensuse", "sles", "sled", "opensuse-leap", "opensuse-tumbleweed"}),
    ("arch", {"arch", "manjaro", "endeavouros"}),
)


@dataclass(frozen=True)
class OSInfo:
    family: str
    id: str
    pretty: str


def parse_os_release(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            values[key.strip()] = value.strip().strip("'\"")
    return values


def family_of(os_release: dict[str, str]) -> str:
    ids = [os_release.get("ID", "").lower(), *os_release.get("ID_LIKE", "").lower().split()]
    for family, names in _FAMILIES:
        if any(i in names for i in ids) or (family == "suse" and any(i.startswith("opensuse") for i in ids)):
            return family
    return "unknown"


def detect(root: Root, platform: str = sys.platform) -> OSInfo:
    if root.is_host and platform == "darwin":
        return OSInfo("macos", "macos", "macOS")
    if root.is_host and platform == "win32":
        return OSInfo("windows", "windows", "Windows")
    for candidate in ("/etc/os-release", "/usr/lib/os-release"):
        host = root.host(candidate)
        if host.is_file():
            release = parse_os_release(host.read_text("utf-8", "replace"))
            return OSInfo(
                family_of(release), release.get("ID", "unknown"), release.get("PRETTY_NAME", release.get("ID", ""))
            )
    if root.host("/etc/alpine-release").is_file():
        return OSInfo("alpine", "alpine", "Alpine Linux")
    if root.host("/etc/debian_version").is_file():
        return OSInfo("debian", "debian", "Debian")
    if root.host("/etc/redhat-release").is_file():
        return OSInfo("rhel", "rhel", "Red Hat family")
    return OSInfo("unknown", "unknown", "unknown")
