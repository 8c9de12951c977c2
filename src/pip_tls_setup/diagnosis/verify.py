"""``verify``: prove that each target's pip reaches its index with verification on.

For every target Python, a script inside that Python builds pip's session the
way ``pip download`` does (its config files, its ``PIP_*`` and proxy
variables, its truststore context, its vendored certifi) and fetches the
index's page for ``--probe-project``; where ``requests`` is installed it does
the same with ``requests``. Nothing is turned off: a trusted-host or an empty
CA setting is reported as a failure, never used.

A failure is classified with the probe's stable names; for a certificate the
target does not trust, the interception probe is run too, to name the CA (and
the product) that signed what pip saw.

``views`` make explicit *whose* environment is checked: ``setup`` exports its
variables for later steps only (``$GITHUB_ENV``, an env file, printed lines),
so it verifies the durable files alone (``current``) and, where it exported
variables, those too (``with-exports``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pip_tls_setup import envelope, redact
from pip_tls_setup.clients import Client, Context, Found
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import clientcheck, headline, pip_view, probe, proxies, trust
from pip_tls_setup.diagnosis.render import md
from pip_tls_setup.diagnosis.situation import Situation
from pip_tls_setup.errors import InputError
from pip_tls_setup.target import pythons

DEFAULT_PROJECT = "pip"
STARTUP_GRACE = 60.0  # seconds a target interpreter may take to start (not network time)

_TIMEOUT_KINDS = {"ConnectTimeout", "ReadTimeout", "ConnectTimeoutError", "ReadTimeoutError", "timeout", "TimeoutError"}
_DNS_KINDS = {"gaierror", "NameResolutionError"}
_DNS_TEXT = (
    "Name or service not known",
    "Temporary failure in name resolution",
    "nodename nor servname",
    "getaddrinfo failed",
    "Failed to resolve",
    "No address associated with hostname",
)
_MISMATCH_TEXT = ("Hostname mismatch", "doesn't match", "IP address mismatch")


OFFLINE_NOTE = "verification skipped (--offline): nothing was fetched, so nothing is proven"
NO_TARGET_NOTE = "no target Python found (give one with --python): nothing to verify"
NO_INDEX_NOTE = "pip is configured with --no-index: it never contacts an index"
NOTHING_INSTALLED_NOTE = "neither pip nor requests is installed here: nothing to verify"
IP_INDEX = (
    "this pip (24.2 to 26.0.x, urllib3 1.26 with truststore, Python 3.10+) cannot open TLS to a host given as an "
    "IP address: urllib3 1.26 sends no server name for an IP and truststore's context requires one; use the "
    "index's host name, or pip 26.1 or later"
)
NO_SSL = "this Python has no ssl module: no certificate setting can help; reinstall or rebuild it with OpenSSL"
CA_MISSING = (
    "the CA file this pip is told to use (cert =, PIP_CERT, REQUESTS_CA_BUNDLE) does not exist; "
    "'pip-tls-setup setup' writes the combined bundle and points every setting at it"
)
TRUSTED_HOST = (
    "pip is configured with trusted-host {hosts}, so it does not verify certificates "
    "for this index; remove it (pip-tls-setup scan shows where it is set)"
)


@dataclass(frozen=True)
class View:
    """One environment the checks run under."""

    name: str  # current | with-exports | with-env-file
    description: str
    overlay: Mapping[str, str] = field(default_factory=dict)
    decisive: bool = True  # does its result decide the exit code (what a later step will see)?


@dataclass(frozen=True)
class VerifyRequest:
    project: str = DEFAULT_PROJECT
    timeout: float = probe.DEFAULT_TIMEOUT
    offline: bool = False
    index_urls: Sequence[str] = ()
    requests: bool = True


PROJECT_NAME = r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?"


def check_project(name: str) -> str:
    """A project name to fetch the index page of (InputError otherwise: it becomes part of a URL)."""
    import re

    from pip_tls_setup.errors import InputError

    if not re.fullmatch(PROJECT_NAME, name):
        raise InputError(f"--probe-project {name}", "is not a project name", "for example --probe-project pip")
    return name


def classify_error(info: Mapping[str, Any], via_proxy: bool, proxy_scheme: str = "") -> tuple[str, str]:
    """(classification, the most telling error line) for an error described by the target script."""
    kinds = set(info.get("kinds") or [])
    lines = [str(x) for x in info.get("chain") or []] or [str(info.get("message") or "")]
    text = " | ".join(lines)
    code = info.get("verify_code")
    telling = next((line for line in reversed(lines) if "CERTIFICATE_VERIFY_FAILED" in line), None)
    to_proxy = _tls_to_proxy(text, proxy_scheme)
    if to_proxy:
        return C.TLS_TO_PROXY_FAILED, _pick(lines, to_proxy)
    if "407" in text and ("Proxy" in text or "Tunnel" in text):
        return C.PROXY_AUTH_REQUIRED, _pick(lines, "407")
    if code in C.VALIDITY_CODES or "certificate has expired" in text or "certificate is not yet valid" in text:
        return C.EXPIRED, telling or _pick(lines, "expired")
    if code in C.MISMATCH_CODES or any(t in text for t in _MISMATCH_TEXT):
        return C.HOSTNAME_MISMATCH, telling or _pick(lines, "match")
    if telling or "SSLCertVerificationError" in kinds or "CertificateError" in kinds:
        return C.UNTRUSTED, telling or lines[-1]
    return _connection_class(info, kinds, lines, text, via_proxy)


# What pip prints when TLS to an https:// proxy URL fails (measured, docs/errors.md).
_TLS_TO_PROXY_TEXT = ("check_hostname requires server_hostname", "WRONG_VERSION_NUMBER", "EOF", "only use HTTP")


def _tls_to_proxy(text: str, proxy_scheme: str) -> str | None:
    """The telling words when pip failed opening TLS to an ``https://`` proxy (None: something else)."""
    if "Your proxy appears to only use HTTP" in text:
        return "only use HTTP"
    if proxy_scheme != "https" or "CERTIFICATE_VERIFY_FAILED" in text:
        return None
    return next((t for t in _TLS_TO_PROXY_TEXT if t in text), None)


