#!/usr/bin/env python3
"""Upload the release wheel (and sdist) to a PyPI-compatible package registry, standard library only.

The GitLab component installs the tool by hash from its own project's package registry
(``$CI_API_V4_URL/projects/<project>/packages/pypi``). This is the upload side: the form twine posts
(the "legacy" upload API, which GitLab's PyPI registry and pypiserver both take), with verification on.

    python3 tools/publish_registry.py --url "$CI_API_V4_URL/projects/$CI_PROJECT_ID/packages/pypi" dist/*.whl

Credentials come from the environment, never the command line: ``PTS_UPLOAD_USER`` /
``PTS_UPLOAD_PASSWORD``, by default ``gitlab-ci-token`` and ``$CI_JOB_TOKEN`` (GitLab's job token may
publish to its own project's registry). A plain ``http://`` URL is refused unless it is loopback.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import ipaddress
import os
import re
import ssl
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

WHEEL = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)-(?P<py>[^-]+)-[^-]+-[^-]+\.whl$")
SDIST = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)-(?P<version>[0-9][^-]*)\.tar\.gz$")


def fail(message: str, code: int = 2) -> None:
    print(f"publish_registry: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def fields_for(path: Path) -> dict[str, str]:
    """The metadata fields of the upload form, from the file name (a wheel or an sdist)."""
    wheel = WHEEL.match(path.name)
    sdist = SDIST.match(path.name)
    if wheel:
        name, version, filetype, pyversion = wheel["name"], wheel["version"], "bdist_wheel", wheel["py"]
    elif sdist:
        name, version, filetype, pyversion = sdist["name"], sdist["version"], "sdist", "source"
    else:
        fail(f"{path}: is neither a wheel nor an sdist; give the release's dist/ files")
        raise AssertionError  # unreachable
    data = path.read_bytes()
    return {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": "2.1",
        "name": name.replace("_", "-"),
        "version": version,
        "filetype": filetype,
        "pyversion": pyversion,
        "sha256_digest": hashlib.sha256(data).hexdigest(),
    }


def multipart(fields: dict[str, str], path: Path) -> tuple[bytes, str]:
    boundary = f"pts-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{path.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    parts.append(head.encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname:
        try:
            if ipaddress.ip_address(parts.hostname).is_loopback:
                return
        except ValueError:
            if parts.hostname == "localhost":
                return
    fail(f"--url {parts.scheme}://{parts.hostname or ''}: is not https:// (plain HTTP only for loopback)")


def upload(url: str, path: Path, user: str, password: str, cafile: str | None) -> None:
    body, content_type = multipart(fields_for(path), path)
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - check_url: https or loopback
    request.add_header("Content-Type", content_type)
    if password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    context = ssl.create_default_context(cafile=cafile)
    try:
        with urllib.request.urlopen(request, timeout=120, context=context) as response:  # noqa: S310 - checked
            status = response.status
    except urllib.error.HTTPError as exc:
        fail(f"{path.name}: the registry answered {exc.code} {exc.reason}", 1)
    except (urllib.error.URLError, OSError) as exc:
        fail(f"{path.name}: could not reach the registry ({getattr(exc, 'reason', exc)})", 1)
    print(f"uploaded {path.name} ({status})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the registry's upload URL")
    parser.add_argument("--cafile", help="CA bundle to verify the registry with (default: the system's)")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    check_url(args.url)
    user = os.environ.get("PTS_UPLOAD_USER") or "gitlab-ci-token"
    password = os.environ.get("PTS_UPLOAD_PASSWORD") or os.environ.get("CI_JOB_TOKEN") or ""
    for path in args.files:
        if not path.is_file():
            fail(f"{path}: does not exist; build the release first (tools/release.py)")
        upload(args.url, path, user, password, args.cafile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
