"""The lab's package index: a tiny wheel built on the spot, served by pypiserver on loopback."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

from corplab.proc import Background, free_port, wait_for_port


def build_wheel(directory: Path, name: str = "corp-hello", version: str = "0.1") -> Path:
    """A valid pure-Python wheel, written by hand so the lab needs no build tools."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f'"""{name}: the package the corporate-proxy lab serves."""\n\n'
        f'GREETING = "hello through the proxy, with verification on"\n',
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        "Summary: corporate-proxy lab package\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: corplab\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record_lines = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record_lines.append(f"{path},sha256={digest},{len(text.encode())}")
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record_lines) + "\n"
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            archive.writestr(info, text)
    return wheel


class PackageIndex:
    """pypiserver on 127.0.0.1 with no fallback to any public index."""

    def __init__(self, venv: Path, packages: Path, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process = Background(
            [
                str(venv / "bin" / "pypi-server"),
                "run",
                "-p",
                str(self.port),
                "-i",
                "127.0.0.1",
                "-a",
                ".",
                "-P",
                ".",
                "--disable-fallback",
                str(packages),
            ],
            workdir / f"pypiserver-{self.port}.log",
        )

    def __enter__(self) -> PackageIndex:
        process = self._process.start()
        wait_for_port(self.port, process, log=self._process.log)
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.stop()
