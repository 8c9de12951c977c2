"""Measure doctor and verify against the lab: how long a diagnosis takes, and that timeouts hold.

    PYTHONPATH=examples/lab .venv/bin/python -m corplab.measure

Prints wall-clock seconds for: doctor and verify through the intercepting proxy (one venv target), the
probe alone, and doctor / verify against a silent proxy with the default budget (15 s) and with
--timeout 3. Numbers are printed, never asserted (the tests do not depend on speed).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corplab.isolation import clean_env, isolated
from corplab.lab import PACKAGE, Lab
from corplab.servers import SilentPeer
from corplab.venvs import make_venv


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int, dict[str, object]]:
    started = time.monotonic()
    done = subprocess.run(isolated(argv), capture_output=True, text=True, env=env, check=False)
    elapsed = time.monotonic() - started
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        data = {}
    return elapsed, done.returncode, data


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="pts-measure-"))
    python = make_venv(work / "venv")
    tool = [sys.executable, "-m", "pip_tls_setup"]
    rows: list[tuple[str, float, int, str]] = []
    with Lab(work / "lab") as lab:
        env = clean_env(work / "home", HTTPS_PROXY=lab.proxy_url, PIP_INDEX_URL=lab.index_url)
        for _ in range(3):
            elapsed, code, data = timed([*tool, "doctor", "--json", "--python", str(python)], env)
            probe = data.get("probes", [{}])[0] if isinstance(data.get("probes"), list) else {}
            rows.append(("doctor, mitmproxy interception", elapsed, code, f"probe {probe.get('elapsed_seconds')}s"))
        for _ in range(3):
            elapsed, code, _data = timed(
                [*tool, "verify", "--json", "--python", str(python), "--probe-project", PACKAGE], env
            )
            rows.append(("verify, mitmproxy interception", elapsed, code, ""))
    with SilentPeer() as peer:
        env = clean_env(work / "home", HTTPS_PROXY=peer.url, PIP_INDEX_URL="https://index.corp.test/simple/")
        for extra in ([], ["--timeout", "3"]):
            label = " ".join(extra) or "default --timeout 15"
            elapsed, code, data = timed([*tool, "doctor", "--json", "--python", str(python), *extra], env)
            probe = data.get("probes", [{}])[0] if isinstance(data.get("probes"), list) else {}
            step = probe.get("timeout_seconds")
            note = f"{probe.get('classification')} after {probe.get('elapsed_seconds')}s (step {step}s)"
            rows.append((f"doctor, silent proxy, {label}", elapsed, code, note))
            elapsed, code, data = timed([*tool, "verify", "--json", "--python", str(python), *extra], env)
            summary = data.get("summary", {})
            rows.append((f"verify, silent proxy, {label}", elapsed, code, str(summary.get("classification"))))
    width = max(len(r[0]) for r in rows)
    for label, elapsed, code, note in rows:
        print(f"{label:{width}}  {elapsed:6.2f}s  exit {code}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
