"""``pip-tls-setup undo``: restore every file setup changed, byte for byte."""

from __future__ import annotations

import argparse

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


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    from pip_tls_setup.inject import flow
    from pip_tls_setup.target import privilege
    from pip_tls_setup.target.root import Root

    console = Console(quiet=args.quiet or args.json)
    root = Root.of(args.root)
    result = flow.undo(root, privilege.detect(), env, args.state_dir)
    state_dir, report = result.state_dir, result.report
    for leftover in result.recovery.removed:
        console.item("info", "leftover", f"removed {leftover} (from an interrupted run)")
    if report is None:
        console.line(f"nothing to undo: no journal in {state_dir}")
        if args.json:
            print_json({"command": "undo", "restored": [], "removed": [], "warnings": [], "journal": None})
        return EXIT_OK
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
