"""Shell built-ins that carry other shell text or assignments: ``export``/``declare``/..., ``alias``,
``eval``, ``sh -c`` (and ``bash <<EOF``), ``su -c``."""

from __future__ import annotations

from pip_tls_setup.policy.invocations.scope import Scope
from pip_tls_setup.policy.shell import Command, Word

EXPORTS = frozenset({"export", "declare", "typeset", "readonly", "local"})
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ash", "ksh", "mksh", "busybox"})


def export(scope: Scope, words: list[Word], command: Command | None) -> None:
    """``export PIP_TRUSTED_HOST=x``: each assignment, as if written alone."""
    for word in words[1:]:
        if not word.text.startswith("-"):
            scope.assign(word)


def alias(scope: Scope, words: list[Word], command: Command | None) -> None:
    """``alias pip='pip --trusted-host x'``: the body is a command line."""
    for word in words[1:]:
        if "=" in word.text:
            scope.nested(word.text.split("=", 1)[1], word)


def eval_(scope: Scope, words: list[Word], command: Command | None) -> None:
    scope.nested(" ".join(w.text for w in words[1:]), words[1] if len(words) > 1 else words[0])


def su(scope: Scope, words: list[Word], command: Command | None) -> None:
    for i, word in enumerate(words[:-1]):
        if word.text in ("-c", "--command"):
            scope.nested(words[i + 1].text, words[i + 1])


def shell(scope: Scope, words: list[Word], command: Command | None) -> None:
    """``bash -c "..."`` / ``sh -ec "..."``: the string is a script; ``bash <<EOF``: the here-document is."""
    for i, word in enumerate(words[1:], start=1):
        text = word.text
        if text.startswith("-") and not text.startswith("--") and "c" in text[1:]:
            if i + 1 < len(words):
                scope.nested(words[i + 1].text, words[i + 1])
            return
        if not text.startswith("-"):
            return  # "bash script.sh": the scanner scans script.sh itself
    # "bash <<EOF", "sh -s <<'EOF'": the here-document is the script
    if command is not None:
        for redirect in command.redirects:
            if redirect.heredoc is not None:
                scope.heredoc_script(redirect.heredoc)
