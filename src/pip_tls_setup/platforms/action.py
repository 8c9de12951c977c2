"""The GitHub Action's Python side: ``python -m pip_tls_setup.platforms.action run|post``.

``action/main.js`` (the action's ``main``) brings the tool in with ``entrypoint/bootstrap.py`` and calls
``run``; ``action/post.js`` (the ``post`` step, ``post-if: always()``) calls ``post``. Inputs arrive only
through the environment, under the names the component uses too (``cli_contract.Inputs``):

=================================  ==============================================================
``PIP_TLS_SETUP_CA``               input ``ca``: PEM text (a secret); read by the tool itself
``PIP_TLS_SETUP_CA_FINGERPRINTS``  input ``ca-fingerprints``; read by the tool itself
``PTS_CA_FILE``                    input ``ca-file``: paths, one per line (or comma-separated)
``PTS_TARGETS``                    input ``targets``: target interpreters, one per line
``PTS_MODE``                       input ``mode``: ``enforce`` (fail the step) or ``warn``
``PTS_SCAN``, ``PTS_SCAN_PATHS``   inputs ``scan`` (true/false) and ``scan-paths`` (workspace paths)
``PTS_SYSTEM_STORE``, ``PTS_VERIFY``  inputs ``system-store`` and ``verify`` (true/false)
``PTS_SARIF_FILE``                 input ``sarif-file``: where to write SARIF for code scanning
``PTS_CLEANUP``                    input ``cleanup``: ``auto`` (self-hosted runners only), ``always``, ``never``
``PTS_TOOL_PATH``                  the tool's executable (from the bootstrap), the ``tool-path`` output
=================================  ==============================================================

``run``: mask proxy credentials; save what ``post`` needs in ``$GITHUB_STATE``; scan; set up (the
runtime policy, ``$GITHUB_ENV``, verify); take the headline (proxy, interception, issuer) from verify's
probes, or, when setup failed, did not verify or did not run, from ``doctor``, which then explains; write
the outputs, the annotations and the step summary. Each phase is a ``::group::`` in the log.
Exit 1 on findings (enforce) or a failed step, 2 on bad input.

``post``: when cleanup applies, ``pip-tls-setup undo`` with the journal ``run`` used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import TextIO

from pip_tls_setup import escape
from pip_tls_setup.platforms import cli_contract, github

CHILD_ONLY = ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_STATE")  # the run step writes these itself
BUDGET_SECONDS = 15.0  # doctor's network steps together (its --timeout); a stuck doctor is stopped after
DOCTOR_GRACE_SECONDS = 30.0
HOSTED = "github-hosted"
STATE_PREFIX = "pts_"  # $GITHUB_STATE names; the post step sees them as STATE_pts_...
MAX_ANNOTATIONS = 10  # GitHub shows at most 10 error and 10 warning annotations per step
ANNOTATION_LIMIT_NOTE = (
    "{errors} error and {warnings} warning annotations: GitHub shows at most {limit} of each per step; "
    "every finding is in the step summary{sarif}"
)


def _child_env(env: Mapping[str, str], keep_github_env: bool) -> dict[str, str]:
    child = {k: v for k, v in env.items() if not k.startswith(("PTS_", "INPUT_", "STATE_"))}
    for name in CHILD_ONLY if keep_github_env else (*CHILD_ONLY, "GITHUB_ENV"):
        child.pop(name, None)
    return child


def _say(out: TextIO, message: str) -> None:
    """A line of ours in the log, escaped: nothing in it can start a workflow command."""
    out.write(escape.lines(message) + "\n")
    out.flush()


@contextmanager
def _group(out: TextIO, title: str) -> Iterator[None]:
    out.write(f"::group::{escape.workflow_data(escape.text(title))}\n")
    out.flush()
    try:
        yield
    finally:
        out.write("::endgroup::\n")
        out.flush()


def cleanup_for(env: Mapping[str, str], inputs: cli_contract.Inputs) -> cli_contract.Cleanup:
    """``auto`` cleans up unless the runner says it is GitHub-hosted (a fresh VM per job)."""
    environment = env.get("RUNNER_ENVIRONMENT", "").strip()
    where = f"RUNNER_ENVIRONMENT={environment}" if environment else "RUNNER_ENVIRONMENT unset (taken as self-hosted)"
    job_dir = os.path.join(env.get("RUNNER_TEMP") or os.path.join(os.sep, "tmp"), "pip-tls-setup")
    return cli_contract.cleanup_plan(inputs.cleanup, environment != HOSTED, where, job_dir, env)


def _save_state(env: Mapping[str, str], cleanup: cli_contract.Cleanup) -> None:
    path = env.get("GITHUB_STATE")
    if not path:
        return
    values = {
        "python": sys.executable,
        "cleanup": "true" if cleanup.enabled else "false",
        "reason": cleanup.reason,
        "state_dir": cleanup.state_dir or "",
    }
    github.append(path, github.file_commands({STATE_PREFIX + name: value for name, value in values.items()}))


def run(env: Mapping[str, str], out: TextIO, err: TextIO, call: cli_contract.Invoker = cli_contract.invoke) -> int:
    """The main step after the bootstrap. ``err`` is unused: the log is one stream, in order."""
    facts = cli_contract.Facts()
    try:
        inputs = cli_contract.Inputs.read(env)
    except cli_contract.BadInput as exc:
        facts.ok = False
        facts.errors.append(str(exc))
        github.emit([github.annotation("error", str(exc), title="pip-tls-setup")], out)
        _finish(env, facts, out)
        return 2
    facts.mode = inputs.mode
    cleanup = cleanup_for(env, inputs)
    _save_state(env, cleanup)  # before anything changes: post must find the journal even after a failure
    facts.notes.append(cleanup.reason + ("; the changes are undone at the end of the job" if cleanup.enabled else ""))

    # 1. Secrets first: nothing below may print a proxy password.
    github.emit([line for secret in cli_contract.proxy_secrets(env) for line in github.add_mask(secret)], out)

    # 2. Scan the repository (read-only): in enforce mode a finding fails the step before anything changes.
    exit_code = 0
    if inputs.scan:
        with _group(out, "pip-tls-setup: scan"):
            exit_code = _scan(env, facts, inputs, call, out)

    # 3. Set up (runtime policy, injection, $GITHUB_ENV, verification), unless enforce already failed.
    explained = False
    if exit_code == 0 or facts.mode == "warn":
        with _group(out, "pip-tls-setup: set up"):
            code, headline = _setup(env, facts, inputs, cleanup, call, out)
            exit_code = max(exit_code, code)
            if headline is not None:  # verify probed the index: its headline is doctor's, no second inventory
                _say(out, _headline(facts, headline, env))
                explained = True
    else:
        facts.notes.append("setup was not run: fix the insecure settings above first (mode: enforce)")

    # 4. Diagnose only when setup could not say: it failed, did not verify, or did not run.
    if not explained:
        with _group(out, "pip-tls-setup: diagnose"):
            _diagnose(env, facts, inputs, call, out)

    facts.ok = exit_code == 0
    _limit_note(facts, inputs, out)
    _finish(env, facts, out)
    return exit_code


def _scan(
    env: Mapping[str, str],
    facts: cli_contract.Facts,
    inputs: cli_contract.Inputs,
    call: cli_contract.Invoker,
    out: TextIO,
) -> int:
    """The JSON scan and, with ``sarif-file``, the SARIF one: at the same time."""
    quiet_env = _child_env(env, keep_github_env=False)
    scans = _scan_commands(inputs)
    with ThreadPoolExecutor(max_workers=len(scans)) as pool:
        results = list(pool.map(lambda args: call(args, quiet_env), scans))
    return _report_scans(env, facts, inputs, results, out)


def _diagnose(
    env: Mapping[str, str],
    facts: cli_contract.Facts,
    inputs: cli_contract.Inputs,
    call: cli_contract.Invoker,
    out: TextIO,
) -> None:
    """doctor's headline into the outputs; its exit code only says whether pip can verify, so it is not ours."""
    args = ["doctor", "--json", "--timeout", f"{BUDGET_SECONDS:g}", *inputs.target_args()]
    diagnosis = call(args, _child_env(env, keep_github_env=False), BUDGET_SECONDS + DOCTOR_GRACE_SECONDS)
    _say(out, _headline(facts, (diagnosis.json() or {}).get("summary"), env))


