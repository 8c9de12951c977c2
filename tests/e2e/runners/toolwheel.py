"""The tool's own wheel, built from the working tree for the runner tests.

The GitLab component installs ``pip-tls-setup==VERSION`` pinned by the wheel's sha256, as a release
would publish it; the tests publish the working tree's wheel on the lab index instead. Built by hand
(the package is pure Python), so no build backend or network is needed; deterministic for the same tree.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def version() -> str:
    text = (REPO / "src" / "pip_tls_setup" / "__init__.py").read_text()
    match = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    assert match
    return match.group(1)


def build(directory: Path) -> Path:
    ver = version()
    dist_info = f"pip_tls_setup-{ver}.dist-info"
    files: dict[str, bytes] = {}
    package = REPO / "src" / "pip_tls_setup"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            files[path.relative_to(REPO / "src").as_posix()] = path.read_bytes()
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: pip-tls-setup\nVersion: {ver}\nRequires-Python: >=3.9\n"
        "Summary: Make pip work behind TLS-intercepting proxies without ever turning verification off\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: pts-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{dist_info}/entry_points.txt"] = b"[console_scripts]\npip-tls-setup = pip_tls_setup.cli:main\n"
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"pip_tls_setup-{ver}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return wheel


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
