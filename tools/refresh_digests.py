#!/usr/bin/env python3
"""Refresh the image digests of the Dockerfiles: every ``# syntax=`` directive and every ``FROM`` image is
pinned as ``name:tag@sha256:...``; this asks the registry which digest each ``name:tag`` has now (the
multi-platform index, as ``docker pull name:tag`` would resolve it) and rewrites the digests in place.

    python3 tools/refresh_digests.py            # rewrite Dockerfile and examples/Dockerfile*
    python3 tools/refresh_digests.py --check    # exit 1 if a digest is out of date or still a placeholder

A maintainer tool: it needs the container registry (through one of skopeo, docker buildx imagetools,
crane or regctl, whichever is installed; they bring the registry's address and auth) and fails with one
line when none is installed or the registry cannot be reached. The project's own image (``OWN_IMAGE``) is
left alone: its digest comes from a release, and the examples tell the reader to put in the one they
vetted. All-zero digests are placeholders that this fills. Review the diff and commit it.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The project's own image as the examples name it: a placeholder for where you pull or mirror it from.
OWN_IMAGE = "registry.example/org/pip-tls-setup"
PLACEHOLDER = "sha256:" + "0" * 64
_REFERENCE = r"[a-z0-9][a-z0-9._/-]*(?::[0-9]+/[a-z0-9._/-]+)?(?::[\w][\w.-]{0,127})?@sha256:[0-9a-f]{64}"
_LINE = re.compile(
    rf"^(?:# syntax=|FROM\s+(?:--\S+\s+)*(?:\$\{{\w+:-)?|\s*image:\s*[\"']?)(?P<ref>{_REFERENCE})", re.MULTILINE
)


@dataclass(frozen=True)
class Reference:
    name: str  # repository[:tag]
    digest: str

    @property
    def text(self) -> str:
        return f"{self.name}@{self.digest}"

    @property
    def own(self) -> bool:
        return self.name.rsplit(":", 1)[0] == OWN_IMAGE if ":" in self.name else self.name == OWN_IMAGE


def dockerfiles(repo: Path = REPO) -> list[Path]:
    """The files whose image references are pinned: the Dockerfiles and the project's own GitLab pipeline."""
    return [repo / "Dockerfile", *sorted((repo / "examples").glob("Dockerfile*")), repo / ".gitlab-ci.yml"]


def references(text: str) -> list[Reference]:
    """Every pinned reference of a ``# syntax=`` or ``FROM`` line (``FROM ${ARG:-ref}`` included)."""
    out = []
    for match in _LINE.finditer(text):
        name, digest = match.group("ref").split("@", 1)
        out.append(Reference(name, digest))
    return out


def unpinned(text: str) -> list[str]:
    """``# syntax=``, ``FROM`` and ``image:`` lines whose image is not pinned (``scratch`` and stages aside)."""
    stages = set(re.findall(r"^FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)", text, re.MULTILINE | re.IGNORECASE))
    bad = []
    for line in text.splitlines():
        image_key = re.match(r"^\s*image:\s*[\"']?([^\s\"'#]+)", line)
        if image_key:
            if "@sha256:" not in image_key.group(1):
                bad.append(line)
            continue
        if not (line.startswith("# syntax=") or line.startswith("FROM ")):
            continue
        words = [word for word in line.split() if not word.startswith("--")]
        image = line.split("=", 1)[1] if line.startswith("# syntax=") else words[1]
        if image in ("scratch", *stages) or "@sha256:" in image:
            continue
        bad.append(line)
    return bad


def rewrite(text: str, digests: dict[str, str]) -> str:
    """``text`` with each reference's digest replaced by ``digests[name]`` (names not given stay)."""

    def replace(match: re.Match[str]) -> str:
        name, digest = match.group("ref").split("@", 1)
        fresh = digests.get(name, digest)
        return match.group(0).replace(f"{name}@{digest}", f"{name}@{fresh}")

    return _LINE.sub(replace, text)


def _run(argv: list[str]) -> bytes:
    done = subprocess.run(argv, capture_output=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise SystemExit(
            f"refresh_digests: error: {' '.join(argv[:3])}: {detail[0] if detail else 'failed'}; "
            "check that the container registry is reachable (proxy, CA) and the image exists"
        )
    return done.stdout


def resolver() -> Callable[[str], str]:
    """A function ``name:tag -> sha256:...`` using the first registry client installed."""
    if shutil.which("skopeo"):
        # The digest of the manifest as the registry serves it (the index for multi-platform images).
        return lambda name: (
            "sha256:" + hashlib.sha256(_run(["skopeo", "inspect", "--raw", f"docker://{name}"])).hexdigest()
        )
    if shutil.which("crane"):
        return lambda name: _run(["crane", "digest", name]).decode().strip()
    if shutil.which("regctl"):
        return lambda name: _run(["regctl", "image", "digest", name]).decode().strip()
    if shutil.which("docker") and subprocess.run(["docker", "buildx", "version"], capture_output=True).returncode == 0:
        template = "{{.Manifest.Digest}}"
        inspect = ["docker", "buildx", "imagetools", "inspect", "--format", template]
        return lambda name: _run([*inspect, name]).decode().strip()
    raise SystemExit(
        "refresh_digests: error: no registry client found; install skopeo, crane, regctl or docker buildx and run again"
    )


def fresh_digests(refs: Iterable[Reference], resolve: Callable[[str], str]) -> dict[str, str]:
    digests: dict[str, str] = {}
    for ref in refs:
        if ref.own or ref.name in digests:
            continue
        digest = resolve(ref.name)
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            raise SystemExit(
                f"refresh_digests: error: {ref.name}: the registry client answered {digest!r}, not a digest"
            )
        digests[ref.name] = digest
    return digests


def main(argv: list[str] | None = None, resolve: Callable[[str], str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if something would change")
    parser.add_argument("files", nargs="*", type=Path, help="default: Dockerfile and examples/Dockerfile*")
    args = parser.parse_args(argv)
    files = args.files or dockerfiles()
    texts = {path: path.read_text(encoding="utf-8") for path in files}
    for path, text in texts.items():
        for line in unpinned(text):
            print(f"{path}: not pinned by digest: {line}", file=sys.stderr)
    digests = fresh_digests((r for text in texts.values() for r in references(text)), resolve or resolver())
    stale = 0
    for path, text in texts.items():
        fresh = rewrite(text, digests)
        for old, new in zip(references(text), references(fresh)):
            if old != new:
                stale += 1
                print(f"{path}: {old.name}: {old.digest} -> {new.digest}")
        if fresh != text and not args.check:
            path.write_text(fresh, encoding="utf-8")
    return 1 if args.check and (stale or any(unpinned(t) for t in texts.values())) else 0


if __name__ == "__main__":
    raise SystemExit(main())
