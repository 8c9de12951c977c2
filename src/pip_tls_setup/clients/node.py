"""Node.js and npm.

node verifies with its own bundled roots and ignores the OS store (unless started with ``--use-openssl-ca``, or
``--use-system-ca`` from v23.9 on Linux); ``NODE_EXTRA_CA_CERTS`` *adds* to them and is read once at start. node
has no durable trust channel of its own: a node script trusts the corporate CAs only with the exported variable
(or a flag). npm, a node program, also reads ``cafile`` from its npmrc files, which *replaces* node's roots for its
requests: setup writes ``cafile=<combined bundle>`` into the global npmrc (``npm config get globalconfig``) as
root, else into the user's ``~/.npmrc``.
"""

from __future__ import annotations

import os

from pip_tls_setup.clients import base
from pip_tls_setup.inject.edits import npmrc

NO_DURABLE = (
    "node has no durable trust channel of its own: it ignores the OS store and config files; only the exported "
    "NODE_EXTRA_CA_CERTS (or --use-openssl-ca / --use-system-ca) makes node scripts trust the corporate CAs"
)
DURABLE_NPM = "cafile=<combined bundle> in the {level} npmrc {path}"
CA_INLINE = "{path} sets ca=...: npm then ignores cafile; remove the inline ca"
TLS_CODES = (
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "CERT_HAS_EXPIRED",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "UNABLE_TO_GET_ISSUER_CERT",
    "certificate",
)
# node 20 has no proxy support of its own: CONNECT through HTTPS_PROXY by hand, then TLS with node's default trust.
NODE_FETCH = r"""
const http = require('http'), tls = require('tls');
const target = new URL(process.argv[1]);
const proxy = process.env.https_proxy || process.env.HTTPS_PROXY;
const port = Number(target.port || 443);
function fetch(socket) {
  const s = tls.connect({socket, host: target.hostname, servername: target.hostname, port}, () => {
    s.write(`GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`);
  });
  let data = '';
  s.on('data', (d) => {
    data += d;
    if (data.includes('\r\n')) { console.log('STATUS ' + data.split(' ')[1]); process.exit(0); }
  });
  s.on('error', (e) => { console.log('TLSERROR ' + (e.code || '') + ' ' + e.message); process.exit(3); });
}
if (proxy) {
  const p = new URL(proxy);
  const path = `${target.hostname}:${port}`;
  const headers = {};
  if (p.username) {  // credentials in the proxy URL, as pip and curl send them (Basic)
    const pair = decodeURIComponent(p.username) + ':' + decodeURIComponent(p.password);
    headers['Proxy-Authorization'] = 'Basic ' + Buffer.from(pair).toString('base64');
  }
  const req = http.request({host: p.hostname, port: p.port || 80, method: 'CONNECT', path, headers});
  req.on('connect', (res, socket) => {
    if (res.statusCode !== 200) { console.log('FAILED proxy answered ' + res.statusCode); process.exit(4); }
    fetch(socket);
  });
  req.on('error', (e) => { console.log('FAILED ' + e.message); process.exit(4); });
  req.end();
} else {
  fetch(undefined);
}
setTimeout(() => { console.log('FAILED timed out'); process.exit(5); }, 20000).unref();
"""


class Node(base.Client):
    name = "node"
    title = "node (scripts)"

    def find(self, ctx: base.Context) -> base.Found | None:
        executable = ctx.which("node")
        if executable is None:
            return None
        code, out = ctx.query([executable, "--version"])
        reads = (
            base.Source("builtin", "node's bundled Mozilla roots", "the default; the OS store is ignored"),
            base.Source("env", "NODE_EXTRA_CA_CERTS", "added to the bundled roots, read at start"),
            base.Source("env", "NODE_OPTIONS=--use-openssl-ca / --use-system-ca", "use the OS store"),
        )
        version = base.version_in(out) if code == 0 else None
        return base.Found("node", version, executable, reads, NO_DURABLE, ("node-ignores-os-store",))

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        result = base.ClientPlan()
        result.note("info", NO_DURABLE)
        return result

    def anchors(self, found: base.Found, ctx: base.Context) -> list[str] | None:
        extra = ctx.env.get("NODE_EXTRA_CA_CERTS")
        return [extra] if extra else None

    def probe(self, found: base.Found, ctx: base.Context, request: base.ProbeRequest) -> base.Probe | None:
        url = f"{request.index}{request.project}/"
        return base.Probe((found.executable, "-e", NODE_FETCH, url), judge, needs=("NODE_EXTRA_CA_CERTS",), what=url)


