"""Options several commands share."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pip_tls_setup.diagnosis.doctor import DoctorRequest


def add_python(parser: argparse.ArgumentParser, purpose: str = "target interpreter") -> None:
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="PATH",
        help=f"{purpose} (repeatable; default: the active venv and every python3 on PATH)",
    )


def add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        metavar="DIR",
        default="/",
        help="confine every system-level read and write (OS store, global pip config, state) to DIR; "
        "commands run there through chroot (default: /)",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where the journal for 'undo' lives (default: ROOT/var/lib/pip-tls-setup as root, "
        "else $XDG_STATE_HOME/pip-tls-setup; env PIP_TLS_SETUP_STATE_DIR)",
    )


def add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def doctor_request(args: argparse.Namespace) -> DoctorRequest:
    """The diagnosis request doctor and verify both build from their shared options."""
    from pip_tls_setup.diagnosis.doctor import DoctorRequest
    from pip_tls_setup.target.root import Root

    return DoctorRequest(
        root=Root.of(args.root),
        pythons=args.python,
        ca_paths=args.ca,
        public_roots=args.public_roots,
        index_urls=args.index_url,
        timeout=args.timeout,
        offline=args.offline,
    )
