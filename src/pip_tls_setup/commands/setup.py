"""``pip-tls-setup setup``: inject the corporate CAs everywhere Python tooling looks."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING, Any

from pip_tls_setup.commands.common import (
    add_output,
    add_python,
    add_root,
    add_setup_arguments,
    print_json,
    scrubbed,
)
from pip_tls_setup.errors import EXIT_FAILED, EXIT_OK
from pip_tls_setup.inject.edits import envexport
from pip_tls_setup.inject.plan import describe
from pip_tls_setup.ui import Console

if TYPE_CHECKING:
    from pip_tls_setup.ca.certs import CACert
    from pip_tls_setup.inject import flow

NAME = "setup"
HELP = "inject corporate CAs into the OS store, a combined bundle, each Python's certifi and pip config"
DESCRIPTION = """\
Validate the corporate CA(s), then put them everywhere Python tooling looks:
  - the OS trust store (update-ca-certificates / update-ca-trust / keychain / certutil),
  - one combined bundle (public roots + corporate CAs) at a stable path,
  - each target Python's certifi and pip's vendored certifi (between markers),
  - pip's config (cert = <combined bundle>),
  - SSL_CERT_FILE, REQUESTS_CA_BUNDLE, PIP_CERT, ... for later steps.
Verification is never turned off. Every change is journaled: 'pip-tls-setup undo' restores it."""
EPILOG = """\
examples:
  pip-tls-setup setup --ca corp-root.pem
  PIP_TLS_SETUP_CA="$CORP_CA_PEM" pip-tls-setup setup --ca-fingerprint sha256:3f1a...
  pip-tls-setup setup --ca corp.p7b --python .venv/bin/python --no-system-store
  pip-tls-setup setup --ca corp.cer --root /mnt/image --dry-run
  eval "$(pip-tls-setup setup --ca corp.pem -q)"     # export the variables into this shell

CA sources: --ca FILE|DIR (PEM, DER .cer/.crt, PKCS#7 .p7b/.p7c), $PIP_TLS_SETUP_CA (PEM text, e.g. a CI
secret). With --ca-fingerprint (or $PIP_TLS_SETUP_CA_FINGERPRINTS) every CA must match a pin.

environment: written to --env-file, else appended to $GITHUB_ENV on GitHub Actions, else printed on stdout
as export lines.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ca", action="append", default=[], metavar="PATH", help="corporate CA file or directory (repeatable)"
    )
    parser.add_argument(
        "--ca-fingerprint",
        action="append",
        default=[],
        metavar="sha256:HEX",
        help="pin: every CA must have one of these SHA-256 fingerprints (repeatable)",
    )
    add_python(parser)
    add_root(parser)
    parser.add_argument("--bundle", metavar="PATH", help="where to write the combined bundle")
    parser.add_argument("--no-system-store", action="store_true", help="leave the OS trust store alone")
    parser.add_argument("--no-certifi", action="store_true", help="leave every certifi cacert.pem alone")
    parser.add_argument("--no-pip-config", action="store_true", help="do not set cert = in pip's config")
    parser.add_argument(
        "--client",
        action="append",
        default=[],
        metavar="NAME",
        help="set up only these clients (repeatable; default: every client found: pip, uv, pipenv, poetry, pdm, "
        "hatch, tool-venvs, conda, git, curl, npm, node, urllib; none with --python unless named here)",
    )
    parser.add_argument(
        "--no-client", action="append", default=[], metavar="NAME", help="leave this client alone (repeatable)"
    )
    parser.add_argument("--env-file", metavar="PATH", help="write KEY=VALUE lines for later steps to PATH")
    parser.add_argument(
        "--env-format",
        choices=envexport.FORMATS,
        default=None,
        help="format of the variables printed on stdout (default: shell)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument(
        "--mode",
        choices=("enforce", "warn"),
        default="enforce",
        help="an insecure installer setting in force here (--trusted-host, http:// index, verification off, ...) "
        "fails the run before anything changes (enforce, the default) or is only reported (warn)",
    )
    add_setup_arguments(parser)
    add_output(parser)


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    # Heavy imports (cryptography, certifi) only when the command runs: keeps 'scan' fast.
    from pip_tls_setup.ca import sources
    from pip_tls_setup.inject import flow, planner
    from pip_tls_setup.target import privilege
    from pip_tls_setup.target.root import Root

    console = Console(quiet=args.quiet or args.json)
    root = Root.of(args.root)
    pins = sources.parse_pins(args.ca_fingerprint, env)
    cas = sources.gather(args.ca, env, pins, extra=_ca_from_proxy(args, env, pins))
    request = flow.SetupRequest(
        cas=cas,
        root=root,
        pythons=args.python,
        bundle=args.bundle,
        state_dir=args.state_dir,
        options=planner.Options(
            system_store=not args.no_system_store,
            certifi=not args.no_certifi,
            pip_config=not args.no_pip_config,
        ),
        env_file=args.env_file,
        dry_run=args.dry_run,
        clients=args.client,
        no_clients=args.no_client,
    )
    result = flow.prepare(request, env, privilege.detect())
    _show_inputs(console, result)
    if _policy_blocks(console, result, args.mode, args.json):
        return EXIT_FAILED
    if args.dry_run:
        _show_plan(console, result, dry_run=True)
        if args.json:
            print_json(report(result, ok=True))
        else:
            sys.stdout.write(envexport.render(result.plan.env, args.env_format or "shell"))
        return EXIT_OK
    flow.execute(result, env)
    from pip_tls_setup.platforms import docker, github

    if result.request.root.is_host and github.export_environment(env, result.plan.env, result.undo_command):
        result.env_sinks.append("$GITHUB_ENV")
    _show_plan(console, result, dry_run=False)
    verified = _verify(args, result, env, console)
    verified_ok = verified is None or bool(verified["ok"])
    if args.json:
        print_json({**report(result, ok=verified_ok), "verify": verified})
    elif not result.env_sinks or args.env_format:
        sys.stdout.write(envexport.render(result.plan.env, args.env_format or "shell"))
        if not args.quiet:  # in an image build: the Dockerfile ENV lines to add
            sys.stderr.write(docker.build_hint(result.plan.env, args.env_format, result.request.root.is_host, env))
    return EXIT_OK if verified_ok else EXIT_FAILED


