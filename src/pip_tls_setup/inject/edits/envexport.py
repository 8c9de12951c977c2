"""Environment for later steps: which variables, and how each platform receives them."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from pip_tls_setup.inject.plan import EnvVar

# Each of these *replaces* the default roots, so each gets the combined bundle.
BUNDLE_VARIABLES = (
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "PIP_CERT",
    "GIT_SSL_CAINFO",
    "AWS_CA_BUNDLE",
    "HTTPLIB2_CA_CERTS",
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
    "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE",
    "NIX_SSL_CERT_FILE",
)
# Additive: Node appends these to its own roots, so the corporate CAs alone are right.
ADDITIVE_VARIABLES = ("NODE_EXTRA_CA_CERTS",)
ALL_VARIABLES = BUNDLE_VARIABLES + ADDITIVE_VARIABLES
FORMATS = ("shell", "dotenv", "github", "gitlab", "dockerfile", "powershell")


def variables(bundle: str, corporate: str) -> list[EnvVar]:
    found = [EnvVar(name, bundle, "combined bundle (public roots + corporate CAs)") for name in BUNDLE_VARIABLES]
    found += [EnvVar(name, corporate, "corporate CAs (added to Node's own roots)") for name in ADDITIVE_VARIABLES]
    return found


def render(env: Sequence[EnvVar], fmt: str) -> str:
    if fmt == "shell":
        return "".join(f"export {v.name}={shlex.quote(v.value)}\n" for v in env)
    if fmt in ("dotenv", "github", "gitlab"):
        return "".join(f"{v.name}={v.value}\n" for v in env)
    if fmt == "dockerfile":
        if not env:
            return ""
        body = " \\\n    ".join(f"{v.name}={_docker_quote(v.value)}" for v in env)
        return f"ENV {body}\n"
    if fmt == "powershell":
        return "".join(f"$env:{v.name} = '{v.value.replace(chr(39), chr(39) * 2)}'\n" for v in env)
    raise ValueError(fmt)


def _docker_quote(value: str) -> str:
    if all(ch.isalnum() or ch in "/._-:+@" for ch in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def upsert_dotenv(text: str, env: Sequence[EnvVar]) -> str:
    """``text`` with each variable set once, other lines kept in place."""
    wanted = {v.name: v.value for v in env}
    out: list[str] = []
    done: set[str] = set()
    for line in text.splitlines():
        name = line.split("=", 1)[0].strip()
        if name.startswith("export "):
            name = name[len("export ") :].strip()
        if name in wanted:
            if name not in done:
                out.append(f"{name}={wanted[name]}")
                done.add(name)
            continue
        out.append(line)
    out.extend(f"{name}={value}" for name, value in wanted.items() if name not in done)
    return "\n".join(out) + "\n"
