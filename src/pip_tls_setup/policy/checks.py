"""Checks shared by every source kind: one variable, one pip setting, one URL, one CA path.

The same rule fires whether ``PIP_TRUSTED_HOST`` is set in a Dockerfile ``ENV``, a
workflow ``env:``, a ``.env`` file, a shell ``export`` or the running environment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from pip_tls_setup.policy import booleans, origins
from pip_tls_setup.policy.context import ScanContext

# Variables that *replace* the trust roots (setup points each at its combined bundle).
CA_VARIABLES = frozenset(
    {
        "PIP_CERT",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "GIT_SSL_CAINFO",
        "GIT_SSL_CAPATH",
        "AWS_CA_BUNDLE",
        "HTTPLIB2_CA_CERTS",
        "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
        "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE",
        "NIX_SSL_CERT_FILE",
        "NODE_EXTRA_CA_CERTS",
        "PDM_PYPI_CA_CERTS",
    }
)
# An empty value of these is a known attempt to switch verification off.
EMPTY_MATTERS = frozenset({"PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"})
PIP_URL_KEYS = ("index-url", "pypi-url", "extra-index-url", "find-links")
UV_INDEX_VARIABLES = frozenset(
    {
        "UV_INDEX_URL",
        "UV_EXTRA_INDEX_URL",
        "UV_INDEX",
        "UV_DEFAULT_INDEX",
        "UV_FIND_LINKS",
        "UV_PYTHON_INSTALL_MIRROR",
        "UV_PYPY_INSTALL_MIRROR",
    }
)
FALSE_WORDS = frozenset({"false", "no", "off", "0", "n", "f"})
TEMP_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/")  # noqa: S108 - these are what we flag
_WORKSPACE_REFS = re.compile(
    r"^(\$\{?(GITHUB_WORKSPACE|CI_PROJECT_DIR|CI_BUILDS_DIR|PWD|WORKSPACE|BITBUCKET_CLONE_DIR|"
    r"CIRCLE_WORKING_DIRECTORY|BUILD_SOURCESDIRECTORY|BUILD_REPOSITORY_LOCALPATH|SYSTEM_DEFAULTWORKINGDIRECTORY|"
    r"DRONE_WORKSPACE|CI_WORKSPACE|BUILDKITE_BUILD_CHECKOUT_PATH)\}?"
    r"|\$\{\{\s*github\.workspace\s*\}\}|\$\(pwd\)|`pwd`|\$\((Build\.SourcesDirectory|Pipeline\.Workspace)\))",
    re.IGNORECASE,
)
_DIRECT_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\]\s*)?@\s*([^\s;]+)")
_TEMP_REFS = re.compile(r"^\$\{?(TMPDIR|TMP|TEMP)\}?(/|$)")
_PIP_PIN = re.compile(r"^pip\s*(==|===|<=|<|~=)\s*(\d+(?:\.\d+)*)")
OLD_PIP_BELOW = (20, 3)  # pips older than this are what copied "fixes" for certificate errors pin


# A word, with ``${{ expression }}`` (blanks inside) kept whole; the expression part never scans past the
# start of another one, so a value of "${{${{${{..." stays linear.
_VALUE = re.compile(r"(?:\$\{\{(?:[^}$\n]|\$(?!\{\{)|\}(?!\}))*\}\}|\S)+")


def values(text: str) -> list[str]:
    """Whitespace-separated values, keeping ``${{ expression }}`` whole."""
    return _VALUE.findall(text)


def pip_key(raw: str) -> str:
    """pip's key normalisation: ``--Trusted_Host`` -> ``trusted-host``."""
    key = raw.strip().lower().replace("_", "-")
    return key[2:] if key.startswith("--") else key


# -- single values ---------------------------------------------------------------------------------


