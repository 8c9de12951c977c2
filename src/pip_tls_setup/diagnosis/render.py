"""doctor's report for people: the text on the console, the Markdown step summary, the next steps.

Both renderings read only the report dict (``docs/schemas/doctor.schema.json``), so every
format says the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import nextsteps

Line = Callable[..., None]  # line(text, kind="")
Say = Callable[[str], None]

_MARK = {True: "ok", False: "FAIL", None: "?"}


def render_text(report: Mapping[str, Any], line: Line, heading: Say, warn: Say) -> None:
    """Print the report for a human with the console's ``line(text, kind)``, ``heading``, ``warn``."""
    heading("pip-tls-setup doctor (read-only)")
    _inputs(report, line, warn)
    if report["targets"]:
        heading("targets")
    for target in report["targets"]:
        _target(target, line, warn)
    if report["probes"]:
        heading("interception probe")
    for number, result in enumerate(report["probes"]):
        _probe(number, result, line)
    from pip_tls_setup.diagnosis import doctor_clients

    doctor_clients.render_text(report, line, heading)
    if report["traps"]:
        heading("known traps")
    for trap in report["traps"]:
        line(f"  {trap['severity']}[{trap['id']}] {trap['title']} ({trap['versions']})", _kind(trap["severity"]))
        line(f"    {trap['explanation']}")
        line(f"    fix: {trap['workaround']}")
        line(f"    affects: {', '.join(trap['targets'])}", "skip")
    for note in report["notes"]:
        line(f"  note: {note}", "skip")
    for step in next_steps(report):
        line(step, "info")


def _inputs(report: Mapping[str, Any], line: Line, warn: Say) -> None:
    os_ = report["os"]
    store = f"{os_['store']} ({os_['bundle']})" if os_.get("store") else "no OS trust store recognised"
    line(f"  OS       {os_['name']} [{os_['family']}]; trust store: {store}")
    variables = report["proxy"]["variables"]
    if variables:
        line("  proxy    " + "  ".join(f"{k}={v}" for k, v in variables.items()))
    else:
        line("  proxy    no proxy variables are set")
    for source in report["trust_sources"]:
        line(f"  trust    {source['label']}", "skip")
    shared: list[str] = []
    for ca in report["supplied_cas"]:
        line(f"  CA       {ca['subject']}  sha256:{ca['sha256']}  until {ca['not_after'][:10]}")
        for finding in ca["findings"]:
            short, consequence = _split_consequence(finding["message"])
            warn(f"{ca['origin']}: {short}")
            if consequence and consequence not in shared:
                shared.append(consequence)
    for consequence in shared:  # said once, not after each finding it follows from
        warn(consequence)


def _target(target: Mapping[str, Any], line: Line, warn: Say) -> None:
    venv = "venv" if target["venv"] else "system"
    pip = f"pip {target['pip']}" if target["pip"] else "no pip"
    ts = "truststore on" if target["truststore_active"] else "truststore off"
    line(f"  {target['executable']}  (Python {target['python']}, {pip}, {venv}, {ts})")
    if target["error"]:
        warn(f"{target['executable']}: {target['error']}")
    for index in target["indexes"]:
        via = f"via {index['proxy']} ({index['proxy_source']})" if index["proxy"] else "direct"
        line(f"    index   {index['url']}  {via}")
        line(f"    trust   {index['trust']['description']}")
        verdict = index["trusts_chain"]
        if verdict is True:
            line("    verdict trusts the chain the probe saw", "ok")
        elif verdict is False:
            line("    verdict does NOT trust the chain the probe saw: pip will fail here", "error")


def _probe(number: int, result: Mapping[str, Any], line: Line) -> None:
    via = f"via {result['proxy']}" if result["proxy"] else "direct"
    line(f"  [{number}] {result['url']}  {via}")
    kind = "ok" if result["ok"] else ("skip" if result["classification"] == C.NOT_PROBED else "error")
    line(f"    {result['classification']}: {result['message']}", kind)
    if result["product"]:
        hint = f" ({result['product_hint']})" if result["product_hint"] else ""
        line(f"    product  {result['product']}{hint}")
    for depth, cert in enumerate(result["chain"]):
        line(f"    chain {depth}  {cert['subject']}  issued by {cert['issuer']}  sha256:{cert['sha256'][:16]}...")
    for check in result["checks"]:
        mark = _MARK[check["ok"]]
        detail = f": {check['error']}" if check["error"] else ""
        line(f"    {mark:4}  {check['label']}{detail}", "ok" if check["ok"] else "skip")
    for note in result["notes"]:
        line(f"    note  {note}", "skip")


def _kind(severity: str) -> str:
    return {"error": "error", "warning": "warning"}.get(severity, "info")


