"""docker, podman, nerdctl, buildah: ``build --build-arg NAME=value``, ``run -e NAME=value`` (checked as
variables) and ``run --env-file FILE`` (the file is scanned as a dotenv file)."""

from __future__ import annotations

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


def _variable(scope: Scope, word: Word, assignment: str) -> None:
    """``NAME=value`` of ``--build-arg`` / ``-e`` (a bare ``NAME`` passes the caller's value on)."""
    key, has_value, value = assignment.partition("=")
    if has_value:
        checks.variable(key, value, scope.line(word), scope.ctx)
