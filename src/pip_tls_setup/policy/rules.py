"""The rule catalogue: stable IDs, default severity, a title and the safe fix.

IDs never change meaning. PTS1xx: verification switched off; PTS2xx: plain-HTTP
transport; PTS3xx: trust redirected to a file someone else controls; PTS4xx:
informational (never fails a run); PTS5xx: exceptions; PTS6xx: installers pinned
to known-bad versions; PTS7xx: files the scan could not check (fails closed). ``docs/rules.md``
documents each one; :func:`help_uri` links to its section.
"""

from __future__ import annotations

from dataclasses import dataclass

from pip_tls_setup.policy.findings import ERROR, NOTE, WARNING

# Where docs/rules.md is published. The project documents no public base URL yet, so help links are the
# repository-relative "docs/rules.md#pts101" (GitHub resolves it in the repository's file view).
DOCS_BASE_URL = ""
CA_FIX = "keep verification on and install the corporate CA instead: 'pip-tls-setup setup --ca CORP-ROOT.pem'"
HTTPS_FIX = "use the https:// address of the same index (pip verifies it; add its CA with 'pip-tls-setup setup --ca')"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    title: str
    fix: str
    description: str

    @property
    def anchor(self) -> str:
        return f"docs/rules.md#{self.id.lower()}"

    @property
    def help_uri(self) -> str:
        """The rule's section in docs/rules.md: absolute under :data:`DOCS_BASE_URL`, else repository-relative."""
        return f"{DOCS_BASE_URL.rstrip('/')}/{self.anchor}" if DOCS_BASE_URL else self.anchor