def next_steps(report: Mapping[str, Any]) -> list[str]:
    """The verdict and the ``next:`` lines: for the headline classification, the targets, a local interceptor."""
    summary = report["summary"]
    if summary.get("verdict") == "not-checked":
        why = "--offline" if report.get("offline") else "nothing to probe"
        again = [nextsteps.NEXT_NOT_CHECKED] if report["offline"] else []
        return [nextsteps.VERDICT_NOT_CHECKED.format(why=why), *again]
    chosen = _chosen(report)
    steps = [f"note: {text}" for text in report.get("ca_mismatch") or []]
    steps += _trust_steps(report, chosen)
    classification = summary.get("classification") or ""
    if not steps and classification not in nextsteps.VERDICTS:
        steps += nextsteps.for_class(classification, chosen or summary)
    local = nextsteps.local_tool(summary.get("product"))
    if local:
        steps.append(local)
    if any(t["severity"] == "error" for t in report["traps"]):
        steps.insert(0, TRAPS_FIRST)
    elif report["ok"] and summary.get("verdict") == "verified":
        steps.append(nextsteps.VERDICT_OK)
    return steps


TRAPS_FIRST = "next: fix the errors among the known traps above (each says what setup does about it)"


def _chosen(report: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The headline probe (summary.probe; else the first with the headline's classification)."""
    number = report["summary"].get("probe")
    if number is not None and number < len(report["probes"]):
        return report["probes"][number]  # type: ignore[no-any-return]
    wanted = report["summary"].get("classification")
    found = next((p for p in report["probes"] if p["classification"] == wanted), None)
    return {**report["summary"], **found} if found is not None else None


def _trust_steps(report: Mapping[str, Any], chosen: Mapping[str, Any] | None) -> list[str]:
    """Targets that do not trust a chain: the CA from the OS store when it is there, else the CA file."""
    failing = [(t, i) for t in report["targets"] for i in t["indexes"] if i["trusts_chain"] is False]
    if not failing:
        return []
    for target, index in failing:
        probe = report["probes"][index["probe"]] if index.get("probe") is not None else chosen
        os_check = next((c for c in (probe or {}).get("checks", []) if c.get("source") == "os_store"), None)
        if probe is not None and os_check is not None and os_check["ok"] and not index["trust"]["os_store"]:
            issuer = probe.get("issuer_name") or probe.get("issuer") or "the interception CA"
            return nextsteps.from_os_store(issuer, target["executable"])
    if chosen is not None and chosen["classification"] == C.INTERCEPTED_UNKNOWN_CA:
        return nextsteps.unknown_ca(chosen)
    return list(nextsteps.SETUP_CA)


def render_markdown(report: Mapping[str, Any]) -> str:
    """The GitHub step summary."""
    summary = report["summary"]
    intercepted = {True: "yes", False: "no", None: "unknown"}[summary["intercepted"]]
    lines = ["### pip-tls-setup doctor", "", "| | |", "|---|---|"]
    lines.append(f"| proxy | {md(summary['proxy'] or 'none')} |")
    lines.append(f"| TLS intercepted | {intercepted} |")
    if summary.get("issuer"):
        product = f" ({summary['product']})" if summary.get("product") else ""
        lines.append(f"| interception CA | {md(summary['issuer'])}{md(product)} |")
    lines.append(f"| result | `{summary['classification']}`: {md(summary['message'])} |")
    lines.append(f"| OS | {md(report['os']['name'])} ({md(report['os']['store'] or 'no store')}) |")
    lines.append("")
    if report["targets"]:
        lines.extend(_markdown_targets(report["targets"]))
    from pip_tls_setup.diagnosis import doctor_clients

    lines.extend(doctor_clients.render_markdown(report))
    for trap in report["traps"]:
        lines.append(f"- **{trap['severity']}** `{trap['id']}`: {md(trap['title'])} ({md(trap['versions'])}). ")
        lines.append(f"  {md(trap['explanation'])} Fix: {md(trap['workaround'])}")
    lines.append("")
    return "\n".join(lines)


def _markdown_targets(targets: Any) -> list[str]:
    lines = ["| Python | pip | truststore | index | trust | trusts the chain |", "|---|---|---|---|---|---|"]
    for target in targets:
        for index in target["indexes"] or [{"url": "-", "trust": {"description": "-"}, "trusts_chain": None}]:
            verdict = {True: "yes", False: "**no**", None: "?"}[index["trusts_chain"]]
            lines.append(
                f"| {md(target['executable'])} ({target['python']}) | {target['pip'] or '-'} | "
                f"{'on' if target['truststore_active'] else 'off'} | {md(index['url'])} | "
                f"{md(index['trust']['description'])} | {verdict} |"
            )
    lines.append("")
    return lines


def md(text: Any) -> str:
    """A Markdown table cell: one line, pipes escaped, HTML inert (``escape.markdown_cell``)."""
    from pip_tls_setup import escape

    return escape.markdown_cell(text)


def _split_consequence(message: str) -> tuple[str, str]:
    """A lint message without its shared tail (the Python 3.13 strict consequence), and that tail."""
    from pip_tls_setup.ca.certs import STRICT_CONSEQUENCE

    tail = f". {STRICT_CONSEQUENCE}"
    if message.endswith(tail):
        return message[: -len(tail)], STRICT_CONSEQUENCE
    return message, ""
