"""Tool venvs setup was not given: pipx's, ``uv tool``'s, and the venv behind each console script on PATH.

Each one is a Python environment with its own certifi and pip's vendored certifi (poetry, pdm, hatch, pipx and
pipenv read those, not the OS store), so setup adds its interpreter as a Python target.
"""

from __future__ import annotations

import os

from pip_tls_setup.clients import base

SHEBANG_LIMIT = 512  # bytes read from the top of a script on PATH
DURABLE = "each venv is a Python target: corporate CAs appended to its certifi and pip's vendored certifi"


def venv_of_interpreter(ctx: base.Context, interpreter: str) -> str | None:
    """The venv directory an interpreter path belongs to (``<venv>/bin/python``), None when it is not one."""
    venv = os.path.dirname(os.path.dirname(interpreter))
    return venv if ctx.root.host(os.path.join(venv, "pyvenv.cfg")).is_file() else None


def shebang_python(ctx: base.Context, script: str) -> str | None:
    """The venv interpreter a console script runs with (its ``#!`` line), None for anything else."""
    try:
        with open(ctx.root.host(script), "rb") as handle:
            head = handle.read(SHEBANG_LIMIT)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None
    line = head[2:].split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if line.startswith("/bin/sh") and b"'''exec' " in head:  # pip's long-path launcher: '''exec' PYTHON "$0"
        line = head.split(b"'''exec' ", 1)[1].split(b" ", 1)[0].decode("utf-8", "replace").strip("'\"")
    interpreter = line.split()[0] if line.split() else ""
    if not interpreter.startswith("/") or "python" not in os.path.basename(interpreter):
        return None
    return interpreter if venv_of_interpreter(ctx, interpreter) else None


def _interpreters_in(ctx: base.Context, directory: str) -> list[str]:
    host = ctx.root.host(directory)
    if not host.is_dir():
        return []
    found = []
    for name in sorted(os.listdir(host)):
        python = os.path.join(directory, name, "bin", "python")
        if ctx.root.host(python).exists() and venv_of_interpreter(ctx, python):
            found.append(python)
    return found


def pipx_dir(ctx: base.Context) -> str:
    pipx = ctx.which("pipx")
    if pipx is not None:
        code, out = ctx.query([pipx, "environment", "--value", "PIPX_LOCAL_VENVS"])
        lines = [line.strip() for line in out.splitlines() if line.strip().startswith("/")]
        if code == 0 and lines:
            return lines[-1]
    home = ctx.env.get("PIPX_HOME") if ctx.root.is_host else None
    return os.path.join(home, "venvs") if home else os.path.join(ctx.home, ".local", "share", "pipx", "venvs")


def uv_tool_dir(ctx: base.Context) -> str | None:
    uv = ctx.which("uv")
    if uv is None:
        return None
    code, out = ctx.query([uv, "tool", "dir"])
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("/")]
    return lines[-1] if code == 0 and lines else None


def path_scripts(ctx: base.Context) -> dict[str, str]:
    """Console script name -> venv interpreter, for every script on PATH whose ``#!`` names a venv's Python."""
    found: dict[str, str] = {}
    for directory in ctx.search_path.split(os.pathsep):
        host = ctx.root.host(directory) if directory.startswith("/") else None
        if host is None or not host.is_dir():
            continue
        for name in sorted(os.listdir(host)):
            path = os.path.join(directory, name)
            entry = ctx.root.host(path)
            if name in found or not entry.is_file() or not os.access(entry, os.X_OK):
                continue
            python = shebang_python(ctx, path)
            if python is not None:
                found[name] = python
    return found


def unique(paths: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for path in paths:
        seen.setdefault(os.path.dirname(os.path.dirname(path)), path)
    return tuple(seen.values())


class ToolVenvs(base.Client):
    name = "tool-venvs"
    title = "tool venvs (pipx, uv tool, console scripts on PATH)"

    def find(self, ctx: base.Context) -> base.Found | None:
        pipx = pipx_dir(ctx)
        uv_tools = uv_tool_dir(ctx)
        interpreters = _interpreters_in(ctx, pipx) + (_interpreters_in(ctx, uv_tools) if uv_tools else [])
        interpreters += list(path_scripts(ctx).values())
        venvs = unique(interpreters)
        if not venvs:
            return None
        reads = (
            base.Source("bundle", "<venv>/site-packages/certifi/cacert.pem", "requests, poetry, hatch, pipx"),
            base.Source("bundle", "<venv>/site-packages/pip/_vendor/certifi/cacert.pem", "pip in that venv"),
            base.Source("config", pipx, "pipx venvs", ctx.root.host(pipx).is_dir()),
            base.Source("config", uv_tools or "uv tool dir", "uv tool venvs", bool(uv_tools)),
        )
        return base.Found("tool-venvs", None, pipx, reads, DURABLE, (), {"pipx": pipx, "uv_tools": uv_tools}, venvs)

    def plan(self, found: base.Found, ctx: base.Context) -> base.ClientPlan:
        result = base.ClientPlan()
        result.note("info", f"{len(found.venvs)} tool venv(s) added as Python targets: {', '.join(found.venvs)}")
        return result
