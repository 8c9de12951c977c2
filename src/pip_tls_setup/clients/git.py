"""git: libcurl under the hood; ``GIT_SSL_CAINFO`` / ``http.sslCAInfo`` name the CA file.

Debian and Ubuntu build git against libcurl-gnutls: that git ignores ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``
(OpenSSL's variables) and reads the system bundle compiled into libcurl, or ``http.sslCAInfo``. Both the gnutls
and the OpenSSL builds honour ``http.sslCAInfo``, which *replaces* the default roots, so it names the combined
bundle. Setup writes it in the system gitconfig as root (``/etc/gitconfig`` on Debian; ``GIT_CONFIG_SYSTEM``),
else in the global one (``~/.gitconfig``, or ``$XDG_CONFIG_HOME/git/config`` when only that exists).
"""

from __future__ import annotations

import os

from pip_tls_setup.clients import base
from pip_tls_setup.inject.edits import gitconfig

SYSTEM = "/etc/gitconfig"
DURABLE = "http.sslCAInfo = <combined bundle> in the {level} gitconfig {path}"
REPLACED = "{path} had http.sslCAInfo = {old}; it now names the combined bundle (public roots + corporate CAs)"
USER_WINS = "{path} sets http.sslCAInfo = {value}, which wins over the system gitconfig"
CERT_WORDS = ("server certificate verification failed", "SSL certificate problem", "certificate verify failed")
HTTP_WORDS = ("not found", "not valid", "returned error", "HTTP", "git repository", "Username", "Authentication")


def system_config(ctx: base.Context) -> str:
    return (ctx.env.get("GIT_CONFIG_SYSTEM") if ctx.root.is_host else None) or SYSTEM


def global_config(ctx: base.Context) -> str:
    forced = ctx.env.get("GIT_CONFIG_GLOBAL") if ctx.root.is_host else None
    if forced:
        return forced
    home = os.path.join(ctx.home, ".gitconfig")
    xdg = os.path.join(ctx.config_home(), "git", "config")
    return xdg if ctx.exists(xdg) and not ctx.exists(home) else home


def tls_backend(ctx: base.Context, git: str) -> str:
    """``gnutls`` or ``openssl`` from the libcurl git's https helper links, ``unknown`` when it cannot tell."""
    code, out = ctx.query([git, "--exec-path"])
    helper = os.path.join(out.strip().splitlines()[-1] if code == 0 and out.strip() else "", "git-remote-https")
    try:
        data = ctx.root.host(helper).read_bytes()
    except OSError:
        return "unknown"
    if b"libcurl-gnutls" in data or b"libgnutls" in data:
        return "gnutls"
    return "openssl" if b"libcurl" in data else "unknown"


class Git(base.Client):
    name = "git"
    title = "git"

    def find(self, ctx: base.Context) -> base.Found | None:
        executable = ctx.which("git")
        if executable is None:
            return None
        code, out = ctx.query([executable, "--version"])
        version = base.version_in(out) if code == 0 else None
        backend = tls_backend(ctx, executable)
        system, user = system_config(ctx), global_config(ctx)
        reads = [
            base.Source("env", "GIT_SSL_CAINFO / GIT_SSL_CAPATH", "win over the config"),
            base.Source("config", system, "system gitconfig: http.sslCAInfo", ctx.exists(system)),
            base.Source("config", user, "global gitconfig (wins over the system one)", ctx.exists(user)),
            base.Source("os-store", ctx.system_bundle or "the OS store", "libcurl's default CA bundle"),
        ]
        if backend != "gnutls":
            reads.insert(1, base.Source("env", "SSL_CERT_FILE / SSL_CERT_DIR", "OpenSSL builds only"))
        path, level = (system, "system") if ctx.system_wide else (user, "global")
        traps = ("git-gnutls-ignores-ssl-cert-file",) if backend == "gnutls" else ()
        facts = {"system": system, "global": user, "backend": backend}
        return base.Found(
            "git", version, executable, tuple(reads), DURABLE.format(level=level, path=path), traps, facts
        )

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        result = base.ClientPlan()
        system, user = str(found.facts["system"]), str(found.facts["global"])
        path, level = (system, "system") if ctx.system_wide else (user, "global")
        bundle = ctx.bundle
        old = gitconfig.get_cainfo(ctx.read(path))
        if old and old != bundle:
            result.note("info", REPLACED.format(path=path, old=old))
        result.edits.append(
            base.Edit(path, lambda text: gitconfig.set_cainfo(text, bundle)[0], f"git {level} config: http.sslCAInfo")
        )
        theirs = gitconfig.get_cainfo(ctx.read(user)) if path != user else None
        if theirs and theirs != bundle:
            result.note("warning", USER_WINS.format(path=user, value=theirs))
        return result

    def anchors(self, found: base.Found, ctx: base.Context) -> list[str] | None:
        forced = ctx.env.get("GIT_SSL_CAINFO")
        if forced:
            return [forced]
        for path in (str(found.facts["global"]), str(found.facts["system"])):
            value = gitconfig.get_cainfo(ctx.read(path))
            if value:
                return [value]
        if found.facts.get("backend") != "gnutls" and ctx.env.get("SSL_CERT_FILE"):
            return [ctx.env["SSL_CERT_FILE"]]
        return [ctx.system_bundle] if ctx.system_bundle else None

    def probe(self, found: base.Found, ctx: base.Context, request: base.ProbeRequest) -> base.Probe | None:
        argv = (found.executable, "ls-remote", request.host_url)
        env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
        return base.Probe(argv, judge, env=env, what=f"git ls-remote {request.host_url}")


def judge(code: int, output: str) -> base.Outcome:
    if any(word.lower() in output.lower() for word in CERT_WORDS):
        return base.Outcome(base.UNTRUSTED, base.last_line(output, *CERT_WORDS))
    if code == 0 or any(word in output for word in HTTP_WORDS):
        return base.Outcome(base.VERIFIED, "git got an HTTP answer: " + base.last_line(output, *HTTP_WORDS))
    return base.Outcome(base.FAILED, base.last_line(output, "fatal", "error"))
