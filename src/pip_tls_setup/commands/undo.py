"""``pip-tls-setup undo``: restore every file setup changed, byte for byte."""

from __future__ import annotations

import argparse
import contextlib

from pip_tls_setup.commands.common import add_output, add_root, print_json
from pip_tls_setup.errors import EXIT_OK
from pip_tls_setup.ui import Console

NAME = "undo"
HELP = "restore everything setup changed (from the journal)"
DESCRIPTION = """\
Replay the journal backwards: restore each changed file byte for byte (mode and owner too),
remove each file setup added, rebuild the OS store, and forget the journal."""
EPILOG = """\
examples:
  pip-tls-setup undo
  pip-tls-setup undo --root /mnt/image
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_root(parser)
    add_output(parser)


def run(args: argparse.Namespace) -> int:
    from pip_tls_setup.inject import flow
    from pip_tls_setup.inject.apply import FileSystem, undo
    from pip_tls_setup.inject.journal import Journal
    from pip_tls_setup.inject.lock import RunLock
    from pip_tls_setup.target import privilege
    from pip_tls_setup.target.root import Root

    console = Console(quiet=args.quiet or args.json)
    env = flow.environ()
    root = Root.of(args.root)
    level = privilege.detect()
    state_dir = flow.state_dir_for(root, level, env, args.state_dir)
    if not (state_dir / "journal.json").exists():
        console.line(f"nothing to undo: no journal in {state_dir}")
        if args.json:
            print_json({"command": "undo", "restored": [], "removed": [], "warnings": [], "journal": None})
        return EXIT_OK
    with RunLock(state_dir / "lock"):
        journal = Journal.load(state_dir, str(root))
        report = undo(root, journal, FileSystem(level))
        journal.discard()
    (state_dir / "lock").unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        state_dir.rmdir()
    for path in report.restored:
        console.item("ok", "restored", path)
    for path in report.removed:
        console.item("ok", "removed", path)
    for run_ in report.commands:
        console.item("info", "ran", " ".join(run_.argv))
    for warning in report.warnings:
        console.warn(warning)
    if args.json:
        print_json(
            {
                "command": "undo",
                "restored": report.restored,
                "removed": report.removed,
                "commands": [{"argv": r.argv, "returncode": r.returncode} for r in report.commands],
                "warnings": report.warnings,
                "journal": str(state_dir / "journal.json"),
            }
        )
    return EXIT_OK
