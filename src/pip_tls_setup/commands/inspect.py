"""``pip-tls-setup inspect``: lint certificate files (CA-ness, expiry, Python 3.13 strict X.509)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pip_tls_setup.commands.common import print_json
from pip_tls_setup.errors import EXIT_FAILED, EXIT_OK, InputError
from pip_tls_setup.ui import Console

if TYPE_CHECKING:
    from pip_tls_setup.ca.certs import CACert

NAME = "inspect"
HELP = "lint certificate files: is it a CA, is it valid, will Python 3.13 accept it"
DESCRIPTION = """\
Print what each certificate in the given files is, and what would stop it from working as
the trust anchor for pip behind a TLS-intercepting proxy: not a CA, expired, not yet valid,
expiring soon, and the Python 3.13 strict X.509 problems (basicConstraints not critical,
keyUsage without keyCertSign, missing SKI/AKI) that break httpx, aiohttp, urllib and requests
on 3.13 even when the CA is trusted. Exit 1 when a certificate cannot serve as a CA."""
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

    file = Path(path)
    if file.is_dir():
        raise InputError(path, "is a directory", "name the certificate files")
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "does not exist", "check the path") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})", "check its permissions") from None
    return load_certificates(data, path)


def run(args: argparse.Namespace) -> int:
    from pip_tls_setup.ca.certs import lint

    console = Console(quiet=args.json)
    certs: list[CACert] = []
    for path in args.files:
        certs.extend(_load(path))
    failed = False
    entries: list[dict[str, Any]] = []
    for cert in certs:
        findings = lint(cert, companions=[c for c in certs if c is not cert])
        failed = failed or any(f.level == "error" for f in findings)
        entries.append(
            {
                "origin": cert.origin,
                "subject": cert.subject,
                "issuer": cert.issuer,
                "sha256": cert.sha256,
                "not_before": cert.not_before.isoformat(),
                "not_after": cert.not_after.isoformat(),
                "self_signed": cert.self_signed,
                "findings": [{"level": f.level, "code": f.code, "message": f.message} for f in findings],
            }
        )
        console.heading(f"{cert.origin}: {cert.common_name}")
        console.line(f"  subject  {cert.subject}")
        console.line(f"  issuer   {cert.issuer}{'  (self-signed)' if cert.self_signed else ''}")
        console.line(f"  sha256   {cert.sha256}")
        console.line(f"  valid    {cert.not_before:%Y-%m-%d} .. {cert.not_after:%Y-%m-%d}")
        if not findings:
            console.item("ok", "ok", "usable as a CA, also under Python 3.13 strict X.509")
        for finding in findings:
            kind = "error" if finding.level == "error" else "warning"
            console.item(kind, f"{finding.level}[{finding.code}]", finding.message)
    if args.json:
        print_json({"command": "inspect", "certificates": entries, "ok": not failed})
    return EXIT_FAILED if failed else EXIT_OK
