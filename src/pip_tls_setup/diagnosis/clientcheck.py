"""verify's per-client checks: each client found (uv, pipenv, poetry, git, curl, npm, node, urllib, ...) fetches
the index through the proxy with verification on, in each view, with its own code and its own config.

A client's ``Probe`` says what to run and how to read the result; an ``untrusted`` answer gets the interception
probe (as pip's failures do), so the report names the CA that signed what the client was shown. A client that
cannot be probed here says ``not checked``; nothing is ``ok`` that did not fetch. A client with no trust channel
without a variable (node: ``NODE_EXTRA_CA_CERTS``) is shown in a view lacking it, but does not decide the exit
code there.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pip_tls_setup import redact
from pip_tls_setup.clients import Client, Context, Found, ProbeRequest
from pip_tls_setup.clients.base import FAILED, NOT_CHECKED, UNTRUSTED, VERIFIED, Outcome
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import pip_view, proxies
from pip_tls_setup.diagnosis.probe import concurrently
from pip_tls_setup.diagnosis.render import md
from pip_tls_setup.target import pythons

PROBE_GRACE = 60.0  # seconds a client may take beyond the network budget (start-up, not network)
COVERED = ("pip", "tool-venvs")  # checked per Python target (pip, requests) above
NOT_PROBEABLE = "not checked: {client} cannot be probed here"
VIA_VENV = "not checked on its own: its venv is checked as a Python target ({python})"
NO_CHANNEL = "has no trust channel without {names}; this view does not decide the exit code"
NO_INDEX = "not checked: no https:// index to fetch (give --index-url or PIP_INDEX_URL)"


def index_for(env: Mapping[str, str], index_urls: Sequence[str], targets: Sequence[pythons.Target]) -> str | None:
    """The index the clients fetch: --index-url, else PIP_INDEX_URL, else the first target pip's default."""
    defaults = [t.pip.default_index for t in targets if t.pip and t.pip.default_index]
    for url in [*index_urls, env.get("PIP_INDEX_URL") or "", *defaults]:
        if url.startswith("https://"):
            return url if url.endswith("/") else url + "/"
    return None


def run(
    checker: Any,
    clients: Sequence[tuple[Client, Found]],
    context: Context,
    views: Sequence[Any],
    targets: Sequence[pythons.Target],
) -> list[dict[str, Any]]:
    """One entry per (view, client found)."""
    request = checker.request
    python = next((t.executable for t in targets if t.is_venv), targets[0].executable if targets else None)
    jobs: list[tuple[Client, Found, Context, Any, str | None]] = []
    for view in views:
        env = {**checker.situation.env, **view.overlay}
        index = index_for(env, request.index_urls, targets)
        ctx = dataclasses.replace(context, env=env)
        jobs += [(client, found, ctx, view, index) for client, found in clients if client.name not in COVERED]
    return concurrently(lambda job: _check(checker, *job, python), jobs)


def _entry(found: Found, view: Any, decisive: bool) -> dict[str, Any]:
    return {
        "client": found.client,
        "version": found.version,
        "executable": found.executable,
        "view": view.name,
        "decisive": decisive,
        "ok": None,
        "classification": C.NOT_PROBED,
        "message": "",
        "error": None,
        "status": None,
        "what": "",
        "proxy": None,
        "elapsed_seconds": None,
    }


def _check(
    checker: Any, client: Client, found: Found, ctx: Context, view: Any, index: str | None, python: str | None
) -> dict[str, Any]:
    entry = _entry(found, view, view.decisive)
    if index is None:
        entry["message"] = NO_INDEX
        return entry
    workdir = tempfile.mkdtemp(prefix="pts-verify-")
    try:
        request = ProbeRequest(index, checker.request.project, workdir, python, max(1.0, checker.request.timeout))
        probe = client.probe(found, ctx, request)
        if probe is None:
            entry["message"] = (
                VIA_VENV.format(python=found.venvs[0]) if found.venvs else NOT_PROBEABLE.format(client=found.client)
            )
            return entry
        if probe.needs and not any(ctx.env.get(n) for n in probe.needs):
            entry["decisive"] = False
            entry["note"] = f"{found.client} " + NO_CHANNEL.format(names=" / ".join(probe.needs))
        entry["what"] = redact.url(probe.what)
        env = {**pip_view.environment(ctx.root, ctx.env), **probe.env}
        started = time.monotonic()
        code, output = _run(ctx, probe.argv, env, probe.stdin, checker.deadline.remaining() + PROBE_GRACE)
        entry["elapsed_seconds"] = round(time.monotonic() - started, 3)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    outcome = probe.judge(code, output) if code >= 0 else Outcome(FAILED, output)
    return _judged(checker, entry, outcome, index, ctx.env)


