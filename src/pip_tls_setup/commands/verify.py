"""``pip-tls-setup verify``: prove each target's pip reaches its index with verification on."""

from __future__ import annotations

import argparse
from pathlib import Path

from pip_tls_setup.commands import common
from pip_tls_setup.errors import InputError

NAME = "verify"
HELP = "prove pip reaches its index with verification on"
DESCRIPTION = """\
For each target Python, fetch its index's page for a small project with that Python's own pip
session (its config files, PIP_* and proxy variables, truststore, vendored certifi: built the way
'pip download' builds it), and with requests where installed. Through the proxy, verification on.
Nothing is turned off: a trusted-host for the index, or an empty CA setting, is a failure.

A 404 for the probe project still proves TLS works (the certificate was checked before the
answer). A failure exits 1 with its classification (intercepted-unknown-ca naming the CA,
expired, hostname-mismatch, proxy-auth-required, proxy-unreachable, dns-failure, timeout, ...).
'setup' runs this at its end unless --no-verify."""
EPILOG = """\
examples:
  pip-tls-setup verify
  pip-tls-setup verify --python .venv/bin/python --probe-project requests
  pip-tls-setup verify --env-file ci.env         # as a later step that loads ci.env will see it
  pip-tls-setup verify --offline                 # an offline build: skip, with a note
  pip-tls-setup verify --json

exit codes: 0 every check verified (or --offline), 1 a check failed, 2 bad input.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_python(parser)
    parser.add_argument(
        "--probe-project",
        default="pip",
        metavar="NAME",
        help="project whose index page is fetched (default: pip; a 404 still proves TLS)",
    )
    parser.add_argument(
        "--index-url",
        action="append",
        default=[],
        metavar="URL",
        help="verify this index instead of the ones each pip is configured with (repeatable)",
    )
    parser.add_argument(
        "--env-file",
        metavar="FILE",
        help="add the KEY=VALUE lines of FILE to the environment, as a later step that loads it sees it",
    )
    parser.add_argument(
        "--ca",
        action="append",
        default=[],
        metavar="PATH",
        help="corporate CA to name in a diagnosis (repeatable; verification itself uses each pip's own trust)",
    )
    parser.add_argument("--public-roots", metavar="FILE", help="PEM bundle of the roots to call public")
    common.add_timeout(parser, "time budget for all network steps together (default: 15)")
    parser.add_argument("--offline", action="store_true", help="skip verification (an offline build), with a note")
    parser.add_argument("--no-requests", action="store_true", help="check pip's session only, not requests")
    parser.add_argument("--root", metavar="DIR", default="/", help="verify the Pythons of the root in DIR (chroot)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")


def read_env_file(path: str) -> dict[str, str]:
    """KEY=VALUE lines (dotenv, $GITHUB_ENV, GitLab dotenv); ``export`` and quotes allowed."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"--env-file {path}", "does not exist", "check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--env-file {path}", f"cannot be read ({exc})", "give a KEY=VALUE text file") from None
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip().replace("_", "").isalnum():
            raise InputError(f"--env-file {path}:{number}", "is not a KEY=VALUE line", "write one KEY=VALUE per line")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    from pip_tls_setup.diagnosis import situation, verify

    console = common.report_console(args)
    project = verify.check_project(args.probe_project)
    overlay = read_env_file(args.env_file) if args.env_file else {}
    found = situation.prepare(common.doctor_request(args), env, with_targets=not args.offline)
    found.progress = common.progress_for(console)
    if overlay:
        views = [verify.View("with-env-file", f"this environment plus the variables in {args.env_file}", overlay)]
    else:
        views = [verify.View("current", "this environment")]
    request = verify.VerifyRequest(
        project=project,
        timeout=args.timeout,
        offline=args.offline,
        index_urls=args.index_url,
        requests=not args.no_requests,
    )
    from pip_tls_setup.diagnosis import clientcheck

    present, context = clientcheck.discover(found) if not args.offline else ([], None)
    report = verify.run(found, request, found.targets, views, present, context)
    line, heading, _warn = common.scrubbed(console, found.secrets)
    verify.render_text(report, line, heading)
    return common.finish_report(console, env, report, verify.render_markdown(report), found.secrets, args.json)
