#!/usr/bin/env python3
"""Refresh the blocks of the GitLab component that embed ``entrypoint/bootstrap.py`` and
``entrypoint/requirements.lock`` (a component is YAML only: it cannot ship files next to itself).

    python3 tools/build_gitlab_template.py           # rewrite templates/pip-tls-setup/template.yml
    python3 tools/build_gitlab_template.py --check   # exit 1 if it is out of date
    python3 tools/build_gitlab_template.py --stamp version=1.2.0 --stamp tool-sha256=<hex> \
        --stamp registry-project=group/pip-tls-setup  # a release: the defaults of those inputs

``--stamp NAME=VALUE`` rewrites the plain ``default:`` of input NAME (a release script tags the result, so the
component installs its own wheel when included with no inputs).

Each embedded file sits in a quoted heredoc (``<<'MARKER'``, so the shell expands nothing in it) between
the line that opens the heredoc and the line holding only the marker.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = HERE.parent / "entrypoint"  # what runs at the user's site: bootstrap, single-file main, the lock
TEMPLATE = HERE.parent / "templates" / "pip-tls-setup" / "template.yml"
EMBEDDED = {"PTS_BOOTSTRAP_PY": SITE / "bootstrap.py", "PTS_REQUIREMENTS_LOCK": SITE / "requirements.lock"}


def render(template: str, files: dict[str, str]) -> str:
    lines = template.splitlines(keepends=True)
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        match = re.search(r"<<'([A-Z_]+)'\s*$", line)
        index += 1
        if not match or match.group(1) not in files:
            continue
        marker = match.group(1)
        indent = line[: len(line) - len(line.lstrip())]
        end = index
        while end < len(lines) and lines[end].strip() != marker:
            end += 1
        if end == len(lines):
            raise SystemExit(f"heredoc {marker} is not closed in the template")
        body = files[marker]
        if any(text.strip() == marker for text in body.splitlines()):
            raise SystemExit(f"{marker} appears inside the embedded file")
        out.extend((indent + text).rstrip() + "\n" if text.strip() else "\n" for text in body.splitlines())
        index = end
    return "".join(out)


STAMPABLE = ("version", "tool-sha256", "registry-project")


def stamp(template: str, name: str, value: str) -> str:
    """The template with input ``name``'s ``default:`` set to ``value`` (a plain, double-quoted scalar)."""
    header, separator, body = template.partition("\n---\n")
    pattern = re.compile(rf"^(    {re.escape(name)}:\n(?:      .*\n)*?      default: ).*$", re.M)
    if name not in STAMPABLE or not pattern.search(header):
        raise SystemExit(f"--stamp {name}: not a stampable input ({', '.join(STAMPABLE)})")
    if not re.fullmatch(r"[A-Za-z0-9._/+-]*", value):
        raise SystemExit(f"--stamp {name}: {value!r} has characters a default cannot hold")
    return pattern.sub(lambda m: m.group(1) + json.dumps(value), header, count=1) + separator + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", default=str(TEMPLATE))
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--stamp", action="append", default=[], metavar="NAME=VALUE", help="set an input's default")
    args = parser.parse_args(argv)
    path = Path(args.template)
    current = path.read_text(encoding="utf-8")
    fresh = render(current, {marker: file.read_text(encoding="utf-8") for marker, file in EMBEDDED.items()})
    for item in args.stamp:
        name, _, value = item.partition("=")
        fresh = stamp(fresh, name.strip(), value.strip())
    if args.check:
        if fresh != current:
            print(f"{path} is out of date: run python3 tools/build_gitlab_template.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(fresh, encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