def _connection_class(
    info: Mapping[str, Any], kinds: set[str], lines: Sequence[str], text: str, via_proxy: bool
) -> tuple[str, str]:
    """A failure before any certificate was judged: refused, DNS, timeout, the proxy, TLS itself."""
    refused = "ConnectionRefusedError" in kinds or "Connection refused" in text or info.get("errno") == 111
    if refused:
        return (C.PROXY_UNREACHABLE if via_proxy else C.UNREACHABLE), _pick(lines, "refused")
    if kinds & _DNS_KINDS or any(t in text for t in _DNS_TEXT):
        return C.DNS_FAILURE, _pick(lines, "resol")
    # urllib3 1.x makes NewConnectionError a ConnectTimeoutError subclass: only a real timeout counts.
    timed_out = kinds & (_TIMEOUT_KINDS - {"ConnectTimeoutError"}) or (
        "ConnectTimeoutError" in kinds and "NewConnectionError" not in kinds
    )
    if timed_out or "timed out" in text:
        return C.TIMEOUT, _pick(lines, "timed out")
    if "ProxyError" in kinds or "to proxy" in text or "Tunnel connection failed" in text:
        return C.PROXY_ERROR, _pick(lines, "proxy")
    if "SSL module is not available" in text:
        return C.ERROR, _pick(lines, "SSL module")
    if "SSLError" in kinds or "SSLEOFError" in kinds or "EOF occurred" in text or "check_hostname" in text:
        return C.TLS_ERROR, _pick(lines, "check_hostname" if "check_hostname" in text else "SSL")
    return C.ERROR, _pick(lines, "ssl module" if "SSL module" in text else "CA certificate bundle")


def _message_only(line: str) -> str:
    """``SSLCertVerificationError: [SSL: ...] ...`` -> ``[SSL: ...] ...`` (the words pip prints)."""
    head, sep, rest = line.partition(": ")
    if sep and head.isidentifier() and rest:
        return rest
    return line


