"""Files a script writes: ``echo ... >> $GITHUB_ENV``, ``printf ... > pip.conf``, ``cat <<EOF > uv.toml``,
``... | tee /etc/pip.conf``. The written text goes to the parser of the file's kind, at the lines it has
in the script."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from pip_tls_setup.policy.invocations import wrappers
from pip_tls_setup.policy.invocations.scope import Scope
from pip_tls_setup.policy.shell import Command, Word

_WRITE_OPS = (">", ">>", ">|", "&>", "&>>")
_SHELL_RC = (".bashrc", ".bash_profile", ".profile", ".zshrc", ".zshenv", ".zprofile", ".bash_aliases", "bashrc")
_REQUIREMENTS = re.compile(r".*requirements.*\.(txt|in)$")
_CONSTRAINTS = re.compile(r"constraints.*\.txt$")


def written_files(scope: Scope, command: Command, following: Sequence[Command]) -> None:
    real = wrappers.unwrapped(command.words)
    name = posixpath.basename(real[0].text) if real else ""
    kinds = [k for k in (classify_target(t.text) for t in _targets(command, real, name, following)) if k]
    if not kinds:
        return
    written = _content(scope, command, real, name)
    if written is None:
        return
    content, first_line, single_line = written
    for kind in kinds:
        into = scope.ctx.at_line(first_line, kind) if single_line else scope.ctx.shifted(first_line, kind)
        scope.ctx.content(kind, content, into)


def _targets(command: Command, real: list[Word], name: str, following: Sequence[Command]) -> list[Word]:
    """The files written: redirections, ``tee FILE`` here, or a ``| tee FILE`` right after."""
    targets = [r.target for r in command.redirects if r.op in _WRITE_OPS and r.target]
    if following:
        nxt = wrappers.unwrapped(following[0].words)
        if nxt and posixpath.basename(nxt[0].text) == "tee":
            targets += [w for w in nxt[1:] if not w.text.startswith("-")]
    if name == "tee":
        targets += [w for w in real[1:] if not w.text.startswith("-")]
    return targets


def _content(scope: Scope, command: Command, real: list[Word], name: str) -> tuple[str, int, bool] | None:
    """(text written, its first line, whether all of it sits on that one line), or None when unknown."""
    heredocs = [r.heredoc for r in command.redirects if r.heredoc is not None]
    if heredocs and name in ("cat", "tee", ""):
        return heredocs[0].body, scope.locate(heredocs[0].body_start), False
    line = scope.line(command)
    herestrings = [r.target.text for r in command.redirects if r.op == "<<<" and r.target is not None]
    if herestrings and name in ("cat", "tee"):
        return herestrings[0] + "\n", line, True
    if name == "echo":
        args = [w.text for w in real[1:]]
        while args and re.fullmatch(r"-[neE]+", args[0]):
            args = args[1:]
        return _unescape(" ".join(args)) + "\n", line, True
    if name == "printf" and len(real) > 1:
        return _printf(real[1], real[2:]), line, True
    return None


def classify_target(target: str) -> str | None:
    """What kind of file a script writes to (``>> $GITHUB_ENV``, ``> /etc/pip.conf``...)."""
    text = target.strip()
    if "GITHUB_ENV" in text:
        return "dotenv"
    base = posixpath.basename(text.replace("\\", "/")).lower()
    kind = _CONFIG_NAMES.get(base)  # before the path tests: /etc/profile.d/pip.conf is a pip config
    if kind is not None:
        return kind
    if text.endswith(("/git/config", ".git/config")):
        return "gitconfig"
    if base in _SHELL_RC or "/profile.d/" in text or base.endswith(".sh"):
        return "shell"
    if base.endswith(".env") or "GITLAB_ENV" in text:
        return "dotenv"
    if base in ("pydistutils.cfg", ".pydistutils.cfg"):
        return "setupcfg"
    if _REQUIREMENTS.match(base) or _CONSTRAINTS.match(base):
        return "requirements"
    return None


_CONFIG_NAMES = {
    "pip.conf": "pipconf",
    "pip.ini": "pipconf",
    ".condarc": "condarc",
    "condarc": "condarc",
    ".mambarc": "condarc",
    "uv.toml": "uvtoml",
    ".gitconfig": "gitconfig",
    "gitconfig": "gitconfig",
    ".npmrc": "npmrc",
    "npmrc": "npmrc",
}


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t")


def _printf(fmt: Word, args: list[Word]) -> str:
    values = [a.text for a in args]
    out: list[str] = []
    text = fmt.text
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "t": "\t", "\\": "\\"}.get(text[i + 1], text[i + 1]))
            i += 2
            continue
        if ch == "%" and i + 1 < len(text):
            out.append("%" if text[i + 1] == "%" else (_unescape(values.pop(0)) if values else ""))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
