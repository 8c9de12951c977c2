"""The servers behind each error users paste (seeds.md), on loopback, and the pips that print them.

``ErrorLab`` starts, in one process, everything the error tests need:

- an HTTPS index ``index.corp.test`` whose chain is signed by the lab's private
  CA (``ca``), reached through a plain CONNECT proxy (``tunnel``), and the same
  index on ``127.0.0.1`` directly, presenting its leaf alone (``direct``);
- ``silent.corp.test``: completes the TLS handshake, then never answers;
- ``ahead.corp.test``: a chain valid from two days from now, and a ``Date``
  header three days ahead (a server whose clock agrees with its chain);
- proxies with faults: one answering TLS with HTTP 400 (squid's answer, what an
  ``https://`` proxy URL meets at a plain proxy: ``tls400``), one hanging up on
  TLS (``tlsclose``), one closing (``cut``) and one resetting (``reset``) the
  tunnel after ``200 Connection established``.

``target(python, pip)`` gives a cached venv of a pyenv Python with that pip
(None when the Python is missing: the test skips); ``python_without_ssl()`` a
real interpreter whose ``_ssl`` extension is absent, as a build without the
OpenSSL headers leaves it. Runs go through ``clean_env`` and ``isolated``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corplab.index import build_wheel
from corplab.isolation import clean_env, isolated
from corplab.pki import make_ca, make_leaf
from corplab.servers import TLSIndex, TunnelProxy
from corplab.venvs import cache_dir, make_venv, pip_venv, pyenv_python

INDEX = "index.corp.test"
PROJECT = "corp-hello"


@dataclass
class Done:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(argv: Sequence[str], env: dict[str, str], faketime: str | None = None, timeout: float = 300) -> Done:
    """``argv`` in a clean environment, the host pip config masked; under ``faketime -f OFFSET`` if given."""
    wrapped = ["faketime", "-f", faketime, *argv] if faketime else list(argv)
    done = subprocess.run(isolated(wrapped), capture_output=True, text=True, env=env, timeout=timeout, check=False)
    return Done(list(wrapped), done.returncode, done.stdout, done.stderr)


class ErrorLab:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.ca = make_ca("Lab Index Root CA", "Lab Index Org")
        self.ca_path = self.ca.write(workdir / "lab-index-ca.pem")
        wheels = [build_wheel(workdir / "packages", PROJECT)]
        self.index = TLSIndex(make_leaf(self.ca, [INDEX]), [self.ca], workdir / "index", wheels=wheels)
        self.direct = TLSIndex(make_leaf(self.ca, ["127.0.0.1"]), [], workdir / "direct", wheels=wheels)
        self.silent = TLSIndex(make_leaf(self.ca, ["silent.corp.test"]), [self.ca], workdir / "silent", silent=True)
        ahead = make_leaf(self.ca, ["ahead.corp.test"], not_yet_valid=True)
        self.ahead = TLSIndex(ahead, [self.ca], workdir / "ahead", clock_offset=dt.timedelta(days=3))
        self._servers = [self.index, self.direct, self.silent, self.ahead]
        self._proxies: list[TunnelProxy] = []

    def __enter__(self) -> ErrorLab:
        for server in self._servers:
            server.__enter__()
        routes = {
            f"{INDEX}:443": self.index.port,
            "silent.corp.test:443": self.silent.port,
            "ahead.corp.test:443": self.ahead.port,
        }
        self.tunnel = self._proxy(TunnelProxy(routes))
        self.tls400 = self._proxy(TunnelProxy(routes, not_http="400"))
        self.tlsclose = self._proxy(TunnelProxy(routes, not_http="close"))
        self.cut = self._proxy(TunnelProxy(routes, tunnel="close"))
        self.reset = self._proxy(TunnelProxy(routes, tunnel="reset"))
        return self

    def _proxy(self, proxy: TunnelProxy) -> TunnelProxy:
        self._proxies.append(proxy.__enter__())
        return proxy

    def __exit__(self, *exc: object) -> None:
        for proxy in self._proxies:
            proxy.__exit__(None, None, None)
        for server in self._servers:
            server.__exit__(None, None, None)

    def url(self, host: str = INDEX) -> str:
        return f"https://{host}/simple/"

    def env(self, home: str = "home", **extra: str) -> dict[str, str]:
        return clean_env(self.workdir / home, PIP_CONFIG_FILE=os.devnull, PIP_NO_CACHE_DIR="1", **extra)

    def pip_download(self, python: Path, index_url: str, *extra: str, faketime: str | None = None, **env: str) -> Done:
        """``pip download`` of the lab project, one retry (so pip prints its 'Retrying ...' line), 3 s timeout."""
        dest = self.workdir / "downloads"
        argv = [str(python), "-m", "pip", "download", "--no-deps", "--retries", "1", "--timeout", "3"]
        argv += ["-d", str(dest), "--index-url", index_url, *extra, PROJECT]
        return run(argv, self.env(**env), faketime)

    def tool(self, *args: str, faketime: str | None = None, **env: str) -> Done:
        """``pip-tls-setup ARGS`` as a user runs it (this test runner's Python)."""
        return run([sys.executable, "-m", "pip_tls_setup", *args], self.env("tool-home", **env), faketime)


def target(python: str, pip: str | None = None, pyopenssl: bool = False) -> Path | None:
    """A cached venv of pyenv's Python ``python`` with pip ``pip`` (None: bundled); None when not installed."""
    interpreter = pyenv_python(python)
    if interpreter is None:
        return None
    return pip_venv(interpreter, pip, pyopenssl)


def python_without_ssl(version: str = "3.9") -> Path | None:
    """A venv of a Python that really has no ``_ssl`` (its lib-dynload lacks it), built once in the cache."""
    source = pyenv_python(version)
    if source is None:
        return None
    base = Path(source).resolve().parents[1]
    home = cache_dir() / f"nossl-{version}"
    venv = cache_dir() / f"nossl-{version}-venv"
    if (venv / ".corplab-ready").exists():
        return venv / "bin" / "python"
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(venv, ignore_errors=True)
    stdlib = base / "lib" / f"python{version}"
    (home / "bin").mkdir(parents=True)
    shutil.copy2(base / "bin" / f"python{version}", home / "bin" / f"python{version}")
    mirror = home / "lib" / f"python{version}"
    (mirror / "lib-dynload").mkdir(parents=True)
    (mirror / "site-packages").mkdir()
    for entry in stdlib.iterdir():
        if entry.name not in ("lib-dynload", "site-packages"):
            (mirror / entry.name).symlink_to(entry)
    for entry in (stdlib / "lib-dynload").iterdir():
        if not entry.name.startswith("_ssl"):
            (mirror / "lib-dynload" / entry.name).symlink_to(entry)
    make_venv(venv, python=str(home / "bin" / f"python{version}"))
    (venv / ".corplab-ready").write_text("no _ssl\n")
    return venv / "bin" / "python"
