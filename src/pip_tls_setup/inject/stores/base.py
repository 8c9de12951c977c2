"""The interface every trust store implements."""

from __future__ import annotations

import re
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

from pip_tls_setup.ca.certs import CACert
from pip_tls_setup.inject import safefs
from pip_tls_setup.inject.plan import Plan
from pip_tls_setup.target.root import Root, check_writable


@dataclass(frozen=True)
class QueryResult:
    returncode: int
    stdout: str


# Read-only commands a store may run while planning (tests substitute a fake).
Query = Callable[[Sequence[str]], QueryResult]


def run_query(argv: Sequence[str]) -> QueryResult:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return QueryResult(127, str(exc))
    return QueryResult(done.returncode, done.stdout)


def slug(text: str, limit: int = 40) -> str:
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:limit].strip("-") or "ca"


def staged_read(root: Root, path: str) -> bytes | None:
    """Current content of a certificate file we stage in our own directory (never through a link: exit 2)."""
    target = root.writable(path, 2)
    check_writable(target)
    return safefs.read(target)


class TrustStore(ABC):
    family: str
    description: str

    @abstractmethod
    def system_bundle(self, root: Root) -> str | None:
        """Logical path of the PEM bundle the OS's OpenSSL reads, if it has one."""

    @abstractmethod
    def plan(self, root: Root, certs: Sequence[CACert], plan: Plan, query: Query, staging_dir: str) -> None:
        """Add what installs exactly ``certs`` as the tool-managed anchors.

        ``staging_dir`` is the tool's own directory, for stores whose native tool
        imports from a file (macOS, Windows).
        """
