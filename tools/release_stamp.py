"""Stamp a release into the GitLab component: the ``default:`` of its ``version`` and ``tool-sha256`` inputs.

The component installs ``pip-tls-setup==<version>`` pinned by the wheel's sha256. The release build is
reproducible, so the hash is known before anything is published: ``tools/release.py --stamp`` builds,
then rewrites exactly those two values here; every other byte of the template stays as it is. Standard
library only (line-based: the spec block's shape is fixed by GitLab: ``spec:`` / ``inputs:`` / NAME /
``default:``).
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent / "templates" / "pip-tls-setup" / "template.yml"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
_KEY = re.compile(r"^(\s+)([A-Za-z0-9_-]+):\s*(#.*)?$")
_DEFAULT = re.compile(r"^(\s+default:)[ \t]*([^\r\n]*?)([ \t]*#[^\r\n]*)?(\r?\n)?$")


def _spec_lines(lines: list[str]) -> int:
    """Number of lines of the spec document (up to the ``---`` that ends it)."""
    for index, line in enumerate(lines):
        if line.rstrip("\r\n") == "---":
            return index
    raise SystemExit("the template has no '---' after its spec: header")


def _input_block(lines: list[str], end: int, name: str) -> tuple[int, int]:
    """[start, stop) of the lines under ``spec: inputs: NAME:``."""
    in_spec = False
    for index in range(end):
        line = lines[index]
        if not line.startswith((" ", "\t", "#")) and line.strip():
            in_spec = line.rstrip() == "spec:"
            continue
        match = _KEY.match(line)
        if in_spec and match and match.group(2) == "inputs":
            inputs_indent = len(match.group(1))
            start = index + 1
            break
    else:
        raise SystemExit("the template's spec: has no inputs:")
    key_indent = None
    for index in range(start, end):
        match = _KEY.match(lines[index])
        if not match:
            continue
        indent = len(match.group(1))
        if indent <= inputs_indent:
            break
        key_indent = key_indent or indent
        if indent == key_indent and match.group(2) == name:
            stop = index + 1
            while stop < end and (not lines[stop].strip() or _indent(lines[stop]) > key_indent):
                stop += 1
            return index + 1, stop
    raise SystemExit(f"the template's spec: inputs: has no {name}:")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def read_default(text: str, name: str) -> str:
    lines = text.splitlines(keepends=True)
    start, stop = _input_block(lines, _spec_lines(lines), name)
    for line in lines[start:stop]:
        match = _DEFAULT.match(line)
        if match:
            return match.group(2).strip().strip("\"'")
    raise SystemExit(f"the template's input {name} has no default:")


# A project id, or a path of group/subgroup/project segments (GitLab's allowed characters).
PROJECT = re.compile(r"^(?:[0-9]+|[A-Za-z0-9][A-Za-z0-9_.-]*(?:/[A-Za-z0-9][A-Za-z0-9_.-]*)+)$")


def _set_default(lines: list[str], name: str, value: str) -> None:
    start, stop = _input_block(lines, _spec_lines(lines), name)
    for index in range(start, stop):
        match = _DEFAULT.match(lines[index])
        if match:
            lines[index] = f'{match.group(1)} "{value}"{match.group(3) or ""}{match.group(4) or ""}'
            return
    raise SystemExit(f"the template's input {name} has no default: to stamp")


def stamp(text: str, version: str, sha256: str, registry_project: str | None = None) -> str:
    """``text`` with the ``version`` and ``tool-sha256`` defaults set (and ``registry-project``, the GitLab
    project whose package registry holds the wheel, when given); every other byte unchanged."""
    if not SEMVER.match(version):
        raise SystemExit(f"{version!r} is not a release version (X.Y.Z)")
    if not SHA256.match(sha256):
        raise SystemExit(f"{sha256!r} is not a sha256 (64 lowercase hex digits)")
    lines = text.splitlines(keepends=True)
    _set_default(lines, "version", version)
    _set_default(lines, "tool-sha256", sha256)
    if registry_project:
        if not PROJECT.match(registry_project):
            raise SystemExit(f"{registry_project!r} is not a GitLab project path (group/project) or id")
        _set_default(lines, "registry-project", registry_project)
    return "".join(lines)


def stamped(text: str) -> tuple[str, str]:
    """The (version, tool-sha256) defaults the template carries."""
    return read_default(text, "version"), read_default(text, "tool-sha256")