def _headline(facts: cli_contract.Facts, headline: object, env: Mapping[str, str]) -> str:
    """The proxy, interception and issuer (doctor's ``summary`` shape) into ``facts``; the log line."""
    cli_contract.apply_doctor(facts, {"summary": headline})
    facts.proxy = facts.proxy or cli_contract.proxy_from_env(env)
    intercepted = {"true": "yes", "false": "no"}.get(facts.intercepted, "not checked")
    line = f"pip-tls-setup: proxy {facts.proxy or 'none'}; TLS interception: {intercepted}"
    line += f" (issuer {facts.issuer})" if facts.issuer else ""
    return line + (f"\npip-tls-setup: {facts.diagnosis}" if facts.diagnosis else "")


def _scan_commands(inputs: cli_contract.Inputs) -> list[list[str]]:
    commands = [["scan", *inputs.scan_paths, "--format", "json"]]
    if inputs.sarif_file:
        commands.append(["scan", *inputs.scan_paths, "--format", "sarif", "--output", inputs.sarif_file])
    return commands


def _scan_base(paths: Sequence[str], workspace: str) -> str:
    """What finding paths are relative to: the one root given (a file's directory), else the workspace."""
    if len(paths) != 1:
        return ""
    root = paths[0]
    full = root if os.path.isabs(root) else os.path.join(workspace, root)
    if os.path.isfile(full):
        root = os.path.dirname(root) or "."
    return _relative(root, workspace)


