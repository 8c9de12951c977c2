"""``pip-tls-setup verify``: prove each target's pip reaches its index with verification on."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pip_tls_setup.commands.common import add_python, doctor_request, print_json
from pip_tls_setup.errors import EXIT_FAILED, EXIT_OK, InputError
from pip_tls_setup.ui import Console

if TYPE_CHECKING:
    from pip_tls_setup.ca.certs import CACert
    from pip_tls_setup.inject import flow

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
    add_python(parser)
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
    parser.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="time budget for all network steps together (default: 15)",
    )
    parser.add_argument("--offline", action="store_true", help="skip verification (an offline build), with a note")
    parser.add_argument("--no-requests", action="store_true", help="check pip's session only, not requests")
    parser.add_argument("--root", metavar="DIR", default="/", help="verify the Pythons of the root in DIR (chroot)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")


def check_project(name: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name):
        raise InputError(f"--probe-project {name}", "is not a project name", "for example --probe-project pip")
    return name


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


def run(args: argparse.Namespace) -> int:
    from pip_tls_setup import redact
    from pip_tls_setup.diagnosis import doctor, verify
    from pip_tls_setup.inject import flow

    env = flow.environ()
    console = Console(quiet=args.quiet or args.json)
    project = check_project(args.probe_project)
    overlay = read_env_file(args.env_file) if args.env_file else {}
    request = doctor_request(args)
    context = doctor.prepare(request, env, with_targets=not args.offline)
    if overlay:
        views = [verify.View("with-env-file", f"this environment plus the variables in {args.env_file}", overlay)]
    else:
        views = [verify.View("current", "this environment")]
    report = verify.run(
        context,
        verify.VerifyRequest(
            project=project,
            timeout=args.timeout,
            offline=args.offline,
            index_urls=args.index_url,
            requests=not args.no_requests,
        ),
        context.targets,
        views,
    )
    verify.render_text(
        report,
        lambda text, kind="": console.line(redact.scrub(text, context.secrets), kind),
        lambda text: console.heading(redact.scrub(text, context.secrets)),
    )
    problem = doctor.write_summary(env, redact.scrub(verify.render_markdown(report), context.secrets))
    if problem:
        console.warn(problem)
    if args.json:
        print_json(report)
    return EXIT_OK if report["ok"] else EXIT_FAILED


# --------------------------------------------------------------------------- used by 'setup'


def add_setup_arguments(parser: argparse.ArgumentParser) -> None:
    """The options 'setup' takes for verification and --ca-from-proxy."""
    parser.add_argument(
        "--ca-from-proxy",
        action="store_true",
        help="take the CA from the chain the proxy presents, only if it matches a --ca-fingerprint pin "
        "(without a pin: refuse and print the fingerprint to check with your security team)",
    )
    parser.add_argument("--no-verify", action="store_true", help="do not run 'verify' after the changes")
    parser.add_argument(
        "--offline", action="store_true", help="no network: skip verify (and --ca-from-proxy is refused)"
    )
    parser.add_argument(
        "--probe-project",
        default="pip",
        metavar="NAME",
        help="project whose index page verify fetches (default: pip; a 404 still proves TLS)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="time budget for the network steps of verify / --ca-from-proxy (default: 15)",
    )


def ca_from_proxy(args: argparse.Namespace, env: dict[str, str], pins: set[str]) -> list[CACert]:
    """The pinned CA certificates the proxy presents (``setup --ca-from-proxy``); never trust on first use.

    Setup calls this before it changes anything, so it is also where the proxy settings its final
    verify will use are checked: a malformed proxy URL is bad input (exit 2), not a half-done setup.
    """
    from pip_tls_setup.diagnosis.probe import check_timeout

    check_timeout(args.timeout)
    if not args.no_verify and not args.offline:
        from pip_tls_setup.diagnosis import proxies

        proxies.validate(env)
        check_project(args.probe_project)
    if not getattr(args, "ca_from_proxy", False):
        return []
    from pip_tls_setup.ca.certs import CACert
    from pip_tls_setup.diagnosis import doctor
    from pip_tls_setup.errors import CheckFailed
    from pip_tls_setup.target.root import Root

    if args.offline:
        raise InputError("--ca-from-proxy", "needs the network, but --offline was given", "pass the CA with --ca")
    request = doctor.DoctorRequest(root=Root.of(args.root), pythons=args.python, timeout=args.timeout)
    context = doctor.prepare(request, env)
    doctor.build(context)
    if not context.results:
        raise InputError(
            "--ca-from-proxy", "found no target pip and so no index to reach", "name a target with --python"
        )
    seen = [r for r in context.results if r.chain]
    if not seen:
        first = context.results[0]
        raise CheckFailed(
            f"--ca-from-proxy: could not capture the chain from {redact_url(first.url)}: "
            f"{first.classification}: {redact_url(first.message)}"
        )
    result = seen[0]
    where = f"the proxy {result.proxy.redacted}" if result.proxy else f"{result.host} (no proxy)"
    if result.classification == "direct-trusted":
        raise InputError(
            "--ca-from-proxy",
            f"{where} is not intercepting TLS: the chain for {result.host} verifies against the public roots",
            "there is no proxy CA to take; drop --ca-from-proxy",
        )
    candidates = result.ca_candidates
    if not candidates:
        hint = (
            "this Python can only see the leaf certificate; run pip-tls-setup with Python 3.10+ or pass --ca"
            if result.chain_capture == "leaf-only"
            else "get the CA file from your security team and pass it with --ca"
        )
        raise InputError(
            "--ca-from-proxy",
            f"{where} presented only the server certificate, not its CA ('{result.issuer_name}')",
            hint,
        )
    listed = ", ".join(f"'{c.common_name or c.subject}' sha256:{c.sha256}" for c in candidates)
    if not pins:
        raise InputError(
            "--ca-from-proxy",
            "refusing to trust a certificate seen on the wire without a pin (no trust on first use); "
            f"{where} presented {listed}",
            "confirm the fingerprint with your security team out of band, then add "
            f"--ca-fingerprint sha256:{candidates[-1].sha256}",
        )
    taken = [c for c in candidates if c.sha256 in pins]
    if not taken:
        raise InputError(
            "--ca-from-proxy",
            f"{where} presented {listed}, which matches no --ca-fingerprint",
            "this is not the CA you pinned: do not trust it; check the proxy and the pin with your security team",
        )
    origin = f"--ca-from-proxy ({result.proxy.redacted if result.proxy else result.host})"
    return [CACert(c.x509, origin) for c in taken]


def redact_url(text: str) -> str:
    from pip_tls_setup import redact

    return redact.url(text)


def after_setup(
    args: argparse.Namespace, result: flow.SetupResult, env: dict[str, str], console: Console
) -> dict[str, Any] | None:
    """Run verify at the end of setup: the durable files alone, and with the variables setup exported."""
    from pip_tls_setup import redact
    from pip_tls_setup.diagnosis import doctor, verify

    if args.no_verify:
        console.item("skip", "verify", "skipped (--no-verify): nothing proves pip can reach its index")
        return None
    project = check_project(args.probe_project)
    request = doctor.DoctorRequest(root=result.request.root, pythons=args.python, timeout=args.timeout)
    context = doctor.prepare(request, env, with_targets=False)
    doctor.add_supplied(context, result.request.cas.certs)
    from pip_tls_setup.platforms import docker

    exported = {v.name: v.value for v in result.plan.env}
    delivered = ", ".join(result.env_sinks) or "printed on stdout"
    # In an image build (or for another root) printed variables reach no later step: files must do.
    files_only = not result.env_sinks and (not result.request.root.is_host or docker.in_container(env))
    views = [
        verify.View(
            "current",
            "the durable files alone (pip config, certifi, OS store): what a step that does not load "
            "setup's variables sees",
            decisive=not exported or files_only,
        )
    ]
    if exported:
        views.append(
            verify.View(
                "with-exports",
                f"plus the {len(exported)} variables setup exported ({delivered}): what later steps see",
                exported,
                decisive=not files_only,
            )
        )
    report = verify.run(
        context,
        verify.VerifyRequest(project=project, timeout=args.timeout, offline=args.offline),
        result.targets,
        views,
    )
    verify.render_text(
        report,
        lambda text, kind="": console.line(redact.scrub(text, context.secrets), kind),
        lambda text: console.heading(redact.scrub(text, context.secrets)),
    )
    failing_views = {
        t["view"] for t in report["targets"] if not t["decisive"] and any(not c["ok"] for c in t["checks"])
    }
    if report["ok"] and "current" in failing_views:
        console.warn(
            "pip verifies only with the exported variables: a later step that does not load them "
            "(a Docker RUN, another job) still fails; keep pip's config and certifi changes (no --no-pip-config)"
        )
    if report["ok"] and "with-exports" in failing_views:
        console.warn(
            "the durable files verify, but the exported variables make pip fail: a later step that loads them "
            "will not reach the index (see the with-exports checks above)"
        )
    if not report["ok"]:
        console.warn("setup applied its changes, but verification failed; 'pip-tls-setup undo' restores everything")
    return report
