"""Run a CI runner (act, gitlab-ci-local) on this host without touching the host's trust store.

The runner and every job step run inside a private mount namespace (``unshare -m``) in which ``/etc``,
``/usr``, ``/var`` and ``/opt`` are overlays: reads see the host, writes land in an upper directory under
the test's tmp dir and vanish with the namespace. So ``update-ca-certificates``, ``/etc/pip.conf``,
``/etc/pip-tls-setup`` and ``/var/lib/pip-tls-setup`` written by the tool under test stay private, and
the host fingerprint taken by ``tests/run-all.sh`` is unchanged. The host's global pip config is
replaced by an empty file in the overlay, as on a fresh runner.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

OVERLAID = ("/etc", "/usr", "/var", "/opt")
EMPTIED = ("/etc/pip.conf", "/etc/xdg/pip/pip.conf")


def available() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("unshare") is not None


MANIFEST = """
import hashlib, json, os, sys
found = {}
for top in sys.argv[2:]:
    for root, dirs, files in os.walk(top):
        for name in sorted(dirs + files):
            path = os.path.join(root, name)
            if os.path.islink(path):
                found[path] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as handle:
                    found[path] = hashlib.sha256(handle.read()).hexdigest()
            elif os.path.isdir(path):
                found[path] = "<dir>"
    if os.path.isfile(top):
        with open(top, "rb") as handle:
            found[top] = hashlib.sha256(handle.read()).hexdigest()
with open(sys.argv[1], "w") as out:
    json.dump(found, out, indent=1, sort_keys=True)
"""


def sandboxed(argv: Sequence[str], state: Path, before: Sequence[str] = (), snapshot: Sequence[str] = ()) -> list[str]:
    """``argv`` run inside the overlay namespace whose writes land in ``state``.

    ``before`` is a shell command run first inside the namespace (e.g. to bring the store into the form
    its own tool leaves it in). With ``snapshot``, a manifest of those paths (sha256 of each file, the
    target of each link) is written to ``state/before.json`` and ``state/after.json`` around ``argv``.
    """
    script = ["set -e"]
    for index, directory in enumerate(OVERLAID):
        upper = state / f"upper{index}"
        work = state / f"work{index}"
        upper.mkdir(parents=True, exist_ok=True)
        work.mkdir(parents=True, exist_ok=True)
        for emptied in EMPTIED:
            if emptied.startswith(directory + "/") and os.path.exists(emptied):
                target = upper / emptied[len(directory) + 1 :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text("")
        script.append(f"mount -t overlay overlay -o lowerdir={directory},upperdir={upper},workdir={work} {directory}")
    script.extend(before)
    if not snapshot:
        script.append('exec "$@"')
    else:
        (state / "manifest.py").write_text(MANIFEST)
        paths = " ".join(snapshot)
        take = f"/usr/bin/python3 {state / 'manifest.py'}"
        script += [f"{take} {state / 'before.json'} {paths}", "code=0", '"$@" || code=$?']
        script += [f"{take} {state / 'after.json'} {paths}", 'exit "$code"']
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script), "sandbox", *argv]


def normalise_store(state: Path) -> list[str]:
    """The runner's store as its own tool leaves it (this machine's store has a hand-placed file that the
    first update-ca-certificates turns into a link): what a runner's store looks like before any job.
    Its temporary files in a directory of its own (something on this machine cleans /tmp)."""
    private = state / "normalise-tmp"
    private.mkdir(parents=True, exist_ok=True)
    return [f"TMPDIR={private} update-ca-certificates > {state / 'normalise.log'} 2>&1"]


def snapshot_changes(state: Path, ignored: Sequence[str] = ()) -> list[str]:
    """What differs between the manifests taken before and after the run (paths, in order)."""
    before = json.loads((state / "before.json").read_text())
    after = json.loads((state / "after.json").read_text())
    return [
        f"{path}: {before.get(path)} -> {after.get(path)}"
        for path in sorted(set(before) | set(after))
        if before.get(path) != after.get(path) and path not in ignored
    ]


def changed(state: Path, logical: str) -> Path | None:
    """Where a file the sandboxed run wrote lives on the host (``None`` if it was not written)."""
    for index, directory in enumerate(OVERLAID):
        if logical.startswith(directory + "/"):
            candidate = state / f"upper{index}" / logical[len(directory) + 1 :]
            return candidate if candidate.exists() else None
    return None
