"""uv: its own Mozilla roots unless told to use the OS store; ``SSL_CERT_FILE`` replaces both.

Measured here and in uv's docs and changelog: uv verifies with bundled Mozilla roots by default; ``system-certs
= true`` (``--system-certs``, ``UV_SYSTEM_CERTS``; uv 0.11.0 and later, verification delegated to
rustls-platform-verifier, i.e. the OS store) or, before 0.11.0, ``native-tls = true`` makes it use the OS store
(0.11+ still accepts ``native-tls`` with a deprecation warning; uv 0.10.x refuses a file with ``system-certs``:
"Failed to parse ... uv.toml"). ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` override the certificate source entirely.
No uv setting names a CA file, so the durable channel is: the OS store (setup fills it) + that key in the system
(``/etc/uv/uv.toml``, or the first ``$XDG_CONFIG_DIRS/uv/uv.toml``) or user (``$XDG_CONFIG_HOME/uv/uv.toml``)
config, the files ``uv tool`` commands read too.
"""

from __future__ import annotations

import dataclasses
import os

from pip_tls_setup.clients import base
from pip_tls_setup.inject.edits import uvtoml

SYSTEM_CERTS_SINCE = (0, 11, 0)
SYSTEM = "/etc/uv/uv.toml"
NO_FILE_CHANNEL = (
    "uv has no durable file channel of its own except the OS store (its config cannot name a CA file), and the OS "
    "store is not written in this run: only the exported SSL_CERT_FILE makes uv trust the corporate CAs"
)
DURABLE = "{key} = true in {path} (uv then verifies with the OS store, which setup fills)"
USER_OFF = "{path} sets {setting}: it overrides the system config, so uv keeps its built-in roots; remove it"
TLS_WORDS = ("invalid peer certificate", "UnknownIssuer", "certificate", "tls", "ssl")


def key_for(version: str | None) -> str:
    """The setting this uv knows: ``system-certs`` from 0.11.0, ``native-tls`` before (unknown: the old one)."""
    parsed = base.version_tuple(version)
    return "system-certs" if parsed and parsed >= SYSTEM_CERTS_SINCE else "native-tls"


def system_configs(ctx: base.Context) -> list[str]:
    """uv's system config candidates, in its order: each ``$XDG_CONFIG_DIRS/uv/uv.toml``, then ``/etc/uv``."""
    dirs = (ctx.env.get("XDG_CONFIG_DIRS") if ctx.root.is_host else None) or "/etc/xdg"
    return [os.path.join(d, "uv", "uv.toml") for d in dirs.split(":") if d] + [SYSTEM]


def system_config(ctx: base.Context) -> str:
    """The system file uv reads (only the first that exists), or where setup creates one."""
    return next((p for p in system_configs(ctx) if ctx.exists(p)), SYSTEM)


def user_config(ctx: base.Context) -> str:
    return os.path.join(ctx.config_home(), "uv", "uv.toml")


def enabled(text: str) -> str | None:
    """The OS-store setting a uv.toml turns on (``system-certs = true``), None when none."""
    keys = uvtoml.top_level(text)
    return next((f"{k} = true" for k in uvtoml.TLS_KEYS if keys.get(k) == "true"), None)


def disabled(text: str) -> str | None:
    keys = uvtoml.top_level(text)
    return next((f"{k} = false" for k in uvtoml.TLS_KEYS if keys.get(k) == "false"), None)


class Uv(base.Client):
    name = "uv"
    title = "uv"

    def find(self, ctx: base.Context) -> base.Found | None:
        executable = ctx.which("uv")
        if executable is None:
            return None
        code, out = ctx.query([executable, "--version"])
        version = base.version_in(out) if code == 0 else None
        system, user = system_config(ctx), user_config(ctx)
        reads = (
            base.Source("env", "SSL_CERT_FILE / SSL_CERT_DIR", "replace every other source"),
            base.Source("env", "UV_SYSTEM_CERTS / UV_NATIVE_TLS", "use the OS store"),
            base.Source("config", system, "system config: system-certs / native-tls", ctx.exists(system)),
            base.Source("config", user, "user config (wins over the system one)", ctx.exists(user)),
            base.Source("os-store", ctx.system_bundle or "the OS store", "only with system-certs / native-tls"),
            base.Source("builtin", "uv's bundled Mozilla roots", "the default"),
        )
        path = system if ctx.system_wide else user
        durable = DURABLE.format(key=key_for(version), path=path) if ctx.store_written else NO_FILE_CHANNEL
        facts = {"system": system, "user": user, "key": key_for(version)}
        found = base.Found("uv", version, executable, reads, durable, (), facts)
        # Its own roots are the trap only while nothing points it elsewhere.
        return dataclasses.replace(found, traps=("uv-builtin-roots",)) if self.anchors(found, ctx) is None else found

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        result = base.ClientPlan()
        if not ctx.store_written:
            result.note("warning", NO_FILE_CHANNEL)
            return result
        key = str(found.facts["key"])
        path = str(found.facts["system"] if ctx.system_wide else found.facts["user"])
        result.edits.append(
            base.Edit(path, lambda text: uvtoml.enable(text, key)[0], f"uv config: {key} = true (the OS store)")
        )
        user = str(found.facts["user"])
        off = disabled(ctx.read(user)) if user != path else None
        if off:
            result.note("warning", USER_OFF.format(path=user, setting=off))
        return result

    def anchors(self, found: base.Found, ctx: base.Context) -> list[str] | None:
        forced = ctx.env.get("SSL_CERT_FILE")
        if forced:
            return [forced]
        system, user = str(found.facts["system"]), str(found.facts["user"])
        on = bool(ctx.env.get("UV_SYSTEM_CERTS") or ctx.env.get("UV_NATIVE_TLS") or enabled(ctx.read(user)))
        on = on or bool(enabled(ctx.read(system)) and not disabled(ctx.read(user)))
        if on and ctx.system_bundle:
            return [ctx.system_bundle]
        return None  # its built-in Mozilla roots: no corporate CA can be among them

    def probe(self, found: base.Found, ctx: base.Context, request: base.ProbeRequest) -> base.Probe | None:
        # User and system config are read (no --no-config); the work dir (its cwd) holds no project.
        argv = [found.executable, "pip", "compile", "-", "--no-cache", "--index-url", request.index]
        if request.python:
            argv += ["--python", request.python]
        what = f"uv pip compile {request.project} against {request.index}"
        return base.Probe(tuple(argv), judge, env={"UV_NO_PROGRESS": "1"}, what=what, stdin=request.project + "\n")


def judge(code: int, output: str) -> base.Outcome:
    text = output.lower()
    if "invalid peer certificate" in text or "unknownissuer" in text or ("certificate" in text and "invalid" in text):
        return base.Outcome(base.UNTRUSTED, base.last_line(output, "certificate", "UnknownIssuer"))
    if code == 0 or "not found in the package registry" in text or "no solution found" in text:
        return base.Outcome(base.VERIFIED, base.last_line(output, "not found", "Resolved") or "resolved")
    return base.Outcome(base.FAILED, base.last_line(output, *TLS_WORDS, "error"))
