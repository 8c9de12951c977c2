"""``pip-tls-setup scan``: fail on --trusted-host, http:// indexes and every other verification-off
setting, in a repository and (``--runtime``) in force on this machine."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from pip_tls_setup.commands.common import add_python
from pip_tls_setup.errors import EXIT_FAILED, EXIT_OK, InputError

if TYPE_CHECKING:
    from pip_tls_setup.policy.findings import Finding

NAME = "scan"
HELP = "fail on --trusted-host, http:// indexes and other verification-off settings"
DESCRIPTION = """\
Find every setting that turns installer TLS verification off or sends packages over plain HTTP:
pip's --trusted-host (any spelling, any abbreviation), http:// indexes and find-links, plain-HTTP
requirements (pkg @ http://..., git+http://, git://), uv's allow-insecure-host, Poetry/Pipenv/PDM
verify_ssl=false, conda ssl_verify, GIT_SSL_NO_VERIFY / http.sslVerify, CURL_CA_BUNDLE="",
PYTHONHTTPSVERIFY=0, CA variables pointing into the workspace or /tmp, curl -k, ...

Files are parsed, not grepped: Dockerfiles (shell and exec form, heredocs, ONBUILD, ENV/ARG,
COPY of a pip.conf), shell scripts and rc files, Makefiles, GitHub workflows and actions, GitLab CI,
other CI YAML, docker-compose, devcontainer.json, .env files, pip.conf/pip.ini, requirements and
constraints files (following -r/-c), pyproject.toml, uv.toml, Pipfile(.lock), poetry/pdm config,
tox, setup.cfg, .condarc, environment.yml, .pre-commit-config.yaml, git config, PowerShell, batch.

--runtime evaluates what is in force here instead: the environment, every pip config file each
target Python's pip reads (global, user, site, PIP_CONFIG_FILE), uv, conda, git, Poetry and PDM
config. Rules, severities and fixes: docs/rules.md."""
EPILOG = """\
examples:
  pip-tls-setup scan                                   # the current directory
  pip-tls-setup scan . --format sarif --output pip-tls.sarif
  pip-tls-setup scan --json | jq '.findings[] | .rule'   # docs/schemas/scan.schema.json
  pip-tls-setup scan --format github                   # annotations in a GitHub Actions log
  pip-tls-setup scan --format gitlab --output gl-code-quality-report.json
  pip-tls-setup scan --runtime                         # environment + config files on this machine
  pip-tls-setup scan --runtime --root /mnt/image --python /usr/bin/python3

exceptions (pyproject.toml, or [[exceptions]] in .pip-tls-setup.toml):
  [[tool.pip-tls-setup.exceptions]]
  rule = "PTS101"
  host = "legacy-index.example"          # or path = "docker/legacy/**"
  reason = "vendor mirror without TLS until SEC-123 lands"
  expires = 2026-12-31                   # expired exceptions fail the run
inline:  RUN pip install --trusted-host legacy.example x  # pip-tls-setup: ignore[PTS101] SEC-123

The report goes to stdout (text: path:line:col: RULE message, then each rule's fix once).
exit codes: 0 nothing insecure (notes only), 1 errors or warnings found, 2 bad input.
"""

FORMATS = ("text", "json", "sarif", "github", "gitlab")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="directories or files to scan (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--json", action="store_true", help="the report as JSON (same as --format json)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--runtime",
        action="store_true",
        help="evaluate the settings in force on this machine (environment, pip/uv/conda/git config) "
        "instead of (or, with PATHs, as well as) files",
    )
    add_python(parser, "with --runtime: target interpreter whose pip config files are read")
    parser.add_argument(
        "--root", metavar="DIR", default="/", help="with --runtime: evaluate the file system under DIR (default: /)"
    )
    parser.add_argument(
        "--config", metavar="FILE", help="exceptions file (default: PATH/.pip-tls-setup.toml or pyproject)"
    )
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="skip paths matching GLOB (repeatable)"
    )
    parser.add_argument(
        "--max-file-size",
        type=_size,
        default=None,
        metavar="BYTES",
        help="skip (with a note) files larger than this (default: 2 MiB; suffixes k, M)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("warning", "error"),
        default="warning",
        help="lowest severity that fails the run (default: warning; notes never fail)",
    )
    parser.add_argument("--no-notes", action="store_true", help="leave informational notes out of the report")
    parser.add_argument("-q", "--quiet", action="store_true", help="text format: no summary line")


def _size(text: str) -> int:
    import re

    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?", text.strip().lower())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 2097152, 512k, 4M)")
    size = int(float(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2)])
    if size <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return size


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    from pip_tls_setup.policy import scanner
    from pip_tls_setup.policy.findings import rank
    from pip_tls_setup.policy.formats import render

    if not args.runtime:
        if args.python:
            raise InputError("--python", "only applies with --runtime", "add --runtime, or drop --python")
        if args.root not in ("/", ""):
            raise InputError(f"--root {args.root}", "only applies with --runtime", "add --runtime, or drop --root")
    findings: list[Finding] = []
    suppressed: list[Finding] = []
    summary: dict[str, Any] = {}
    paths: list[str] = list(args.paths)
    if not paths and not args.runtime:
        paths = ["."]
    if paths:
        result = scanner.scan(
            paths,
            max_file_size=args.max_file_size or scanner.DEFAULT_MAX_FILE_SIZE,
            exclude=args.exclude,
            config=args.config,
        )
        findings += result.findings
        suppressed += result.suppressed
        summary.update(files_seen=result.files_seen, files_read=result.files_read, suppressed=len(result.suppressed))
    if args.runtime:
        findings += _runtime(args, env)
    if args.no_notes:
        findings = [f for f in findings if f.failing]
    threshold = rank(args.fail_on)
    failed = any(rank(f.severity) >= threshold for f in findings)
    summary["failed"] = failed

    fmt = "json" if args.json else args.format
    info: dict[str, Any] = {"summary": summary, "suppressed": suppressed}
    if fmt == "sarif" and len(paths) == 1 and os.path.isdir(paths[0]):
        info["base_uri"] = _file_uri(paths[0])
    if fmt == "text":
        # the report is what the command produces: stdout, like linters (scan > report.txt, scan | less)
        info["color"] = args.output is None and _color(sys.stdout)
        info["summary"] = None if args.quiet else summary
    _emit(render(fmt, findings, **info), args.output)
    return EXIT_FAILED if failed else EXIT_OK


def _runtime(args: argparse.Namespace, env: dict[str, str]) -> list[Finding]:
    from pip_tls_setup.policy import runtime
    from pip_tls_setup.target import pythons
    from pip_tls_setup.target.root import Root

    root = Root.of(args.root)
    targets, _notes = pythons.discover(root, args.python, env)
    return runtime.evaluate(root, targets, env)


def _color(stream: Any) -> bool:
    from pip_tls_setup.ui import use_color

    return use_color(stream)


def _file_uri(path: str) -> str:
    from pathlib import Path

    uri = Path(path).resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _emit(report: str, output: str | None) -> None:
    if output:
        try:
            # surrogateescape: a report naming an undecodable file writes that name's own bytes
            with open(output, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(report)
        except OSError as exc:
            raise InputError(
                f"--output {output}", f"cannot be written ({exc.strerror})", "give a writable path"
            ) from None
        return
    sys.stdout.write(report)
    sys.stdout.flush()
