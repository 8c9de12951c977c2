"""``pip-tls-setup doctor``: why does pip fail here? Proxy, interception, each Python's trust, known traps."""

from __future__ import annotations

import argparse

from pip_tls_setup.commands import common

NAME = "doctor"
HELP = "diagnose the proxy and TLS interception (read-only)"
DESCRIPTION = """\
Explain, in one screen, why pip cannot verify its index here. Changes nothing.

  - the proxy: HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY (any case, as requests applies them) and
    pip's own proxy (--proxy, PIP_PROXY, proxy = in pip's config); passwords are always masked;
  - the OS family and its trust store;
  - for each target Python: Python and pip versions, whether pip's truststore context is active,
    which CA file pip will really use (vendored certifi, a Debian-patched certifi, cert = / PIP_CERT,
    REQUESTS_CA_BUNDLE which beats PIP_CERT), asked from that pip's own code;
  - the interception probe: a CONNECT through the proxy (or a direct connection) to the index each
    pip uses, an unverified TLS handshake that captures the chain presented, then verification
    against the public roots, the OS store and the CAs you supply; the verdict has a stable name:
      direct-trusted, intercepted-trusted, intercepted-unknown-ca (naming the product: Zscaler,
      Netskope, FortiGate, an antivirus or capture tool, ... or the issuer), expired, clock-skew,
      hostname-mismatch, proxy-auth-required, proxy-unreachable, proxy-error, tls-to-proxy-failed
      (with the corrected http:// URL), dns-failure, timeout, unreachable, tls-error, plain-http;
  - known traps with the pip/Python versions they need and what setup does about each.

Every network step has a timeout; all of them together stay within --timeout (default 15 s).
On a terminal each probe is announced as it starts; every finding ends with a 'next:' step.
Exit 0: no problem was found (with --offline nothing is probed: only settings and traps were checked,
and the verdict says 'not checked'); 1: a problem was found (the report says which); 2: bad input."""
EPILOG = """\
examples:
  pip-tls-setup doctor
  pip-tls-setup doctor --json | jq .summary          # {"proxy", "intercepted", "issuer", ...}
  pip-tls-setup doctor --ca corp-root.pem            # would this CA fix it?
  pip-tls-setup doctor --python .venv/bin/python --index-url https://mirror.corp.example/simple/
  pip-tls-setup doctor --public-roots lab-roots.pem  # a lab or private mirror: call these roots public
  pip-tls-setup doctor --offline                     # no network: settings and traps only

On GitHub Actions the report is also appended to $GITHUB_STEP_SUMMARY as Markdown.
The --json format is documented in docs/doctor.md and docs/schemas/doctor.schema.json.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    common.add_python(parser)
    parser.add_argument(
        "--ca",
        action="append",
        default=[],
        metavar="PATH",
        help="corporate CA file or directory to check the chain against (repeatable; also $PIP_TLS_SETUP_CA)",
    )
    parser.add_argument(
        "--public-roots",
        metavar="FILE",
        help="PEM bundle of the roots to call public (default: certifi's Mozilla roots)",
    )
    parser.add_argument(
        "--index-url",
        action="append",
        default=[],
        metavar="URL",
        help="probe this index instead of the one each target pip uses (repeatable)",
    )
    common.add_timeout(
        parser, "time budget for all network steps together (default: 15; one step gets at most a third)"
    )
    parser.add_argument("--offline", action="store_true", help="do not probe the network; settings and traps only")
    parser.add_argument(
        "--root",
        metavar="DIR",
        default="/",
        help="diagnose the root file system in DIR (its OS store, its Pythons through chroot)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    from pip_tls_setup.diagnosis import doctor, render, situation

    console = common.report_console(args)
    found = situation.prepare(common.doctor_request(args), env)
    found.progress = common.progress_for(console)
    report = doctor.build(found)
    render.render_text(report, *common.scrubbed(console, found.secrets))
    return common.finish_report(console, env, report, render.render_markdown(report), found.secrets, args.json)
