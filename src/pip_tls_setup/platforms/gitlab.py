"""GitLab CI: the component's run steps (``python -m pip_tls_setup.platforms.gitlab setup|scan|undo``).

``setup`` (the ``.pip-tls-setup`` hidden job's ``before_script``): diagnose, set up in the job's own
image, write ``$PTS_DIR/env.sh`` (sourced by the job's shell: variables die with the job) and the dotenv
report ``pip-tls-setup.env`` (``PIP_TLS_SETUP_BUNDLE`` and the diagnosis, for later jobs).

``scan`` (the ``pip-tls-setup-scan`` job): scan the repository, write the Code Quality report and SARIF,
fail on findings (``enforce``) or report them (``warn``).

``undo`` (the hidden job's ``after_script``): when cleanup applies (``cleanup: auto`` = the job does not
run in a container, e.g. a shell executor), restore what ``setup`` changed.

Inputs arrive as environment variables set by the template from ``spec: inputs``, under the same names
as the Action's (``cli_contract.Inputs``: ``PTS_MODE``, ``PTS_TARGETS``, ``PTS_SCAN_PATHS``, ...), plus
``PTS_DIR`` (private directory of this job), ``PTS_DOTENV``, ``PTS_CODEQUALITY``. The CA comes from the
``PIP_TLS_SETUP_CA`` CI/CD variable (type File: a path; type Variable: PEM text), and from what the
runner hands every job when present: ``CI_SERVER_TLS_CA_FILE`` and ``ADDITIONAL_CA_CERT_BUNDLE``
(validated like the others; with pins, a runner CA no pin names is left out).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

from pip_tls_setup import escape
from pip_tls_setup.errors import InputError
from pip_tls_setup.platforms import cli_contract

DOTENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DOTENV_MAX_BYTES = 5 * 1024  # GitLab's default limit for a dotenv report
RUNNER_CA_FILE = "CI_SERVER_TLS_CA_FILE"
RUNNER_CA_BUNDLE = "ADDITIONAL_CA_CERT_BUNDLE"
RUNNER_CAS_NAME = "runner-cas.pem"
ERROR = "pip-tls-setup: error: "


def dotenv(values: Mapping[str, str]) -> str:
    """A dotenv report GitLab accepts: valid names, one line per value, under the size limit."""
    lines: list[str] = []
    for name, value in values.items():
        if not DOTENV_NAME.match(name):
            raise ValueError(f"bad dotenv name {name!r}")
        clean = value.replace("\r", " ").replace("\n", " ").strip()
        lines.append(f"{name}={clean}\n")
    text = "".join(lines)
    if len(text.encode("utf-8")) > DOTENV_MAX_BYTES:
        raise ValueError("dotenv report over GitLab's 5 KiB limit")
    return text


def shell_exports(values: Mapping[str, str]) -> str:
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items() if DOTENV_NAME.match(name))


def section_start(name: str, header: str, collapsed: bool = True) -> str:
    flag = "[collapsed=true]" if collapsed else ""
    return f"\x1b[0Ksection_start:{int(time.time())}:{name}{flag}\r\x1b[0K{escape.text(header)}"


def section_end(name: str) -> str:
    return f"\x1b[0Ksection_end:{int(time.time())}:{name}\r\x1b[0K"


def _say(stream: TextIO, message: str) -> None:
    """Our lines in the job log, escaped: nothing hostile in them can open or close a section."""
    stream.write(escape.lines(message) + "\n")
    stream.flush()


def _ca_args(env: dict[str, str]) -> list[str]:
    """A File-type ``PIP_TLS_SETUP_CA`` variable holds a path: hand it over as ``--ca``."""
    value = env.get("PIP_TLS_SETUP_CA", "")
    if value and "BEGIN" not in value and "\n" not in value.strip() and os.path.isfile(value.strip()):
        env.pop("PIP_TLS_SETUP_CA")
        return ["--ca", value.strip()]
    return []


def _runner_sources(env: Mapping[str, str]) -> list[tuple[str, bytes]]:
    from pip_tls_setup.ca.sources import read_ca_file

    found: list[tuple[str, bytes]] = []
    path = env.get(RUNNER_CA_FILE, "").strip()
    if path:
        found.append((f"${RUNNER_CA_FILE} ({path})", read_ca_file(Path(path), f"${RUNNER_CA_FILE} ({path})")))
    bundle = env.get(RUNNER_CA_BUNDLE, "")
    if bundle.strip() and "BEGIN" not in bundle and "\n" not in bundle.strip():
        where = f"${RUNNER_CA_BUNDLE} ({bundle.strip()})"
        found.append((where, read_ca_file(Path(bundle.strip()), where)))
    elif bundle.strip():
        found.append((f"${RUNNER_CA_BUNDLE}", bundle.encode("utf-8", "replace")))
    return found


def runner_cas(env: Mapping[str, str], directory: str, err: TextIO) -> list[str]:
    """``--ca FILE`` with the runner's CAs that may be trusted (validated; pinned when pins are given)."""
    from pip_tls_setup.ca.certs import dedupe, load_certificates
    from pip_tls_setup.ca.sources import parse_pins

    pins = parse_pins([], env)
    kept = []
    for origin, data in _runner_sources(env):
        for cert in load_certificates(data, origin):
            if pins and cert.sha256 not in pins:
                _say(err, f"pip-tls-setup: {origin}: left out sha256:{cert.sha256}: it matches no pinned fingerprint")
            else:
                kept.append(cert)
    if not kept:
        return []
    path = Path(directory) / RUNNER_CAS_NAME
    _write(str(path), "".join(cert.pem() for cert in dedupe(kept)))
    return ["--ca", str(path)]


