"""Chain capture through a CONNECT proxy on every Python at hand: 3.13 public API, 3.10-3.12 private API,
the leaf alone before. The probe's network code is stdlib-only, so it runs in bare pyenv interpreters.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from pathlib import Path

import pytest
from corplab.isolation import clean_env
from corplab.lab import Lab
from corplab.pki import make_ca

from support.runs import run_cmd

pytestmark = pytest.mark.e2e
SRC = Path(__file__).resolve().parents[2] / "src"

SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from pip_tls_setup.diagnosis import probe, proxies
from pip_tls_setup.diagnosis.probe import transport
endpoint = probe.Endpoint.of(sys.argv[2])
proxy = proxies.parse(sys.argv[3], "HTTPS_PROXY")
obj = transport.attempt(endpoint, proxy, transport.unverifying(), probe.Deadline(15), None)
ders, capture = probe.unverified_chain(obj)
print(json.dumps({"capture": capture, "count": len(ders), "version": list(sys.version_info[:2])}))
"""


def interpreters() -> list[str]:
    found = {sys.executable}
    for version in ("3.9", "3.10", "3.11", "3.12", "3.13"):
        found.update(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python3")))
    return sorted(found)


def test_chain_capture_per_python_version(lab: Lab, tmp_path: Path) -> None:
    root = make_ca("Zscaler Root CA", "Zscaler Inc.")
    intermediate = make_ca("Zscaler Intermediate Root CA (zscaler.test)", "Zscaler Inc.", issuer=root)
    seen = {}
    with lab.another_proxy(intermediate, name="chain", chain=[root]) as proxy:
        for python in interpreters():
            run = run_cmd([python, "-c", SCRIPT, str(SRC), lab.index_url, proxy.url], clean_env(tmp_path / "home"))
            assert run.returncode == 0, (python, run.stderr)
            data = json.loads(run.stdout)
            seen[python] = data
            if tuple(data["version"]) >= (3, 10):
                assert data == {"capture": "full", "count": 3, "version": data["version"]}, (python, data)
            else:
                assert data == {"capture": "leaf-only", "count": 1, "version": data["version"]}, (python, data)
    print({p: (d["version"], d["capture"], d["count"]) for p, d in seen.items()})
