"""Read a package index's simple API (PEP 503 HTML or PEP 691 JSON) with the standard library only.

Used by the maintainer tools in ``tools/`` (``lock.py``, ``build_single_file.py``). Never names a
public registry: the index is ``--index-url``, else ``$PIP_INDEX_URL``, else the one the installed pip
uses by default (read from pip at run time).
"""

from __future__ import annotations

import hashlib
import html.parser
import json
import os
import re
import ssl
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class IndexFile:
    filename: str
    url: str
    sha256: str | None
    requires_python: str | None
    yanked: bool


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def default_index_url(python: str = sys.executable) -> str:
    """``$PIP_INDEX_URL``, else pip's configured index, else pip's built-in default."""
    from_env = os.environ.get("PIP_INDEX_URL", "").strip()
    if from_env:
        return from_env.split()[0]
    done = subprocess.run(
        [python, "-m", "pip", "config", "get", "global.index-url"], capture_output=True, text=True, check=False
    )
    if done.returncode == 0 and done.stdout.strip():
        return done.stdout.strip()
    done = subprocess.run(
        [python, "-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit("cannot find the package index: pass --index-url or set PIP_INDEX_URL")
    return done.stdout.strip()


def ssl_context(cafile: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs))


def _open(url: str, context: ssl.SSLContext, accept: str) -> tuple[bytes, str, str]:
    parts = urllib.parse.urlsplit(url)
    loopback = parts.scheme == "http" and (parts.hostname or "") in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not loopback:
        raise SystemExit(f"{parts.scheme}://{parts.hostname}: only an https:// (or loopback http://) index is used")
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "pip-tls-setup-build"})  # noqa: S310
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
    with opener.open(request, timeout=120) as response:
        return response.read(), response.headers.get("Content-Type", ""), response.geturl()


def project_files(index: str, project: str, context: ssl.SSLContext) -> list[IndexFile]:
    base = index.rstrip("/") + "/" + normalize(project) + "/"
    body, content_type, final = _open(base, context, f"{JSON_TYPE}, text/html;q=0.1")
    files: list[IndexFile] = []
    if JSON_TYPE in content_type:
        data = json.loads(body)
        for item in data.get("files", []):
            url = urllib.parse.urljoin(final, item["url"])
            files.append(
                IndexFile(
                    item["filename"],
                    url,
                    item.get("hashes", {}).get("sha256"),
                    item.get("requires-python"),
                    bool(item.get("yanked")),
                )
            )
        return files
    parser = _Links()
    parser.feed(body.decode("utf-8", "replace"))
    for attrs in parser.links:
        href = attrs.get("href") or ""
        url = urllib.parse.urljoin(final, href)
        fragment = urllib.parse.urlsplit(url).fragment
        sha256 = fragment[len("sha256=") :] if fragment.startswith("sha256=") else None
        filename = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        files.append(
            IndexFile(
                filename,
                url.split("#", 1)[0],
                sha256,
                attrs.get("data-requires-python"),
                "data-yanked" in attrs,
            )
        )
    return files


def wheel_version(filename: str) -> str | None:
    if not filename.endswith(".whl"):
        return None
    parts = filename[:-4].split("-")
    return parts[1] if len(parts) >= 5 else None


def wheel_tags(filename: str) -> tuple[str, str, str]:
    parts = filename[:-4].split("-")
    return parts[-3], parts[-2], parts[-1]


def download(file: IndexFile, dest: Path, context: ssl.SSLContext, allowed: set[str]) -> Path:
    """Download ``file`` into ``dest`` unless a copy with an allowed hash is already there."""
    target = dest / file.filename
    if target.exists() and sha256_of(target) in allowed:
        return target
    body, _, _ = _open(file.url, context, "*/*")
    digest = hashlib.sha256(body).hexdigest()
    if digest not in allowed:
        raise SystemExit(f"{file.filename}: sha256 {digest} is not in the lock; refusing it")
    dest.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(body)
    partial.replace(target)
    return target


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str
    hashes: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}" + (f" ; {self.marker}" if self.marker else "")


_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;\\]+)\s*(?:;\s*([^\\]*?))?\s*$")


def read_pins(text: str) -> list[Pin]:
    """``name==version ; marker`` lines (``requirements.in``), or a hashed lock (``--hash=`` continuation lines)."""
    pins: list[Pin] = []
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current.strip():
        logical.append(current)
    for line in logical:
        hashes = tuple(re.findall(r"--hash[= ]sha256:([0-9a-f]{64})", line))
        spec = re.sub(r"--hash[= ]\S+", "", line).strip()
        match = _PIN.match(spec)
        if not match:
            raise SystemExit(f"not a pinned requirement: {line.strip()!r}")
        pins.append(Pin(match.group(1), match.group(2), (match.group(3) or "").strip(), hashes))
    return pins
