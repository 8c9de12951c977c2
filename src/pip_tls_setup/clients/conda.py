"""conda, mamba, micromamba: ``ssl_verify`` in a ``.condarc``.

From conda's docs: ``ssl_verify`` takes ``true``, ``false``, ``truststore`` (conda 23.9+, Python 3.10+) or the path
of a CA bundle, which replaces the roots its requests use, so it names the combined bundle. conda reads, in order
(later files win): ``/etc/conda/.condarc``, ``/etc/conda/condarc``, ``/var/lib/conda/.condarc``,
``$CONDA_ROOT/.condarc``, ``$XDG_CONFIG_HOME/conda/.condarc``, ``~/.config/conda/.condarc``,
``~/.conda/.condarc``, ``~/.condarc``, ``$CONDA_PREFIX/.condarc``, ``$CONDARC``. Setup edits the last file that
already sets ``ssl_verify`` (an earlier one would be overridden), else ``/etc/conda/.condarc`` as root, else
``~/.condarc``. conda could not be installed and run on this project's test machine: this plan is unit-tested only.
"""

from __future__ import annotations

import os

from pip_tls_setup.clients import base
from pip_tls_setup.inject.edits import condarc

NAMES = ("conda", "mamba", "micromamba")
SYSTEM = "/etc/conda/.condarc"
DURABLE = "ssl_verify: <combined bundle> in {path}"
REPLACED = "{path} had ssl_verify: {old}; it now names the combined bundle"


def search_path(ctx: base.Context, executable: str) -> list[str]:
    home, host_env = ctx.home, ctx.env if ctx.root.is_host else {}
    root_prefix = host_env.get("CONDA_ROOT") or os.path.dirname(os.path.dirname(executable))
    files = ["/etc/conda/.condarc", "/etc/conda/condarc", "/var/lib/conda/.condarc"]
    files.append(os.path.join(root_prefix, ".condarc"))
    files.append(os.path.join(ctx.config_home(), "conda", ".condarc"))
    files += [os.path.join(home, ".config", "conda", ".condarc"), os.path.join(home, ".conda", ".condarc")]
    files.append(os.path.join(home, ".condarc"))
    if host_env.get("CONDA_PREFIX"):
        files.append(os.path.join(host_env["CONDA_PREFIX"], ".condarc"))
    if host_env.get("CONDARC"):
        files.append(host_env["CONDARC"])
    return list(dict.fromkeys(files))


def target_file(ctx: base.Context, files: list[str]) -> str:
    setting = [p for p in files if condarc.get_ssl_verify(ctx.read(p)) is not None]
    if setting:
        return setting[-1]
    return SYSTEM if ctx.system_wide else os.path.join(ctx.home, ".condarc")


class Conda(base.Client):
    name = "conda"
    title = "conda / mamba / micromamba"

    def find(self, ctx: base.Context) -> base.Found | None:
        executable = next((found for name in NAMES if (found := ctx.which(name))), None)
        if executable is None and ctx.root.is_host:
            executable = ctx.env.get("CONDA_EXE") or ctx.env.get("MAMBA_EXE") or None
        if executable is None:
            return None
        code, out = ctx.query([executable, "--version"])
        files = search_path(ctx, executable)
        reads = [base.Source("env", "REQUESTS_CA_BUNDLE / CONDA_SSL_VERIFY", "replace the configured roots")]
        reads += [base.Source("config", p, "ssl_verify (later files win)", ctx.exists(p)) for p in files]
        path = target_file(ctx, files)
        facts = {"files": files, "target": path, "flavour": os.path.basename(executable)}
        version = base.version_in(out) if code == 0 else None
        return base.Found("conda", version, executable, tuple(reads), DURABLE.format(path=path), (), facts)

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        result = base.ClientPlan()
        path, bundle = str(found.facts["target"]), ctx.bundle
        old = condarc.get_ssl_verify(ctx.read(path))
        if old is not None and old != bundle:
            result.note("info", REPLACED.format(path=path, old=old))
        reason = "conda config: ssl_verify = combined bundle"
        result.edits.append(base.Edit(path, lambda text: condarc.set_ssl_verify(text, bundle)[0], reason))
        return result

    def anchors(self, found: base.Found, ctx: base.Context) -> list[str] | None:
        files = found.facts.get("files") or []
        value = next((v for p in reversed(files) if (v := condarc.get_ssl_verify(ctx.read(p)))), None)
        return [value] if value and value.startswith("/") else None

    def probe(self, found: base.Found, ctx: base.Context, request: base.ProbeRequest) -> base.Probe | None:
        argv = (found.executable, "search", "--override-channels", "--channel", request.host_url, request.project)
        return base.Probe(argv, judge, what=f"{found.facts.get('flavour')} search on {request.host_url}")


def judge(code: int, output: str) -> base.Outcome:
    if "CERTIFICATE_VERIFY_FAILED" in output or "SSLError" in output:
        return base.Outcome(base.UNTRUSTED, base.last_line(output, "CERTIFICATE_VERIFY_FAILED", "SSLError"))
    if code == 0 or "HTTP 404" in output or "PackagesNotFoundError" in output or "CondaHTTPError" in output:
        return base.Outcome(base.VERIFIED, "the channel answered: " + base.last_line(output, "HTTP", "Packages"))
    return base.Outcome(base.FAILED, base.last_line(output, "Error"))
