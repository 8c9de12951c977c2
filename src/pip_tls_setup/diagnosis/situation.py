"""What doctor and verify share: the request, the validated inputs, the targets and the trust sources.

``prepare`` checks every input first (a bad proxy URL, an unreadable ``--ca``,
a bad ``--timeout``: exit 2 before anything runs), then finds the target
Pythons and gathers the trust sources each probe checks: the public roots,
the OS store, the CA files the environment names, and the supplied CAs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from pip_tls_setup import redact
from pip_tls_setup.ca.certs import CACert, LintFinding
from pip_tls_setup.diagnosis import probe, proxies
from pip_tls_setup.errors import InputError
from pip_tls_setup.inject import stores
from pip_tls_setup.target import osinfo, pythons
from pip_tls_setup.target.root import Root

PROBING = "probing {url} {via}{who}"


@dataclass(frozen=True)
class DoctorRequest:
    root: Root
    pythons: Sequence[str] = ()
    ca_paths: Sequence[str] = ()
    public_roots: str | None = None
    index_urls: Sequence[str] = ()
    timeout: float = probe.DEFAULT_TIMEOUT
    offline: bool = False


@dataclass
class Situation:
    """What doctor and verify share: targets, their views, trust sources, secrets to keep out of output."""

    request: DoctorRequest
    env: Mapping[str, str]
    os: osinfo.OSInfo
    store: stores.TrustStore | None
    system_bundle: str | None
    targets: list[pythons.Target]
    notes: list[str]
    supplied: list[CACert]
    findings: dict[str, list[LintFinding]]
    sources: list[probe.TrustSource]
    secrets: list[str] = field(default_factory=list)
    results: list[probe.ProbeResult] = field(default_factory=list)  # the probes doctor's 'build' ran
    progress: Callable[[str], None] | None = None  # a terminal: say what each probe does as it starts

    def announce(self, url: str, proxy: proxies.ProxyURL | None, who: str = "") -> None:
        """``probing https://... via http://proxy:3128`` on a terminal (never on a pipe, never in JSON)."""
        if self.progress is None:
            return
        via = f"via {proxy.redacted}" if proxy is not None else "directly"
        self.progress(redact.scrub(PROBING.format(url=redact.url(url), via=via, who=who), self.secrets))


def load_supplied(paths: Sequence[str], env: Mapping[str, str]) -> tuple[list[CACert], dict[str, list[LintFinding]]]:
    """The operator's CAs for diagnosis: read and parsed as strictly as setup reads them (keys, garbage,
    FIFOs, huge files: exit 2), linted leniently: an expired or leaf certificate is not refused here,
    saying why it cannot work is the diagnosis."""
    from pip_tls_setup.ca import sources

    certs = sources.load(paths, env)
    return certs, sources.lint_all(certs)


def public_roots_source(path: str | None) -> probe.TrustSource:
    if path:
        if not os.path.isfile(path):
            raise InputError(
                f"--public-roots {path}", "does not exist", "give a PEM bundle of the roots to call public"
            )
        from pip_tls_setup.ca.certs import parse_bundle

        with open(path, "rb") as handle:
            if not parse_bundle(handle.read()):
                raise InputError(f"--public-roots {path}", "holds no PEM certificate", "give a PEM bundle")
        return probe.TrustSource("public_roots", f"the public roots in {path} (--public-roots)", cafile=path)
    import certifi

    return probe.TrustSource(
        "public_roots", f"the public roots (certifi {certifi.__version__}, Mozilla)", cafile=certifi.where()
    )


def os_store_source(root: Root, store: stores.TrustStore | None, bundle: str | None) -> probe.TrustSource | None:
    if bundle is not None:
        description = f"{store.description}, " if store else ""
        return probe.TrustSource("os_store", f"the OS store ({description}{bundle})", cafile=str(root.host(bundle)))
    if root.is_host and sys.platform in ("darwin", "win32"):
        try:
            import truststore  # noqa: F401
        except ImportError:
            return None
        name = "macOS keychain" if sys.platform == "darwin" else "Windows certificate store"
        return probe.TrustSource("os_store", f"the {name} (via truststore)", use_truststore=True)
    return None


CA_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT")


def environment_source(root: Root, env: Mapping[str, str]) -> probe.TrustSource | None:
    """The CA files this environment's variables name (what later tools here read)."""
    named: dict[str, list[str]] = {}
    for name in CA_VARIABLES:
        value = env.get(name)
        if value and root.host(value).is_file():
            named.setdefault(value, []).append(name)
    if not named:
        return None
    data = ""
    for path in named:
        try:
            data += root.host(path).read_text("ascii", "replace") + "\n"
        except OSError:
            continue
    from pip_tls_setup.ca.certs import parse_bundle

    if not parse_bundle(data.encode("ascii", "replace")):
        return None
    label = ", ".join(f"{'/'.join(names)}={path}" for path, names in named.items())
    return probe.TrustSource("environment", f"the CA file(s) named by the environment ({label})", cadata=data)


def prepare(request: DoctorRequest, env: Mapping[str, str], with_targets: bool = True) -> Situation:
    """Validate the inputs (exit 2 before anything runs), find the targets, gather the trust sources."""
    probe.check_timeout(request.timeout)
    proxies.validate(env)
    supplied, findings = load_supplied(request.ca_paths, env)
    public = public_roots_source(request.public_roots)
    for url in request.index_urls:
        check_url(url, "--index-url")
    info = osinfo.detect(request.root)
    store = stores.for_os(info)
    bundle = store.system_bundle(request.root) if store is not None else None
    sources_: list[probe.TrustSource] = [public]
    os_source = os_store_source(request.root, store, bundle)
    if os_source is not None:
        sources_.append(os_source)
    env_source = environment_source(request.root, env)
    if env_source is not None:
        sources_.append(env_source)
    if supplied:
        pem = "".join(c.pem() for c in supplied)
        origins = ", ".join(sorted({c.origin.split("#")[0] for c in supplied}))
        sources_.append(probe.TrustSource("supplied", f"the supplied CAs ({origins})", cadata=pem))
    targets: list[pythons.Target] = []
    notes: list[str] = []
    if with_targets:
        targets, notes = pythons.discover(request.root, request.pythons, env)
    situation = Situation(request, env, info, store, bundle, targets, notes, supplied, findings, sources_)
    situation.secrets = proxies.secrets(env)
    return situation


def add_supplied(situation: Situation, certs: Sequence[CACert]) -> None:
    """Name these CAs in diagnoses (setup's validated CAs, for the verify it runs)."""
    if not certs:
        return
    from pip_tls_setup.ca.certs import dedupe

    situation.supplied = dedupe([*situation.supplied, *certs])
    situation.sources = [s for s in situation.sources if s.key != "supplied"]
    pem = "".join(c.pem() for c in situation.supplied)
    situation.sources.append(probe.TrustSource("supplied", "the corporate CAs given to setup", cadata=pem))


def check_url(url: str, what: str) -> None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InputError(
            f"{what} {redact.url(url)}", "is not a valid URL", "write it as https://host/simple/"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{what} {redact.url(url)}", "is not an http(s) URL", "write it as https://host/simple/")
