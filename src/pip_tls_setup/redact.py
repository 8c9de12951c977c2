"""Keep secrets out of every output: proxy passwords and URL credentials."""

from __future__ import annotations

import re

# scheme://user:password@host  or  scheme://token@host
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^/@\s:'\"]*)(?::(?P<secret>[^/@\s'\"]*))?@"
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
