"""The whole lab in one context manager: PKI, wheel, index, intercepting proxy."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corplab.index import PackageIndex, build_wheel
from corplab.pki import Issued, make_ca
from corplab.proxy import InterceptingProxy
from corplab.venvs import tools_venv

INDEX_HOST = "index.corp.test"
FILES_HOST = "files.corp.test"
PACKAGE = "corp-hello"


class Lab:
    """A package index at ``https://index.corp.test/simple/``, reachable only through
    a TLS-intercepting proxy whose CA ("Example Corp TLS Inspection Root CA") nobody trusts yet."""

    def __init__(
        self, workdir: Path, ca: Issued | None = None, proxyauth: str | None = None, **ca_options: Any
    ) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.ca = ca or make_ca("Example Corp TLS Inspection Root CA", "Example Corp", **ca_options)
        self.ca_path = self.ca.write(workdir / "corp-root-ca.pem")
        self.proxyauth = proxyauth
        self.venv = tools_venv()
        self.packages = workdir / "packages"
        self.wheel = build_wheel(self.packages)
        self.index: PackageIndex | None = None
        self.proxy: InterceptingProxy | None = None

    @property
    def index_url(self) -> str:
        return f"https://{INDEX_HOST}/simple/"

    @property
    def proxy_url(self) -> str:
        assert self.proxy is not None
        return self.proxy.url

    def upstreams(self) -> dict[str, str]:
        assert self.index is not None
        return {INDEX_HOST: self.index.url, FILES_HOST: self.index.url}

    def another_proxy(
        self, ca: Issued, name: str = "other-proxy", proxyauth: str | None = None, chain: Sequence[Issued] = ()
    ) -> InterceptingProxy:
        """A second intercepting proxy in front of the same index, with a different CA (and its issuers)."""
        return InterceptingProxy(
            self.venv, ca, self.upstreams(), self.workdir, proxyauth=proxyauth, name=name, chain=chain
        )

    def __enter__(self) -> Lab:
        self.index = PackageIndex(self.venv, self.packages, self.workdir).__enter__()
        try:
            self.proxy = InterceptingProxy(
                self.venv, self.ca, self.upstreams(), self.workdir, proxyauth=self.proxyauth
            ).__enter__()
        except BaseException:
            self.index.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proxy is not None:
            self.proxy.__exit__(None, None, None)
        if self.index is not None:
            self.index.__exit__(None, None, None)
