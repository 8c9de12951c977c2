"""``doctor``: why does pip fail here? Read-only.

The report is one JSON-able dict (documented by ``docs/schemas/doctor.schema.json``);
``render`` turns it into text and Markdown, so every format says the same
thing. ``situation.prepare`` validates the inputs and finds the targets;
``build`` then, in order:

1. asks each target's own pip which index, proxy and CA file it uses
   (``pip_view``), which anchors that means (``trust``) and which known traps
   apply (``traps``);
2. adds the ``--index-url`` addresses no target named;
3. probes each distinct (index, proxy) pair once (``probe``);
4. judges offline whether each pip's anchors accept the chain its probe saw;
5. adds the Python 3.13 strict X.509 trap for CAs the proxy presented;
6. assembles the report, with the headline (``summarize``) CI wrappers read.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pip_tls_setup import envelope, redact
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import doctor_clients, headline, pip_view, probe, proxies, traps, trust
from pip_tls_setup.diagnosis.probe.classify import finish
from pip_tls_setup.diagnosis.situation import Situation
from pip_tls_setup.errors import InputError
from pip_tls_setup.target import pythons

VIEW_REQUEST = {"fetch": False, "budget": 30, "step": 10}  # doctor only asks: no fetch, a short budget
VIEW_TIMEOUT = 120  # seconds a target may take to answer (interpreter start-up, not network)
NOT_PROBED_OFFLINE = "not checked (--offline): no connection was made"
NOTHING_TO_PROBE = "no target Python with pip was found and no --index-url was given: nothing to probe"
INDEX_URLS_USED = "checked the --index-url address(es) instead of the index each pip is configured with"

ProbeKey = tuple[str, str]  # (index URL, the proxy's raw URL or "")


@dataclass
class _Work:
    """What the steps of ``build`` collect."""

    notes: list[str]
    targets: list[dict[str, Any]] = field(default_factory=list)
    traps: dict[str, dict[str, Any]] = field(default_factory=dict)
    wanted: dict[ProbeKey, tuple[str, proxies.ProxyURL | None, str]] = field(default_factory=dict)
    pending: list[tuple[dict[str, Any], pythons.Target, ProbeKey]] = field(default_factory=list)


def build(situation: Situation) -> dict[str, Any]:
    """Run every read-only check and the probes; return the report dict."""
    started = time.monotonic()
    work = _Work(notes=list(situation.notes))
    for target in situation.targets:
        _ask_target(situation, work, target)
    _add_index_urls(situation, work)
    situation.results = _probe_all(situation, work)
    _judge_indexes(situation, work)
    _trusted_by_targets(situation.results, work.pending)
    for found, executable in traps.strict_chain_traps(situation.results, situation.targets):
        traps.add(work.traps, found, executable)
    clients = doctor_clients.describe(situation)
    for found, executable in traps.client_traps([c for _client, c in clients.found]):
        traps.add(work.traps, found, executable)
    report = _report(situation, work, started)
    report["clients"] = clients.entries
    return redact.scrub_data(report, situation.secrets)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- 1. each target's own view


def _ask_target(situation: Situation, work: _Work, target: pythons.Target) -> None:
    request = {**VIEW_REQUEST, "urls": list(situation.request.index_urls)}
    run = pip_view.run(situation.request.root, target, situation.env, request, timeout=VIEW_TIMEOUT)
    answer = run.data.get("pip") or {}
    options = answer.get("options") or {}
    situation.secrets.extend(proxies.secrets({}, [str(options.get("proxy") or "")]))
    indexes: list[dict[str, Any]] = []
    for entry in answer.get("urls") or []:
        index, key, proxy_url, source = _index(situation, target, entry, answer)
        indexes.append(index)
        work.wanted.setdefault(key, (key[0], proxy_url, source))
        work.pending.append((index, target, key))
    env, root = situation.env, situation.request.root
    found = traps.traps_for(target, run.data, indexes, env, situation.supplied, situation.findings, root)
    for trap in found:
        traps.add(work.traps, trap, target.executable)
    error = run.error or _error_text(answer.get("error"))
    work.targets.append(_target_json(target, answer, indexes, found, error))


def _index(
    situation: Situation, target: pythons.Target, entry: Mapping[str, Any], answer: Mapping[str, Any]
) -> tuple[dict[str, Any], ProbeKey, proxies.ProxyURL | None, str]:
    """One index URL of a target: the proxy its pip uses (and where from), its trust; the probe it needs."""
    env = situation.env
    options = answer.get("options") or {}
    url = str(entry.get("index") or "")
    situation.secrets.extend(redact.secrets_in(url))
    actual = entry.get("proxy")
    proxy_url = _parse_proxy(actual, proxy_origin(actual, options, answer.get("origins") or {}, env))
    if proxy_url is not None:
        situation.secrets.extend(proxy_url.secrets)
    choice = proxies.for_pip(url, env, options.get("proxy"), trust.pip_version(target) or None)
    source = proxy_url.source if proxy_url else (choice.reason if choice.proxy is None else "")
    index: dict[str, Any] = {
        "url": redact.url(url),
        "proxy": proxy_url.redacted if proxy_url else None,
        "proxy_source": source,
        "trust": trust.trust_of(target, entry, env, situation.request.root, options),
        "probe": None,
        "trusts_chain": None,
    }
    return index, (url, proxy_url.raw if proxy_url else ""), proxy_url, source


def _target_json(
    target: pythons.Target,
    answer: Mapping[str, Any],
    indexes: list[dict[str, Any]],
    found: Sequence[traps.Trap],
    error: str | None,
) -> dict[str, Any]:
    options = answer.get("options") or {}
    urls = answer.get("urls") or []
    truststore_active = any(bool(e.get("ssl_context")) for e in urls) or (not urls and target.truststore_active)
    return {
        "executable": target.executable,
        "python": ".".join(map(str, target.version)),
        "implementation": target.implementation,
        "venv": target.is_venv,
        "ssl": target.ssl,
        "openssl": target.openssl,
        "pip": target.pip.version if target.pip else None,
        "method": answer.get("method"),
        "truststore_active": truststore_active,
        "legacy_certs": "legacy-certs" in (options.get("deprecated_features") or []),
        "requests": target.requests,
        "trusted_hosts": list(options.get("trusted_hosts") or []),
        "origins": _origins_text(answer.get("origins") or {}),
        "indexes": indexes,
        "traps": [t.id for t in found],
        "error": redact.url(error) if error else None,
    }


def proxy_origin(
    actual: str | None, options: Mapping[str, Any], origins: Mapping[str, Any], env: Mapping[str, str]
) -> str:
    """Where the proxy a target pip uses comes from: a variable, ``FILE [section] proxy =``, its option."""
    if actual is None:
        return ""
    if options.get("proxy") == actual:
        for origin in origins.get("proxy") or []:
            if "env" in origin:
                return str(origin["env"])
        files = [o for o in origins.get("proxy") or [] if "file" in o]
        if files:
            last = files[-1]
            return f"{last['file']} [{last['section']}] proxy ="
        return "pip's proxy option"
    for name in proxies.ENV_NAMES:
        if env.get(name) == actual:
            return name
    return "environment"


def _origins_text(origins: Mapping[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, entries in origins.items():
        texts: list[str] = []
        for origin in entries or []:
            if "env" in origin:
                texts.append(str(origin["env"]))
            else:
                texts.append(f"{origin.get('file')} [{origin.get('section')}]")
        out[str(key)] = texts
    return out


def _parse_proxy(value: Any, source: str) -> proxies.ProxyURL | None:
    if not value:
        return None
    try:
        return proxies.parse(str(value), source)
    except InputError:
        return None


def _error_text(error: Any) -> str | None:
    if not isinstance(error, dict):
        return None
    return f"{error.get('type')}: {error.get('message')}"


# --------------------------------------------------------------------------- 2.-4. the probes and the verdicts


def _add_index_urls(situation: Situation, work: _Work) -> None:
    """The --index-url addresses no target pip named, through the proxy the first target's pip would use."""
    env = situation.env
    for url in situation.request.index_urls:
        if any(known == url for known, _raw in work.wanted):
            continue  # a target pip already said which proxy it uses for this URL
        first = situation.targets[0] if situation.targets else None
        version = trust.pip_version(first) if first and first.pip else None
        choice = proxies.for_pip(url, env, env.get("PIP_PROXY") or None, version)
        if choice.proxy is not None:
            situation.secrets.extend(choice.proxy.secrets)
        key = (url, choice.proxy.raw if choice.proxy else "")
        work.wanted.setdefault(key, (url, choice.proxy, choice.proxy.source if choice.proxy else choice.reason))
    if not work.wanted and not situation.request.offline:
        work.notes.append(NOTHING_TO_PROBE)
    if situation.request.index_urls:
        work.notes.append(INDEX_URLS_USED)


