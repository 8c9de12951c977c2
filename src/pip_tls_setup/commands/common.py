"""Options several commands share."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pip_tls_setup.errors import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from pip_tls_setup.diagnosis.situation import DoctorRequest
    from pip_tls_setup.ui import Console


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


def add_timeout(parser: argparse.ArgumentParser, help_text: str) -> None:
    """--timeout: the one time budget of every network step of the run (checked by probe.check_timeout)."""
    parser.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS", help=help_text)


def add_setup_arguments(parser: argparse.ArgumentParser) -> None:
    """The options 'setup' takes for its verify step and --ca-from-proxy."""
    parser.add_argument(
        "--ca-from-proxy",
        action="store_true",
        help="take the CA from the chain the proxy presents, only if it matches a --ca-fingerprint pin "
        "(without a pin: refuse and print the fingerprint to check with your security team)",
    )
    parser.add_argument(
        "--ca-from-os-store",
        action="store_true",
        help="take the CA from the OS trust store of the root (where IT installed it), only the certificates that "
        "really sign the chain the proxy presents (issuer, key identifier and signature checked), and put them where "
        "the OS store is not read (certifi, pip's vendored certifi, cert =, the bundle, the variables)",
    )
    parser.add_argument("--no-verify", action="store_true", help="do not run 'verify' after the changes")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="no network: skip verify (and --ca-from-proxy / --ca-from-os-store are refused)",
    )
    parser.add_argument(
        "--probe-project",
        default="pip",
        metavar="NAME",
        help="project whose index page verify fetches (default: pip; a 404 still proves TLS)",
    )
    add_timeout(
        parser, "time budget for the network steps of verify / --ca-from-proxy / --ca-from-os-store (default: 15)"
    )


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def doctor_request(args: argparse.Namespace) -> DoctorRequest:
    """The diagnosis request doctor and verify both build from their shared options."""
    from pip_tls_setup.diagnosis.situation import DoctorRequest
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


def report_console(args: argparse.Namespace) -> Console:
    """Read-only commands print their report on stdout; warnings and progress go to stderr."""
    from pip_tls_setup.ui import Console

    return Console(sys.stdout, quiet=getattr(args, "quiet", False) or args.json, warnings=sys.stderr)


def progress_for(console: Console) -> Callable[[str], None] | None:
    """Each probe as it starts, on a terminal only: stderr a TTY, not --quiet or --json (never on a pipe)."""
    return console.progress if console.interactive else None


def scrubbed(
    console: Console, secrets: Sequence[str]
) -> tuple[Callable[..., None], Callable[[str], None], Callable[[str], None]]:
    """The console's ``line(text, kind)``, ``heading`` and ``warn``, with every secret masked."""
    from pip_tls_setup import redact

    def line(text: str, kind: str = "") -> None:
        console.line(redact.scrub(text, secrets), kind)

    def heading(text: str) -> None:
        console.heading(redact.scrub(text, secrets))

    def warn(text: str) -> None:
        console.warn(redact.scrub(text, secrets))

    return line, heading, warn


def finish_report(
    console: Console,
    env: Mapping[str, str],
    report: Mapping[str, Any],
    markdown: str,
    secrets: Sequence[str],
    as_json: bool,
) -> int:
    """doctor's and verify's ending: the step summary (on GitHub Actions), the JSON, the exit code."""
    from pip_tls_setup import redact
    from pip_tls_setup.platforms import github

    problem = github.append_step_summary(env, redact.scrub(markdown, secrets))
    if problem:
        console.warn(problem)
    if as_json:
        print_json(report)
    return EXIT_OK if report["ok"] else EXIT_FAILED
