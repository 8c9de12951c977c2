"""Requirements and constraints files, read the way pip's ``req_file`` reads them.

``\\`` joins lines; comments match ``(^|\\s+)#.*$``; option lines use pip's requirements-file
option table (so ``--t`` is ``--trusted-host`` here); ``-r``/``-c`` are followed (relative to the
including file, by the scanner); ``${VAR}`` is expanded by pip at run time and reported as such.
"""

from __future__ import annotations

import re

from pip_tls_setup.policy import checks, origins, pipopts
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.textscan import has_comment, split_like_shlex, strip_comment

# What ends a requirement before its per-requirement options (pip splits at the first option); the match
# starts at the "-" (looking back one character for the blank), so long runs of blanks stay linear.
_REQUIREMENT_OPTION = re.compile(r"(?<=\s)--?(?:hash|config-settings|global-option|C)\b")


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line, joined text) for each logical line."""
    out: list[tuple[int, str]] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not buffer:
            start = number
        if line.endswith("\\") and not has_comment(line, at_start=True):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        out.append((start, " ".join(part.strip() for part in buffer)))
        buffer = []
    if buffer:
        out.append((start, " ".join(part.strip() for part in buffer)))
    return out


def parse(text: str, ctx: ScanContext) -> None:
    table = pipopts.TABLES["requirements"]
    for number, raw in logical_lines(text):
        line = strip_comment(raw, at_start=True).strip()
        if not line:
            continue
        if line.startswith("-"):
            try:
                args = split_like_shlex(line)
            except ValueError:
                args = line.split()
            for item in pipopts.parse_args(args, table):
                _option(item, number, ctx)
            continue
        option = _REQUIREMENT_OPTION.search(line)
        requirement = line if option is None else line[: option.start()].rstrip()
        checks.requirement_url(requirement, number, ctx, "requirement")
        pinned = checks.old_pip_pin(requirement.lower())
        if pinned is not None:
            ctx.add(
                "PTS601",
                number,
                f"pip is pinned to {pinned}: downgrading pip does not fix certificate errors, it hides them",
            )


def _option(item: pipopts.Parsed, line: int, ctx: ScanContext) -> None:
    value = item.value
    if item.option == "--trusted-host":
        # one argument is one host: pip reads --trusted-host 'a b' (shlex keeps it whole) as a host named "a b"
        checks.trusted_hosts([value], line, ctx, "--trusted-host in a requirements file")
    elif item.option in ("--index-url", "--extra-index-url", "--find-links"):
        checks.pip_index(value, line, ctx, item.option)
    elif item.option in ("--requirement", "--constraint"):
        if "://" in value:
            checks.requirement_url(value, line, ctx, f"{item.option} file")
        elif value and not origins.has_expansion(value):
            ctx.follow(value, "requirements", line)
    elif item.option == "--editable":
        checks.requirement_url(value, line, ctx, "editable requirement")
