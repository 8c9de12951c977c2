"""The setup command's plumbing: privilege fallbacks, environment sinks, the run lock, dry runs."""

from __future__ import annotations

import json
import venv
from pathlib import Path

import pytest
from corplab.pki import make_ca

from pip_tls_setup.ca.certs import CACert
from pip_tls_setup.errors import CheckFailed
from pip_tls_setup.inject import planner
from pip_tls_setup.inject.lock import RunLock
from pip_tls_setup.inject.stores.linux import DEBIAN
from pip_tls_setup.target.privilege import Privilege
from pip_tls_setup.target.root import Root

CA = make_ca("Example Corp Root CA", "Example Corp")


def test_without_root_or_sudo_the_os_store_is_skipped_with_a_warning(tmp_path: Path) -> None:
    root = Root.of(str(tmp_path))
    (tmp_path / "usr/sbin").mkdir(parents=True)
    tool = tmp_path / "usr/sbin/update-ca-certificates"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    layout = planner.Layout(str(tmp_path / "b.pem"), str(tmp_path / "b-corporate.pem"), tmp_path / "state")
    plan = planner.build(
        root=root,
        store=DEBIAN,
        cas=[CACert(CA.cert, "a")],
        targets=[],
        layout=layout,
        options=planner.Options(),
        privilege=Privilege.NONE,
        query=lambda a: None,
        env={},
    )
    assert not plan.commands
    assert not any("ca-certificates" in c.path for c in plan.files)
    [note] = [n for n in plan.notes if n.topic == "os-store"]
    assert note.level == "warning" and "passwordless sudo" in note.message


def test_default_layout_follows_privilege(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "st")}
    user = planner.default_layout(Root.of("/"), Privilege.NONE, env, platform="linux")
    assert user.bundle == str(tmp_path / "data/pip-tls-setup/ca-bundle.pem")
    assert user.state_dir == tmp_path / "st/pip-tls-setup"
    system = planner.default_layout(Root.of("/"), Privilege.ROOT, {}, platform="linux")
    assert system.bundle == "/etc/pip-tls-setup/ca-bundle.pem"
    assert system.corporate == "/etc/pip-tls-setup/ca-bundle-corporate.pem"
    confined = planner.default_layout(Root.of(str(tmp_path)), Privilege.ROOT, {}, platform="linux")
    assert confined.state_dir == tmp_path / "var/lib/pip-tls-setup"


def test_with_passwordless_sudo_the_journal_stays_with_the_user(tmp_path: Path) -> None:
    # The journal is written by the process itself, never through sudo: /var/lib is not writable there.
    env = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "st")}
    sudo = planner.default_layout(Root.of("/"), Privilege.SUDO, env, platform="linux")
    assert sudo.bundle == "/etc/pip-tls-setup/ca-bundle.pem"
    assert sudo.state_dir == tmp_path / "st/pip-tls-setup"


def test_lock_is_exclusive(tmp_path: Path) -> None:
    with (
        RunLock(tmp_path / "lock"),
        pytest.raises(CheckFailed, match="another pip-tls-setup run"),
        RunLock(tmp_path / "lock", wait=0.3),
    ):
        pass


@pytest.fixture
def bare_venv(tmp_path: Path) -> Path:
    venv.create(tmp_path / "venv", with_pip=False)
    return tmp_path / "venv" / "bin" / "python"


def test_env_file_github_env_and_stdout(tool, tmp_path: Path, bare_venv: Path) -> None:
    ca = CA.write(tmp_path / "corp.pem")
    github_env = tmp_path / "github_env"
    github_env.write_text("EXISTING=1\n")
    common = [
        "setup",
        "--ca",
        str(ca),
        "--python",
        str(bare_venv),
        "--no-system-store",
        "--bundle",
        str(tmp_path / "out" / "bundle.pem"),
        "--offline",
    ]
    run = tool(*common, "--env-file", str(tmp_path / "later.env"), env={"GITHUB_ENV": str(github_env)})
    assert run.returncode == 0, run.output
    written = (tmp_path / "later.env").read_text()
    assert f"REQUESTS_CA_BUNDLE={tmp_path}/out/bundle.pem" in written
    assert f"NODE_EXTRA_CA_CERTS={tmp_path}/out/bundle-corporate.pem" in written
    assert github_env.read_text().startswith("EXISTING=1\nSSL_CERT_FILE=")
    assert run.stdout == ""  # environment went to sinks, not stdout

    plain = tool(*common)
    assert plain.returncode == 0
    assert f"export PIP_CERT={tmp_path}/out/bundle.pem" in plain.stdout

    dry = tool(*common, "--dry-run", "--json")
    data = json.loads(dry.stdout)
    assert data["dry_run"] is True and data["changed"] is False
    assert data["env"]["SSL_CERT_FILE"] == f"{tmp_path}/out/bundle.pem"

    undo = tool("undo", "--json")
    assert undo.returncode == 0
    assert str(tmp_path / "later.env") in json.loads(undo.stdout)["removed"]
    assert not (tmp_path / "out").exists()