def _ca_from_proxy(args: argparse.Namespace, env: dict[str, str], pins: set[str]) -> list[CACert]:
    """The pinned CAs the proxy presents (--ca-from-proxy) and the OS-store CAs that sign its chain
    (--ca-from-os-store); first, the inputs verify will need are checked."""
    from pip_tls_setup.diagnosis import after_setup, from_proxy
    from pip_tls_setup.diagnosis.situation import DoctorRequest
    from pip_tls_setup.target.root import Root

    after_setup.check_inputs(args.timeout, args.probe_project, not args.no_verify and not args.offline, env)
    if not args.ca_from_proxy and not args.ca_from_os_store:
        return []
    request = DoctorRequest(root=Root.of(args.root), pythons=args.python, timeout=args.timeout, offline=args.offline)
    taken = from_proxy.take(request, env, pins) if args.ca_from_proxy else []
    if args.ca_from_os_store:
        from pip_tls_setup.diagnosis import from_os_store

        taken += from_os_store.take(request, env)
    return taken


def _verify(
    args: argparse.Namespace, result: flow.SetupResult, env: dict[str, str], console: Console
) -> dict[str, Any] | None:
    """Run verify at the end of setup: the durable files alone, and with the variables setup exported."""
    if args.no_verify:
        console.item("skip", "verify", "skipped (--no-verify): nothing proves pip can reach its index")
        return None
    from pip_tls_setup.diagnosis import after_setup, verify
    from pip_tls_setup.platforms import docker

    request = verify.VerifyRequest(project=args.probe_project, timeout=args.timeout, offline=args.offline)
    report, situation = after_setup.run(result, env, args.python, request, docker.in_image_build(env))
    line, heading, _warn = scrubbed(console, situation.secrets)
    verify.render_text(report, line, heading)
    for warning in after_setup.warnings(report, result.undo_command):
        console.warn(warning)
    return report


# setup is the command the scan fixes point at: here they say what to remove, and the footer says the rest.
_SELF_REFERENCES = (
    re.compile(r"\s*\([^()]*'pip-tls-setup setup[^']*'[^()]*\)"),
    re.compile(r";\s*install the (?:corporate )?CA with 'pip-tls-setup setup[^']*'[^;]*"),
    re.compile(r",?\s*or 'pip-tls-setup setup[^']*'"),
    re.compile(r"\s*(?:instead)?:\s*'pip-tls-setup setup[^']*'"),
    re.compile(r"\s*with 'pip-tls-setup setup[^']*'"),
)
BLOCKED = (
    "{first}; insecure installer configuration in force{more}, nothing was changed: remove it and run setup "
    "again (it installs the corporate CA, so nothing needs verification off), or run with --mode warn to "
    "report without failing"
)


def fix_here(fix: str) -> str:
    """A scan fix as setup says it: without the advice to run setup, the command being run."""
    for pattern in _SELF_REFERENCES:
        fix = pattern.sub("", fix)
    return fix.strip(" ;,") or "remove the setting"


