"""npm, yarn, pnpm: ``config set strict-ssl false`` and ``--strict-ssl=false`` / ``--no-strict-ssl``."""

from __future__ import annotations

import re

from pip_tls_setup.policy.invocations.scope import Scope
from pip_tls_setup.policy.shell import Command, Word

# npm reads false, null and 0 as false ("no" is true): policy/booleans.py
_SET_STRICT_SSL_OFF = re.compile(r"(^|\s)(config\s+)?set\s+strict-ssl(\s+|=)(false|null|0+)(\s|$)")
_YARN_STRICT_SSL_OFF = re.compile(r"(^|\s)config\s+set\s+enablestrictssl\s+(false|0)\b")


def npm(scope: Scope, words: list[Word], _command: Command | None) -> None:
    args = [w.text.lower() for w in words]
    text = " ".join(args[1:])
    if _SET_STRICT_SSL_OFF.search(text) or _YARN_STRICT_SSL_OFF.search(text):
        scope.ctx.add("PTS110", scope.line(words[0]), f"{args[0]} turns strict-ssl off (no certificate checks)")
    elif "--strict-ssl=false" in args or "--no-strict-ssl" in args:
        scope.ctx.add("PTS110", scope.line(words[0]), f"{args[0]} runs with strict-ssl off")
