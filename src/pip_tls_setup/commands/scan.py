"""``pip-tls-setup scan``: placeholder until its issue lands."""

from __future__ import annotations

import argparse

from pip_tls_setup.errors import InputError

NAME = "scan"
HELP = {
    "doctor": "diagnose the proxy and TLS interception (read-only)",
    "scan": "fail on --trusted-host, http:// indexes and other verification-off settings",
    "verify": "prove pip reaches its index with verification on",
}["scan"]
DESCRIPTION = HELP
EPILOG = ""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    raise InputError("scan", "is not implemented yet", "use 'setup' for now")
