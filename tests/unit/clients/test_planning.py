"""Clients' edits go through the planner like every write: built on planned content, links refused (exit 2),
package files left alone when missing or linked, missing directories counted in the depth."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pip_tls_setup.clients import ClientPlan, Context, Edit, Found
from pip_tls_setup.clients.base import Client
from pip_tls_setup.errors import InputError
from pip_tls_setup.inject import planner
from pip_tls_setup.inject.plan import Plan
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.root import Root


class Fake(Client):
    name = title = "fake"

    def __init__(self, edits: list[Edit]) -> None:
        self.edits = edits

    def find(self, ctx: Context) -> Found | None:
        return Found("fake", "1.0", "/usr/bin/fake", (), "")

    def plan(self, found: Found, ctx: Context) -> ClientPlan:
        return ClientPlan(list(self.edits), [("warning", "a note")])


def _plan(root: Root, edits: list[Edit], plan: Plan | None = None) -> Plan:
    plan = plan or Plan()
    client = Fake(edits)
    ctx = Context(root, {}, Privilege.ROOT)
    found = client.find(ctx)
    assert found is not None
    planner._plan_clients(plan, root, [(client, found)], ctx, Privilege.ROOT)
    return plan


def test_edits_build_on_planned_content_and_create_directories(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    root = Root.of(str(tmp_path))
    plan = _plan(
        root, [Edit("/etc/uv/uv.toml", lambda t: t + "a\n", "one"), Edit("/etc/uv/uv.toml", lambda t: t + "b\n", "two")]
    )
    [change] = plan.effective_files
    assert change.after == b"a\nb\n" and change.before is None and change.depth == 2
    assert ("warning", "fake 1.0", "a note") in [(n.level, n.topic, n.message) for n in plan.notes]


def test_a_link_is_refused_before_anything_changes(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "elsewhere").write_text("x\n")
    os.symlink(str(tmp_path / "elsewhere"), tmp_path / "etc" / "gitconfig")
    with pytest.raises(InputError, match="symbolic link"):
        _plan(Root.of(str(tmp_path)), [Edit("/etc/gitconfig", lambda t: t, "git")])


def test_package_files_missing_or_linked_are_left_alone(tmp_path: Path) -> None:
    pkg = tmp_path / "venv/pipenv/patched/pip/_vendor/certifi"
    pkg.mkdir(parents=True)
    os.symlink("/etc/ssl/certs/ca-certificates.crt", pkg / "cacert.pem")
    root = Root.of(str(tmp_path))
    edits = [
        Edit("/venv/pipenv/patched/pip/_vendor/certifi/cacert.pem", lambda t: t + "x", "linked", 4, True),
        Edit("/venv/other/cacert.pem", lambda t: t + "x", "missing", 2, True),
    ]
    plan = _plan(root, edits)
    assert plan.effective_files == []
    skipped = [n.message for n in plan.notes if n.level == "skip"]
    assert any("symlink managed elsewhere" in m for m in skipped) and any("does not exist" in m for m in skipped)
