"""docker, podman, nerdctl, buildah: ``build --build-arg NAME=value``, ``run -e NAME=value`` (checked as
variables) and ``run --env-file FILE`` (the file is scanned as a dotenv file)."""

from __future__ import annotations

import re

from pip_tls_setup.policy import checks
from pip_tls_setup.policy.invocations.scope import Scope, option_value
from pip_tls_setup.policy.shell import Command, Word


def docker(scope: Scope, words: list[Word], _command: Command | None) -> None:
    args = [w.text for w in words]
    verbs = [a for a in args[1:4] if not a.startswith("-")]
    building = any(v in ("build", "bud", "buildx") for v in verbs)
    running = any(v in ("run", "create", "exec") for v in verbs)
    i = 1
    while i < len(args):
        name, eq, _ = args[i].partition("=")
        if (building and name == "--build-arg") or (running and name in ("-e", "--env")):
            _variable(scope, words[i + 1] if not eq and i + 1 < len(words) else words[i], option_value(args, i))
            i += 1 if eq else 2
            continue
        if running and name == "--env-file":
            env_file = option_value(args, i)
            if env_file:
                scope.ctx.follow(env_file, "dotenv", scope.line(words[i]))
        i += 1


# $NAME, ${NAME}, $(NAME) (make): the whole value is one variable
_REFERENCE = re.compile(r"\$(?:\{(?P<braced>\w+)\}|\((?P<make>\w+)\)|(?P<bare>\w+))")


def _variable(scope: Scope, word: Word, assignment: str) -> None:
    """``NAME=value`` of ``--build-arg`` / ``-e`` (a bare ``NAME`` passes the caller's value on)."""
    key, has_value, value = assignment.partition("=")
    if not has_value:
        return
    line = scope.line(word)
    if _passed_on(value) != key:
        checks.variable(key, value, line, scope.ctx)
        return
    # NAME=$(NAME): the caller's value is passed on; what this file assigns to it is what gets passed
    assigned = [v for v in scope.values.get(key, []) if v.strip()]
    if not assigned:
        scope.ctx.add(
            "PTS401",
            line,
            f"{key} is passed on from {value.strip()}, which is empty or unset here: only the build's caller "
            f"sets it (where it is set, it is checked: a non-empty {key} there is reported)",
        )
    for passed in assigned:
        checks.variable(key, passed, line, scope.ctx)


def _passed_on(value: str) -> str | None:
    """The variable a value consists of (``'$(UV_INSECURE_HOST)'`` -> ``UV_INSECURE_HOST``), else None."""
    match = _REFERENCE.fullmatch(value.strip().strip("'\""))
    if match is None:
        return None
    return match.group("braced") or match.group("make") or match.group("bare")