def trusted_hosts(values: list[str], line: int, ctx: ScanContext, source: str, column: int | None = None) -> None:
    """Each value of --trusted-host / trusted-host / PIP_TRUSTED_HOST, described as pip reads it."""
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        if origins.has_expansion(value):
            _trusted(value, None, line, ctx, source, column)
            continue
        read = origins.pip_trusted_host(value)
        if read.error is not None:
            message = (
                f"pip is told to trust '{value}' ({source}), which pip cannot read as host[:port]: pip stops with "
                f"an error ({read.error}); the setting is meant to switch certificate verification off"
            )
            ctx.add("PTS101", line, message, column=column)
        elif read.is_url:
            meant = origins.display_host(origins.parse(value) or origins.Origin("", "", "", None))
            message = (
                f"pip is told to trust '{value}' ({source}): --trusted-host takes host[:port], not a URL, so pip "
                f"trusts the host '{read.shown}' (certificate verification off for https://{read.shown}), not "
                f"{meant}; the setting is meant to switch verification off"
            )
            ctx.add("PTS101", line, message, host=read.host, column=column)
        elif not read.is_name:
            message = (
                f"pip is told to trust '{value}' ({source}), which pip reads as one host named '{read.shown}' "
                "(one argument is one host; pip does not split it): no real host has that name, so nothing is "
                "trusted, but the setting is meant to switch certificate verification off"
            )
            ctx.add("PTS101", line, message, host=read.host, column=column)
        elif origins.is_loopback(read.host or ""):
            ctx.add(
                "PTS112",
                line,
                f"pip is told to trust the loopback host '{read.shown}' ({source}): a no-op for plain HTTP, but it "
                f"switches certificate verification off for https://{read.shown}",
                host=read.host,
                column=column,
            )
        else:
            _trusted(read.shown, read.host, line, ctx, source, column)


def _trusted(shown: str, host: str | None, line: int, ctx: ScanContext, source: str, column: int | None) -> None:
    ctx.add(
        "PTS101",
        line,
        f"pip is told to trust host '{shown}' ({source}): pip stops verifying certificates for "
        f"https://{shown} and accepts plain HTTP from it",
        host=host,
        column=column,
    )


def uv_insecure_hosts(values: list[str], line: int, ctx: ScanContext, source: str, column: int | None = None) -> None:
    """Each value of uv's --allow-insecure-host / allow-insecure-host / UV_INSECURE_HOST."""
    for host, shown, loopback in _hosts(values):
        if loopback:
            ctx.add(
                "PTS112",
                line,
                f"uv is told not to verify the loopback host '{shown}' ({source})",
                host=host,
                column=column,
            )
            continue
        ctx.add(
            "PTS102",
            line,
            f"uv is told not to verify certificates of '{shown}' ({source}); uv: \"Hosts included in this list "
            f"will not be verified against the system's certificate store\"",
            host=host,
            column=column,
        )


def _hosts(values: list[str]) -> Iterator[tuple[str | None, str, bool]]:
    """(host, as shown, loopback) for each non-empty value; a variable (``$MIRROR``) has no host and is shown
    as written."""
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        if origins.has_expansion(value):
            yield None, value, False
            continue
        host, port = origins.host_of_trusted(value)
        yield host, (f"{host}:{port}" if port else host), origins.is_loopback(host)


def _known_only_at_run_time(url: str, line: int, ctx: ScanContext, source: str, column: int | None) -> bool:
    """A URL that is all variable: report it as a note (it cannot be judged statically)."""
    if not origins.only_expansion(url):
        return False
    ctx.add(
        "PTS401",
        line,
        f"{source} comes from {url}, which is only known at run time; it must be an https:// URL",
        column=column,
    )
    return True


def pip_index(url: str, line: int, ctx: ScanContext, source: str, column: int | None = None) -> None:
    """One --index-url / --extra-index-url / --find-links / --pypi-url value."""
    url = url.strip()
    origin = _plain_http_index(url, line, ctx, source, column)
    if origin is None:
        return
    host = origins.display_host(origin)
    ctx.add(
        "PTS201",
        line,
        f'{source} {url} is plain HTTP: pip reports "The repository located at {host} is not a trusted or '
        f'secure host and is being ignored", and trusting the host instead sends every package unencrypted '
        "and unauthenticated",
        host=origin.host or None,
        column=column,
    )