def _policy_blocks(console: Console, result: flow.SetupResult, mode: str, as_json: bool) -> bool:
    """Report the runtime policy once (each finding, then each rule's fix); in enforce mode, stop before
    anything is changed."""
    from dataclasses import replace

    from pip_tls_setup.policy.formats import text

    findings = [replace(f, fix=fix_here(f.fix)) for f in dict.fromkeys(result.findings)]
    blocking = [f for f in findings if f.failing]
    stopping = bool(blocking) and mode != "warn"
    # The first blocking finding is said in the error line; every other one once, above it. Failing
    # findings always show, also with --quiet: they are what a CI log must keep.
    rest = [f for f in findings if not (stopping and f is blocking[0]) and (f.failing or not console.quiet)]
    for line in [text.finding_line(f, console.color) for f in rest] + text.fixes(rest, console.color):
        print(line, file=sys.stderr)
    if not stopping:
        return False
    if as_json:
        print_json({**report(result, ok=False), "blocked": True})
    more = f" ({len(blocking) - 1} more above)" if len(blocking) > 1 else ""
    print(f"pip-tls-setup: error: {BLOCKED.format(first=text.line(blocking[0]), more=more)}", file=sys.stderr)
    return True


def _show_inputs(console: Console, result: flow.SetupResult) -> None:
    from pip_tls_setup.ca.certs import consequences

    cas = result.request.cas
    console.heading(f"pip-tls-setup: {len(cas.certs)} corporate CA(s), root {result.request.root} ({result.os.pretty})")
    for cert in cas.certs:
        console.item(
            "ok", "CA", f"{cert.common_name}  sha256:{cert.sha256}  until {cert.not_after:%Y-%m-%d}  ({cert.origin})"
        )
    for cert, finding in cas.warnings:
        console.warn(f"{cert.origin}: '{cert.common_name}' {finding.message}")
    for consequence in consequences(f for _cert, f in cas.warnings):  # said once, not after each finding
        console.warn(consequence)
    for target in result.targets:
        console.item("info", "target", target.label)
    if not result.targets:
        console.warn("no target Python found (give one with --python)")
    for _client, found in result.clients:
        console.item("info", "client", f"{found.label} ({found.executable}): {found.durable}")
    for note in result.discovery_notes:
        console.item("skip", "note", note)


def _show_plan(console: Console, result: flow.SetupResult, dry_run: bool) -> None:
    plan = result.plan
    for note in plan.notes:
        if note.level == "warning":
            console.warn(f"{note.topic}: {note.message}")
        else:
            console.item("skip" if note.level == "skip" else "info", note.level, f"{note.topic}: {note.message}")
    changes = plan.effective_files
    if plan.is_empty:
        console.line("nothing to change: every target already trusts these CAs", "ok")
    else:
        console.heading("plan (dry run, nothing changed):" if dry_run else "changed:")
        for change in changes:
            console.line("  " + describe(change))
        for command in plan.commands:
            console.line(f"  run    {' '.join(command.argv)}  ({command.reason})")
    if not dry_run:
        console.line(f"combined bundle: {result.layout.bundle}", "ok")
        for sink in result.env_sinks:
            console.line(f"environment written to {sink}")


def report(result: flow.SetupResult, ok: bool) -> dict[str, Any]:
    from pip_tls_setup import envelope

    return envelope("setup", ok, _fields(result))


def _fields(result: flow.SetupResult) -> dict[str, Any]:
    plan = result.plan
    applied = result.applied
    return {
        "dry_run": result.request.dry_run,
        "root": str(result.request.root),
        "os": {"family": result.os.family, "id": result.os.id, "name": result.os.pretty},
        "privilege": result.privilege.value,
        "bundle": result.layout.bundle,
        "corporate_bundle": result.layout.corporate,
        "state_dir": str(result.layout.state_dir),
        "undo_command": result.undo_command,
        "cas": [
            {
                "subject": c.subject,
                "issuer": c.issuer,
                "sha256": c.sha256,
                "origin": c.origin,
                "not_after": c.not_after.isoformat(),
                "findings": [
                    {"level": f.level, "code": f.code, "message": f.text}
                    for f in result.request.cas.findings.get(c.sha256, [])
                ],
            }
            for c in result.request.cas.certs
        ],
        "targets": [
            {
                "executable": t.executable,
                "python": ".".join(map(str, t.version)),
                "pip": t.pip.version if t.pip else None,
                "venv": t.is_venv,
                "truststore_active": t.truststore_active,
            }
            for t in result.targets
        ],
        "clients": [found.to_json() for _client, found in result.clients],
        "changes": [{"path": f.path, "action": f.verb, "reason": f.reason} for f in plan.effective_files],
        "commands": [
            {"argv": list(c.argv), "reason": c.reason, "returncode": _returncode(applied, list(c.argv))}
            for c in plan.commands
        ],
        "notes": [{"level": n.level, "topic": n.topic, "message": n.message} for n in plan.notes],
        "env": {v.name: v.value for v in plan.env},
        "env_sinks": result.env_sinks,
        "findings": [f.to_dict() for f in result.findings],
        "changed": result.changed,
    }


def _returncode(applied: Any, argv: list[str]) -> int | None:
    if applied is None:
        return None
    for run in applied.commands:
        if run.argv[-len(argv) :] == argv:
            return int(run.returncode)
    return None
