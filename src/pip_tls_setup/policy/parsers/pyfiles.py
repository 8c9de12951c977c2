"""sitecustomize.py / usercustomize.py / *.pth: Python's default HTTPS context swapped for an unverified one."""

from __future__ import annotations

import re

from pip_tls_setup.policy.context import ScanContext

_OVERRIDE = re.compile(r"_create_default_https_context\s*=\s*[\w.]*_create_unverified_context")


def customize(text: str, ctx: ScanContext) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        if _OVERRIDE.search(code):
            ctx.add(
                "PTS111",
                number,
                "ssl._create_default_https_context is replaced by ssl._create_unverified_context: every urllib "
                "HTTPS request in this interpreter skips certificate verification",
            )
