"""The intercepting proxy: mitmproxy with a CA of the lab's choosing."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from corplab.pki import Issued, write_mitm_confdir
from corplab.proc import Background, free_port, wait_for_port

ADDON = Path(__file__).with_name("mitm_addon.py")


class InterceptingProxy:
    """mitmdump on 127.0.0.1, signing every intercepted site with ``ca``.

    ``proxyauth="user:pass"`` makes it answer 407 to clients without credentials.
    """

    def __init__(
        self,
        venv: Path,
        ca: Issued,
        upstreams: dict[str, str],
        workdir: Path,
        proxyauth: str | None = None,
        name: str = "proxy",
        chain: Sequence[Issued] = (),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ca = ca
        confdir = write_mitm_confdir(ca, workdir / f"{name}-confdir", chain)
        argv = [
            str(venv / "bin" / "mitmdump"),
            "--listen-host",
            "127.0.0.1",
            "--listen-port",
            str(self.port),
            "--set",
            f"confdir={confdir}",
            "--set",
            "connection_strategy=lazy",
            "--set",
            "upstream_cert=false",
            "--set",
            "termlog_verbosity=warn",
            "--set",
            "flow_detail=0",
            "-s",
            str(ADDON),
        ]
        if proxyauth:
            argv += ["--set", f"proxyauth={proxyauth}"]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(workdir),
            "LANG": "C.UTF-8",
            "CORPLAB_UPSTREAMS": json.dumps(upstreams),
        }
        self._process = Background(argv, workdir / f"{name}-{self.port}.log", env)

    def __enter__(self) -> InterceptingProxy:
        process = self._process.start()
        wait_for_port(self.port, process, timeout=60, log=self._process.log)
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.stop()