def _pick(lines: Sequence[str], needle: str) -> str:
    for line in reversed(lines):
        if needle.lower() in line.lower():
            return line
    return lines[-1] if lines else ""


@dataclass
class _Checker:
    situation: Situation
    request: VerifyRequest
    deadline: probe.Deadline
    probes: dict[tuple[str, str], probe.ProbeResult] = field(default_factory=dict)

    lock: threading.Lock = field(default_factory=threading.Lock)

    def enrich(self, url: str, proxy: proxies.ProxyURL | None) -> probe.ProbeResult:
        key = (url, proxy.raw if proxy else "")
        with self.lock:  # checks run concurrently: one probe per (index, proxy), whoever asks first
            if key not in self.probes:
                self.situation.announce(url, proxy)
                self.probes[key] = probe.probe(url, proxy, self.situation.sources, self.deadline)
            return self.probes[key]


def run(
    situation: Situation,
    request: VerifyRequest,
    targets: Sequence[pythons.Target],
    views: Sequence[View],
    clients: Sequence[tuple[Client, Found]] = (),
    context: Context | None = None,
) -> dict[str, Any]:
    """Fetch each target's index in each view, then each client's; the report (``ok`` decides the exit code)."""
    started = time.monotonic()
    report = _header(situation, request, views)
    if request.offline:
        report["notes"].append(OFFLINE_NOTE)
        report["ok"] = True
        report["summary"] = {"ok": True, "checked": 0, "failed": 0, "classification": C.NOT_PROBED}
        report["headline"] = headline.summarize([], situation.env)
        report["elapsed_seconds"] = round(time.monotonic() - started, 3)
        return report
    if not targets:
        report["notes"].append(NO_TARGET_NOTE)
    checker = _Checker(situation, request, probe.Deadline(request.timeout))
    jobs: list[tuple[pythons.Target, View, dict[str, str]]] = []
    for view in views:
        env = {**situation.env, **view.overlay}
        situation.secrets.extend(proxies.secrets(env))
        jobs += [(target, view, env) for target in targets]
    with ThreadPoolExecutor(max_workers=1) as pool:
        seen = pool.submit(_probe_headline, checker, targets, jobs[0][2] if jobs else situation.env)
        report["targets"] = probe.concurrently(lambda job: _verify_target(checker, *job), jobs)
        if clients and context is not None:
            report["clients"] = clientcheck.run(checker, clients, context, views, targets)
        seen.result()
    report["probes"] = [p.to_json() for p in checker.probes.values()]
    # doctor's headline from the probes verify made anyway: a wrapper that ran setup needs no doctor run
    report["headline"] = headline.summarize(list(checker.probes.values()), situation.env)
    _conclude(report)
    report["elapsed_seconds"] = round(time.monotonic() - started, 3)
    return redact.scrub_data(report, situation.secrets)  # type: ignore[no-any-return]


def _header(situation: Situation, request: VerifyRequest, views: Sequence[View]) -> dict[str, Any]:
    # ok is decided at the end; the envelope keeps its place first in the report.
    return envelope(
        "verify",
        False,
        {
            "project": request.project,
            "offline": request.offline,
            "views": [
                {"name": v.name, "description": v.description, "variables": sorted(v.overlay), "decisive": v.decisive}
                for v in views
            ],
            "targets": [],
            "clients": [],
            "probes": [],
            "notes": list(situation.notes),
            "timeout_seconds": request.timeout,
        },
    )


def _conclude(report: dict[str, Any]) -> None:
    """``ok`` and the summary: only the decisive views decide; the first failure names the class."""
    clients = [c for c in report.get("clients") or [] if c["ok"] is not None]
    checks = [c for t in report["targets"] for c in t["checks"]] + clients
    failed = [c for c in checks if not c["ok"]]
    decisive_failed = [c for t in report["targets"] if t["decisive"] for c in t["checks"] if not c["ok"]]
    decisive_failed += clientcheck.failed(clients, decisive_only=True)
    first = (decisive_failed or failed)[:1]
    report["ok"] = not decisive_failed
    report["summary"] = {
        "ok": report["ok"],
        "checked": len(checks),
        "failed": len(failed),
        "classification": first[0]["classification"] if first else C.OK,
        "failed_clients": sorted({c["client"] for c in decisive_failed}),
    }


