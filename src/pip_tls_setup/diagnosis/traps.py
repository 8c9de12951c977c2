"""The known traps: one small function per trap, registered with its id, severity and versions.

Each trap's texts are named constants below (``{name}`` fields are filled in per
target). ``REGISTRY`` keeps the order doctor reports them in; the trap table in
``docs/doctor.md`` lists the same ids, severities and versions (a unit test
compares them). A trap with more than one severity names the usual one first.
To add a trap: write its texts, then one ``@trap(...)`` function.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pip_tls_setup import redact
from pip_tls_setup.ca.certs import CACert, LintFinding
from pip_tls_setup.diagnosis import probe
from pip_tls_setup.diagnosis.trust import pip_version, proxy_bug
from pip_tls_setup.target import pythons
from pip_tls_setup.target.root import Root

NO_SSL_TITLE = "this Python has no ssl module"
NO_SSL_EXPLANATION = (
    "pip says: 'pip is configured with locations that require TLS/SSL, however the ssl module in "
    "Python is not available.' No certificate can fix that."
)
NO_SSL_WORKAROUND = "rebuild or reinstall this Python with OpenSSL (e.g. install libssl-dev before building it)"

PROXY_BUG_TITLE = "{pip} behind a proxy ignores the OS store (truststore)"
PROXY_BUG_EXPLANATION = (
    "pip 24.2 made truststore the default, but until 25.2 ('Ensure truststore feature remains active "
    "even when a proxy is also in use', #13343) the proxy connection is built without that context: "
    "behind a proxy this pip verifies with OpenSSL's default CA file (SSL_CERT_FILE or the system "
    "bundle) and, when set, --cert alone. It works without the proxy and fails in CI."
)
PROXY_BUG_WORKAROUND = (
    "setup writes cert = <combined bundle> into pip's config and exports PIP_CERT and SSL_CERT_FILE "
    "pointing at the combined bundle (public roots + corporate CAs), which this pip uses behind a "
    "proxy too; upgrading pip to 25.2 or later also fixes it"
)

NO_OS_STORE_TITLE = "Python {python} never uses the OS trust store"
NO_OS_STORE_EXPLANATION = (
    "pip 24.2: 'Use system certificates and certifi certificates to verify HTTPS connections on "
    "Python 3.10+. Python 3.9 and earlier only use certifi.' (pip 26.1 dropped 3.9 altogether), "
    "so adding the CA to the OS store does not help this Python's pip."
)
NO_OS_STORE_WORKAROUND = (
    "setup appends the corporate CAs to this pip's vendored certifi and sets cert = <combined bundle> in its pip config"
)

CERTIFI_ONLY_TITLE = "{pip} verifies with its vendored certifi only"
CERTIFI_ONLY_EXPLANATION = (
    "pip uses the OS store by default only from 24.2 on ('Use system certificates and certifi "
    "certificates to verify HTTPS connections on Python 3.10+'); this one reads "
    "pip/_vendor/certifi/cacert.pem (unless a distribution patched it to the OS bundle)."
)
CERTIFI_WORKAROUND = "setup appends the corporate CAs to pip's vendored certifi and sets cert = <combined bundle>"

PROXY_OPTION_TITLE = "pip's proxy option makes it ignore {variables}"
PROXY_OPTION_EXPLANATION = (
    "pip 24.1: 'Make the --proxy parameter take precedence over environment variables' (#10685): "
    "with --proxy, PIP_PROXY or proxy = in pip's config, pip stops reading the environment, so "
    "{variables} (and NO_PROXY) no longer apply."
)
PROXY_OPTION_WORKAROUND = (
    "setup also writes cert = <combined bundle> into pip's config, which --proxy does not switch off"
)

EMPTY_CURL_TITLE = "CURL_CA_BUNDLE is set to an empty string"
EMPTY_CURL_EXPLANATION = (
    "requests before 2.28 took CURL_CA_BUNDLE='' as verify='' and switched certificate checks off "
    "(psf/requests #6071); "
)
EMPTY_CURL_AFFECTED = "{pip} vendors such a requests: verification is OFF here."
EMPTY_CURL_HARMLESS = "harmless for {pip}, but any older pip or requests in the job turns verification off."
EMPTY_CURL_WORKAROUND = "unset CURL_CA_BUNDLE; setup exports it pointing at the combined bundle"

CA_ENV_WINS_TITLE = "{name} wins over pip's cert setting"
CA_ENV_WINS_EXPLANATION = (
    "requests applies {name}={value} to each request, which beats --cert / PIP_CERT / "
    "cert = ({cert}): a corporate CA only in the cert file is not trusted."
)
CA_ENV_WINS_WORKAROUND = "setup points PIP_CERT, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and cert = at one combined bundle"

LEGACY_CERTS_TITLE = "--use-deprecated=legacy-certs switches truststore off"
LEGACY_CERTS_EXPLANATION = (
    "with legacy-certs pip verifies with its vendored certifi only (and on Python 3.13 with "
    "pip 26.1+ the strict X.509 flags apply)."
)

OLD_PIP_TITLE = "{pip} is very old (pinned or downgraded?)"
OLD_PIP_EXPLANATION = (
    "Pinning or downgrading pip (for example to 20.2.4 'because the error only appears above 20.3') fixes "
    "nothing; it hides the real cause, which is one of two. (1) The proxy URL says https:// but the proxy "
    "speaks plain HTTP: pip 20.2.4 and older (urllib3 1.25) spoke plain HTTP to it whatever the URL said, "
    "pip 20.3 and later open TLS to it and fail (WRONG_VERSION_NUMBER, 'EOF occurred in violation of "
    "protocol', 'check_hostname requires server_hostname'); the fix is http:// in the proxy URL. (2) An "
    "intercepting proxy's CA that pip does not trust: no pip version trusts it until it is installed. "
    "Old pips also lack security fixes and never use the OS store."
)
OLD_PIP_WORKAROUND = (
    "write http:// in the proxy URL when the proxy speaks plain HTTP (doctor's probe says so and gives the "
    "corrected value), and let setup install the CA; then upgrade pip and drop the pin"
)

HTTPS_PROXY_TITLE = "the proxy URL {proxy} is https://"
HTTPS_PROXY_EXPLANATION = (
    "From pip 20.3 (urllib3 1.26) on, an https:// proxy URL means TLS to the proxy itself. Most corporate "
    "proxies, and the proxies that Windows settings and VPN or proxy clients name, speak plain HTTP on that "
    "port; then pip fails with [SSL: WRONG_VERSION_NUMBER] (measured on pip 20.3, 21.3.1, 26.3), "
    "ProxyError('Your proxy appears to only use HTTP and not HTTPS, ...') (pip 23.0.1 to 26.0.1), "
    "'EOF occurred in violation of protocol' or 'TLS/SSL connection has been closed (EOF)' when the proxy "
    "hangs up, or ValueError: check_hostname requires server_hostname when the proxy is given by IP address "
    "(pip 21.1.3 and 21.2.4, urllib3 1.26.4 to 1.26.6)."
)
HTTPS_PROXY_OLD = (
    "This {pip} (urllib3 1.25) ignores the scheme and speaks plain HTTP to the proxy, so it works now; from "
    "pip 20.3 on it will not. "
)
HTTPS_PROXY_WORKAROUND = (
    "unless the proxy really serves TLS on that port, write http:// in the proxy URL (doctor's probe checks "
    "the same address with plain HTTP and prints the corrected value)"
)

IP_INDEX_TITLE = "{pip} cannot open TLS to the index {url}, given by IP address"
IP_INDEX_EXPLANATION = (
    "pip 24.2 to 26.0.x on Python 3.10+ verify with truststore's context, which checks host names, while "
    "their urllib3 1.26 sends no server name for an IP address: pip stops with 'ValueError: check_hostname "
    "requires server_hostname' (measured on 24.2 to 26.0.1; pip 26.1, with urllib3 2, works)."
)
IP_INDEX_WORKAROUND = "use the index's host name (its certificate must name it), or upgrade pip to 26.1 or later"

TRUSTED_HOST_TITLE = "pip does not verify certificates for {hosts}"
TRUSTED_HOST_EXPLANATION = (
    "--trusted-host / PIP_TRUSTED_HOST / trusted-host = also turns certificate checks off for HTTPS: "
    "anyone on the path can serve packages."
)
TRUSTED_HOST_WORKAROUND = "remove it (pip-tls-setup scan finds where it is set); setup makes verification work instead"

PLAIN_HTTP_TITLE = "the index {url} is plain http://"
PLAIN_HTTP_EXPLANATION = (
    "nothing is encrypted or verified; pip ignores an http:// index unless it is also a trusted host"
)
PLAIN_HTTP_WORKAROUND = "use the index's https:// address; setup makes its certificate verify"

CA_MISSING_TITLE = "the CA file {path} does not exist"
CA_MISSING_EXPLANATION = "pip says: 'Could not find a suitable TLS CA certificate bundle, invalid path: {path}'"
CA_MISSING_WORKAROUND = "run setup: it writes the combined bundle and points every setting at it"

# One text for both places that find it: a supplied CA, and a CA the proxy presented.
STRICT_TITLE = "Python 3.13 strict X.509 rejects '{name}'"
STRICT_WORKAROUND = (
    "setup still installs the CA (pip's truststore context is not strict) and warns; only a "
    "CA reissued with the extension fixed makes httpx, aiohttp, urllib and requests work on 3.13"
)
STRICT_ID = "python313-strict-weak-ca"
STRICT_VERSIONS = "Python 3.13 and later"

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")  # requests applies these per request


@dataclass(frozen=True)
class Trap:
    id: str
    severity: str  # info | warning | error
    title: str
    versions: str
    explanation: str
    workaround: str


class Hit(NamedTuple):
    """What a trap function found: the texts for this target (and a severity other than the usual one)."""

    title: str
    explanation: str
    severity: str = ""


@dataclass(frozen=True)
class Facts:
    """What a trap function may look at for one target."""

    target: pythons.Target
    options: Mapping[str, Any]  # the target pip's options (proxy, cert, trusted_hosts, deprecated_features)
    indexes: Sequence[Mapping[str, Any]]
    env: Mapping[str, str]
    cas: Sequence[CACert]
    findings: Mapping[str, Sequence[LintFinding]]
    root: Root

    @property
    def version(self) -> tuple[int, ...]:
        return pip_version(self.target)

    @property
    def pip_text(self) -> str:
        return f"pip {self.target.pip.version}" if self.target.pip else "no pip"


@dataclass(frozen=True)
class Spec:
    id: str
    severities: tuple[str, ...]  # the usual one first
    versions: str
    workaround: str
    check: Callable[..., Hit | None]  # (facts) -> Hit | None, or (facts, index entry) when per_index
    per_index: bool = False  # called once per index entry, with the entry
    client: str = ""  # a client's trap (``clients``): reported for a client found, never per target

    def make(self, hit: Hit) -> Trap:
        severity = hit.severity or self.severities[0]
        if severity not in self.severities:
            raise ValueError(f"trap {self.id}: severity {severity} is not registered")
        return Trap(self.id, severity, hit.title, self.versions, hit.explanation, self.workaround)


REGISTRY: dict[str, Spec] = {}


def trap(
    trap_id: str,
    severity: str | tuple[str, ...],
    versions: str,
    workaround: str,
    per_index: bool = False,
    client: str = "",
) -> Callable[[Callable[..., Hit | None]], Callable[..., Hit | None]]:
    """Register the decorated function as the check of one trap."""
    severities = (severity,) if isinstance(severity, str) else severity

    def register(check: Callable[..., Hit | None]) -> Callable[..., Hit | None]:
        REGISTRY[trap_id] = Spec(trap_id, severities, versions, workaround, check, per_index, client)
        return check

    return register


# --------------------------------------------------------------------------- the traps, in report order


@trap("no-ssl-module", "error", "any", NO_SSL_WORKAROUND)
def _no_ssl(facts: Facts) -> Hit | None:
    return None if facts.target.ssl else Hit(NO_SSL_TITLE, NO_SSL_EXPLANATION)


@trap("pip-proxy-ignores-truststore", "warning", "pip 24.2 - 25.1.x on Python 3.10+", PROXY_BUG_WORKAROUND)
def _proxy_bug(facts: Facts) -> Hit | None:
    uses_proxy = any(i.get("proxy") for i in facts.indexes)
    if facts.target.pip and uses_proxy and proxy_bug(facts.target, True):
        return Hit(PROXY_BUG_TITLE.format(pip=facts.pip_text), PROXY_BUG_EXPLANATION)
    return None


@trap("python-no-os-store", "warning", "Python 3.9 and older, every pip", NO_OS_STORE_WORKAROUND)
def _no_os_store(facts: Facts) -> Hit | None:
    if facts.target.version < (3, 10):
        python = ".".join(map(str, facts.target.version[:2]))
        return Hit(NO_OS_STORE_TITLE.format(python=python), NO_OS_STORE_EXPLANATION)
    return None


@trap("pip-certifi-only", "info", "pip older than 24.2", CERTIFI_WORKAROUND)
def _certifi_only(facts: Facts) -> Hit | None:
    target, version = facts.target, facts.version
    if target.version >= (3, 10) and target.pip and version and version[:2] < (24, 2) and target.ssl:
        return Hit(CERTIFI_ONLY_TITLE.format(pip=facts.pip_text), CERTIFI_ONLY_EXPLANATION)
    return None


@trap("proxy-option-disables-ca-env", "warning", "pip 24.1 and later", PROXY_OPTION_WORKAROUND)
def _proxy_option(facts: Facts) -> Hit | None:
    ca_vars = [n for n in CA_VARIABLES if facts.env.get(n)]
    if facts.options.get("proxy") and ca_vars and (not facts.version or facts.version >= (24, 1)):
        title = PROXY_OPTION_TITLE.format(variables=" and ".join(ca_vars))
        return Hit(title, PROXY_OPTION_EXPLANATION.format(variables=", ".join(ca_vars)))
    return None


@trap("curl-ca-bundle-empty", ("warning", "error"), "pip 22.1.2 and older (requests < 2.28)", EMPTY_CURL_WORKAROUND)
def _empty_curl(facts: Facts) -> Hit | None:
    if facts.env.get("CURL_CA_BUNDLE") != "":
        return None
    affected = bool(facts.target.pip and facts.version and facts.version <= (22, 1, 2))
    detail = (EMPTY_CURL_AFFECTED if affected else EMPTY_CURL_HARMLESS).format(pip=facts.pip_text)
    return Hit(EMPTY_CURL_TITLE, EMPTY_CURL_EXPLANATION + detail, "error" if affected else "warning")


@trap("requests-ca-bundle-overrides-cert", "warning", "every pip", CA_ENV_WINS_WORKAROUND)
def _ca_env_wins(facts: Facts) -> Hit | None:
    cert = facts.options.get("cert")
    if not cert or facts.options.get("proxy"):
        return None
    for name in CA_VARIABLES:
        value = facts.env.get(name)
        if value and value != cert:
            explanation = CA_ENV_WINS_EXPLANATION.format(name=name, value=value, cert=cert)
            return Hit(CA_ENV_WINS_TITLE.format(name=name), explanation)
    return None


@trap("legacy-certs", "info", "pip 24.2 and later", CERTIFI_WORKAROUND)
def _legacy_certs(facts: Facts) -> Hit | None:
    if "legacy-certs" in (facts.options.get("deprecated_features") or []):
        return Hit(LEGACY_CERTS_TITLE, LEGACY_CERTS_EXPLANATION)
    return None


@trap("very-old-pip", "warning", "pip older than 21.0", OLD_PIP_WORKAROUND)
def _very_old_pip(facts: Facts) -> Hit | None:
    if facts.target.pip and facts.version and facts.version < (21, 0):
        return Hit(OLD_PIP_TITLE.format(pip=facts.pip_text), OLD_PIP_EXPLANATION)
    return None


@trap("https-proxy-url", ("warning", "info"), "pip 20.3 and later (urllib3 1.26+)", HTTPS_PROXY_WORKAROUND, True)
def _https_proxy(facts: Facts, entry: Mapping[str, Any]) -> Hit | None:
    proxy = str(entry.get("proxy") or "")
    if not proxy.lower().startswith("https://"):
        return None
    title = HTTPS_PROXY_TITLE.format(proxy=proxy)
    if facts.target.pip and facts.version and facts.version[:2] < (20, 3):
        return Hit(title, HTTPS_PROXY_OLD.format(pip=facts.pip_text) + HTTPS_PROXY_EXPLANATION, "info")
    return Hit(title, HTTPS_PROXY_EXPLANATION)


@trap("trusted-host", "error", "every pip", TRUSTED_HOST_WORKAROUND)
def _trusted_host(facts: Facts) -> Hit | None:
    trusted = list(facts.options.get("trusted_hosts") or [])
    if trusted:
        return Hit(TRUSTED_HOST_TITLE.format(hosts=", ".join(trusted)), TRUSTED_HOST_EXPLANATION)
    return None


@trap("plain-http-index", "error", "every pip", PLAIN_HTTP_WORKAROUND, per_index=True)
def _plain_http(facts: Facts, entry: Mapping[str, Any]) -> Hit | None:
    url = str(entry.get("url") or "")
    if url.startswith("http://"):
        return Hit(PLAIN_HTTP_TITLE.format(url=redact.url(url)), PLAIN_HTTP_EXPLANATION)
    return None


@trap("ca-file-missing", "error", "every pip", CA_MISSING_WORKAROUND, per_index=True)
def _ca_missing(facts: Facts, entry: Mapping[str, Any]) -> Hit | None:
    trust = entry.get("trust") or {}
    files = trust.get("files") or []
    if trust.get("kind") in ("file", "truststore+file") and files and not facts.root.host(files[-1]).exists():
        return Hit(CA_MISSING_TITLE.format(path=files[-1]), CA_MISSING_EXPLANATION.format(path=files[-1]))
    return None


@trap("ip-address-index", "error", "pip 24.2 - 26.0.x on Python 3.10+", IP_INDEX_WORKAROUND, per_index=True)
def _ip_index(facts: Facts, entry: Mapping[str, Any]) -> Hit | None:
    import ipaddress
    from urllib.parse import urlsplit

    url = str(entry.get("url") or "")
    parts = urlsplit(url)
    kind = (entry.get("trust") or {}).get("kind")
    if parts.scheme != "https" or kind not in ("truststore", "truststore+file"):
        return None
    if not (24, 2) <= facts.version[:2] < (26, 1):
        return None
    try:
        ipaddress.ip_address((parts.hostname or "").strip("[]"))
    except ValueError:
        return None
    return Hit(IP_INDEX_TITLE.format(pip=facts.pip_text, url=redact.url(url)), IP_INDEX_EXPLANATION)


@trap(STRICT_ID, "warning", STRICT_VERSIONS, STRICT_WORKAROUND)
def _strict_supplied(facts: Facts) -> Hit | None:
    if facts.target.version < (3, 13):
        return None
    for cert in facts.cas:
        strict = [f for f in facts.findings.get(cert.sha256, []) if f.code.startswith("strict-")]
        if strict:
            return Hit(STRICT_TITLE.format(name=cert.common_name), strict[0].text)
    return None


# --------------------------------------------------------------------------- the clients' traps (clients.Found.traps)

UV_ROOTS_TITLE = "uv {version} verifies with its own bundled roots, not the OS store"
UV_ROOTS_EXPLANATION = (
    "uv's docs: 'By default, uv uses bundled Mozilla root certificates'; the OS store is used only with "
    "system-certs = true / --system-certs / UV_SYSTEM_CERTS (uv 0.11.0 and later; native-tls before), and "
    "SSL_CERT_FILE / SSL_CERT_DIR replace both. A corporate CA in the OS store alone does not help uv."
)
UV_ROOTS_WORKAROUND = (
    "setup fills the OS store and writes the key this uv knows (system-certs from 0.11.0, native-tls before) into "
    "the system or user uv.toml; it also exports SSL_CERT_FILE (the combined bundle)"
)
GNUTLS_TITLE = "git {version} (libcurl-gnutls) ignores SSL_CERT_FILE"
GNUTLS_EXPLANATION = (
    "Debian and Ubuntu build git against libcurl-gnutls, which does not read OpenSSL's SSL_CERT_FILE / "
    "SSL_CERT_DIR: only GIT_SSL_CAINFO, http.sslCAInfo or the system bundle count."
)
GNUTLS_WORKAROUND = "setup writes http.sslCAInfo = <combined bundle> in the system (root) or global gitconfig"
NODE_TITLE = "node {version} ignores the OS trust store"
NODE_EXPLANATION = (
    "node verifies with its own bundled roots; NODE_EXTRA_CA_CERTS adds to them at start, --use-openssl-ca (or "
    "--use-system-ca, v23.9+ on Linux) switches to the OS store. node has no config file for trust."
)
NODE_WORKAROUND = (
    "setup exports NODE_EXTRA_CA_CERTS (the corporate CAs) and writes cafile for npm; node scripts have no durable "
    "channel: load the exported variables (or pass --use-openssl-ca) in every step that runs them"
)
PIPENV_TITLE = "pipenv {version} installs with its own patched pip"
PIPENV_EXPLANATION = (
    "pipenv carries a patched pip (pipenv/patched/pip) with its own vendored certifi; the certifi of the project's "
    "venv and of the Python it runs under are not what it installs with."
)
PIPENV_WORKAROUND = (
    "setup appends the corporate CAs to pipenv/patched/pip/_vendor/certifi/cacert.pem and sets cert = in the "
    "global (or user) pip config, which its pip reads"
)
CLIENT_TEXTS = {
    "uv-builtin-roots": (UV_ROOTS_TITLE, UV_ROOTS_EXPLANATION),
    "git-gnutls-ignores-ssl-cert-file": (GNUTLS_TITLE, GNUTLS_EXPLANATION),
    "node-ignores-os-store": (NODE_TITLE, NODE_EXPLANATION),
    "pipenv-vendored-pip": (PIPENV_TITLE, PIPENV_EXPLANATION),
}


def _client_trap(_facts: Facts) -> Hit | None:
    return None  # found by the client module (clients.Found.traps), not per target


trap("uv-builtin-roots", "warning", "uv, every version", UV_ROOTS_WORKAROUND, client="uv")(_client_trap)
trap("git-gnutls-ignores-ssl-cert-file", "warning", "git with libcurl-gnutls", GNUTLS_WORKAROUND, client="git")(
    _client_trap
)
trap("node-ignores-os-store", "info", "node, every version", NODE_WORKAROUND, client="node")(_client_trap)
trap("pipenv-vendored-pip", "warning", "pipenv, every version", PIPENV_WORKAROUND, client="pipenv")(_client_trap)


def client_traps(found: Sequence[Any]) -> list[tuple[Trap, str]]:
    """The traps the clients found name (``clients.Found``), with the client's executable."""
    hits: list[tuple[Trap, str]] = []
    for facts in found:
        for trap_id in facts.traps:
            spec = REGISTRY.get(trap_id)
            if spec is None or not spec.client:
                continue
            title, explanation = CLIENT_TEXTS[trap_id]
            shown = " ".join(title.format(version=facts.version or "").split())
            hits.append((spec.make(Hit(shown, explanation)), facts.executable))
    return hits


