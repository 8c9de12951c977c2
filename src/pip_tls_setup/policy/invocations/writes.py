"""Files a script writes: ``echo ... >> $GITHUB_ENV``, ``printf ... > pip.conf``, ``cat <<EOF > uv.toml``,
``... | tee /etc/pip.conf``. The written text goes to the parser of the file's kind, at the lines it has
in the script."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from pip_tls_setup.policy.invocations import wrappers
from pip_tls_setup.policy.invocations.scope import MAX_VALUES, Locate, Scope
from pip_tls_setup.policy.shell import Command, Word

_WRITE_OPS = (">", ">>", ">|", "&>", "&>>")
_SHELL_RC = (".bashrc", ".bash_profile", ".profile", ".zshrc", ".zshenv", ".zprofile", ".bash_aliases", "bashrc")
_CONSTRAINTS = re.compile(r"constraints.*\.txt$")


def _requirements_name(base: str) -> bool:
    """``*requirements*.txt`` / ``.in`` (the regex ``.*requirements.*\\.(txt|in)$`` is quadratic on a long
    name that repeats "requirements")."""
    for extension in (".txt", ".in"):
        if base.endswith(extension):
            found = base.find("requirements")
            return found != -1 and found + len("requirements") <= len(base) - len(extension)
    return False


def written_files(scope: Scope, command: Command, following: Sequence[Command]) -> None:
    real = wrappers.unwrapped(command.words)
    name = posixpath.basename(real[0].text) if real else ""
    kinds: list[str] = []
    for target in _targets(command, real, name, following):
        for path in _expanded(scope, target):
            kind = classify_target(path)
            if kind and kind not in kinds:
                kinds.append(kind)
    if not kinds:
        return
    written = _content(scope, command, real, name)
    if written is None:
        return
    content, line_of = written
    for kind in kinds:
        scope.ctx.content(kind, content, scope.ctx.derive(line_of, kind))


# ${NAME} / $NAME in a write target ("> $CONF", "> ${DIR}/pip.conf")
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def _expanded(scope: Scope, target: Word) -> list[str]:
    """The paths a write target can be: as written, and with each variable replaced by every value the
    script assigns to it (in any branch): ``if ...; then CONF=/etc/pip.conf; else CONF=...; fi``."""
    text = target.text
    paths = [text]
    if "$" not in text:
        return paths
    for match in _VARIABLE.finditer(text):
        name = match.group(1) or match.group(2)
        options = scope.values.get(name)
        if not options:
            continue
        paths = [p.replace(match.group(0), value, 1) for p in paths for value in options][: MAX_VALUES * 2]
    return paths


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


def _content(scope: Scope, command: Command, real: list[Word], name: str) -> tuple[str, Locate] | None:
    """(text written, the line in the script of each of its lines), or None when unknown."""
    heredocs = [r.heredoc for r in command.redirects if r.heredoc is not None]
    if heredocs and name in ("cat", "tee", ""):
        first = scope.locate(heredocs[0].body_start)
        return heredocs[0].body, lambda line: first + line - 1
    herestrings = [r.target for r in command.redirects if r.op == "<<<" and r.target is not None]
    if herestrings and name in ("cat", "tee"):
        content = herestrings[0].text + "\n"
        return content, _lines_in_source(scope, [herestrings[0]], content)
    if name == "echo":
        args = real[1:]
        while args and re.fullmatch(r"-[neE]+", args[0].text):
            args = args[1:]
        content = _unescape(" ".join(w.text for w in args)) + "\n"
        return content, _lines_in_source(scope, args or real, content)
    if name == "printf" and len(real) > 1:
        content = _printf(real[1], real[2:])
        return content, _lines_in_source(scope, real[1:], content)
    return None


# Lines of a written string that are looked up in the script (more stay on the command's line).
_MAX_MAPPED_LINES = 10_000
_LOOKAHEAD = 4096


def _lines_in_source(scope: Scope, words: list[Word], content: str) -> Locate:
    """Where each line of text written by ``echo``/``printf`` sits in the script: a quoted string over
    several lines (``echo "[global]\\ntrusted-host = x" > pip.conf``, or its ``\\n\\`` form in a Dockerfile
    ``RUN``) reports each setting on its own line, not on the command's first line."""
    start_line = scope.locate(words[0].start) if words else 1
    pieces = content.split("\n")
    source = scope.source
    if not source or not words or len(pieces) <= 2 or len(pieces) > _MAX_MAPPED_LINES:
        return lambda _line: start_line
    cursor, end = words[0].start, words[-1].end
    found: list[int] = []
    behind = 0  # what is left of the previous line after its needle: the next line comes after it
    for piece in pieces:
        needle = piece.strip()[:64]
        window = min(end, cursor + behind + len(piece) + _LOOKAHEAD)  # bounded: linear in the script
        at = source.find(needle, cursor, window) if needle else -1
        if at != -1:
            cursor, behind = at + len(needle), len(piece)
        found.append(scope.locate(at) if at != -1 else (found[-1] if found else start_line))

    def line_of(line: int) -> int:
        return found[line - 1] if 1 <= line <= len(found) else start_line

    return line_of


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
    if _requirements_name(base) or _CONSTRAINTS.match(base):
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
