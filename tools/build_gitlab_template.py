#!/usr/bin/env python3
"""Refresh the blocks of the GitLab component that embed ``entrypoint/bootstrap.py`` and
``entrypoint/requirements.lock`` (a component is YAML only: it cannot ship files next to itself).

    python3 tools/build_gitlab_template.py           # rewrite templates/pip-tls-setup/template.yml
    python3 tools/build_gitlab_template.py --check   # exit 1 if it is out of date

Each embedded file sits in a quoted heredoc (``<<'MARKER'``, so the shell expands nothing in it) between
the line that opens the heredoc and the line holding only the marker.
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", default=str(TEMPLATE))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    path = Path(args.template)
    current = path.read_text(encoding="utf-8")
    fresh = render(current, {marker: file.read_text(encoding="utf-8") for marker, file in EMBEDDED.items()})
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