def _probe_all(situation: Situation, work: _Work) -> list[probe.ProbeResult]:
    deadline = probe.Deadline(situation.request.timeout)
    results: list[probe.ProbeResult] = []
    for url, proxy_url, reason in work.wanted.values():
        if situation.request.offline:
            results.append(probe.not_probed(url, proxy_url, reason, NOT_PROBED_OFFLINE))
            continue
        situation.announce(url, proxy_url)
        results.append(probe.probe(url, proxy_url, situation.sources, deadline, proxy_reason=reason))
    return results


def _judge_indexes(situation: Situation, work: _Work) -> None:
    """Link each index to its probe and check offline whether that pip's anchors accept the chain."""
    by_key = {key: number for number, key in enumerate(work.wanted)}
    for index, owner, key in work.pending:
        number = by_key.get(key)
        index["probe"] = number
        if number is not None:
            chain = situation.results[number].chain
            index["trusts_chain"] = trust.trusts_chain(index["trust"], chain, situation.request.root, owner.platform)


def _trusted_by_targets(
    results: Sequence[probe.ProbeResult], pending: Sequence[tuple[dict[str, Any], Any, Any]]
) -> None:
    """An interception nothing in the tool's sources trusts is still fine when every pip that meets it does."""
    for number, result in enumerate(results):
        if result.classification != C.INTERCEPTED_UNKNOWN_CA:
            continue
        users = [index for index, _target, _key in pending if index["probe"] == number]
        if users and all(index["trusts_chain"] is True for index in users):
            result.classification = C.INTERCEPTED_TRUSTED
            result.message = (
                f"the chain for {result.host} is signed by '{result.issuer_name}', which is not a public root; "
                "every target pip that uses this index trusts it through its own settings"
            )
            finish(result)


