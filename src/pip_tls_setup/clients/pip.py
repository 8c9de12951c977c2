"""pip beyond the target venvs: the global (as root) or user pip config, so venvs created *later* trust too.

A venv made after setup starts with the interpreter's bundled pip and no site config: it reads the global
(``/etc/pip.conf``, ``$XDG_CONFIG_DIRS/pip/pip.conf``) and user (``$XDG_CONFIG_HOME/pip/pip.conf``) files, so
``cert = <combined bundle>`` there covers it, on every pip version, and also behind a proxy with pip 24.2-25.1.x
(which ignores truststore there). Each target's own site config and certifi are planned per target.
"""

from __future__ import annotations

import os

from pip_tls_setup.clients import base
from pip_tls_setup.inject.edits import pipconf

GLOBAL = "/etc/pip.conf"
DURABLE = (
    "cert = <combined bundle> in the {level} pip config {path}: read by every pip on this machine, also in venvs "
    "created after setup and by pip 24.2-25.1.x behind a proxy"
)


def user_config(ctx: base.Context) -> str:
    return os.path.join(ctx.config_home(), "pip", "pip.conf")


def chosen(ctx: base.Context) -> tuple[str, str]:
    """The pip config file setup writes ``cert =`` into: the global one when it may, else the user's."""
    return (GLOBAL, "global") if ctx.system_wide else (user_config(ctx), "user")


class Pip(base.Client):
    name = "pip"
    title = "pip (global and user config)"

    def find(self, ctx: base.Context) -> base.Found | None:
        executable = ctx.which("pip3") or ctx.which("pip") or ctx.which("python3")
        if executable is None:
            return None
        path, level = chosen(ctx)
        reads = (
            base.Source("config", GLOBAL, "global pip config", ctx.exists(GLOBAL)),
            base.Source("config", user_config(ctx), "user pip config", ctx.exists(user_config(ctx))),
            base.Source("env", "PIP_CERT / REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE", "replace the default roots"),
            base.Source("bundle", "pip/_vendor/certifi/cacert.pem", "each pip's vendored certifi"),
            base.Source("os-store", ctx.system_bundle or "the OS store", "pip 24.2+ on Python 3.10+ (truststore)"),
        )
        return base.Found(
            "pip", None, executable, reads, DURABLE.format(level=level, path=path), ("pip-proxy-ignores-truststore",)
        )

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        path, level = chosen(ctx)
        result = base.ClientPlan()
        bundle = ctx.bundle

        def change(text: str) -> str:
            return pipconf.set_cert(text, bundle)[0]

        result.edits.append(base.Edit(path, change, f"pip {level} config: cert = combined bundle (venvs made later)"))
        return result
