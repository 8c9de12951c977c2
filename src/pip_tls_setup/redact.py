"""Keep secrets out of every output: proxy passwords and URL credentials."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# scheme://user:password@host  or  scheme://token@host; a password may itself hold "@" (the last one ends it)
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^/@\s:'\"]*)(?::(?P<secret>[^/\s'\"]*))?@"
)
MASK = "****"


def url(text: str) -> str:
    """``http://alice:s3cret@proxy:3128`` → ``http://alice:****@proxy:3128`` (also inside longer text)."""

    def replace(match: re.Match[str]) -> str:
        user = match.group("user")
        if match.group("secret") is None:
            return f"{match.group('scheme')}{MASK}@"  # a bare token in the user part is a secret too
        return f"{match.group('scheme')}{user}:{MASK}@"

    return _URL_CREDENTIALS.sub(replace, text)


def secrets_in(text: str) -> list[str]:
    """The credential parts of URLs in ``text`` (so callers can mask them, e.g. ``::add-mask::``)."""
    found: list[str] = []
    for match in _URL_CREDENTIALS.finditer(text):
        if match.group("secret"):
            found.append(match.group("secret"))
        elif match.group("user"):
            found.append(match.group("user"))
    return found


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with URL credentials and every known secret (e.g. a proxy password seen elsewhere) masked."""
    out = url(text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        out = out.replace(secret, MASK)
    return out


def scrub_data(data: Any, secrets: Iterable[str]) -> Any:
    """``scrub`` applied to every string inside JSON-like data (dict keys included)."""
    known = list(secrets)
    if isinstance(data, str):
        return scrub(data, known)
    if isinstance(data, dict):
        return {scrub_data(k, known): scrub_data(v, known) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [scrub_data(v, known) for v in data]
    return data