_RULES = (
    Rule(
        "PTS101",
        "pip-trusted-host",
        ERROR,
        "pip trusts a host (certificate verification off)",
        "remove the trusted host; " + CA_FIX,
        "pip's --trusted-host (and trusted-host / PIP_TRUSTED_HOST) marks a host 'as trusted, even though it "
        "does not have valid or any HTTPS': pip stops verifying certificates for https:// on that host and "
        "accepts plain HTTP from it.",
    ),
    Rule(
        "PTS102",
        "uv-insecure-host",
        ERROR,
        "uv skips certificate verification for a host",
        "remove the insecure host; " + CA_FIX + "; uv reads SSL_CERT_FILE or --native-tls",
        "uv's --allow-insecure-host (alias --trusted-host on 'uv pip'), UV_INSECURE_HOST and "
        "allow-insecure-host in uv.toml / [tool.uv]: 'Hosts included in this list will not be verified against "
        "the system's certificate store'.",
    ),
    Rule(
        "PTS103",
        "poetry-cert-false",
        ERROR,
        "Poetry skips TLS verification for a repository",
        "set certificates.<name>.cert to the path of a combined CA bundle (or drop it); " + CA_FIX,
        "Poetry's certificates.<name>.cert = false (poetry config, POETRY_CERTIFICATES_<NAME>_CERT, config.toml "
        "or poetry.toml) turns TLS certificate verification off for that repository.",
    ),
    Rule(
        "PTS104",
        "verify-ssl-false",
        ERROR,
        "Pipenv / PDM source with verify_ssl = false",
        "set verify_ssl = true and use an https:// source; " + CA_FIX,
        "Pipenv passes --trusted-host to pip for a source with verify_ssl = false; PDM turns verification off "
        "for it (pypi.verify_ssl / PDM_PYPI_VERIFY_SSL / [[tool.pdm.source]] verify_ssl).",
    ),
    Rule(
        "PTS105",
        "conda-ssl-verify-off",
        ERROR,
        "conda skips TLS verification",
        "remove ssl_verify: false / -k / --insecure; set ssl_verify to a combined CA bundle or 'truststore'",
        "conda's ssl_verify: false (also CONDA_SSL_VERIFY, 'conda config --set ssl_verify false', and the "
        "-k/--insecure flags) lets conda 'perform insecure SSL connections and transfers'.",
    ),
    Rule(
        "PTS106",
        "git-ssl-verify-off",
        ERROR,
        "git skips TLS verification (pip's VCS installs use git)",
        "remove http.sslVerify=false / GIT_SSL_NO_VERIFY; point http.sslCAInfo or GIT_SSL_CAINFO at a combined "
        "CA bundle instead",
        "GIT_SSL_NO_VERIFY (any value, even empty) and http[.<url>].sslVerify=false switch certificate checks "
        "off for git, which pip and uv call for git+https:// requirements.",
    ),
    Rule(
        "PTS107",
        "curl-ca-bundle-empty",
        WARNING,
        "CURL_CA_BUNDLE is set to an empty string",
        "unset CURL_CA_BUNDLE or point it at a combined CA bundle",
        "requests < 2.28 (vendored by pip <= 22.1.2) read CURL_CA_BUNDLE='' as verify='' and skipped "
        "certificate verification entirely (psf/requests #6071).",
    ),
    Rule(
        "PTS108",
        "pythonhttpsverify-0",
        WARNING,
        "PYTHONHTTPSVERIFY=0 disables verification in patched Pythons",
        "remove PYTHONHTTPSVERIFY; " + CA_FIX,
        "PEP 493: Python 2.7.9+ and RHEL/CentOS-patched builds skip certificate verification for the "
        "standard library's default HTTPS context when PYTHONHTTPSVERIFY=0. It does not affect pip itself.",
    ),
    Rule(
        "PTS109",
        "download-insecure",
        ERROR,
        "curl / wget download with certificate verification off",
        "drop -k/--insecure/--no-check-certificate and pass the CA: curl --cacert BUNDLE, wget --ca-certificate="
        "BUNDLE (or install the CA with 'pip-tls-setup setup')",
        "curl -k / --insecure / --proxy-insecure and wget --no-check-certificate fetch files (often get-pip.py or "
        "wheels) without checking who sent them.",
    ),
    Rule(
        "PTS110",
        "node-tls-off",
        ERROR,
        "Node / npm certificate verification off",
        "remove it and set NODE_EXTRA_CA_CERTS / npm cafile to the corporate CA",
        "NODE_TLS_REJECT_UNAUTHORIZED=0 and npm strict-ssl=false switch verification off for Node tooling that "
        "usually runs in the same job.",
    ),
    Rule(
        "PTS111",
        "python-unverified-context",
        ERROR,
        "Python's default HTTPS context is replaced by an unverified one",
        "delete the override; install the CA with 'pip-tls-setup setup' instead",
        "ssl._create_default_https_context = ssl._create_unverified_context in sitecustomize.py, "
        "usercustomize.py or a .pth file switches verification off for every urllib user in that interpreter.",
    ),
    Rule(
        "PTS112",
        "trusted-loopback",
        NOTE,
        "a loopback host is marked trusted",
        "remove it: pip already treats localhost, 127.0.0.0/8 and ::1 as secure origins for plain HTTP",
        "--trusted-host localhost (or 127.x, ::1) is a no-op for http:// but still switches certificate "
        "verification off for https:// on the loopback interface.",
    ),
    Rule(
        "PTS201",
        "pip-http-index",
        ERROR,
        "pip index or find-links over plain HTTP",
        HTTPS_FIX,
        "An http:// index, extra index or find-links page (not localhost, 127.0.0.0/8 or ::1). pip reports "
        "'The repository located at <host> is not a trusted or secure host and is being ignored' unless the "
        "host is also trusted, in which case packages travel unencrypted and unauthenticated.",
    ),
    Rule(
        "PTS202",
        "plain-http-requirement",
        ERROR,
        "a requirement or requirements file fetched over plain HTTP",
        "use https:// (git+https:// for VCS requirements) so pip verifies the server",
        "pip fetches 'pkg @ http://...', bare http:// archive URLs, '-r/-c http://...' and git+http:// / "
        "git+git:// / svn+http:// requirements over plain HTTP without any warning.",
    ),
    Rule(
        "PTS203",
        "uv-http-index",
        ERROR,
        "uv index or find-links over plain HTTP",
        HTTPS_FIX,
        "uv uses http:// indexes (--index, --index-url, --extra-index-url, --find-links, UV_INDEX_URL, "
        "[[tool.uv.index]] url, ...) silently, without the warning pip prints.",
    ),
    Rule(
        "PTS204",
        "http-package-source",
        ERROR,
        "Poetry / Pipenv / PDM package source over plain HTTP",
        HTTPS_FIX,
        "A [[tool.poetry.source]], Pipfile [[source]], PDM source or mirror (PIPENV_PYPI_MIRROR, pypi.url) "
        "with an http:// URL.",
    ),
    Rule(
        "PTS205",
        "conda-http-channel",
        ERROR,
        "conda channel over plain HTTP",
        "use the https:// channel URL and set ssl_verify to a combined CA bundle if needed",
        "channels, default_channels, channel_alias, custom_channels or -c with an http:// URL.",
    ),
    Rule(
        "PTS206",
        "pre-commit-plain-repo",
        ERROR,
        "pre-commit hook repository over plain HTTP or git://",
        "use the https:// clone URL",
        "A .pre-commit-config.yaml 'repo:' cloned over http:// or git:// (no authentication of the server).",
    ),
    Rule(
        "PTS207",
        "easy-install-http",
        ERROR,
        "setuptools easy_install index over plain HTTP",
        HTTPS_FIX,
        "[easy_install] index_url / find_links in setup.cfg or pydistutils.cfg with http://; setuptools "
        "passes them to pip as --index-url / --find-links for setup_requires.",
    ),
    Rule(
        "PTS208",
        "ci-include-http",
        ERROR,
        "CI configuration included over plain HTTP",
        "include the file over https://",
        "GitLab 'include: remote: http://...' pulls pipeline code over an unauthenticated channel.",
    ),
    Rule(
        "PTS301",
        "ca-from-untrusted-location",
        ERROR,
        "trust roots replaced by a file in the workspace or a temporary directory",
        "install the corporate CA with 'pip-tls-setup setup --ca FILE' (it writes one combined bundle outside "
        "the workspace) and point the variable there",
        "PIP_CERT, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR, pip's cert = and friends "
        "*replace* the trust roots. A file in the repository, the CI workspace or /tmp can be swapped by "
        "whoever writes there, which lets them intercept every package download.",
    ),
    Rule(
        "PTS302",
        "ca-empty-or-missing",
        WARNING,
        "CA variable empty or pointing at a missing file",
        "unset it, or point it at an existing combined bundle ('pip-tls-setup setup --ca FILE' writes one)",
        "An empty PIP_CERT / REQUESTS_CA_BUNDLE / SSL_CERT_FILE is a known attempt to turn verification off; "
        "a missing file makes pip fail with 'Could not find a suitable TLS CA certificate bundle' and uv "
        "trust nothing.",
    ),
    Rule(
        "PTS401",
        "unresolved-indirection",
        NOTE,
        "setting comes from a variable that cannot be checked statically",
        "make sure the value is an https:// URL; check it at run time with 'pip-tls-setup scan --runtime' "
        "or 'pip-tls-setup setup'",
        "An index URL or pip option list comes from $VAR, ${VAR} or ${{ vars.X }}. Its value is only known when "
        "the job runs, so the runtime check (setup / scan --runtime) is where it is enforced.",
    ),
    Rule(
        "PTS402",
        "not-checked",
        NOTE,
        "file not checked",
        "check the file by hand, or raise --max-file-size",
        "A file was skipped or only partly checked: over the size limit, not a regular file (a FIFO, a socket, "
        "a device, or a link to one), unreadable, past the YAML alias-expansion or nesting bound, or with more "
        "findings than the per-file cap.",
    ),
    Rule(
        "PTS501",
        "exception-expired",
        ERROR,
        "an exception has expired",
        "fix the finding it covered, or renew the exception with a new date and a reason",
        "An entry in [tool.pip-tls-setup] / .pip-tls-setup.toml is past its expiry date: the findings it "
        "covered fail the run again.",
    ),
    Rule(
        "PTS502",
        "exception-unused",
        NOTE,
        "an exception matches nothing",
        "delete the exception",
        "An exception entry suppressed no finding in this scan.",
    ),
    Rule(
        "PTS601",
        "old-pip-pinned",
        WARNING,
        "pip pinned to an old version",
        "do not downgrade pip to dodge TLS errors; install the CA with 'pip-tls-setup setup' and keep pip current",
        "Downgrading pip (a common copied 'fix': pip==20.2.4) hides the real certificate problem; pip <= 22.1.2 "
        "also skips verification when CURL_CA_BUNDLE is empty.",
    ),
    Rule(
        "PTS701",
        "not-parsed",
        ERROR,
        "a CI or config file could not be parsed, so it was not checked",
        "fix its syntax (the tool or CI system that reads it fails on it too), or, if it is not really that kind "
        "of file, add an exception for PTS701 with its path and a reason",
        "A file named like a CI or tool configuration (a workflow, .gitlab-ci.yml, pyproject.toml, uv.toml, "
        "Pipfile, .condarc, devcontainer.json, ...) is not valid YAML, TOML or JSON, so none of its settings "
        "could be checked. The scan fails closed: such a file is an error, not a silent pass.",
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def get(rule_id: str) -> Rule:
    return RULES[rule_id]
