"""A fake target root for the client modules: executables, config files, canned answers to their queries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from pip_tls_setup.clients import Context
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.root import Root

BUNDLE = "/etc/pip-tls-setup/ca-bundle.pem"


class FakeRoot:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.answers: dict[tuple[str, ...], tuple[int, str]] = {}
        self.asked: list[tuple[str, ...]] = []

    def file(self, logical: str, text: str = "", mode: int = 0o644) -> Path:
        host = self.path / logical.lstrip("/")
        host.parent.mkdir(parents=True, exist_ok=True)
        host.write_text(text)
        host.chmod(mode)
        return host

    def tool(self, name: str, text: str = "#!/bin/sh\n") -> str:
        self.file(f"/usr/bin/{name}", text, 0o755)
        return f"/usr/bin/{name}"

    def answer(self, argv: Sequence[str], code: int, output: str) -> None:
        self.answers[tuple(argv)] = (code, output)

    def run(self, argv: Sequence[str], env: Mapping[str, str]) -> tuple[int, str]:
        self.asked.append(tuple(argv))
        return self.answers.get(tuple(argv), (127, "not found"))

    def context(self, *, system: bool = True, store: bool = True, **env: str) -> Context:
        return Context(
            Root.of(str(self.path)),
            env,
            Privilege.ROOT if system else Privilege.NONE,
            BUNDLE,
            "/etc/pip-tls-setup/ca-bundle-corporate.pem",
            store,
            "/etc/ssl/certs/ca-certificates.crt",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            self.run,
        )

    def read(self, logical: str) -> str:
        host = self.path / logical.lstrip("/")
        return host.read_text() if host.exists() else ""


@pytest.fixture
def fake(tmp_path: Path) -> FakeRoot:
    return FakeRoot(tmp_path / "root")


def apply(fake: FakeRoot, plan) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The text each edit of a client plan would leave (what the planner writes)."""
    return {edit.path: edit.change(fake.read(edit.path)) for edit in plan.edits}