def uv_index(url: str, line: int, ctx: ScanContext, source: str, column: int | None = None) -> None:
    """One uv index or find-links value (``--index name=url`` too)."""
    url = url.strip()
    if "=" in url and "://" in url and url.index("=") < url.index("://"):
        url = url.split("=", 1)[1]  # --index name=url
    origin = _plain_http_index(url, line, ctx, source, column)
    if origin is None:
        return
    ctx.add(
        "PTS203",
        line,
        f"{source} {url} is plain HTTP, and uv uses it silently (no warning, no refusal): packages travel "
        "unencrypted and unauthenticated",
        host=origin.host or None,
        column=column,
    )


def _plain_http_index(url: str, line: int, ctx: ScanContext, source: str, column: int | None) -> origins.Origin | None:
    """The origin of an index URL over plain HTTP (not loopback); None for an empty or secure URL, or one
    only known at run time (reported as a note)."""
    if not url or _known_only_at_run_time(url, line, ctx, source, column):
        return None
    return origins.insecure_index(url)


def source_url(url: str, line: int, ctx: ScanContext, rule: str, source: str, column: int | None = None) -> None:
    """A Poetry/Pipenv/PDM source, a conda channel, an easy_install index, a pre-commit repo, an include."""
    url = url.strip()
    if not url:
        return
    if origins.only_expansion(url):
        ctx.add("PTS401", line, f"{source} comes from {url}, which is only known at run time", column=column)
        return
    origin = origins.plaintext_fetch(url) if rule in ("PTS206", "PTS208") else origins.insecure_index(url)
    if origin is None:
        return
    ctx.add(
        rule,
        line,
        f"{source} {url} is plain {origin.full_scheme.upper()}: nothing authenticates the server, so anyone on "
        "the path can swap what is downloaded",
        host=origin.host or None,
        column=column,
    )


def requirement_url(spec: str, line: int, ctx: ScanContext, source: str, column: int | None = None) -> None:
    """``pkg @ http://...``, a bare ``http://`` archive, ``git+http://``, ``git+git://`` (pip never warns)."""
    text = spec.strip().strip("'\"")
    if "://" not in text:
        return
    match = _DIRECT_REFERENCE.match(text)
    url = match.group(1) if match else text.split()[0]
    origin = origins.plaintext_fetch(url)
    if origin is None:
        return
    ctx.add(
        "PTS202",
        line,
        f"{source} {url} is fetched over plain {origin.full_scheme.upper()} and pip gives no warning for it: "
        "anyone on the path can replace the code that gets installed",
        host=origin.host or None,
        column=column,
    )


def ca_path(name: str, value: str, line: int, ctx: ScanContext, column: int | None = None) -> None:
    """A static CA path (from a file in the repository): temporary directories and the workspace."""
    value = value.strip().strip("'\"")
    if not value:
        return
    if ctx.ca_check is not None:
        ctx.ca_check(name, value, line, ctx, column)
        return
    where = None
    if value.startswith(TEMP_DIRS) or value in ("/tmp", "/var/tmp", "/dev/shm") or _TEMP_REFS.match(value):  # noqa: S108
        where = "a temporary directory any local user or earlier step can write"
    elif _WORKSPACE_REFS.match(value):
        where = "the CI workspace, which the repository content controls"
    elif (
        ctx.options.relative_paths_in_repo
        and not value.startswith(("/", "~", "$", "%"))
        and not re.match(r"^[A-Za-z]:[\\/]", value)
        and not origins.has_expansion(value)
    ):
        where = "the repository (a relative path resolves against the working directory)"
    if where is None:
        return
    ctx.add(
        "PTS301",
        line,
        f"{name} replaces the trust roots with {value}, in {where}: whoever can change that file can "
        "intercept every download",
        column=column,
    )


