"""``doctor``: why does pip fail here? Read-only.

The report is one JSON-able dict (documented by ``docs/doctor.schema.json``);
the text and Markdown renderings are built from it, so every format says the
same thing. Parts:

- the OS family and its trust store;
- the proxy variables (redacted) and, per target, the proxy its pip uses;
- for each target Python: its versions, whether pip's truststore context is
  mounted, which CA file requests will apply, and whether that trust would
  accept the chain the probe saw (an offline anchor check);
- the interception probe for each distinct (index, proxy) pair;
- the known traps, each with the pip/Python versions it needs and what setup
  does about it.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pip_tls_setup import __version__, redact
from pip_tls_setup.ca.certs import CACert, LintFinding
from pip_tls_setup.diagnosis import classes as C
from pip_tls_setup.diagnosis import pip_view, probe, proxies
from pip_tls_setup.errors import InputError
from pip_tls_setup.inject import stores
from pip_tls_setup.target import osinfo, pythons
from pip_tls_setup.target.root import Root

if TYPE_CHECKING:
    from cryptography import x509

SCHEMA_VERSION = 1
_HASHED = re.compile(r"^[0-9a-f]{8}\.[0-9]+$")
TRUSTSTORE_CANDIDATES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)


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
class Context:
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
    results: list[probe.ProbeResult] = field(default_factory=list)  # the probes 'build' ran


# --------------------------------------------------------------------------- inputs


def load_supplied(paths: Sequence[str], env: Mapping[str, str]) -> tuple[list[CACert], dict[str, list[LintFinding]]]:
    """The operator's CAs for diagnosis: parsed strictly (keys, garbage: exit 2), linted leniently.

    An expired or leaf certificate is not refused here: saying why it cannot
    work is the diagnosis.
    """
    from pathlib import Path

    from pip_tls_setup.ca import sources
    from pip_tls_setup.ca.certs import dedupe, lint, load_certificates

    certs: list[CACert] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in sources.CERT_SUFFIXES)
            if not files:
                raise InputError(f"--ca {raw}", "is a directory without certificate files", "pass the file itself")
        else:
            files = [path]
        for file in files:
            try:
                data = file.read_bytes()
            except FileNotFoundError:
                raise InputError(f"--ca {file}", "does not exist", "check the path") from None
            except OSError as exc:
                raise InputError(f"--ca {file}", f"cannot be read ({exc.strerror})", "check its permissions") from None
            certs.extend(load_certificates(data, str(file)))
    text = env.get(sources.CA_ENV, "")
    if text.strip():
        certs.extend(load_certificates(text.encode("utf-8", "replace"), f"${sources.CA_ENV}"))
    certs = dedupe(certs)
    return certs, {c.sha256: lint(c, companions=[o for o in certs if o is not c]) for c in certs}


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


def prepare(request: DoctorRequest, env: Mapping[str, str], with_targets: bool = True) -> Context:
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
    context = Context(request, env, info, store, bundle, targets, notes, supplied, findings, sources_)
    context.secrets = proxies.secrets(env)
    return context


def add_supplied(context: Context, certs: Sequence[CACert]) -> None:
    """Name these CAs in diagnoses (setup's validated CAs, for the verify it runs)."""
    if not certs:
        return
    from pip_tls_setup.ca.certs import dedupe

    context.supplied = dedupe([*context.supplied, *certs])
    context.sources = [s for s in context.sources if s.key != "supplied"]
    pem = "".join(c.pem() for c in context.supplied)
    context.sources.append(probe.TrustSource("supplied", "the corporate CAs given to setup", cadata=pem))


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


# --------------------------------------------------------------------------- per-target trust


def _pip_version(target: pythons.Target) -> tuple[int, ...]:
    return target.pip.version_tuple if target.pip else ()


def proxy_bug(target: pythons.Target, proxy_in_use: bool) -> bool:
    """pip 24.2-25.1.x builds the proxy connection without its truststore context (fixed in 25.2, #13343)."""
    version = _pip_version(target)
    return proxy_in_use and target.version >= (3, 10) and (24, 2) <= version[:2] < (25, 2)


def trust_of(
    target: pythons.Target, entry: Mapping[str, Any], env: Mapping[str, str], root: Root, options: Mapping[str, Any]
) -> dict[str, Any]:
    """Which anchors this target's pip applies to one index URL (from its own session's answers)."""
    verify = entry.get("verify", True)
    context = bool(entry.get("ssl_context"))
    proxy_in_use = bool(entry.get("proxy"))
    bug = context and proxy_bug(target, proxy_in_use)
    pip_certifi = target.pip.certifi.where if target.pip and target.pip.certifi else None
    defaults = (target.verify_paths or {}).get("cafile") if target.verify_paths else None
    capath = (target.verify_paths or {}).get("capath") if target.verify_paths else None
    os_files = [defaults] if defaults else [c for c in TRUSTSTORE_CANDIDATES if root.host(c).is_file()][:1]
    if capath:
        os_files.append(capath)  # OpenSSL also looks up hashed certificates there
    if verify is False or verify == "":
        return {
            "kind": "verification-off",
            "description": "certificate verification is OFF for this index "
            + ("(CURL_CA_BUNDLE is empty and this pip's requests is older than 2.28)" if verify == "" else ""),
            "files": [],
            "os_store": False,
            "source": _verify_source(str(verify), env, options),
        }
    if isinstance(verify, str):
        source = _verify_source(verify, env, options)
        if context and not bug:
            return {
                "kind": "truststore+file",
                "description": f"the OS store + pip's certifi + {verify} ({source})",
                "files": [*os_files, *([pip_certifi] if pip_certifi else []), verify],
                "os_store": True,
                "source": source,
            }
        why = " (pip 24.2-25.1.x behind a proxy)" if bug else ""
        return {
            "kind": "file",
            "description": f"{verify} alone ({source}){why}",
            "files": [verify],
            "os_store": False,
            "source": source,
        }
    if context and not bug:
        return {
            "kind": "truststore",
            "description": "the OS store (truststore) + pip's vendored certifi",
            "files": [*os_files, *([pip_certifi] if pip_certifi else [])],
            "os_store": True,
            "source": "pip default (truststore)",
        }
    if bug:
        return {
            "kind": "openssl-defaults",
            "description": f"OpenSSL's default CA file ({defaults or 'none found'}), not the OS store via truststore "
            "and not pip's certifi (pip 24.2-25.1.x behind a proxy)",
            "files": [f for f in (defaults, capath) if f],
            "os_store": False,
            "source": "SSL_CERT_FILE" if env.get("SSL_CERT_FILE") else "OpenSSL default paths",
        }
    patched = bool(target.pip and target.pip.certifi and target.pip.certifi.patched)
    description = (
        f"pip's vendored certifi, patched by the distribution to read {pip_certifi} (the OS bundle)"
        if patched
        else f"pip's vendored certifi ({pip_certifi}) only"
    )
    return {
        "kind": "certifi",
        "description": description,
        "files": [pip_certifi] if pip_certifi else [],
        "os_store": patched,
        "source": "pip default (vendored certifi)",
    }


def _verify_source(path: str, env: Mapping[str, str], options: Mapping[str, Any]) -> str:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if name in env and env[name] == path:
            return name
    if options.get("cert") == path:
        return "PIP_CERT" if env.get("PIP_CERT") == path else "pip config (cert =)"
    return "pip's session"


def _load_anchors(root: Root, files: Iterable[str]) -> list[x509.Certificate]:
    from pip_tls_setup.ca.certs import parse_bundle

    anchors: list[x509.Certificate] = []
    for logical in files:
        host = root.host(logical)
        try:
            if host.is_dir():  # a CApath: OpenSSL reads only the hashed names
                for entry in sorted(host.iterdir()):
                    if _HASHED.match(entry.name):
                        anchors.extend(parse_bundle(entry.read_bytes()))
            else:
                anchors.extend(parse_bundle(host.read_bytes()))
        except OSError:
            continue
    return anchors


# --------------------------------------------------------------------------- traps


@dataclass(frozen=True)
class Trap:
    id: str
    severity: str  # info | warning | error
    title: str
    versions: str
    explanation: str
    workaround: str


def _trap(traps: dict[str, dict[str, Any]], trap: Trap, target: str) -> None:
    entry = traps.setdefault(
        trap.id,
        {
            "id": trap.id,
            "severity": trap.severity,
            "title": trap.title,
            "versions": trap.versions,
            "explanation": trap.explanation,
            "workaround": trap.workaround,
            "targets": [],
        },
    )
    if target not in entry["targets"]:
        entry["targets"].append(target)


def traps_for(
    target: pythons.Target,
    view: Mapping[str, Any],
    indexes: Sequence[Mapping[str, Any]],
    env: Mapping[str, str],
    cas: Sequence[CACert],
    findings: Mapping[str, Sequence[LintFinding]],
    root: Root,
) -> list[Trap]:
    found: list[Trap] = []
    pip = target.pip
    version = _pip_version(target)
    pip_text = f"pip {pip.version}" if pip else "no pip"
    py_text = ".".join(map(str, target.version[:2]))
    options = (view.get("pip") or {}).get("options") or {}
    uses_proxy = any(i.get("proxy") for i in indexes)
    if not target.ssl:
        found.append(
            Trap(
                "no-ssl-module",
                "error",
                "this Python has no ssl module",
                "any",
                "pip says: 'pip is configured with locations that require TLS/SSL, however the ssl module in "
                "Python is not available.' No certificate can fix that.",
                "rebuild or reinstall this Python with OpenSSL (e.g. install libssl-dev before building it)",
            )
        )
    if pip and uses_proxy and proxy_bug(target, True):
        found.append(
            Trap(
                "pip-proxy-ignores-truststore",
                "warning",
                f"{pip_text} behind a proxy ignores the OS store (truststore)",
                "pip 24.2 - 25.1.x on Python 3.10+",
                "pip 24.2 made truststore the default, but until 25.2 ('Ensure truststore feature remains active "
                "even when a proxy is also in use', #13343) the proxy connection is built without that context: "
                "behind a proxy this pip verifies with OpenSSL's default CA file (SSL_CERT_FILE or the system "
                "bundle) and, when set, --cert alone. It works without the proxy and fails in CI.",
                "setup writes cert = <combined bundle> into pip's config and exports PIP_CERT and SSL_CERT_FILE "
                "pointing at the combined bundle (public roots + corporate CAs), which this pip uses behind a "
                "proxy too; upgrading pip to 25.2 or later also fixes it",
            )
        )
    if target.version < (3, 10):
        found.append(
            Trap(
                "python-no-os-store",
                "warning",
                f"Python {py_text} never uses the OS trust store",
                "Python 3.9 and older, every pip",
                "pip 24.2: 'Use system certificates and certifi certificates to verify HTTPS connections on "
                "Python 3.10+. Python 3.9 and earlier only use certifi.' (pip 26.1 dropped 3.9 altogether), "
                "so adding the CA to the OS store does not help this Python's pip.",
                "setup appends the corporate CAs to this pip's vendored certifi and sets cert = <combined "
                "bundle> in its pip config",
            )
        )
    elif pip and version and version[:2] < (24, 2) and target.ssl:
        found.append(
            Trap(
                "pip-certifi-only",
                "info",
                f"{pip_text} verifies with its vendored certifi only",
                "pip older than 24.2",
                "pip uses the OS store by default only from 24.2 on ('Use system certificates and certifi "
                "certificates to verify HTTPS connections on Python 3.10+'); this one reads "
                "pip/_vendor/certifi/cacert.pem (unless a distribution patched it to the OS bundle).",
                "setup appends the corporate CAs to pip's vendored certifi and sets cert = <combined bundle>",
            )
        )
    ca_vars = [n for n in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") if env.get(n)]
    if options.get("proxy") and ca_vars and (not version or version >= (24, 1)):
        found.append(
            Trap(
                "proxy-option-disables-ca-env",
                "warning",
                f"pip's proxy option makes it ignore {' and '.join(ca_vars)}",
                "pip 24.1 and later",
                "pip 24.1: 'Make the --proxy parameter take precedence over environment variables' (#10685): "
                "with --proxy, PIP_PROXY or proxy = in pip's config, pip stops reading the environment, so "
                f"{', '.join(ca_vars)} (and NO_PROXY) no longer apply.",
                "setup also writes cert = <combined bundle> into pip's config, which --proxy does not switch off",
            )
        )
    if "CURL_CA_BUNDLE" in env and env["CURL_CA_BUNDLE"] == "":
        affected = bool(pip and version and version <= (22, 1, 2))
        found.append(
            Trap(
                "curl-ca-bundle-empty",
                "error" if affected else "warning",
                "CURL_CA_BUNDLE is set to an empty string",
                "pip 22.1.2 and older (requests < 2.28)",
                "requests before 2.28 took CURL_CA_BUNDLE='' as verify='' and switched certificate checks off "
                "(psf/requests #6071); "
                + (
                    f"{pip_text} vendors such a requests: verification is OFF here."
                    if affected
                    else f"harmless for {pip_text}, but any older pip or requests in the job turns verification off."
                ),
                "unset CURL_CA_BUNDLE; setup exports it pointing at the combined bundle",
            )
        )
    cert_option = options.get("cert")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if env.get(name) and cert_option and env[name] != cert_option and not options.get("proxy"):
            found.append(
                Trap(
                    "requests-ca-bundle-overrides-cert",
                    "warning",
                    f"{name} wins over pip's cert setting",
                    "every pip",
                    f"requests applies {name}={env[name]} to each request, which beats --cert / PIP_CERT / "
                    f"cert = ({cert_option}): a corporate CA only in the cert file is not trusted.",
                    "setup points PIP_CERT, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and cert = at one combined bundle",
                )
            )
            break
    if "legacy-certs" in (options.get("deprecated_features") or []):
        found.append(
            Trap(
                "legacy-certs",
                "info",
                "--use-deprecated=legacy-certs switches truststore off",
                "pip 24.2 and later",
                "with legacy-certs pip verifies with its vendored certifi only (and on Python 3.13 with "
                "pip 26.1+ the strict X.509 flags apply).",
                "setup appends the corporate CAs to pip's vendored certifi and sets cert = <combined bundle>",
            )
        )
    if pip and version and version < (21, 0):
        found.append(
            Trap(
                "very-old-pip",
                "warning",
                f"{pip_text} is very old (pinned or downgraded?)",
                "pip older than 21.0",
                "Downgrading pip (for example to 20.2.4 'because the error only appears above 20.3') does not fix "
                "certificate errors: no pip version trusts the proxy's CA until it is installed, and old pips "
                "lack security fixes and never use the OS store.",
                "setup installs the CA for this pip too (its vendored certifi and cert = in its config); then "
                "upgrade pip and drop the pin",
            )
        )
    trusted = list(options.get("trusted_hosts") or [])
    if trusted:
        found.append(
            Trap(
                "trusted-host",
                "error",
                f"pip does not verify certificates for {', '.join(trusted)}",
                "every pip",
                "--trusted-host / PIP_TRUSTED_HOST / trusted-host = also turns certificate checks off for HTTPS: "
                "anyone on the path can serve packages.",
                "remove it (pip-tls-setup scan finds where it is set); setup makes verification work instead",
            )
        )
    for entry in indexes:
        url = str(entry.get("url") or "")
        if url.startswith("http://"):
            found.append(
                Trap(
                    "plain-http-index",
                    "error",
                    f"the index {redact.url(url)} is plain http://",
                    "every pip",
                    "nothing is encrypted or verified; pip ignores an http:// index unless it is also a trusted host",
                    "use the index's https:// address; setup makes its certificate verify",
                )
            )
        trust = entry.get("trust") or {}
        files = trust.get("files") or []
        if trust.get("kind") in ("file", "truststore+file") and files and not root.host(files[-1]).exists():
            found.append(
                Trap(
                    "ca-file-missing",
                    "error",
                    f"the CA file {files[-1]} does not exist",
                    "every pip",
                    f"pip says: 'Could not find a suitable TLS CA certificate bundle, invalid path: {files[-1]}'",
                    "run setup: it writes the combined bundle and points every setting at it",
                )
            )
    if target.version >= (3, 13):
        for cert in cas:
            strict = [f for f in findings.get(cert.sha256, []) if f.code.startswith("strict-")]
            if strict:
                found.append(
                    Trap(
                        "python313-strict-weak-ca",
                        "warning",
                        f"Python 3.13 strict X.509 rejects '{cert.common_name}'",
                        "Python 3.13 and later",
                        f"{strict[0].message}",
                        "setup still installs the CA (pip's truststore context is not strict) and warns; only a "
                        "CA reissued with the extension fixed makes httpx, aiohttp, urllib and requests work on 3.13",
                    )
                )
                break
    return found


# --------------------------------------------------------------------------- the report


def proxy_origin(
    actual: str | None, options: Mapping[str, Any], origins: Mapping[str, Any], env: Mapping[str, str]
) -> str:
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


def build(context: Context) -> dict[str, Any]:
    """Run every read-only check and the probes; return the report dict."""
    started = time.monotonic()
    env = context.env
    root = context.request.root
    deadline = probe.Deadline(context.request.timeout)
    targets_out: list[dict[str, Any]] = []
    traps: dict[str, dict[str, Any]] = {}
    wanted: dict[tuple[str, str], tuple[str, proxies.ProxyURL | None, str]] = {}
    pending: list[tuple[dict[str, Any], pythons.Target, list[str]]] = []
    notes = list(context.notes)
    for target in context.targets:
        request = {"fetch": False, "budget": 30, "step": 10, "urls": list(context.request.index_urls)}
        run = pip_view.run(root, target, env, request, timeout=120)
        view = run.data
        answer = view.get("pip") or {}
        options = answer.get("options") or {}
        origins = answer.get("origins") or {}
        context.secrets.extend(proxies.secrets({}, [str(options.get("proxy") or "")]))
        indexes: list[dict[str, Any]] = []
        for entry in answer.get("urls") or []:
            url = str(entry.get("index") or "")
            context.secrets.extend(redact.secrets_in(url))
            actual = entry.get("proxy")
            proxy_url = _parse_proxy(actual, proxy_origin(actual, options, origins, env))
            if proxy_url is not None:
                context.secrets.extend(proxy_url.secrets)
            choice = proxies.for_pip(url, env, options.get("proxy"), _pip_version(target) or None)
            source = proxy_url.source if proxy_url else (choice.reason if choice.proxy is None else "")
            index: dict[str, Any] = {
                "url": redact.url(url),
                "proxy": proxy_url.redacted if proxy_url else None,
                "proxy_source": source,
                "trust": trust_of(target, entry, env, root, options),
                "probe": None,
                "trusts_chain": None,
            }
            indexes.append(index)
            key = (url, proxy_url.raw if proxy_url else "")
            wanted.setdefault(key, (url, proxy_url, source))
            pending.append((index, target, [url, key[1]]))
        error = run.error or _error_text(answer.get("error"))
        truststore_active = any(bool(e.get("ssl_context")) for e in answer.get("urls") or []) or (
            not answer.get("urls") and target.truststore_active
        )
        found = traps_for(target, view, indexes, env, context.supplied, context.findings, root)
        for trap in found:
            _trap(traps, trap, target.executable)
        targets_out.append(
            {
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
                "origins": _origins_text(origins),
                "indexes": indexes,
                "traps": [t.id for t in found],
                "error": redact.url(error) if error else None,
            }
        )
    for url in context.request.index_urls:
        if any(known == url for known, _raw in wanted):
            continue  # a target pip already said which proxy it uses for this URL
        first = context.targets[0] if context.targets else None
        pip_proxy = env.get("PIP_PROXY") or None
        choice = proxies.for_pip(url, env, pip_proxy, _pip_version(first) if first and first.pip else None)
        if choice.proxy is not None:
            context.secrets.extend(choice.proxy.secrets)
        key = (url, choice.proxy.raw if choice.proxy else "")
        wanted.setdefault(key, (url, choice.proxy, choice.proxy.source if choice.proxy else choice.reason))
    if not wanted and not context.request.offline:
        notes.append("no target Python with pip was found and no --index-url was given: nothing to probe")
    if context.request.index_urls:
        notes.append("checked the --index-url address(es) instead of the index each pip is configured with")
    probes: list[probe.ProbeResult] = []
    keys = list(wanted)
    for key in keys:
        url, proxy_url, reason = wanted[key]
        if context.request.offline:
            result = probe.not_probed(url, proxy_url, reason, "not probed (--offline)")
        else:
            result = probe.probe(url, proxy_url, context.sources, deadline, proxy_reason=reason)
        probes.append(result)
    context.results = probes
    by_key = {key: i for i, key in enumerate(keys)}
    for index, owner, (url, raw) in pending:
        number = by_key.get((url, raw))
        index["probe"] = number
        if number is None:
            continue
        result = probes[number]
        if result.chain and index["trust"]["kind"] != "verification-off":
            anchors = _load_anchors(root, index["trust"]["files"])
            anchored = bool(anchors) and probe.anchored_in(result.chain, anchors) is not None
            if anchored:
                index["trusts_chain"] = True
            elif index["trust"]["os_store"] and owner.platform in ("darwin", "win32"):
                index["trusts_chain"] = None  # the keychain / CryptoAPI cannot be read offline: verify tells
            elif index["trust"]["files"]:
                index["trusts_chain"] = False
        if index["trust"]["kind"] == "verification-off":
            index["trusts_chain"] = None
    _trusted_by_targets(probes, pending)
    strict_chain = _strict_chain_traps(probes, context.targets)
    for trap, executable in strict_chain:
        _trap(traps, trap, executable)
    summary = summarize(probes, env)
    report = {
        "command": "doctor",
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "ok": _ok(probes, targets_out, traps),
        "summary": summary,
        # The three facts CI wrappers read most, also at the top level (same values as in summary).
        "intercepted": summary["intercepted"],
        "issuer": summary["issuer"],
        "product": summary["product"],
        "os": {
            "family": context.os.family,
            "id": context.os.id,
            "name": context.os.pretty,
            "store": context.store.description if context.store else None,
            "bundle": context.system_bundle,
        },
        "root": str(root),
        "proxy": {
            "effective": summary["proxy"],
            "variables": proxies.settings(env),
            "no_proxy": (proxies.no_proxy(env) or (None, None))[0],
        },
        "trust_sources": [s.to_json() for s in context.sources],
        "supplied_cas": [
            {
                "subject": c.subject,
                "sha256": c.sha256,
                "origin": c.origin,
                "not_after": c.not_after.isoformat(),
                "findings": [
                    {"level": f.level, "code": f.code, "message": f.message} for f in context.findings.get(c.sha256, [])
                ],
            }
            for c in context.supplied
        ],
        "targets": targets_out,
        "probes": [p.to_json() for p in probes],
        "traps": list(traps.values()),
        "notes": notes,
        "offline": context.request.offline,
        "timeout_seconds": context.request.timeout,
        "elapsed_seconds": round(time.monotonic() - started, 3),
    }
    return redact.scrub_data(report, context.secrets)  # type: ignore[no-any-return]


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


def _strict_chain_traps(
    results: Sequence[probe.ProbeResult], targets: Sequence[pythons.Target]
) -> list[tuple[Trap, str]]:
    """Python 3.13 strict X.509 problems of the CA certificates the proxy presented."""
    from pip_tls_setup.ca.certs import lint

    modern = [t for t in targets if t.version >= (3, 13)]
    if not modern:
        return []
    found: list[tuple[Trap, str]] = []
    for result in results:
        for cert in result.ca_candidates:
            strict = [f for f in lint(CACert(cert.x509, "the proxy's chain")) if f.code.startswith("strict-")]
            if strict:
                trap = Trap(
                    "python313-strict-weak-ca",
                    "warning",
                    f"Python 3.13 strict X.509 rejects '{cert.common_name}'",
                    "Python 3.13 and later",
                    strict[0].message,
                    "setup still installs the CA (pip's truststore context is not strict) and warns; only a "
                    "CA reissued with the extension fixed makes httpx, aiohttp, urllib and requests work on 3.13",
                )
                found.extend((trap, t.executable) for t in modern)
                break
    return found


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


def _ok(results: Sequence[probe.ProbeResult], targets: Sequence[Mapping[str, Any]], traps: Mapping[str, Any]) -> bool:
    if any(not r.ok and r.classification != C.NOT_PROBED for r in results):
        return False
    for target in targets:
        for index in target["indexes"]:
            if index["trusts_chain"] is False or index["trust"]["kind"] == "verification-off":
                return False
    return not any(t["severity"] == "error" for t in traps.values())


def summarize(results: Sequence[probe.ProbeResult], env: Mapping[str, str]) -> dict[str, Any]:
    """The headline the GitHub Action turns into outputs: proxy, intercepted, issuer."""
    chosen = next((r for r in results if r.intercepted), None) or next(
        (r for r in results if r.classification not in C.OK_CLASSES | {C.NOT_PROBED}), None
    )
    chosen = chosen or (results[0] if results else None)
    env_proxy = proxies.environment_proxies(env)
    fallback = env_proxy.get("https") or env_proxy.get("all")
    if chosen is not None:  # the proxy that probe went through (None: it went direct, e.g. NO_PROXY)
        proxy_text = chosen.proxy.redacted if chosen.proxy else None
        proxy_source = chosen.proxy.source if chosen.proxy else None
    else:
        proxy_text = redact.url(fallback[0]) if fallback else None
        proxy_source = fallback[1] if fallback else None
    intercepted_values = [r.intercepted for r in results]
    intercepted = (
        True
        if any(v is True for v in intercepted_values)
        else (False if intercepted_values and all(v is False for v in intercepted_values) else None)
    )
    return {
        "proxy": proxy_text,
        "proxy_source": proxy_source,
        "intercepted": intercepted,
        "classification": chosen.classification if chosen else None,
        "message": redact.url(chosen.message) if chosen else "nothing was probed",
        "issuer": chosen.issuer if chosen and chosen.intercepted else None,
        "issuer_name": chosen.issuer_name if chosen and chosen.intercepted else None,
        "product": chosen.product if chosen else None,
        "ca_fingerprints": [c.sha256 for c in chosen.ca_candidates] if chosen else [],
    }


# --------------------------------------------------------------------------- rendering

_MARK = {True: "ok", False: "FAIL", None: "?"}


def render_text(report: Mapping[str, Any], line: Any, heading: Any, warn: Any) -> None:
    """Print the report for a human with the console's ``line(text, kind)``, ``heading``, ``warn``."""
    heading("pip-tls-setup doctor (read-only)")
    os_ = report["os"]
    store = f"{os_['store']} ({os_['bundle']})" if os_.get("store") else "no OS trust store recognised"
    line(f"  OS       {os_['name']} [{os_['family']}]; trust store: {store}")
    variables = report["proxy"]["variables"]
    if variables:
        line("  proxy    " + "  ".join(f"{k}={v}" for k, v in variables.items()))
    else:
        line("  proxy    no proxy variables are set")
    for source in report["trust_sources"]:
        line(f"  trust    {source['key']}: {source['label']}", "skip")
    for ca in report["supplied_cas"]:
        line(f"  CA       {ca['subject']}  sha256:{ca['sha256']}  until {ca['not_after'][:10]}")
        for finding in ca["findings"]:
            warn(f"{ca['origin']}: {finding['message']}")
    if report["targets"]:
        heading("targets")
    for target in report["targets"]:
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
    if report["probes"]:
        heading("interception probe")
    for number, result in enumerate(report["probes"]):
        via = f"via {result['proxy']}" if result["proxy"] else "direct"
        line(f"  [{number}] {result['url']}  {via}")
        kind = "ok" if result["ok"] else ("skip" if result["classification"] == C.NOT_PROBED else "error")
        line(f"    {result['classification']}: {result['message']}", kind)
        if result["product"]:
            line(
                f"    product  {result['product']}" + (f" ({result['product_hint']})" if result["product_hint"] else "")
            )
        for depth, cert in enumerate(result["chain"]):
            line(f"    chain {depth}  {cert['subject']}  issued by {cert['issuer']}  sha256:{cert['sha256'][:16]}...")
        for check in result["checks"]:
            mark = _MARK[check["ok"]]
            detail = f": {check['error']}" if check["error"] else ""
            line(f"    {mark:4}  {check['label']}{detail}", "ok" if check["ok"] else "skip")
        for note in result["notes"]:
            line(f"    note  {note}", "skip")
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


def _kind(severity: str) -> str:
    return {"error": "error", "warning": "warning"}.get(severity, "info")


def next_steps(report: Mapping[str, Any]) -> list[str]:
    summary = report["summary"]
    steps: list[str] = []
    classification = summary.get("classification")
    if classification == C.INTERCEPTED_UNKNOWN_CA:
        name = summary.get("issuer_name") or summary.get("issuer") or "the interception CA"
        product = f" ({summary['product']})" if summary.get("product") else ""
        steps.append(f"next: get the CA '{name}'{product} from your security team, then run")
        steps.append("        pip-tls-setup setup --ca <that file>")
        for fingerprint in summary.get("ca_fingerprints") or []:
            steps.append(
                f"      or, once they confirm sha256:{fingerprint} out of band:\n"
                f"        pip-tls-setup setup --ca-from-proxy --ca-fingerprint sha256:{fingerprint}"
            )
    elif any(i["trusts_chain"] is False for t in report["targets"] for i in t["indexes"]):
        steps.append("next: put the CA where each pip looks (OS store, certifi, pip config, environment):")
        steps.append("        pip-tls-setup setup --ca <the corporate CA file>")
    elif classification == C.PROXY_AUTH_REQUIRED:
        steps.append("next: write the proxy user name and password into the proxy URL (from a CI secret)")
    elif report["ok"]:
        steps.append("verdict: pip can verify its index here")
    return steps


def render_markdown(report: Mapping[str, Any]) -> str:
    """The GitHub step summary."""
    summary = report["summary"]
    lines = ["### pip-tls-setup doctor", ""]
    intercepted = {True: "yes", False: "no", None: "unknown"}[summary["intercepted"]]
    lines.append("| | |")
    lines.append("|---|---|")
    lines.append(f"| proxy | {_md(summary['proxy'] or 'none')} |")
    lines.append(f"| TLS intercepted | {intercepted} |")
    if summary.get("issuer"):
        product = f" ({summary['product']})" if summary.get("product") else ""
        lines.append(f"| interception CA | {_md(summary['issuer'])}{_md(product)} |")
    lines.append(f"| result | `{summary['classification']}`: {_md(summary['message'])} |")
    lines.append(f"| OS | {_md(report['os']['name'])} ({_md(report['os']['store'] or 'no store')}) |")
    lines.append("")
    if report["targets"]:
        lines.append("| Python | pip | truststore | index | trust | trusts the chain |")
        lines.append("|---|---|---|---|---|---|")
        for target in report["targets"]:
            for index in target["indexes"] or [{"url": "-", "trust": {"description": "-"}, "trusts_chain": None}]:
                verdict = {True: "yes", False: "**no**", None: "?"}[index["trusts_chain"]]
                lines.append(
                    f"| {_md(target['executable'])} ({target['python']}) | {target['pip'] or '-'} | "
                    f"{'on' if target['truststore_active'] else 'off'} | {_md(index['url'])} | "
                    f"{_md(index['trust']['description'])} | {verdict} |"
                )
        lines.append("")
    for trap in report["traps"]:
        lines.append(f"- **{trap['severity']}** `{trap['id']}`: {_md(trap['title'])} ({_md(trap['versions'])}). ")
        lines.append(f"  {_md(trap['explanation'])} Fix: {_md(trap['workaround'])}")
    lines.append("")
    return "\n".join(lines)


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_summary(env: Mapping[str, str], markdown: str) -> str | None:
    """Append to $GITHUB_STEP_SUMMARY when set; returns a warning when it cannot be written."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return None
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    except OSError as exc:
        return f"$GITHUB_STEP_SUMMARY ({path}) cannot be written ({exc.strerror}); the summary was skipped"
    return None