def _child(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if not k.startswith("PTS_")}


def _write(path: str, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


def cleanup_for(env: Mapping[str, str], inputs: cli_contract.Inputs) -> cli_contract.Cleanup:
    """``auto`` cleans up where the job runs on the machine itself (a shell executor), not in a container."""
    container = cli_contract.in_container()
    where = "the job runs in a container" if container else "the job runs on the runner's machine"
    return cli_contract.cleanup_plan(inputs.cleanup, not container, where, env.get("PTS_DIR") or os.getcwd(), env)


def _inputs(env: Mapping[str, str], err: TextIO) -> cli_contract.Inputs | None:
    try:
        return cli_contract.Inputs.read(env)
    except cli_contract.BadInput as exc:
        _say(err, ERROR + str(exc))
        return None


def run_setup(
    env: Mapping[str, str], out: TextIO, err: TextIO, call: cli_contract.Invoker = cli_contract.invoke
) -> int:
    inputs = _inputs(env, err)
    if inputs is None:
        return 2
    child = _child(env)
    pts_dir = env.get("PTS_DIR") or os.getcwd()
    try:
        cas = _ca_args(child) + runner_cas(env, pts_dir, err)
    except InputError as exc:
        _say(err, ERROR + str(exc))
        return 2
    targets = cas + inputs.target_args()
    facts = cli_contract.Facts(mode=inputs.mode)
    cleanup = cleanup_for(env, inputs)

    doctor = call(["doctor", "--json", *targets], child)
    cli_contract.apply_doctor(facts, doctor.json())
    facts.proxy = facts.proxy or cli_contract.proxy_from_env(env)
    intercepted = {"true": "yes", "false": "no"}.get(facts.intercepted, "unknown")
    headline = f"pip-tls-setup: proxy {facts.proxy or 'none'}; TLS interception: {intercepted}"
    _say(out, headline + (f" (issuer {facts.issuer})" if facts.issuer else ""))
    if facts.diagnosis:
        _say(out, f"pip-tls-setup: {facts.diagnosis}")

    out.write(section_start("pip_tls_setup_setup", "pip-tls-setup setup", collapsed=False) + "\n")
    result = call(["setup", "--json", *targets, *inputs.setup_args(cleanup.state_dir)], child)
    data = result.json()
    cli_contract.apply_setup(facts, data)
    unshown = cli_contract.unshown_lines(result, facts, [f.message for f in cli_contract.findings_from(data)])
    if unshown:
        _say(err, "\n".join(unshown))
    facts.notes.append(cleanup.reason)
    _say(out, cli_contract.text(facts).rstrip("\n"))
    out.write(section_end("pip_tls_setup_setup") + "\n")
    _reports(env, facts, pts_dir)
    if result.returncode == 0:
        _say(out, f"pip-tls-setup: set up; bundle {facts.bundle}; this job's shell gets {len(facts.env)} variables")
    return result.returncode


def _reports(env: Mapping[str, str], facts: cli_contract.Facts, pts_dir: str) -> None:
    _write(os.path.join(pts_dir, "env.sh"), shell_exports(facts.env))
    report = env.get("PTS_DOTENV", "pip-tls-setup.env")
    values = {
        "PIP_TLS_SETUP_BUNDLE": facts.bundle,
        "PIP_TLS_SETUP_PROXY": facts.proxy,
        "PIP_TLS_SETUP_INTERCEPTED": facts.intercepted,
        "PIP_TLS_SETUP_ISSUER": facts.issuer[:500],
    }
    _write(report, dotenv(values))


def run_scan(env: Mapping[str, str], out: TextIO, err: TextIO, call: cli_contract.Invoker = cli_contract.invoke) -> int:
    inputs = _inputs(env, err)
    if inputs is None:
        return 2
    child = _child(env)
    paths = list(inputs.scan_paths)
    codequality = env.get("PTS_CODEQUALITY", "gl-code-quality-report.json")
    sarif = inputs.sarif_file or "pip-tls-setup.sarif"
    commands = [
        ["scan", *paths],
        ["scan", *paths, "--format", "gitlab", "--output", codequality],
        ["scan", *paths, "--format", "sarif", "--output", sarif],
        ["scan", *paths, "--format", "json"],
    ]
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:  # independent, read-only: at the same time
        report, *written, listed = list(pool.map(lambda args: call(args, child), commands))
    _relay(report, out, err)
    if report.returncode == 2:
        return 2
    for result in written:
        if result.returncode not in (0, 1):
            _relay(result, out, err)
            return 2
    count = sum(1 for f in cli_contract.findings_from(listed.json()) if f.severity != "note")
    _say(out, f"pip-tls-setup: {count} insecure setting(s); Code Quality report {codequality}, SARIF {sarif}")
    return 1 if report.returncode == 1 and inputs.mode == "enforce" else 0


def run_undo(env: Mapping[str, str], out: TextIO, err: TextIO, call: cli_contract.Invoker = cli_contract.invoke) -> int:
    """after_script: undo when cleanup applies (its failure is reported; after_script cannot fail the job)."""
    inputs = _inputs(env, err)
    if inputs is None:
        return 2
    cleanup = cleanup_for(env, inputs)
    if not cleanup.enabled:
        _say(out, f"pip-tls-setup: no cleanup ({cleanup.reason})")
        return 0
    result = call(["undo", "--json", "--state-dir", str(cleanup.state_dir)], _child(env))
    if cli_contract.nothing_to_undo(result):
        _say(out, f"pip-tls-setup: cleanup ({cleanup.reason}): nothing to undo")
        return 0
    if result.returncode != 0:
        _relay(result, out, err, stdout=False)
        return result.returncode
    restored, removed, warnings = cli_contract.undo_summary(result.json())
    lines = [f"pip-tls-setup: cleanup ({cleanup.reason}): restored {len(restored)}, removed {len(removed)}"]
    lines += [f"pip-tls-setup: warning: {warning}" for warning in warnings]
    _say(out, "\n".join(lines))
    return 0


def _relay(result: cli_contract.Result, out: TextIO, err: TextIO, stdout: bool = True) -> None:
    if stdout and result.stdout:
        _say(out, result.stdout.rstrip("\n"))
    if result.stderr:
        _say(err, result.stderr.rstrip("\n"))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    steps = {"setup": run_setup, "scan": run_scan, "undo": run_undo}
    if len(args) == 1 and args[0] in steps:
        return steps[args[0]](os.environ, sys.stdout, sys.stderr)
    sys.stderr.write("usage: python -m pip_tls_setup.platforms.gitlab setup|scan|undo\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
