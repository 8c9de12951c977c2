"""pip itself: the options of ``pip install``/``download``/``wheel``/``lock``/``index``/``list`` (read with
pip's own option tables, abbreviations included), ``pip config set``, and pip option strings other tools
pass on (``pipx --pip-args``, ``PIP_OPTS="..."``)."""

from __future__ import annotations

from pip_tls_setup.policy import checks, origins, pipopts, shell
from pip_tls_setup.policy.invocations.scope import Scope, first_line
from pip_tls_setup.policy.shell import Command, Word

_INSTALLING = frozenset({"install", "download", "wheel", "lock"})  # their positionals are requirements
_OPTIONS_VARIABLE_PARTS = ("OPT", "ARG", "FLAG", "PIP_", "INDEX", "EXTRA")


def command(scope: Scope, words: list[Word], _command: Command | None) -> None:
    """``pip ...``, ``pip3.12 ...``, ``$PIP ...``."""
    pip(scope, words, 1)


def pip(scope: Scope, words: list[Word], start: int, default_subcommand: str | None = None) -> None:
    """pip's arguments from ``words[start]`` on; ``default_subcommand`` when they are options only."""
    args = [w.text for w in words[start:]]
    subcommand, sub_index = (default_subcommand, None) if default_subcommand is not None else _subcommand(args)
    if subcommand == "config":
        pip_config(scope, words, start + (sub_index or 0) + 1)
        return
    unknown = subcommand is not None and origins.has_expansion(subcommand)
    if subcommand is not None and subcommand not in pipopts.INDEX_COMMANDS and not unknown:
        return
    # "pip --trusted-host x" alone: options without a command still show intent
    subcommand = subcommand or "install"
    table = pipopts.TABLES.get(subcommand, pipopts.TABLES["install"])
    for item in pipopts.parse_args(args, table):
        word = words[start + item.index] if start + item.index < len(words) else words[-1]
        line = scope.line(word)
        if item.option:
            _option(scope, item.option, item.value, line)
        elif item.index != sub_index and subcommand in _INSTALLING:
            _requirement(scope, item.value, line)


def _subcommand(args: list[str]) -> tuple[str | None, int | None]:
    """The first positional after the options (general ones, or misplaced command ones), and its index."""
    general = pipopts.TABLES["install"]
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            name, eq, _ = arg.partition("=")
            resolved = general.resolve_long(name)
            i += 2 if resolved and general.longs[resolved] and not eq else 1
            continue
        if arg.startswith("-") and len(arg) > 1:
            i += 1
            continue
        return arg, i
    return None, None


def _option(scope: Scope, option: str, value: str, line: int) -> None:
    """One resolved option (canonical long name) of a pip command line."""
    ctx = scope.ctx
    if option == "--trusted-host":
        checks.trusted_hosts([value], line, ctx, "--trusted-host")
    elif option in ("--index-url", "--extra-index-url", "--find-links"):
        checks.pip_index(value, line, ctx, option)
    elif option in ("--requirement", "--constraint"):
        requirement_file(scope, value, line, option)
    elif option == "--editable":
        checks.requirement_url(value, line, ctx, "editable requirement")
    elif option == "--cert":
        checks.ca_path("pip --cert", value, line, ctx)


def _requirement(scope: Scope, value: str, line: int) -> None:
    """A positional of ``pip install``: a requirement, or ``$PIP_OPTS`` holding options."""
    if value.startswith("-") or value == "@":
        return
    if origins.only_expansion(value) and _options_variable(value) and _variable_name(value) not in scope.known:
        scope.ctx.add(
            "PTS401",
            line,
            f"pip options come from {value}, which is only known at run time; it must not "
            "hold --trusted-host or an http:// index",
        )
        return
    checks.requirement_url(value, line, scope.ctx, "requirement")
    pinned = checks.old_pip_pin(value.strip().strip("'\"").lower())
    if pinned is not None:
        scope.ctx.add(
            "PTS601",
            line,
            f"pip is pinned to {pinned}: downgrading pip does not fix certificate errors, "
            "it hides them (and old pips verify less)",
        )


def requirement_file(scope: Scope, value: str, line: int, option: str) -> None:
    """``-r FILE`` / ``-c FILE``: a URL is checked, a path in the repository is scanned too."""
    if "://" in value:
        checks.requirement_url(value, line, scope.ctx, f"{option} file")
        return
    if value and not origins.has_expansion(value):
        scope.ctx.follow(value, "requirements", line)


def pip_config(scope: Scope, words: list[Word], start: int) -> None:
    """``pip config set global.trusted-host x`` (also ``name=value``)."""
    rest = [w for w in words[start:] if not w.text.startswith("-")]
    if not rest or rest[0].text != "set" or len(rest) < 2:
        return
    name_word = rest[1]
    name, value = name_word.text, " ".join(w.text for w in rest[2:])
    if "=" in name and len(rest) == 2:
        name, value = name.split("=", 1)
    if "." not in name:
        return
    key = checks.pip_key(name.split(".", 1)[1])
    checks.pip_setting(key, value, scope.line(name_word), scope.ctx, f"pip config set {name}")


def args_string(scope: Scope, value: str, word: Word) -> None:
    """A pip option string another tool passes on (``--pip-args "..."``): all of it reported at ``word``."""
    inner = shell.split_words(value)
    if not inner:
        return
    sub = scope.within(scope.ctx.at_line(scope.line(word)), first_line, known=set())
    pip(sub, inner, 0, default_subcommand="install")


def _variable_name(text: str) -> str:
    return text.strip().lstrip("$").strip("{}()").split(":", 1)[0]


def _options_variable(text: str) -> bool:
    name = text.strip("${}()").upper()
    return any(part in name for part in _OPTIONS_VARIABLE_PARTS)
