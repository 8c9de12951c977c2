"""scan --runtime with real interpreters: the pip config files each target's own pip reads.

The host's /etc/pip.conf is replaced only inside a private mount namespace (``unshare -m``); the
host file is never written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corplab.isolation import HOST_PIP_CONFIGS, clean_env

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare -m"),
]

PYENV = Path.home() / ".pyenv" / "versions"


def in_namespace(binds: dict[str, Path], argv: list[str]) -> list[str]:
    """``argv`` in a private mount namespace where each logical file is replaced by a test file."""
    script = ["set -e"]
    for path in HOST_PIP_CONFIGS:
        if path not in binds:
            script.append(f'[ -f "{path}" ] && mount --bind /dev/null "{path}" || true')
    for logical, source in binds.items():
        script.append(f'[ -e "{logical}" ] || {{ mkdir -p "$(dirname "{logical}")"; : > "{logical}"; }}')
        script.append(f'mount --bind "{source}" "{logical}"')
    script.append('exec "$@"')
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script), "ns", *argv]


def scan(env: dict[str, str], binds: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    argv = in_namespace(binds, [sys.executable, "-m", "pip_tls_setup", "scan", "--runtime", *args])
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path / "home", PIP_TLS_SETUP_STATE_DIR=str(tmp_path / "state"))


def test_global_pip_conf_fails_naming_file_line_and_fix(tmp_path: Path, env: dict[str, str]) -> None:
    if not Path("/etc/pip.conf").exists() and not os.access("/etc", os.W_OK):
        pytest.skip("cannot create a mount point for /etc/pip.conf")
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\ntimeout = 60\ntrusted-host = mirror.corp.test\n", encoding="utf-8")
    done = scan(env, {"/etc/pip.conf": conf}, "--python", sys.executable)
    assert done.returncode == 1, done.stdout + done.stderr
    # the report is on stdout: path:line:col: RULE message, then each rule's fix once
    first = next(line for line in done.stdout.splitlines() if line.startswith("/etc/pip.conf:"))
    assert first.startswith("/etc/pip.conf:3:16: PTS101 pip is told to trust host 'mirror.corp.test'")
    assert [line for line in done.stdout.splitlines() if line.startswith("  fix: remove the trusted host")]
    assert "Traceback" not in done.stderr


def test_site_config_of_a_real_venv_and_pip_config_file(tmp_path: Path, env: dict[str, str]) -> None:
    base = next((str(p) for p in sorted(PYENV.glob("3.12*/bin/python"))), sys.executable)
    venv = tmp_path / "venv"
    subprocess.run([base, "-m", "venv", str(venv)], check=True, env=env, timeout=300)
    (venv / "pip.conf").write_text("[install]\nextra-index-url = http://site.corp.test/simple\n", encoding="utf-8")
    python = str(venv / "bin" / "python")
    done = scan(env, {}, "--python", python, "--format", "json")
    assert done.returncode == 1, done.stderr
    found = pip_findings(done.stdout)
    assert found == [(str(venv / "pip.conf"), 2, "PTS201")]
    # PIP_CONFIG_FILE=/dev/null: pip loads no config file at all, so nothing of pip's is in force
    quiet = scan({**env, "PIP_CONFIG_FILE": os.devnull}, {}, "--python", python, "--format", "json")
    assert pip_findings(quiet.stdout) == [], quiet.stdout + quiet.stderr


def pip_findings(report: str) -> list[tuple[str, int, str]]:
    """Findings about pip config files (the host's git/conda/uv config is not this test's business)."""
    found = json.loads(report)["findings"]
    return [(f["path"], f["line"], f["rule"]) for f in found if f["path"].endswith(("pip.conf", "pip.ini"))]


def test_environment_of_the_job(tmp_path: Path, env: dict[str, str]) -> None:
    existing = next(p for p in ("/etc/ssl/certs/ca-certificates.crt", "/etc/os-release") if Path(p).is_file())
    job = {
        **env,
        "PIP_Index_Url": "http://env.corp.test/simple",
        "SSL_CERT_FILE": existing,  # exists, outside /tmp and the workspace: fine
        "REQUESTS_CA_BUNDLE": "/nonexistent/pip-tls-setup-test/missing.pem",
        "CURL_CA_BUNDLE": str(tmp_path / "ca.pem"),  # under /tmp: anyone could have written it
        "UV_INSECURE_HOST": "uv.corp.test",
    }
    done = scan(job, {}, "--python", sys.executable, "--format", "github")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("::error title=PTS201") and "PIP_Index_Url" in line for line in lines)
    assert any(line.startswith("::error title=PTS102") for line in lines)
    assert any(line.startswith("::warning title=PTS302") and "REQUESTS_CA_BUNDLE" in line for line in lines)
    assert any(line.startswith("::error title=PTS301") and "CURL_CA_BUNDLE" in line for line in lines)
    assert not any("::SSL_CERT_FILE:" in line for line in lines), lines


def test_runtime_in_a_debian_root_with_its_own_python(tmp_path: Path, env: dict[str, str]) -> None:
    """--root: the root's own python3 (Debian's pip) runs through chroot and says which config files it
    reads; they are read inside the root and reported with the paths the root sees."""
    if shutil.which("chroot") is None or shutil.which("debootstrap") is None:
        pytest.skip("chroot/debootstrap missing")
    from support.roots import copy_root

    root = copy_root("bookworm", tmp_path / "root")
    (root / "etc" / "pip.conf").write_text("[global]\nindex-url = http://root.corp.test/simple\n", encoding="utf-8")
    user = root / "root" / ".config" / "pip"
    user.mkdir(parents=True, exist_ok=True)
    (user / "pip.conf").write_text("[install]\n\ntrusted-host = user.corp.test\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pip_tls_setup", "scan", "--runtime", "--root", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert pip_findings(done.stdout) == [("/etc/pip.conf", 2, "PTS201"), ("/root/.config/pip/pip.conf", 3, "PTS101")]