# --------------------------------------------------------------------------- running them


def traps_for(
    target: pythons.Target,
    view: Mapping[str, Any],
    indexes: Sequence[Mapping[str, Any]],
    env: Mapping[str, str],
    cas: Sequence[CACert],
    findings: Mapping[str, Sequence[LintFinding]],
    root: Root,
) -> list[Trap]:
    """Every registered trap that applies to this target, in registry order (per-index ones per index)."""
    options = (view.get("pip") or {}).get("options") or {}
    facts = Facts(target, options, indexes, env, cas, findings, root)
    found: list[Trap] = []
    specs_for_targets = [spec for spec in REGISTRY.values() if not spec.client]
    for per_index, group in itertools.groupby(specs_for_targets, key=lambda spec: spec.per_index):
        specs = list(group)
        calls: Iterable[tuple[Spec, tuple[Any, ...]]] = (
            ((spec, (facts, entry)) for entry in indexes for spec in specs)
            if per_index
            else ((spec, (facts,)) for spec in specs)
        )
        for spec, args in calls:
            hit = spec.check(*args)
            if hit is not None:
                found.append(spec.make(hit))
    return found


def strict_chain_traps(
    results: Sequence[probe.ProbeResult], targets: Sequence[pythons.Target]
) -> list[tuple[Trap, str]]:
    """Python 3.13 strict X.509 problems of the CA certificates the proxy presented."""
    from pip_tls_setup.ca.certs import lint

    modern = [t for t in targets if t.version >= (3, 13)]
    if not modern:
        return []
    spec = REGISTRY[STRICT_ID]
    found: list[tuple[Trap, str]] = []
    for result in results:
        for cert in result.ca_candidates:
            strict = [f for f in lint(CACert(cert.x509, "the proxy's chain")) if f.code.startswith("strict-")]
            if strict:
                trap_ = spec.make(Hit(STRICT_TITLE.format(name=cert.common_name), strict[0].text))
                found.extend((trap_, t.executable) for t in modern)
                break
    return found


def add(table: dict[str, dict[str, Any]], found: Trap, executable: str) -> None:
    """Record a trap in the report's table (one entry per id, listing every target it affects)."""
    entry = table.setdefault(
        found.id,
        {
            "id": found.id,
            "severity": found.severity,
            "title": found.title,
            "versions": found.versions,
            "explanation": found.explanation,
            "workaround": found.workaround,
            "targets": [],
        },
    )
    if executable not in entry["targets"]:
        entry["targets"].append(executable)
