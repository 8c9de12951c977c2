"""Fingerprint the host's trust stores and pip configuration.

`.ci/run` takes a fingerprint before the test suite and compares after it: any
difference means a test touched the host, which fails the run.

    python tests/host_state.py snapshot FILE
    python tests/host_state.py compare FILE
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

TREES = ["/etc/ssl/certs", "/usr/local/share/ca-certificates", "/etc/pki/ca-trust", "/etc/pki/trust", "/etc/xdg/pip"]
FILES = ["/etc/pip.conf", "/etc/ssl/cert.pem", "/usr/lib/ssl/cert.pem"]


def _python_files() -> list[str]:
    """certifi bundles (site and pip-vendored) of every Python the host has."""
    pythons = set(glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/python3")))
    pythons.update(p for p in ("/usr/bin/python3", "/usr/local/bin/python3") if os.path.exists(p))
    script = (
        "import os,glob,site,sys\n"
        "paths=set(site.getsitepackages()+[site.getusersitepackages()])\n"
        "for p in paths:\n"
        "  for f in ('certifi/cacert.pem','pip/_vendor/certifi/cacert.pem','pip.conf'):\n"
        "    q=os.path.join(p,f)\n"
        "    if os.path.exists(q): print(q)\n"
        "print(os.path.join(sys.prefix,'pip.conf'))\n"
    )
    found: list[str] = []
    for python in sorted(pythons):
        done = subprocess.run([python, "-c", script], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
        found.extend(done.stdout.split())
    return found


def snapshot() -> dict[str, str]:
    home = Path.home()
    files = [*FILES, str(home / ".pip/pip.conf"), str(home / ".config/pip/pip.conf"), *_python_files()]
    state: dict[str, str] = {}
    for tree in TREES:
        for dirpath, dirnames, filenames in os.walk(tree):
            for name in sorted(dirnames + filenames):
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    state[path] = "link:" + os.readlink(path)
                elif os.path.isfile(path):
                    state[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    for path in files:
        if os.path.isfile(path):
            state[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        else:
            state[path] = "absent"
    return state


def main() -> int:
    action, file = sys.argv[1], Path(sys.argv[2])
    if action == "snapshot":
        file.write_text(json.dumps(snapshot(), indent=1, sort_keys=True))
        return 0
    before = json.loads(file.read_text())
    after = snapshot()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        print("host trust store or pip config changed during the tests:", file=sys.stderr)
        for key in changed[:50]:
            print(f"  {key}: {before.get(key, 'absent')} -> {after.get(key, 'absent')}", file=sys.stderr)
        return 1
    print(f"host trust stores and pip config unchanged ({len(after)} entries checked)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
