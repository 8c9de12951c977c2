"""``pip-tls-setup inspect``: lint certificate files (CA-ness, expiry, Python 3.13 strict X.509)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pip_tls_setup.commands.common import print_json, report_console
from pip_tls_setup.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, InputError

if TYPE_CHECKING:
    from pip_tls_setup.ca.certs import CACert, LintFinding
    from pip_tls_setup.ui import Console

NAME = "inspect"
HELP = "lint certificate files: is it a CA, is it valid, will Python 3.13 accept it"
DESCRIPTION = """\
Print what each certificate in the given files is, and what would stop it from working as
the trust anchor for pip behind a TLS-intercepting proxy: not a CA, expired, not yet valid,
expiring soon, and the Python 3.13 strict X.509 problems (basicConstraints not critical,
keyUsage without keyCertSign, missing SKI/AKI) that break httpx, aiohttp, urllib and requests
on 3.13 even when the CA is trusted. The report goes to stdout; every file is reported, also
after a bad one. Exit 1 when a certificate cannot serve as a CA, 2 when a file is not a certificate."""
EPILOG = """\
examples:
  pip-tls-setup inspect corp-root.pem
  pip-tls-setup inspect chain.p7b --json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="PEM, DER or PKCS#7 files")
    parser.add_argument("--json", action="store_true", help="print a JSON report on stdout")


def _load(path: str) -> list[CACert]:
    from pip_tls_setup.ca.certs import load_certificates
    from pip_tls_setup.ca.sources import read_ca_file

    file = Path(path)
    if not path.strip():
        raise InputError(repr(path), "is an empty path", "name the certificate files")
    if file.is_dir():
        raise InputError(path, "is a directory", "name the certificate files")
    return load_certificates(read_ca_file(file), path)


def _entry(cert: CACert, findings: list[LintFinding]) -> dict[str, Any]:
    return {
        "origin": cert.origin,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "sha256": cert.sha256,
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "self_signed": cert.self_signed,
        "findings": [{"level": f.level, "code": f.code, "message": f.text} for f in findings],
    }


def _show(console: Console, cert: CACert, findings: list[LintFinding]) -> None:
    from pip_tls_setup.ca.certs import consequences
    from pip_tls_setup.ca.pem import printable

    # Names are the certificate author's text: one printable line each, never a raw newline or ESC.
    console.heading(f"{printable(cert.origin)}: {printable(cert.common_name)}")
    console.line(f"  subject  {printable(cert.subject)}")
    console.line(f"  issuer   {printable(cert.issuer)}{'  (self-signed)' if cert.self_signed else ''}")
    console.line(f"  sha256   {cert.sha256}")
    console.line(f"  valid    {cert.not_before:%Y-%m-%d} .. {cert.not_after:%Y-%m-%d}")
    if not findings:
        console.item("ok", "ok", "usable as a CA, also under Python 3.13 strict X.509")
    for finding in findings:
        kind = "error" if finding.level == "error" else "warning"
        console.item(kind, f"{finding.level}[{finding.code}]", finding.message)
    for consequence in consequences(findings):  # said once, not after each finding it follows from
        console.item("warning", "  why", consequence)


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    from pip_tls_setup import envelope
    from pip_tls_setup.ca.sources import lint_all

    del env
    console = report_console(args)
    certs: list[CACert] = []
    files: list[dict[str, Any]] = []
    for path in args.files:  # every file is reported, also after a bad one
        try:
            loaded = _load(path)
        except InputError as exc:
            print(f"pip-tls-setup: error: {exc}", file=sys.stderr)
            files.append({"path": path, "certificates": 0, "error": str(exc)})
            continue
        certs.extend(loaded)
        files.append({"path": path, "certificates": len(loaded), "error": None})
    linted = lint_all(certs)  # once per fingerprint: a repeated certificate is reported again, not re-linted
    unusable = False
    for cert in certs:
        unusable = unusable or any(f.level == "error" for f in linted[cert.sha256])
        _show(console, cert, linted[cert.sha256])
    bad_input = any(f["error"] for f in files)
    if args.json:
        entries = [_entry(c, linted[c.sha256]) for c in certs]
        print_json(envelope("inspect", not (bad_input or unusable), {"files": files, "certificates": entries}))
    if bad_input:
        return EXIT_USAGE
    return EXIT_FAILED if unusable else EXIT_OK
