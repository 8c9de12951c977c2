"""Issue 2, end to end with real parts: pip behind a real TLS-intercepting proxy (mitmproxy), a real index
(pypiserver), for (a) a venv with the pip bundled with this Python and (b) a venv upgraded to the newest pip.

Before setup pip fails with CERTIFICATE_VERIFY_FAILED; after ``setup --ca <proxy CA> --python <venv>
--no-system-store`` the same command succeeds with no CA variable in its environment; through a second proxy
whose CA was never given it still fails (verification stays on). ``requests.get`` behaves the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corplab.isolation import clean_env, isolated
from corplab.lab import PACKAGE, Lab
from corplab.pki import make_ca
from corplab.venvs import make_venv

from support.runs import run_cmd

pytestmark = pytest.mark.e2e

REQUESTS_PROBE = (
    "import sys, requests\n"
    "try:\n"
    "    r = requests.get(sys.argv[1], timeout=20)\n"
    "    print('STATUS', r.status_code)\n"
    "except requests.exceptions.SSLError as exc:\n"
    "    print('SSLERROR', exc)\n"
    "    sys.exit(3)\n"
)


def pip_download(python: Path, lab: Lab, proxy_url: str, home: Path, out: Path):
    env = clean_env(home, HTTPS_PROXY=proxy_url)
    argv = [
        str(python),
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--retries",
        "0",
        "--timeout",
        "15",
        "-d",
        str(out),
        "--index-url",
        lab.index_url,
        PACKAGE,
    ]
    return run_cmd(isolated(argv), env)


def requests_get(python: Path, lab: Lab, proxy_url: str, home: Path):
    env = clean_env(home, HTTPS_PROXY=proxy_url)
    return run_cmd(isolated([str(python), "-c", REQUESTS_PROBE, lab.index_url + PACKAGE + "/"]), env)


@pytest.mark.parametrize("flavour", ["bundled-pip", "newest-pip"])
def test_setup_makes_pip_and_requests_verify_through_the_proxy(lab: Lab, tool, tmp_path: Path, flavour: str) -> None:
    python = make_venv(tmp_path / "venv", newest_pip=flavour == "newest-pip", requests=True)
    home = tmp_path / "home"
    version = run_cmd([str(python), "-m", "pip", "--version"], clean_env(home)).stdout
    print(f"{flavour}: {version.strip()}")

    before = pip_download(python, lab, lab.proxy_url, home, tmp_path / "out0")
    assert before.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in before.output
    assert requests_get(python, lab, lab.proxy_url, home).returncode == 3

    setup = tool(
        "setup",
        "--ca",
        str(lab.ca_path),
        "--python",
        str(python),
        "--no-system-store",
        "--bundle",
        str(tmp_path / "bundle.pem"),
        "--probe-project",
        PACKAGE,
        env={"HTTPS_PROXY": lab.proxy_url, "PIP_INDEX_URL": lab.index_url},
    )
    assert setup.returncode == 0, setup.output

    after = pip_download(python, lab, lab.proxy_url, home, tmp_path / "out1")
    assert after.returncode == 0, after.output
    assert (tmp_path / "out1" / lab.wheel.name).is_file()
    ok = requests_get(python, lab, lab.proxy_url, home)
    assert ok.returncode == 0 and "STATUS 200" in ok.stdout, ok.output

    stranger = make_ca("Unknown Interception Root", "Somebody Else")
    with lab.another_proxy(stranger) as other:
        still = pip_download(python, lab, other.url, home, tmp_path / "out2")
        assert still.returncode != 0
        assert "CERTIFICATE_VERIFY_FAILED" in still.output
        assert requests_get(python, lab, other.url, home).returncode == 3