def npm_global(ctx: base.Context, npm: str) -> str:
    code, out = ctx.query([npm, "config", "get", "globalconfig"])
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("/")]
    if code == 0 and lines:
        return lines[-1]
    return os.path.join(os.path.dirname(os.path.dirname(npm)), "etc", "npmrc")


def npm_user(ctx: base.Context) -> str:
    forced = ctx.env.get("NPM_CONFIG_USERCONFIG") or ctx.env.get("npm_config_userconfig")
    return forced if forced and ctx.root.is_host else os.path.join(ctx.home, ".npmrc")


class Npm(base.Client):
    name = "npm"
    title = "npm"

    def find(self, ctx: base.Context) -> base.Found | None:
        executable = ctx.which("npm")
        if executable is None:
            return None
        code, out = ctx.query([executable, "--version"])
        system, user = npm_global(ctx, executable), npm_user(ctx)
        reads = (
            base.Source("env", "NPM_CONFIG_CAFILE / NODE_EXTRA_CA_CERTS", "cafile replaces node's roots"),
            base.Source("config", system, "global npmrc: cafile", ctx.exists(system)),
            base.Source("config", user, "user npmrc (wins over the global one)", ctx.exists(user)),
            base.Source("builtin", "node's bundled Mozilla roots", "without cafile"),
        )
        path, level = (system, "global") if ctx.system_wide else (user, "user")
        facts = {"global": system, "user": user}
        version = base.version_in(out) if code == 0 else None
        return base.Found("npm", version, executable, reads, DURABLE_NPM.format(level=level, path=path), (), facts)

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        result = base.ClientPlan()
        path, level = (str(found.facts["global"]), "global") if ctx.system_wide else (str(found.facts["user"]), "user")
        bundle = ctx.bundle
        result.edits.append(
            base.Edit(
                path, lambda text: npmrc.set_cafile(text, bundle)[0], f"npm {level} config: cafile = combined bundle"
            )
        )
        for candidate in (str(found.facts["global"]), str(found.facts["user"])):
            if "ca" in npmrc.keys(ctx.read(candidate)):
                result.note("warning", CA_INLINE.format(path=candidate))
        return result

    def anchors(self, found: base.Found, ctx: base.Context) -> list[str] | None:
        forced = ctx.env.get("NPM_CONFIG_CAFILE") or ctx.env.get("npm_config_cafile")
        if forced:
            return [forced]
        for path in (str(found.facts["user"]), str(found.facts["global"])):
            value = npmrc.keys(ctx.read(path)).get("cafile")
            if value:
                return [value]
        extra = ctx.env.get("NODE_EXTRA_CA_CERTS")
        return [extra] if extra else None

    def probe(self, found: base.Found, ctx: base.Context, request: base.ProbeRequest) -> base.Probe | None:
        argv: tuple[str, ...] = (found.executable, "ping", "--registry", request.host_url, "--fetch-retries", "0")
        argv += ("--fetch-timeout", str(int(request.timeout * 1000)))
        env = {"npm_config_cache": os.path.join(request.workdir, "npm-cache"), "npm_config_update_notifier": "false"}
        return base.Probe(argv, npm_judge, env=env, what=f"npm ping --registry {request.host_url}")


def judge(code: int, output: str) -> base.Outcome:
    for line in output.splitlines():
        if line.startswith("STATUS "):
            status = line.split()[1] if len(line.split()) > 1 else ""
            return base.Outcome(base.VERIFIED, line, int(status) if status.isdigit() else None)
        if line.startswith("TLSERROR "):
            return base.Outcome(base.UNTRUSTED, line[len("TLSERROR ") :])
    return base.Outcome(base.FAILED, base.last_line(output, "FAILED", "Error"))


def npm_judge(code: int, output: str) -> base.Outcome:
    if any(word in output for word in TLS_CODES[:-1]) or "certificate" in output.lower():
        return base.Outcome(base.UNTRUSTED, base.last_line(output, *TLS_CODES))
    if code == 0 or "E404" in output or "404" in output or "PONG" in output:
        return base.Outcome(base.VERIFIED, "the registry answered: " + base.last_line(output, "404", "PONG", "ping"))
    return base.Outcome(base.FAILED, base.last_line(output, "npm error", "ERR"))
