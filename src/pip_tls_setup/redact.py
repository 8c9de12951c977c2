"""Keep secrets out of every output: proxy passwords, URL credentials and index tokens.

The credentials of a URL are everything between ``://`` and the last ``@`` before the host,
whether or not the URL parses: people paste passwords with a literal ``/``, ``@``, ``?`` or ``#``
(``http://dave:sl/ash@proxy:3128``, ``http://alice:p@ss@proxy:3128``), and a URL that does not
parse is masked up to its last ``@`` rather than echoed. One exception keeps package references
readable: an ``@`` after a ``/`` with no ``:`` before that ``/`` (``https://host/org/repo@v1.2``)
is a path, not credentials (a bare token holding a literal ``/`` is the price). Where the two
readings cannot be told apart (``https://host:443/a@b``, ``http://u:p@host/x@y``), more is masked,
never less.

The scanner is hand-written and linear in its input: text is cut at whitespace and quotes, and
every pattern it uses matches a bounded number of characters (the old regex took 90 s on one
200k-character line). Known limits: a password with whitespace, a quote or ``://`` in it cannot
be told from the text around it; mask such values with ``scrub`` and the known secrets.

The block between the ``shared`` markers is copied byte for byte into ``entrypoint/bootstrap.py``
(stdlib only, runs before the tool exists); ``tests/unit/test_redact.py`` fails when they differ.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import Any

# >>> shared with entrypoint/bootstrap.py: keep byte-identical (tests/unit/test_redact.py) >>>
MASK = "****"
# A URL (or a bare user:password@host) ends at whitespace, a quote or an angle bracket.
_TOKEN = re.compile(r"[^\s'\"<>`]+")
_AUTHORITY_END = re.compile(r"[/?#]")
# host[:port] up to the end of the authority: bracketed IPv6 or a name/IPv4, bounded lengths.
_HOST_PORT = re.compile(
    r"(?:\[[0-9A-Fa-f:.]{2,60}(?:%25[A-Za-z0-9._~-]{1,32})?\]|[A-Za-z0-9_][A-Za-z0-9_.-]{0,252})"
    r"(?::[0-9]{0,5})?(?=[/?#]|\Z)"
)
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
# User names that are secrets themselves (GitHub, GitLab, PyPI tokens), or long random-looking ones.
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glrt-", "pypi-")
_RANDOM_USER = re.compile(r"(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\Z")


def _host_follows(segment: str, at: int) -> bool:
    return _HOST_PORT.match(segment, at + 1) is not None


def _credentials_end(segment: str, parsable_only: bool = False) -> int:
    """Index of the ``@`` ending the credentials in ``segment`` (the text after ``://``), or -1."""
    last = segment.rfind("@")
    if last < 0:
        return -1
    found = _AUTHORITY_END.search(segment)
    authority_end = found.start() if found else len(segment)
    standard = segment.rfind("@", 0, authority_end)
    if _host_follows(segment, last):
        first = _AUTHORITY_END.search(segment, 0, last)
        if first is None or ":" in segment[: first.start()]:
            return last
        return standard  # an "@" in the path: the standard reading
    # The last "@" has no host after it. After a valid authority without "@" or ":" the "@"s are in
    # the path; otherwise the URL does not parse and everything up to its last "@" may be a password.
    if parsable_only or (standard < 0 and ":" not in segment[:authority_end] and _host_follows(segment, -1)):
        return -1
    return last


def _scheme_start(token: str, separator: int, floor: int) -> int:
    start = separator
    while start > floor and token[start - 1] in _SCHEME_CHARS:
        start -= 1
    return start


def _token_spans(token: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each credentials part inside one whitespace-free token."""
    separators = []
    position = token.find("://")
    while position >= 0:
        separators.append(position)
        position = token.find("://", position + 3)
    if not separators:  # user:password@host without a scheme (pip's --proxy takes it)
        offset = 0
        for piece in token.split("="):
            at = _credentials_end(piece, parsable_only=True)
            slash = piece.find("/", 0, max(at, 0))
            if at > 0 and piece.find(":", 0, at) > 0 and (slash < 0 or piece.find(":", 0, slash) > 0):
                yield offset, offset + at
            offset += len(piece) + 1
        return
    for index, separator in enumerate(separators):
        begin = separator + 3
        end = len(token)
        if index + 1 < len(separators):
            end = max(begin, _scheme_start(token, separators[index + 1], begin))
        at = _credentials_end(token[begin:end])
        if at > 0:
            yield begin, begin + at


def _credential_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _TOKEN.finditer(text):
        if "@" in match.group():
            for start, end in _token_spans(match.group()):
                yield match.start() + start, match.start() + end


def _token_like(user: str) -> bool:
    return user.startswith(_TOKEN_PREFIXES) or _RANDOM_USER.match(user) is not None


def _masked(credentials: str) -> str:
    user, colon, password = credentials.partition(":")
    if not colon:
        return MASK  # a bare token in the user part is a secret too
    if not password or _token_like(user):
        return f"{MASK}:{MASK}"
    return f"{user}:{MASK}"


def mask_url_credentials(text: str) -> str:
    """``text`` with the credentials of every URL in it masked (the user name stays unless it is a token)."""
    out: list[str] = []
    last = 0
    for start, end in _credential_spans(text):
        out.append(text[last:start])
        out.append(_masked(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def url_secrets(text: str) -> list[str]:
    """Every spelling of every URL credential in ``text``: as written, percent-decoded, Basic token."""
    found: dict[str, None] = {}
    for start, end in _credential_spans(text):
        user, colon, password = text[start:end].partition(":")
        values = [password] if password else []
        if not colon or not password or _token_like(user):
            values.insert(0, user)
        pairs = [(user, password)]
        for value in values:
            found[value] = None
            found[urllib.parse.unquote(value)] = None
        pairs.append((urllib.parse.unquote(user), urllib.parse.unquote(password)))
        for name, secret in pairs:
            found[base64.b64encode(f"{name}:{secret}".encode()).decode("ascii")] = None
    return [value for value in found if value]


# <<< shared with entrypoint/bootstrap.py <<<


def url(text: str) -> str:
    """``http://alice:s3cret@proxy:3128`` → ``http://alice:****@proxy:3128`` (also inside longer text)."""
    return mask_url_credentials(text)


def secrets_in(text: str) -> list[str]:
    """What to mask (e.g. ``::add-mask::``) for the URLs in ``text``: each password or token as written,
    percent-decoded, and as the Basic token (base64 of ``user:password``) a client sends."""
    return url_secrets(text)


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