def _report_scans(
    env: Mapping[str, str],
    facts: cli_contract.Facts,
    inputs: cli_contract.Inputs,
    results: list[cli_contract.Result],
    out: TextIO,
) -> int:
    found = results[0]
    data = found.json()
    failed = [r for r in results if r.returncode not in (0, 1)] + ([found] if data is None else [])
    if failed:
        _errors(facts, failed[0], out)
        return 2
    workspace = env.get("GITHUB_WORKSPACE") or os.getcwd()
    base = _scan_base(inputs.scan_paths, workspace).rstrip("/")
    # workspace-relative paths everywhere: the annotations need them, the summary should match
    findings = [
        replace(f, path=f"{base}/{f.path}") if base not in ("", ".") and f.path else f
        for f in cli_contract.findings_from(data)
    ]
    facts.findings.extend(findings)
    enforce = facts.mode == "enforce"
    github.emit(github.finding_annotations(findings, enforce), out)
    count = facts.findings_count
    _say(out, f"pip-tls-setup: scanned {', '.join(inputs.scan_paths)}: {count} insecure setting(s)")
    return 1 if found.returncode == 1 and enforce else 0


def _setup(
    env: Mapping[str, str],
    facts: cli_contract.Facts,
    inputs: cli_contract.Inputs,
    cleanup: cli_contract.Cleanup,
    call: cli_contract.Invoker,
    out: TextIO,
) -> tuple[int, object]:
    """setup's exit code, and verify's headline when setup succeeded and verify probed (else None)."""
    args = ["setup", "--json", *inputs.target_args(), *inputs.setup_args(cleanup.state_dir)]
    result = call(args, _child_env(env, keep_github_env=True))
    data = result.json()
    runtime = cli_contract.findings_from(data)
    blocked = bool(runtime and data and data.get("blocked"))
    cli_contract.apply_setup(facts, data)
    # The tool's own error lines become annotations, its warnings and findings are shown from the JSON:
    # what is left of its stderr is said once, then the account of the run.
    shown = [f.message for f in runtime]
    _say(
        out,
        "\n".join(
            [
                *cli_contract.unshown_lines(result, facts, shown, drop_errors=result.returncode != 0),
                cli_contract.text(facts),
            ]
        ).strip(),
    )
    # The runtime policy's findings (the environment, pip config files on this runner) are not
    # repository files: their annotations name the place in the message, not as file=.
    facts.findings.extend(runtime)
    github.emit(github.runtime_annotations(runtime, enforce=facts.mode == "enforce"), out)
    if result.returncode == 0:
        return 0, _verified_headline(data)
    if blocked:
        facts.errors.append("setup refused to run: insecure installer configuration in force; nothing changed")
    else:
        _errors(facts, result, out)
    return result.returncode, None


