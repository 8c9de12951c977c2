"""``pip-tls-setup undo``: restore every file setup changed, byte for byte."""

from __future__ import annotations

import argparse
import sys

from pip_tls_setup.commands.common import add_output, add_root, print_json, report_console
from pip_tls_setup.errors import EXIT_FAILED, EXIT_OK

NAME = "undo"
HELP = "restore everything setup changed (from the journal)"
DESCRIPTION = """\
Replay the journal backwards: restore each changed file byte for byte (mode and owner too),
remove each file setup added, rebuild the OS store, and forget the journal. The report goes to
stdout. Exit 1 when there is no journal where undo looked (give the --root and --state-dir setup
used)."""
EPILOG = """\
examples:
  pip-tls-setup undo
  pip-tls-setup undo --root /mnt/image
  pip-tls-setup undo --state-dir /tmp/pts-state      # the --state-dir setup ran with
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_root(parser)
    add_output(parser)


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    from pip_tls_setup import envelope
    from pip_tls_setup.inject import flow
    from pip_tls_setup.target import privilege
    from pip_tls_setup.target.root import Root

    console = report_console(args)
    root = Root.of(args.root)
    result = flow.undo(root, privilege.detect(), env, args.state_dir)
    state_dir, report = result.state_dir, result.report
    for leftover in result.recovery.removed:
        console.item("info", "leftover", f"removed {leftover} (from an interrupted run)")
    if report is None:
        message = (
            f"nothing to undo: no journal in {state_dir}; if setup ran with --root or --state-dir (or "
            "$PIP_TLS_SETUP_STATE_DIR), or as another user, run undo with the same"
        )
        print(f"pip-tls-setup: error: {message}", file=sys.stderr)
        if args.json:
            print_json(envelope("undo", False, {"journal": None, "looked_in": str(state_dir), **_EMPTY}))
        return EXIT_FAILED
    for path in report.restored:
        console.item("ok", "restored", path)
    for path in report.removed:
        console.item("ok", "removed", path)
    for run_ in report.commands:
        console.item("info", "ran", " ".join(run_.argv))
    for warning in report.warnings:
        console.warn(warning)
    if args.json:
        fields = {
            "journal": str(state_dir / "journal.json"),
            "looked_in": str(state_dir),
            "restored": report.restored,
            "removed": report.removed,
            "commands": [{"argv": r.argv, "returncode": r.returncode} for r in report.commands],
            "warnings": report.warnings,
        }
        print_json(envelope("undo", True, fields))
    return EXIT_OK


_EMPTY: dict[str, list[str]] = {"restored": [], "removed": [], "commands": [], "warnings": []}
