"""Command-line entry point: arguments and exit codes only; the work lives elsewhere."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import NoReturn

from pip_tls_setup import __version__
from pip_tls_setup.commands import doctor, inspect, scan, setup, undo, verify
from pip_tls_setup.errors import EXIT_FAILED, EXIT_USAGE, PipTlsSetupError

COMMANDS: tuple[ModuleType, ...] = (setup, undo, inspect, doctor, scan, verify)
PROG = "pip-tls-setup"

DESCRIPTION = """\
Make pip work behind TLS-intercepting proxies (Zscaler, Netskope, Palo Alto, FortiGate, ...)
without ever turning certificate verification off: put the corporate CA everywhere Python
tooling looks, fail loudly on --trusted-host and plain-HTTP indexes, and prove that pip
reaches its index with verification on."""

EPILOG = """\
examples:
  pip-tls-setup --ca corp-root.pem             # same as: pip-tls-setup setup --ca corp-root.pem
  pip-tls-setup doctor                         # why does pip fail here? (read-only)
  pip-tls-setup scan .                         # find --trusted-host and http:// indexes in a repo
  pip-tls-setup inspect corp-root.cer          # lint a CA file (Python 3.13 strict X.509 too)
  pip-tls-setup undo                           # restore everything setup changed

exit codes: 0 ok, 1 a failed check (insecure setting, failed verification), 2 bad input or usage.
"""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors in the tool's own format (exit 2)."""

    def error(self, message: str) -> NoReturn:
        print(f"{PROG}: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> Parser:
    return _build()[0]


def _build() -> tuple[Parser, dict[str, Parser]]:
    parser = Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    children: dict[str, Parser] = {}
    for module in COMMANDS:
        child = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.DESCRIPTION,
            epilog=module.EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(child)
        child.set_defaults(handler=module.run)
        children[module.NAME] = child
    return parser, children


def _suggest(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _with_default_command(argv: list[str]) -> list[str]:
    names = [m.NAME for m in COMMANDS]
    if not argv:
        return ["setup"]
    first = argv[0]
    if first in names or first in ("-h", "--help", "--version"):
        return argv
    if not first.startswith("-"):
        # setup takes no positional argument: a bare word is a mistyped command (or a CA without --ca).
        hint = _suggest(first, names) or f"; the commands are {', '.join(names)} (a CA file goes after --ca)"
        _usage_error(f"unknown command '{first}'{hint}")
    return ["setup", *argv]


def _usage_error(message: str) -> NoReturn:
    print(f"{PROG}: error: {message} (see '{PROG} --help')", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def _parse(args_list: list[str]) -> argparse.Namespace:
    parser, children = _build()
    args, extras = parser.parse_known_args(args_list)
    if extras:
        child = children.get(str(getattr(args, "command", "")))
        known = [o for action in (child or parser)._actions for o in action.option_strings]
        unknown = extras[0]
        hint = _suggest(unknown.split("=", 1)[0], known) if unknown.startswith("-") else ""
        _usage_error(f"unrecognized argument{'s' if len(extras) > 1 else ''}: {' '.join(extras)}{hint}")
    return args


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Parse, then run the command with the environment read once, here (commands never read os.environ)."""
    args_list = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    args = _parse(args_list)
    try:
        result: int = args.handler(args, dict(os.environ if env is None else env))
        return result
    except PipTlsSetupError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("PIP_TLS_SETUP_DEBUG"):
            traceback.print_exc()
        print(
            f"{PROG}: internal error: {type(exc).__name__}: {exc} "
            "(set PIP_TLS_SETUP_DEBUG=1 for a traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_FAILED