def _verify_target(checker: _Checker, target: pythons.Target, view: View, env: Mapping[str, str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "executable": target.executable,
        "python": ".".join(map(str, target.version)),
        "pip": target.pip.version if target.pip else None,
        "view": view.name,
        "decisive": view.decisive,
        "checks": [],
        "notes": [],
    }
    if checker.deadline.remaining() <= 0.05:
        entry["checks"].append(_failed("pip", "", C.TIMEOUT, "the time budget was spent before this target", None))
        return entry
    _announce(checker, target, env)
    ran = _ask(checker, target, env)
    if ran.error:
        entry["checks"].append(_failed("pip", "", C.ERROR, ran.error, None))
        return entry
    _pip_checks(checker, target, ran.data.get("pip") or {}, env, entry)
    requests_view = ran.data.get("requests")
    if isinstance(requests_view, dict):
        client = f"requests {requests_view.get('version')}"
        for item in requests_view.get("urls") or []:
            entry["checks"].append(_check(checker, target, client, "requests", item, [], env))
    if not entry["checks"]:
        entry["notes"].append(NOTHING_INSTALLED_NOTE)
    return entry


def _announce(checker: _Checker, target: pythons.Target, env: Mapping[str, str]) -> None:
    """On a terminal: the index this target's pip will fetch, and the proxy it will most likely use."""
    if checker.situation.progress is None:
        return
    pip = f"pip {target.pip.version}" if target.pip else "no pip"
    who = f" with {target.executable} ({pip})"
    for url, choice in _indexes(checker, target, env):
        checker.situation.announce(url, choice, who)


def _indexes(
    checker: _Checker, target: pythons.Target, env: Mapping[str, str]
) -> list[tuple[str, proxies.ProxyURL | None]]:
    """The index(es) this target's pip will fetch, each with the proxy it will most likely use."""
    default = target.pip.default_index if target.pip else None
    found: list[tuple[str, proxies.ProxyURL | None]] = []
    for url in checker.request.index_urls or [env.get("PIP_INDEX_URL") or default or "its index"]:
        version = trust.pip_version(target) or None
        try:
            choice = proxies.for_pip(url, env, env.get("PIP_PROXY") or None, version).proxy
        except InputError:  # a progress line or a headline never fails the run; verify reports the bad proxy
            choice = None
        found.append((url, choice))
    return found


def _probe_headline(checker: _Checker, targets: Sequence[pythons.Target], env: Mapping[str, str]) -> None:
    """One probe per (index, proxy) the targets use, even when every check passes: the headline (who
    intercepts, which CA) then says what was seen, and a wrapper needs no doctor run for it."""
    for target in targets:
        for url, choice in _indexes(checker, target, env):
            if urlsplit(url).scheme in ("https", "http"):
                checker.enrich(url, choice)


def _ask(checker: _Checker, target: pythons.Target, env: Mapping[str, str]) -> pip_view.ViewRun:
    """Run the view script in the target with fetching on, within what is left of the budget."""
    request = checker.request
    budget = max(0.1, checker.deadline.remaining())
    payload = {
        "fetch": True,
        "project": request.project,
        "budget": budget,
        "step": checker.deadline.step,
        "requests": request.requests,
        "urls": list(request.index_urls),
        "default_index": target.pip.default_index if target.pip else None,
    }
    root = checker.situation.request.root
    return pip_view.run(root, target, env, payload, timeout=budget + STARTUP_GRACE, extra_env=None)


def _pip_checks(
    checker: _Checker, target: pythons.Target, answer: Mapping[str, Any], env: Mapping[str, str], entry: dict[str, Any]
) -> None:
    options = answer.get("options") or {}
    checker.situation.secrets.extend(proxies.secrets({}, [str(options.get("proxy") or "")]))
    if answer.get("error") and not answer.get("urls") and target.pip is not None:
        message = f"pip could not build its session: {answer['error'].get('message')}"
        entry["checks"].append(_failed("pip", "", C.ERROR, message, None))
    if options.get("no_index"):
        entry["notes"].append(NO_INDEX_NOTE)
    trusted = [str(h) for h in options.get("trusted_hosts") or []]
    for item in answer.get("urls") or []:
        entry["checks"].append(_check(checker, target, "pip", answer.get("method"), item, trusted, env))


def _failed(client: str, url: str, classification: str, message: str, proxy: str | None) -> dict[str, Any]:
    return {
        "client": client,
        "method": None,
        "index": url,
        "url": url,
        "proxy": proxy,
        "trust": None,
        "ok": False,
        "status": None,
        "classification": classification,
        "message": redact.url(message),
        "error": None,
        "elapsed_seconds": None,
    }


def _check(
    checker: _Checker,
    target: pythons.Target,
    client: str,
    method: Any,
    item: Mapping[str, Any],
    trusted: Sequence[str],
    env: Mapping[str, str],
) -> dict[str, Any]:
    """One fetch by one client: verified, not verifying at all, or failed (and why, in pip's words)."""
    index = str(item.get("index") or "")
    checker.situation.secrets.extend(redact.secrets_in(index))
    fetch = item.get("fetch") or {}
    proxy = _proxy(item.get("proxy"), env)
    if proxy is not None:
        checker.situation.secrets.extend(proxy.secrets)
    result: dict[str, Any] = {
        "client": client.split(" ")[0],
        "client_version": client.split(" ", 1)[1] if " " in client else None,
        "method": method,
        "index": redact.url(index),
        "url": redact.url(str(fetch.get("url") or index)),
        "proxy": proxy.redacted if proxy else None,
        "trust": _trust_text(checker, target, item, client, env),
        "ok": False,
        "status": fetch.get("status"),
        "classification": "",
        "message": "",
        "error": None,
        "elapsed_seconds": fetch.get("elapsed"),
    }
    refusal = _not_verifying(index, item.get("verify"), trusted)
    if refusal is not None:
        result["classification"], result["message"] = refusal
        return result
    if fetch.get("ok"):
        return _success(result, int(fetch.get("status") or 0), fetch, checker.request.project)
    return _fetch_failed(checker, result, fetch, index, proxy)


def _not_verifying(index: str, verify: Any, trusted: Sequence[str]) -> tuple[str, str] | None:
    """(class, message) when this client would not verify the index at all; None when it would."""
    parts = urlsplit(index)
    host = (parts.hostname or "").lower()
    if parts.scheme == "http":
        return C.PLAIN_HTTP, f"{redact.url(index)} is plain http://: nothing is encrypted or verified"
    if verify is False or verify == "":
        return C.VERIFICATION_DISABLED, "requests would not verify certificates here (" + (
            "CURL_CA_BUNDLE is empty and this requests is older than 2.28)" if verify == "" else "verify=False)"
        )
    matched = [h for h in trusted if h.lower() in (host, parts.netloc.lower())]
    if matched:
        return C.VERIFICATION_DISABLED, TRUSTED_HOST.format(hosts=", ".join(matched))
    return None


def _fetch_failed(
    checker: _Checker,
    result: dict[str, Any],
    fetch: Mapping[str, Any],
    index: str,
    proxy: proxies.ProxyURL | None,
) -> dict[str, Any]:
    """Classify the failure from pip's error text; for a certificate problem, probe to name the CA."""
    scheme = proxy.scheme if proxy else ""
    classification, line = classify_error(fetch.get("error") or {}, proxy is not None, scheme)
    line = _message_only(line)
    result["error"] = redact.url(line)
    if fetch.get("error_url"):
        result["url"] = redact.url(str(fetch["error_url"]))
    if classification == C.TLS_TO_PROXY_FAILED:
        seen = checker.enrich(index, proxy)
        message = f"{seen.message}; pip says: {line}"
        result["probe"] = list(checker.probes).index((index, proxy.raw if proxy else ""))
    elif classification in (C.UNTRUSTED, C.EXPIRED, C.HOSTNAME_MISMATCH):
        failing = str(fetch.get("error_url") or index)
        seen = checker.enrich(failing, proxy)
        classification, message = _explain(classification, line, seen)
        result["probe"] = list(checker.probes).index((failing, proxy.raw if proxy else ""))
    else:
        message = _plain_message(classification, line, proxy)
    result["classification"] = classification
    result["message"] = redact.url(message)
    return result


def _success(result: dict[str, Any], status: int, fetch: Mapping[str, Any], project: str) -> dict[str, Any]:
    result["status"] = status
    if status >= 500:
        result["classification"] = C.HTTP_ERROR
        result["message"] = (
            f"TLS was verified, but the index answered HTTP {status}: pip cannot use it "
            "(through an intercepting proxy this often means the proxy could not reach the index)"
        )
        return result
    result["ok"] = True
    result["classification"] = C.VERIFIED
    if status == 404:
        result["message"] = (
            f"TLS verified; the index answered 404 because '{project}' is not on it, which is fine: "
            "the certificate check is what this proves (choose another with --probe-project)"
        )
    elif status in (401, 403):
        result["message"] = f"TLS verified; the index answered {status} (it wants credentials for this page)"
    else:
        result["message"] = f"TLS verified; HTTP {status}"
    if fetch.get("file_url"):
        result["message"] += f"; the file host answered {fetch.get('file_status')} with TLS verified too"
    return result


def _explain(classification: str, line: str, seen: probe.ProbeResult) -> tuple[str, str]:
    issuer = seen.issuer_name or "an unknown issuer"
    product = f" ({seen.product})" if seen.product else ""
    if classification == C.UNTRUSTED:
        if seen.public_anchored is False or seen.intercepted:
            return (
                C.INTERCEPTED_UNKNOWN_CA,
                f"this pip does not trust '{issuer}'{product}, the CA that signed what it was shown; pip says: {line}",
            )
        if seen.classification in (C.HOSTNAME_MISMATCH, C.EXPIRED):
            return seen.classification, f"{seen.message}; pip says: {line}"
        return C.UNTRUSTED, f"the chain is public, but this Python's trust settings lack its root; pip says: {line}"
    return classification, f"pip says: {line}" + (f" (issuer '{issuer}'{product})" if seen.chain else "")


def _plain_message(classification: str, line: str, proxy: proxies.ProxyURL | None) -> str:
    where = f" {proxy.redacted}" if proxy else ""
    texts = {
        C.PROXY_AUTH_REQUIRED: (
            f"the proxy{where} rejected the credentials in its URL (407)"
            if proxy is not None and proxy.has_credentials
            else f"the proxy{where} asks for authentication (407); put credentials in the proxy URL"
        ),
        C.PROXY_UNREACHABLE: f"nothing accepts connections at the proxy{where}",
        C.PROXY_ERROR: f"the proxy{where} refused the tunnel",
        C.TIMEOUT: "no answer within the time limit",
        C.DNS_FAILURE: C.MEANINGS[C.DNS_FAILURE],
        C.UNREACHABLE: C.MEANINGS[C.UNREACHABLE],
        C.TLS_ERROR: IP_INDEX if "check_hostname" in line else C.MEANINGS[C.TLS_ERROR],
    }
    if classification == C.ERROR:
        return f"{_error_text(line)}; pip says: {line}"
    return f"{texts.get(classification, 'the request failed')}; pip says: {line}"


def _error_text(line: str) -> str:
    if "SSL module" in line or "ssl module" in line:
        return NO_SSL
    if "CA certificate bundle" in line:
        return CA_MISSING
    return "the request failed"


def _proxy(value: Any, env: Mapping[str, str]) -> proxies.ProxyURL | None:
    """The proxy pip's session used, named after the variable that holds it (else "pip's session")."""
    if not value:
        return None
    source = next((name for name in proxies.ENV_NAMES if env.get(name) == value), "pip's session")
    try:
        return proxies.parse(str(value), source)
    except Exception:
        return None


def _trust_text(
    checker: _Checker, target: pythons.Target, item: Mapping[str, Any], client: str, env: Mapping[str, str]
) -> str:
    verify = item.get("verify")
    if client.startswith("pip"):
        return str(trust.trust_of(target, item, env, checker.situation.request.root, {})["description"])
    if isinstance(verify, str) and verify:
        return f"CA file {verify}"
    return "certifi (requests' default)"


# --------------------------------------------------------------------------- rendering


def render_text(report: Mapping[str, Any], line: Any, heading: Any) -> None:
    heading(f"pip-tls-setup verify: fetching each index's page for '{report['project']}' with verification on")
    views = report["views"]
    for view in views:
        if len(views) > 1 or view["name"] != "current":
            line(f"  view {view['name']}: {view['description']}", "info")
    for target in report["targets"]:
        tag = f" [{target['view']}]" if len(views) > 1 else ""
        line(f"  {target['executable']} (Python {target['python']}, pip {target['pip'] or '-'}){tag}")
        for check in target["checks"]:
            mark = "ok  " if check["ok"] else "FAIL"
            via = f" via {check['proxy']}" if check["proxy"] else ""
            status = f" {check['status']}" if check["status"] else ""
            line(f"    {mark} {check['client']:8} {check['url']}{status}{via}", "ok" if check["ok"] else "error")
            detail = check["message"] if check["ok"] else f"{check['classification']}: {check['message']}"
            line(f"         {detail}", "" if check["ok"] else "error")
            if check.get("trust"):
                line(f"         trust: {check['trust']}", "skip")
        for note in target["notes"]:
            line(f"    note: {note}", "skip")
    clientcheck.render_text(report, line)
    for note in report["notes"]:
        line(f"  note: {note}", "skip")
    summary = report["summary"]
    if report["offline"]:
        line("verify: skipped (--offline)", "skip")
    elif report["ok"]:
        line(f"verify: ok, {summary['checked']} check(s) reached the index with verification on", "ok")
    else:
        who = f" [{', '.join(summary['failed_clients'])}]" if summary.get("failed_clients") else ""
        line(f"verify: FAILED ({summary['failed']} of {summary['checked']}): {summary['classification']}{who}", "error")
        for step in next_steps(report):
            line(step, "info")


def next_steps(report: Mapping[str, Any]) -> list[str]:
    """The ``next:`` lines for the first failing check (with its probe's facts when one ran)."""
    from pip_tls_setup.diagnosis import nextsteps

    failing = [c for t in report["targets"] if t["decisive"] for c in t["checks"] if not c["ok"]]
    failing += [c for c in clientcheck.failed(report.get("clients") or [], decisive_only=True) if c.get("url")]
    if not failing:
        return []
    check = failing[0]
    facts: dict[str, Any] = {"host": urlsplit(str(check["url"])).hostname or "", "proxy": check["proxy"]}
    if check.get("probe") is not None and check["probe"] < len(report["probes"]):
        facts.update(report["probes"][check["probe"]])
    return nextsteps.for_class(check["classification"], facts)


def render_markdown(report: Mapping[str, Any]) -> str:
    lines = ["### pip-tls-setup verify", ""]
    if report["offline"]:
        return "\n".join([*lines, "Skipped (`--offline`).", ""])
    lines.append("| Python | view | client | URL | result |")
    lines.append("|---|---|---|---|---|")
    for target in report["targets"]:
        for check in target["checks"]:
            verdict = "ok" if check["ok"] else f"**{check['classification']}**"
            lines.append(
                f"| {md(target['executable'])} ({target['python']}) | {target['view']} | {check['client']} | "
                f"{md(check['url'])} | {verdict}: {md(check['message'])} |"
            )
    lines.append("")
    lines.extend(clientcheck.render_markdown(report))
    return "\n".join(lines)
