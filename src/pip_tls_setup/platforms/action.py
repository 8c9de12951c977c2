"""The GitHub Action's run step (``python -m pip_tls_setup.platforms.action``).

``action.yml`` passes the inputs through ``env:`` (never into script text):

============================  ==================================================================
``PIP_TLS_SETUP_CA``          input ``ca``: PEM text (a secret); read by the tool itself
``PIP_TLS_SETUP_CA_FINGERPRINTS``  input ``ca-fingerprints``; read by the tool itself
``PTS_CA_FILE``               input ``ca-file``: paths, one per line (or comma-separated)
``PTS_PYTHON``                input ``python``: target interpreters, one per line
``PTS_MODE``                  input ``mode``: ``enforce`` (fail the step) or ``warn``
``PTS_SCAN``                  input ``scan``: paths to scan, relative to the workspace; ``false`` skips
``PTS_SYSTEM_STORE``          input ``system-store``: ``true``/``false``
``PTS_VERIFY``                input ``verify``: ``true``/``false``
``PTS_SARIF_FILE``            input ``sarif-file``: where to write SARIF for code scanning
============================  ==================================================================

Order: mask proxy credentials, diagnose (``doctor``), scan the repository, set up (which applies the
runtime policy, exports the environment through ``$GITHUB_ENV`` and verifies), then write the outputs,
the annotations and the step summary. Exit 1 on findings (enforce) or a failed step, 2 on bad input.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import TextIO

from pip_tls_setup.platforms import github
from pip_tls_setup.platforms.cli_contract import (
    Facts,
    Invoker,
    Result,
    apply_doctor,
    apply_setup,
    findings_from,
    invoke,
    proxy_from_env,
    proxy_secrets,
    supports,
    text,
)

TRUE = ("true", "yes", "1", "on")
FALSE = ("false", "no", "0", "off")
CHILD_ONLY = ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT")  # the run step writes these itself


class BadInput(Exception):
    pass


def _flag(env: Mapping[str, str], name: str, input_name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise BadInput(f"input {input_name}: '{raw[:40]}' is not true or false; write true or false")


def _list(env: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in re.split(r"[\n,]+", env.get(name, "")) if item.strip()]


def _scan_paths(env: Mapping[str, str]) -> list[str]:
    raw = env.get("PTS_SCAN", ".").strip()
    if raw.lower() in FALSE or raw.lower() == "none":
        return []
    paths = [p for p in re.split(r"[\n ]+", raw) if p] or ["."]
    for path in paths:
        if path.startswith("-"):
            raise BadInput(f"input scan: '{path[:40]}' looks like an option; give paths relative to the workspace")
    return paths


def _child_env(env: Mapping[str, str], keep_github_files: bool) -> dict[str, str]:
    child = {k: v for k, v in env.items() if not k.startswith("PTS_")}
    if not keep_github_files:
        for name in (*CHILD_ONLY, "GITHUB_ENV"):
            child.pop(name, None)
    else:
        for name in CHILD_ONLY:
            child.pop(name, None)
    return child


def run(env: Mapping[str, str], out: TextIO, err: TextIO, call: Invoker = invoke) -> int:
    facts = Facts()
    try:
        facts.mode = env.get("PTS_MODE", "enforce").strip().lower() or "enforce"
        if facts.mode not in ("enforce", "warn"):
            raise BadInput(f"input mode: '{facts.mode[:40]}' is not enforce or warn; write enforce or warn")
        system_store = _flag(env, "PTS_SYSTEM_STORE", "system-store", True)
        verify = _flag(env, "PTS_VERIFY", "verify", True)
        scan_paths = _scan_paths(env)
    except BadInput as exc:
        facts.ok = False
        facts.errors.append(str(exc))
        github.emit([github.annotation("error", str(exc), title="pip-tls-setup")], out)
        _finish(env, facts, out)
        return 2

    # 1. Secrets first: nothing below may print a proxy password.
    github.emit([line for secret in proxy_secrets(env) for line in github.add_mask(secret)], out)
    quiet_env = _child_env(env, keep_github_files=False)

    targets: list[str] = []
    for path in _list(env, "PTS_CA_FILE"):
        targets += ["--ca", path]
    for python in _list(env, "PTS_PYTHON"):
        targets += ["--python", python]

    # 2. Diagnose (read-only; its exit code only says whether pip can verify yet).
    doctor = call(["doctor", "--json", *targets], quiet_env)
    if doctor.json() is not None:
        apply_doctor(facts, doctor.json())
    if not facts.proxy:
        facts.proxy = proxy_from_env(env)

    # 3. Scan the repository (static findings name file and line).
    exit_code = 0
    workspace = env.get("GITHUB_WORKSPACE") or os.getcwd()
    if scan_paths:
        exit_code = max(exit_code, _scan(env, facts, scan_paths, workspace, quiet_env, call, out, err))

    # 4. Set up (runtime policy, injection, $GITHUB_ENV, verification), unless enforce already failed.
    if exit_code == 0 or facts.mode == "warn":
        exit_code = max(exit_code, _setup(env, facts, targets, system_store, verify, call, out, err))
    else:
        facts.notes.append("setup was not run: fix the insecure settings above first (mode: enforce)")

    facts.ok = exit_code == 0
    _finish(env, facts, out)
    return exit_code


def _setup(
    env: Mapping[str, str],
    facts: Facts,
    targets: list[str],
    system_store: bool,
    verify: bool,
    call: Invoker,
    out: TextIO,
    err: TextIO,
) -> int:
    args = ["setup", "--json", *targets]
    if not system_store:
        args.append("--no-system-store")
    setup_env = _child_env(env, keep_github_files=True)
    if supports(call, setup_env, "setup", "--mode"):
        args += ["--mode", facts.mode]
    if not verify and supports(call, setup_env, "setup", "--no-verify"):
        args.append("--no-verify")
    result = call(args, setup_env)
    _pass_stderr(result, err)
    data = result.json()
    apply_setup(facts, data)
    err.write(text(facts))
    # The runtime policy's findings (the environment, pip config files on this runner) are not
    # repository files: their annotations name the place in the message, not as file=.
    runtime = findings_from(data)
    facts.findings.extend(runtime)
    github.emit(github.runtime_annotations(runtime, enforce=facts.mode == "enforce"), out)
    if result.returncode == 0:
        return 0
    if not (runtime and data and data.get("blocked")):
        _errors(facts, result, out)
    else:
        facts.errors.append("setup refused to run: insecure installer configuration in force; nothing changed")
    return result.returncode


def _scan(
    env: Mapping[str, str],
    facts: Facts,
    paths: list[str],
    workspace: str,
    child: dict[str, str],
    call: Invoker,
    out: TextIO,
    err: TextIO,
) -> int:
    code = 0
    for path in paths:
        result = call(["scan", path, "--format", "json"], child)
        if result.unavailable:
            facts.notes.append("scan is not available in this version of pip-tls-setup; repository not scanned")
            return 0
        data = result.json()
        if result.returncode == 2 or data is None:
            _pass_stderr(result, err)
            _errors(facts, result, out)
            return 2
        found = findings_from(data)
        facts.findings.extend(found)
        enforce = facts.mode == "enforce"
        github.emit(github.finding_annotations(found, enforce, base=_relative(path, workspace)), out)
        if result.returncode == 1 and enforce:
            code = 1
    sarif = env.get("PTS_SARIF_FILE", "").strip()
    if sarif:
        result = call(["scan", *paths, "--format", "sarif", "--output", sarif], child)
        if result.returncode not in (0, 1):
            _pass_stderr(result, err)
            _errors(facts, result, out)
            return 2
    return code


def _relative(path: str, workspace: str) -> str:
    """The scan root as a workspace-relative path (annotations need paths relative to the repository)."""
    if not os.path.isabs(path):
        return path
    try:
        rel = os.path.relpath(path, workspace)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _pass_stderr(result: Result, err: TextIO) -> None:
    if result.stderr:
        err.write(result.stderr if result.stderr.endswith("\n") else result.stderr + "\n")
        err.flush()


def _errors(facts: Facts, result: Result, out: TextIO) -> None:
    messages = result.errors or [f"pip-tls-setup {result.command} exited with {result.returncode}"]
    for message in messages:
        facts.errors.append(message)
        github.emit([github.annotation("error", message, title="pip-tls-setup")], out)


def _finish(env: Mapping[str, str], facts: Facts, out: TextIO) -> None:
    output = env.get("GITHUB_OUTPUT")
    if output:
        github.append(output, github.file_commands(facts.outputs()))
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        github.append(summary, github.summary(facts))
    out.flush()


def main() -> int:
    return run(os.environ, sys.stdout, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
