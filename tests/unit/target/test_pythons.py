"""Target inventory against the real interpreters on this machine (pyenv 3.8 … 3.13), skipping missing ones."""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path

import pytest

from pip_tls_setup.errors import InputError
from pip_tls_setup.target.pythons import candidates, discover, inventory, version_tuple
from pip_tls_setup.target.root import Root

PYENV = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
VERSIONS = ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]


def pyenv_python(minor: str) -> str | None:
    for path in PYENV:
        if f"/versions/{minor}." in path:
            return path
    return None


@pytest.mark.parametrize("minor", VERSIONS)
def test_inventory_of_each_python(minor: str) -> None:
    python = pyenv_python(minor)
    if python is None:
        pytest.skip(f"no Python {minor} on this machine")
    target = inventory(Root.of("/"), python, {"PATH": "/usr/bin:/bin"})
    assert ".".join(map(str, target.version[:2])) == minor
    assert target.ssl
    assert target.pip is not None
    assert target.pip.certifi is not None and target.pip.certifi.bundled.endswith("pip/_vendor/certifi/cacert.pem")
    assert not target.pip.certifi.patched
    assert target.pip.default_index and target.pip.default_index.startswith("https://")
    assert target.pip.config_files and "site" in target.pip.config_files
    if target.version < (3, 10):
        assert not target.truststore_active


def test_not_a_python(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a usable Python"):
        inventory(Root.of("/"), "/bin/true", {})
    with pytest.raises(InputError, match="not found"):
        inventory(Root.of("/"), str(tmp_path / "python9"), {})


def test_discovery_prefers_active_venv_and_dedupes(tmp_path: Path) -> None:
    import venv

    venv.create(tmp_path / "v", with_pip=False)
    bin_dir = str(tmp_path / "v" / "bin")
    env = {"VIRTUAL_ENV": str(tmp_path / "v"), "PATH": f"{bin_dir}:/usr/bin:/bin"}
    found = candidates(Root.of("/"), env)
    assert found[0] == str(tmp_path / "v" / "bin" / "python3")
    targets, _ = discover(Root.of("/"), [], env, own_prefix="/nonexistent")
    prefixes = [t.prefix for t in targets]
    assert prefixes[0] == str(tmp_path / "v")
    assert len(prefixes) == len(set(prefixes))


def test_own_environment_is_skipped_unless_named() -> None:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    targets, notes = discover(Root.of("/"), [], env)
    assert all(os.path.realpath(t.prefix) != os.path.realpath(sys.prefix) for t in targets)
    assert any("own environment" in n for n in notes)
    named, _ = discover(Root.of("/"), [sys.executable], env)
    assert os.path.realpath(named[0].prefix) == os.path.realpath(sys.prefix)


def test_version_tuple() -> None:
    assert version_tuple("24.2") == (24, 2)
    assert version_tuple("23.0.1") == (23, 0, 1)
    assert version_tuple("25.1rc1") == (25, 1)