def old_pip_pin(requirement: str) -> str | None:
    """``pip==20.2.4`` -> ``==20.2.4`` when it pins pip below 20.3; the requirement lower-cased, unquoted."""
    match = _PIP_PIN.match(requirement)
    if not match:
        return None
    version = tuple(int(p) for p in match.group(2).split(".")[:3])
    return match.group(1) + match.group(2) if version < OLD_PIP_BELOW else None


def is_false(value: str) -> bool:
    return value.strip().lower() in FALSE_WORDS


# -- variables -----------------------------------------------------------------------------------------


def variable(name: str, value: str, line: int, ctx: ScanContext, column: int | None = None) -> None:
    """One environment variable assignment, wherever it is written."""
    if name.startswith("PIP_"):
        check: VariableCheck | None = _pip_variable
    else:
        check = _BY_NAME.get(name) or next((c for pattern, c in _BY_PATTERN if pattern.fullmatch(name)), None)
    if check is not None:
        check(name, value, line, ctx, column)


def _pip_variable(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    key = pip_key(name[4:])
    value = raw.strip()
    if key == "trusted-host":
        trusted_hosts(values(value), line, ctx, name, column)
    elif key in PIP_URL_KEYS:
        for url in values(value):
            pip_index(url, line, ctx, name, column)
    elif key == "cert":
        _ca_variable(name, raw, line, ctx, column)


def _uv_insecure_host(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    uv_insecure_hosts(values(raw.strip()), line, ctx, name, column)


def _uv_index(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    for url in values(raw.strip().replace(",", " ")):
        uv_index(url, line, ctx, name, column)


def _curl_ca_bundle(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    if raw.strip() != "":
        _ca_variable(name, raw, line, ctx, column)
        return
    ctx.add(
        "PTS107",
        line,
        "CURL_CA_BUNDLE is set to an empty string: pip <= 22.1.2 and requests < 2.28 read that as "
        "'do not verify certificates'",
        column=column,
    )


def _pythonhttpsverify(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    if raw.strip() != "0":
        return  # only 0 counts (PEP 493): "false" does nothing
    ctx.add(
        "PTS108",
        line,
        "PYTHONHTTPSVERIFY=0 switches certificate verification off for the standard library in Python 2.7 "
        "and RHEL/CentOS-patched Pythons (PEP 493); pip is not affected, other tools are",
        column=column,
    )


def _git_ssl_no_verify(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    value = raw.strip()
    ctx.add(
        "PTS106",
        line,
        f"GIT_SSL_NO_VERIFY is set{' (to ' + repr(value) + ')' if value else ' (even empty counts)'}: git "
        "skips certificate checks, and pip/uv use git for git+https:// requirements",
        column=column,
    )


def _conda_ssl_verify(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    value = raw.strip()
    if value and booleans.conda(value):
        ctx.add("PTS105", line, f"{name}={value} switches conda's certificate verification off", column=column)
    elif value.lower() not in ("true", "yes", "on", "y", "1", "truststore", ""):
        ca_path(name, value, line, ctx, column)


def _node_tls_reject_unauthorized(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    if raw.strip() == "0":
        ctx.add(
            "PTS110",
            line,
            "NODE_TLS_REJECT_UNAUTHORIZED=0 switches certificate verification off for Node",
            column=column,
        )


def _poetry_cert(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    """POETRY_CERTIFICATES_<NAME>_CERT / _VERIFY: Poetry reads environment values as text (no boolean
    normaliser for these keys), so "false" is the path of a CA bundle, not verification off."""
    value = raw.strip()
    if value.lower() in ("true", "1"):
        return
    if not is_false(value):
        ca_path(name, value, line, ctx, column)
        return
    ctx.add(
        "PTS302",
        line,
        f"{name}={value}: Poetry reads an environment value as a path, so this points its certificate "
        f"checks at a CA bundle named '{value}' (a missing file: downloads from that repository fail); it does "
        "not switch verification off",
        column=column,
    )


def _package_source(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    source_url(raw.strip(), line, ctx, "PTS204", name, column)


def _pdm_verify_ssl(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    if booleans.pdm(raw):
        shown = raw if raw else '""'
        ctx.add("PTS104", line, f"{name}={shown}: PDM skips certificate verification", column=column)


def _npm_strict_ssl(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    value = raw.strip()
    if booleans.npm(value):
        ctx.add("PTS110", line, f"{name}={value} switches npm's certificate verification off", column=column)


def _ca_variable(name: str, raw: str, line: int, ctx: ScanContext, column: int | None) -> None:
    value = raw.strip()
    if value.strip("'\"") == "":
        if name in EMPTY_MATTERS:
            ctx.add(
                "PTS302",
                line,
                f"{name} is set to an empty value: a known attempt to switch verification off (it does not; "
                "tools either ignore it or fail)",
                column=column,
            )
        return
    ca_path(name, value, line, ctx, column)


# (name, raw value, line, scan context, column) -> None: the checks of one variable
VariableCheck = Callable[[str, str, int, ScanContext, "int | None"], None]
# Variables other than PIP_*, by name, then by pattern (no name is in both).
_BY_NAME: dict[str, VariableCheck] = {
    "UV_INSECURE_HOST": _uv_insecure_host,
    **dict.fromkeys(UV_INDEX_VARIABLES, _uv_index),
    **dict.fromkeys(CA_VARIABLES, _ca_variable),
    "CURL_CA_BUNDLE": _curl_ca_bundle,
    "PYTHONHTTPSVERIFY": _pythonhttpsverify,
    "GIT_SSL_NO_VERIFY": _git_ssl_no_verify,
    "CONDA_SSL_VERIFY": _conda_ssl_verify,
    "CONDA_VERIFY_SSL": _conda_ssl_verify,
    "PIPENV_PYPI_MIRROR": _package_source,
    "PDM_PYPI_URL": _package_source,
    "PDM_PYPI_VERIFY_SSL": _pdm_verify_ssl,  # PDM reads no per-source variable (PDM_PYPI_<NAME>_...)
    "NODE_TLS_REJECT_UNAUTHORIZED": _node_tls_reject_unauthorized,
}
_BY_PATTERN: tuple[tuple[re.Pattern[str], VariableCheck], ...] = (
    (re.compile(r"POETRY_CERTIFICATES_(\w+)_(CERT|VERIFY)"), _poetry_cert),
    (re.compile(r"POETRY_REPOSITORIES_\w+_URL"), _package_source),
    (re.compile(r"npm_config_strict_ssl", re.IGNORECASE), _npm_strict_ssl),
)


def git_config(key: str, value: str, line: int, ctx: ScanContext, source: str, column: int | None = None) -> None:
    """``http.sslVerify`` / ``http.<url>.sslVerify`` false, and CA paths, from any git config spelling."""
    lowered = key.strip().lower()
    if not lowered.startswith("http."):
        return
    leaf = lowered.rsplit(".", 1)[-1]
    if leaf == "sslverify" and booleans.git(value):
        ctx.add(
            "PTS106",
            line,
            f"{source} sets {key}={value or 'false'}: git skips certificate checks, and pip/uv use git for "
            "git+https:// requirements",
            column=column,
        )
    elif leaf in ("sslcainfo", "sslcapath"):
        ca_path(f"git {key}", value, line, ctx, column)


def pip_setting(key: str, value: str, line: int, ctx: ScanContext, source: str, column: int | None = None) -> None:
    """One pip config key (already normalised) from a config file or ``pip config set``."""
    if key == "trusted-host":
        trusted_hosts(values(value), line, ctx, source, column)
    elif key in PIP_URL_KEYS:
        for url in values(value):
            pip_index(url, line, ctx, source, column)
    elif key == "cert" and value.strip():
        ca_path(source, value, line, ctx, column)