def _run(ctx: Context, argv: Sequence[str], env: Mapping[str, str], stdin: str, timeout: float) -> tuple[int, str]:
    """(returncode, stdout + stderr); a negative code when it could not run or did not finish."""
    try:
        done = subprocess.run(
            ctx.root.command(argv),
            input=stdin or None,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(env),
            check=False,
            cwd=tempfile.gettempdir(),
        )
    except subprocess.TimeoutExpired:
        return -1, f"no answer within {timeout:.0f}s"
    except OSError as exc:
        return -1, f"could not be started ({exc.strerror})"
    return done.returncode, done.stdout + done.stderr


def _judged(
    checker: Any, entry: dict[str, Any], outcome: Outcome, index: str, env: Mapping[str, str]
) -> dict[str, Any]:
    """The outcome in verify's vocabulary; an untrusted chain is probed to name the CA that signed it."""
    choice = proxies.for_pip(index, env, None, None).proxy
    entry["proxy"] = choice.redacted if choice else None
    line = redact.url(outcome.line)
    entry["status"] = outcome.status
    if outcome.state == VERIFIED:
        message = line if line.startswith("TLS verified") else f"TLS verified; {line}"
        entry.update(ok=True, classification=C.VERIFIED, message=message)
    elif outcome.state == UNTRUSTED:
        seen = checker.enrich(index, choice)
        issuer = seen.issuer_name or "an unknown issuer"
        product = f" ({seen.product})" if seen.product else ""
        intercepted = seen.public_anchored is False or seen.intercepted
        entry["classification"] = C.INTERCEPTED_UNKNOWN_CA if intercepted else C.UNTRUSTED
        entry["error"] = line
        entry["ok"] = False
        entry["message"] = f"{entry['client']} does not trust '{issuer}'{product}; it says: {line}"
    elif outcome.state == NOT_CHECKED:
        entry["message"] = f"not checked: {line}"
    else:
        entry.update(ok=False, classification=C.ERROR, error=line, message=f"the request failed; it says: {line}")
    return entry


def failed(entries: Sequence[Mapping[str, Any]], decisive_only: bool) -> list[Mapping[str, Any]]:
    return [e for e in entries if e["ok"] is False and (e["decisive"] or not decisive_only)]


# --------------------------------------------------------------------------- rendering


def table(report: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(client, view, result, detail) rows: pip and requests per target view (aggregated), then each client."""
    rows: list[tuple[str, str, str, str]] = []
    for name in ("pip", "requests"):
        for view in [v["name"] for v in report["views"]]:
            checks = [c for t in report["targets"] if t["view"] == view for c in t["checks"] if c["client"] == name]
            if checks:
                bad = [c for c in checks if not c["ok"]]
                verdict = "ok" if not bad else "FAIL"
                detail = f"{len(checks) - len(bad)} of {len(checks)} target(s) verified"
                rows.append((name, view, verdict, detail))
    for entry in report.get("clients") or []:
        verdict = {True: "ok", False: "FAIL", None: "not checked"}[entry["ok"]]
        if entry["ok"] is False and not entry["decisive"]:
            verdict = "fail (not decisive)"
        label = f"{entry['client']} {entry['version']}" if entry["version"] else entry["client"]
        rows.append((label, entry["view"], verdict, entry.get("note") or entry["message"]))
    return rows


def render_text(report: Mapping[str, Any], line: Any) -> None:
    rows = table(report)
    if not report.get("clients"):
        return
    line("  clients (each fetches the index with its own trust, verification on):")
    for client, view, verdict, detail in rows:
        kind = "ok" if verdict == "ok" else ("skip" if verdict.startswith(("not", "fail (")) else "error")
        line(f"    {verdict:19} {client:18} [{view}] {detail}", kind)


def render_markdown(report: Mapping[str, Any]) -> list[str]:
    if not report.get("clients"):
        return []
    lines = ["| client | view | result | detail |", "|---|---|---|---|"]
    for client, view, verdict, detail in table(report):
        shown = verdict if verdict != "FAIL" else "**FAIL**"
        lines.append(f"| {md(client)} | {view} | {shown} | {md(detail)} |")
    lines.append("")
    return lines


def discover(situation: Any, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> tuple[list[Any], Context]:
    """The clients present where doctor or verify looks (none when --python names targets, unless --client)."""
    from pip_tls_setup import clients as registry
    from pip_tls_setup.target import privilege

    # What setup would do here by default: system files with privilege, the OS store when there is one.
    who = privilege.detect()
    written = who is not privilege.Privilege.NONE and situation.store is not None
    context = Context(situation.request.root, situation.env, who, store_written=written)
    context = dataclasses.replace(context, system_bundle=situation.system_bundle)
    if situation.request.pythons and not include:
        return [], context
    return registry.discover(context, registry.select(include, exclude)), context