# --------------------------------------------------------------------------- 6. the report


def _report(situation: Situation, work: _Work, started: float) -> dict[str, Any]:
    probes, env = situation.results, situation.env
    summary = headline.summarize(probes, env)
    return {
        **envelope("doctor", _ok(probes, work.targets, work.traps), {}),
        "summary": summary,
        # The three facts CI wrappers read most, also at the top level (same values as in summary).
        "intercepted": summary["intercepted"],
        "issuer": summary["issuer"],
        "product": summary["product"],
        "os": _os_json(situation),
        "root": str(situation.request.root),
        "proxy": {
            "effective": summary["proxy"],
            "variables": proxies.settings(env),
            "no_proxy": (proxies.no_proxy(env) or (None, None))[0],
        },
        "trust_sources": [s.to_json() for s in situation.sources],
        "supplied_cas": _supplied_json(situation),
        "targets": work.targets,
        "probes": [p.to_json() for p in probes],
        "traps": list(work.traps.values()),
        "notes": work.notes,
        "offline": situation.request.offline,
        "timeout_seconds": situation.request.timeout,
        "elapsed_seconds": round(time.monotonic() - started, 3),
        "ca_mismatch": _ca_mismatch(situation),
    }


def _ca_mismatch(situation: Situation) -> list[str]:
    """Probes whose chain none of the --ca certificates signed: both CAs named, with fingerprints."""
    from pip_tls_setup.diagnosis import mismatch

    found: list[str] = []
    for result in situation.results:
        if result.classification == C.INTERCEPTED_UNKNOWN_CA:
            text = mismatch.describe(result.to_json(), situation.supplied, "given with --ca")
            if text:
                found.append(text)
    return found


def _os_json(situation: Situation) -> dict[str, Any]:
    return {
        "family": situation.os.family,
        "id": situation.os.id,
        "name": situation.os.pretty,
        "store": situation.store.description if situation.store else None,
        "bundle": situation.system_bundle,
    }


def _supplied_json(situation: Situation) -> list[dict[str, Any]]:
    return [
        {
            "subject": c.subject,
            "sha256": c.sha256,
            "origin": c.origin,
            "not_after": c.not_after.isoformat(),
            "findings": [
                {"level": f.level, "code": f.code, "message": f.text} for f in situation.findings.get(c.sha256, [])
            ],
        }
        for c in situation.supplied
    ]


def _ok(results: Sequence[probe.ProbeResult], targets: Sequence[Mapping[str, Any]], traps: Mapping[str, Any]) -> bool:
    if any(not r.ok and r.classification != C.NOT_PROBED for r in results):
        return False
    for target in targets:
        for index in target["indexes"]:
            if index["trusts_chain"] is False or index["trust"]["kind"] == "verification-off":
                return False
    return not any(t["severity"] == "error" for t in traps.values())