def _verified_headline(data: Mapping[str, object] | None) -> object:
    """verify's headline, when it probed something (an unverified or offline setup leaves it to doctor)."""
    verify = (data or {}).get("verify")
    headline = verify.get("headline") if isinstance(verify, Mapping) else None
    if isinstance(headline, Mapping) and headline.get("verdict") not in (None, "not-checked"):
        return headline
    return None


def _relative(path: str, workspace: str) -> str:
    """The scan root as a workspace-relative path (annotations need paths relative to the repository)."""
    if not os.path.isabs(path):
        return path
    try:
        rel = os.path.relpath(path, workspace)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _errors(facts: cli_contract.Facts, result: cli_contract.Result, out: TextIO) -> None:
    messages = result.errors or [f"pip-tls-setup {result.command} exited with {result.returncode}"]
    for message in messages:
        facts.errors.append(message)
        github.emit([github.annotation("error", message, title="pip-tls-setup")], out)


def _limit_note(facts: cli_contract.Facts, inputs: cli_contract.Inputs, out: TextIO) -> None:
    enforce = facts.mode == "enforce"
    errors = sum(1 for f in facts.findings if f.severity == "error" and enforce)
    warnings = sum(1 for f in facts.findings if f.severity != "note") - errors
    if errors > MAX_ANNOTATIONS or warnings > MAX_ANNOTATIONS:
        sarif = f" and in {inputs.sarif_file}" if inputs.sarif_file else ""
        note = ANNOTATION_LIMIT_NOTE.format(errors=errors, warnings=warnings, limit=MAX_ANNOTATIONS, sarif=sarif)
        facts.notes.append(note)
        _say(out, f"pip-tls-setup: {note}")


def _finish(env: Mapping[str, str], facts: cli_contract.Facts, out: TextIO) -> None:
    output = env.get("GITHUB_OUTPUT")
    if output:
        outputs = facts.outputs()
        outputs["tool-path"] = env.get("PTS_TOOL_PATH", "")
        github.append(output, github.file_commands(outputs))
    warning = github.append_step_summary(env, github.summary(facts))
    if warning:
        _say(out, f"pip-tls-setup: {warning}")
    out.flush()


def post(env: Mapping[str, str], out: TextIO, call: cli_contract.Invoker = cli_contract.invoke) -> int:
    """The post step: undo with the journal the main step used, when cleanup applies."""
    reason = env.get(f"STATE_{STATE_PREFIX}reason", "") or "nothing was set up"
    if env.get(f"STATE_{STATE_PREFIX}cleanup") != "true":
        _say(out, f"pip-tls-setup: no cleanup ({reason})")
        return 0
    state_dir = env.get(f"STATE_{STATE_PREFIX}state_dir", "")
    result = call(["undo", "--json", "--state-dir", state_dir], _child_env(env, keep_github_env=False))
    if cli_contract.nothing_to_undo(result):
        _say(out, f"pip-tls-setup: cleanup ({reason}): nothing to undo")
        return 0
    restored, removed, warnings = cli_contract.undo_summary(result.json())
    if result.returncode != 0:
        for message in result.errors or [f"pip-tls-setup undo exited with {result.returncode}"]:
            github.emit([github.annotation("error", message, title="pip-tls-setup cleanup")], out)
        return 1
    lines = [f"pip-tls-setup: cleanup ({reason}): restored {len(restored)}, removed {len(removed)}"]
    lines += [f"  restored {path}" for path in restored] + [f"  removed  {path}" for path in removed]
    github.emit([github.annotation("warning", w, title="pip-tls-setup cleanup") for w in warnings], out)
    _say(out, "\n".join(lines))
    github.append_step_summary(env, github.cleanup_summary(restored, removed, warnings))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in ([], ["run"]):
        return run(os.environ, sys.stdout, sys.stderr)
    if args == ["post"]:
        return post(os.environ, sys.stdout)
    sys.stderr.write("usage: python -m pip_tls_setup.platforms.action run|post\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
