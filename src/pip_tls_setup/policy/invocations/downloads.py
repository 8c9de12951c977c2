"""Downloads with certificate checks off: ``curl -k`` (also in bundles such as ``-sSLk``),
``--insecure``, ``--proxy-insecure``, ``--doh-insecure``; ``wget --no-check-certificate``. Not reported
when every URL of the command is loopback."""

from __future__ import annotations

import re

from pip_tls_setup.policy import origins
from pip_tls_setup.policy.invocations.scope import Scope, flag_letters
from pip_tls_setup.policy.shell import Command, Word

_CURL_INSECURE = ("--insecure", "--proxy-insecure", "--doh-insecure")
_CURL_VALUE_SHORTS = frozenset("oHdueXAbcFTwxmCErUYyzKDQPt")  # short options that take a value
_CURL_SHORT_BUNDLE = re.compile(r"-[A-Za-z0-9#:]+")


def curl(scope: Scope, words: list[Word], _command: Command | None) -> None:
    insecure: Word | None = None
    urls: list[str] = []
    for word in words[1:]:
        text = word.text
        if text in _CURL_INSECURE or (
            _CURL_SHORT_BUNDLE.fullmatch(text) and "k" in flag_letters(text, _CURL_VALUE_SHORTS)
        ):
            insecure = word
        elif "://" in text:
            urls.append(text)
    if insecure is not None and not _all_loopback(urls):
        scope.ctx.add(
            "PTS109",
            scope.line(insecure),
            f"curl {insecure.text} downloads without checking the server certificate",
        )


def wget(scope: Scope, words: list[Word], _command: Command | None) -> None:
    urls = [w.text for w in words if "://" in w.text]
    for word in words[1:]:
        if word.text == "--no-check-certificate" and not _all_loopback(urls):
            scope.ctx.add(
                "PTS109", scope.line(word), "wget --no-check-certificate downloads without checking the certificate"
            )


def _all_loopback(urls: list[str]) -> bool:
    if not urls:
        return False
    for url in urls:
        origin = origins.parse(url)
        if origin is None or not origins.is_loopback(origin.host):
            return False
    return True
