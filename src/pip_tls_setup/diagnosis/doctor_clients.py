"""doctor's client section: each client found, where it looks for trust, and whether it will fail here.

The verdict is offline, like the per-target one: the CA files the client verifies with right now (its config,
its variables, the OS store, its vendored bundle) are checked against the chain each probe saw. A client on its
built-in roots (uv by default, node) cannot trust an interception CA; one whose files cannot be told is ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pip_tls_setup.clients import Client, Found
from pip_tls_setup.diagnosis import clientcheck, trust
from pip_tls_setup.diagnosis.render import md
from pip_tls_setup.diagnosis.situation import Situation

BUILTIN_FAILS = "verifies with its built-in roots here: an interception CA cannot be among them"
TRUSTS = "its CA file(s) accept the chain the probe saw"
DOES_NOT = "its CA file(s) do NOT accept the chain the probe saw: it will fail here"
UNKNOWN = "cannot be told offline (nothing was probed, or not intercepted)"


@dataclass
class Described:
    found: list[tuple[Client, Found]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)


def describe(situation: Situation) -> Described:
    found, context = clientcheck.discover(situation)
    result = Described(found)
    chains = [r.chain for r in situation.results if r.chain and r.intercepted]
    for client, facts in found:
        anchors = client.anchors(facts, context)
        verdict, why = _verdict(situation, anchors, chains, facts)
        entry = facts.to_json()
        entry.update(anchors=anchors, will_verify=verdict, verdict=why)
        result.entries.append(entry)
    return result


def _verdict(
    situation: Situation, anchors: list[str] | None, chains: Sequence[Any], facts: Found
) -> tuple[bool | None, str]:
    if not chains:
        return None, UNKNOWN
    if anchors is None:
        builtin = any(s.kind == "builtin" for s in facts.reads)
        return (False, BUILTIN_FAILS) if builtin else (None, UNKNOWN)
    platform = "linux"
    answers = [
        trust.trusts_chain(
            {"kind": "file", "files": anchors, "os_store": False}, chain, situation.request.root, platform
        )
        for chain in chains
    ]
    if any(a is False for a in answers):
        return False, DOES_NOT
    if answers and all(a is True for a in answers):
        return True, TRUSTS
    return None, UNKNOWN


def render_text(report: Any, line: Any, heading: Any) -> None:
    entries = report.get("clients") or []
    if not entries:
        return
    heading("clients")
    for entry in entries:
        label = f"{entry['client']} {entry['version']}" if entry["version"] else entry["client"]
        mark = {True: "ok", False: "FAIL", None: "?"}[entry["will_verify"]]
        line(f"  {label}  ({entry['executable']})  {mark}: {entry['verdict']}", _kind(entry["will_verify"]))
        for source in entry["reads"]:
            present = {True: " (present)", False: " (absent)", None: ""}[source["present"]]
            line(f"    reads   {source['kind']:8} {source['where']}{present}  {source['detail']}", "skip")
        line(f"    setup   {entry['durable']}")


def _kind(verdict: bool | None) -> str:
    return {True: "ok", False: "error", None: "skip"}[verdict]


def render_markdown(report: Any) -> list[str]:
    entries = report.get("clients") or []
    if not entries:
        return []
    lines = ["| client | will it verify here | what setup makes durable |", "|---|---|---|"]
    for entry in entries:
        label = f"{entry['client']} {entry['version'] or ''}".strip()
        mark = {True: "yes", False: "**no**", None: "?"}[entry["will_verify"]]
        lines.append(f"| {md(label)} | {mark}: {md(entry['verdict'])} | {md(entry['durable'])} |")
    lines.append("")
    return lines
