"""doctor names each known trap on real pips, behind the real intercepting proxy, and its JSON fits the schema.

Interpreters other than the test runner's own come from pyenv when present
(~/.pyenv/versions/3.9*, 3.13*); a test skips when its Python is missing.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from corplab.isolation import clean_env, isolated
from corplab.lab import INDEX_HOST, Lab
from corplab.pki import make_ca
from corplab.servers import SilentPeer, closed_port
from corplab.venvs import cache_dir, make_venv

from support.runs import Run, run_cmd

pytestmark = pytest.mark.e2e
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" / "schemas" / "doctor.schema.json").read_text())


def pyenv_python(version: str) -> str | None:
    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python3")))
    return found[-1] if found else None


def doctor(tmp: Path, python: Path, *args: str, **env: str) -> tuple[Run, dict[str, Any]]:
    argv = [sys.executable, "-m", "pip_tls_setup", "doctor", "--json", "--python", str(python), *args]
    run = run_cmd(isolated(argv), clean_env(tmp / "home", **env))
    assert "Traceback" not in run.stderr, run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    return run, data


def trap_ids(data: dict[str, Any]) -> set[str]:
    return {t["id"] for t in data["traps"]}


def test_pip_24_2_behind_a_proxy_ignores_truststore(lab: Lab, tmp_path: Path) -> None:
    python313 = pyenv_python("3.13")
    if python313 is None:
        pytest.skip("needs Python 3.13 (bundled pip 24.2)")
    python = make_venv(tmp_path / "venv", python=python313)
    _run, data = doctor(tmp_path, python, HTTPS_PROXY=lab.proxy_url, PIP_INDEX_URL=lab.index_url)
    target = data["targets"][0]
    if not target["pip"].startswith(("24.", "25.0", "25.1")):
        pytest.skip(f"this Python bundles pip {target['pip']}, outside 24.2-25.1.x")
    assert target["truststore_active"] is True
    assert target["indexes"][0]["trust"]["kind"] == "openssl-defaults"
    assert "pip-proxy-ignores-truststore" in trap_ids(data)
    trap = next(t for t in data["traps"] if t["id"] == "pip-proxy-ignores-truststore")
    assert "#13343" in trap["explanation"] and "cert =" in trap["workaround"]
    # Without the proxy the same pip uses truststore (the OS store plus its certifi).
    _run, direct = doctor(tmp_path, python, "--offline", PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/")
    assert direct["targets"][0]["indexes"][0]["trust"]["kind"] == "truststore"
    assert "pip-proxy-ignores-truststore" not in trap_ids(direct)


def test_python_3_9_never_uses_the_os_store(tmp_path: Path) -> None:
    python39 = pyenv_python("3.9")
    if python39 is None:
        pytest.skip("needs Python 3.9")
    python = make_venv(tmp_path / "venv", python=python39)
    _run, data = doctor(tmp_path, python, "--offline", PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/")
    assert "python-no-os-store" in trap_ids(data)
    assert data["targets"][0]["truststore_active"] is False


def test_proxy_option_and_ca_variables(lab: Lab, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv", newest_pip=True)
    bundle = lab.ca_path
    (tmp_path / "venv" / "pip.conf").write_text(f"[global]\nproxy = {lab.proxy_url}\n")
    _run, data = doctor(
        tmp_path, python, "--offline", REQUESTS_CA_BUNDLE=str(bundle), PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/"
    )
    assert "proxy-option-disables-ca-env" in trap_ids(data)
    index = data["targets"][0]["indexes"][0]
    assert index["proxy"] == lab.proxy_url
    assert index["proxy_source"].endswith("pip.conf [global] proxy =")
    assert index["trust"]["kind"] != "file"  # pip >= 24.1 ignores REQUESTS_CA_BUNDLE with its proxy option


def test_environment_traps(tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    other = make_ca("Unrelated Root", "Elsewhere").write(tmp_path / "unrelated.pem")
    mine = make_ca("Mine Root", "Mine").write(tmp_path / "mine.pem")
    url = f"https://{INDEX_HOST}/simple/"
    _run, data = doctor(
        tmp_path, python, "--offline", PIP_INDEX_URL=url, REQUESTS_CA_BUNDLE=str(other), PIP_CERT=str(mine)
    )
    assert "requests-ca-bundle-overrides-cert" in trap_ids(data)
    index = data["targets"][0]["indexes"][0]
    assert index["trust"]["files"][-1] == str(other) and index["trust"]["source"] == "REQUESTS_CA_BUNDLE"

    _run, data = doctor(tmp_path, python, "--offline", PIP_INDEX_URL=url, CURL_CA_BUNDLE="")
    trap = next(t for t in data["traps"] if t["id"] == "curl-ca-bundle-empty")
    assert trap["severity"] == "warning"  # pip 23.x vendors requests >= 2.28: not off here, but said

    run, data = doctor(tmp_path, python, "--offline", PIP_INDEX_URL=url, PIP_TRUSTED_HOST=INDEX_HOST)
    assert "trusted-host" in trap_ids(data) and run.returncode == 1
    assert data["targets"][0]["trusted_hosts"] == [INDEX_HOST]
    assert data["targets"][0]["origins"]["trusted-host"] == ["PIP_TRUSTED_HOST"]

    missing = tmp_path / "nowhere.pem"
    run, data = doctor(tmp_path, python, "--offline", PIP_INDEX_URL=url, PIP_CERT=str(missing))
    assert "ca-file-missing" in trap_ids(data) and run.returncode == 1


def test_python_3_13_strict_x509_with_a_weak_ca(tmp_path: Path) -> None:
    python313 = pyenv_python("3.13")
    if python313 is None:
        pytest.skip("needs Python 3.13")
    python = make_venv(tmp_path / "venv", python=python313)
    weak = make_ca("Weak Corp Root", "Weak Corp", bc_critical=False).write(tmp_path / "weak.pem")
    _run, data = doctor(tmp_path, python, "--offline", "--ca", str(weak), PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/")
    trap = next(t for t in data["traps"] if t["id"] == "python313-strict-weak-ca")
    assert "Basic Constraints of CA cert not marked critical" in trap["explanation"]


def test_a_pinned_very_old_pip(tmp_path: Path) -> None:
    house = cache_dir() / "old-pip"
    if not list(house.glob("pip-20.2.4-*.whl")):
        fetch = run_cmd(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(house), "pip==20.2.4"],
            dict(os.environ),
        )
        if fetch.returncode != 0:
            pytest.skip(f"pip 20.2.4 could not be fetched from the registry: {fetch.stderr[-300:]}")
    python = make_venv(tmp_path / "venv")
    env = clean_env(tmp_path / "home", PIP_CONFIG_FILE=os.devnull)
    wheel = str(next(house.glob("pip-20.2.4-*.whl")))
    installed = run_cmd([str(python), "-m", "pip", "install", "--quiet", "--no-index", wheel], env)
    assert installed.returncode == 0, installed.output
    _run, data = doctor(tmp_path, python, "--offline", PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/")
    target = data["targets"][0]
    assert target["pip"] == "20.2.4" and target["method"] == "pip-session"
    trap = next(t for t in data["traps"] if t["id"] == "very-old-pip")
    assert "20.2.4" in trap["explanation"]


def test_schema_holds_for_every_kind_of_report(lab: Lab, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv")
    index = {"PIP_INDEX_URL": lab.index_url}
    doctor(tmp_path, python, **index, HTTPS_PROXY=lab.proxy_url)
    doctor(tmp_path, python, "--ca", str(lab.ca_path), **index, HTTPS_PROXY=lab.proxy_url)
    doctor(tmp_path, python, **index, HTTPS_PROXY=f"http://127.0.0.1:{closed_port()}")
    with SilentPeer() as peer:
        doctor(tmp_path, python, "--timeout", "1.5", **index, HTTPS_PROXY=peer.url)
    doctor(tmp_path, python, "--offline", **index)
    doctor(tmp_path, python, "--index-url", "http://127.0.0.1:9/simple/")
    summary = tmp_path / "summary.md"
    doctor(tmp_path, python, **index, HTTPS_PROXY=lab.proxy_url, GITHUB_STEP_SUMMARY=str(summary))
    markdown = summary.read_text()
    assert markdown.startswith("### pip-tls-setup doctor")
    assert "| TLS intercepted | yes |" in markdown
