"""INI-style files: pip.conf / pip.ini, setup.cfg and pydistutils.cfg, tox.ini, git config, .npmrc.

The reader follows ``configparser`` (which pip uses): ``=`` or ``:`` delimiters, indented
continuation lines, full-line ``#``/``;`` comments (no inline comments), and keeps the line
of every value line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pip_tls_setup.policy import booleans, checks, invocations
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.parsers import requirements

_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]")
_GIT_SECTION = re.compile(r'^\[\s*(?P<name>[A-Za-z0-9.-]+)(?:\s+"(?P<sub>(?:[^"\\]|\\.)*)")?\s*\]')


@dataclass
class Entry:
    section: str
    key: str
    line: int
    values: list[tuple[str, int]] = field(default_factory=list)  # (text, line), first line included

    @property
    def value(self) -> str:
        return "\n".join(text for text, _ in self.values).strip()


def _key_value(line: str, delimiters: str) -> tuple[str, str] | None:
    r"""configparser's ``key = value`` split (the first delimiter ends the key), found with one search (the
    regex ``(?P<key>[^=:]+?)\s*[=:]`` is quadratic on a long run of blanks without a delimiter)."""
    at = min((i for i in (line.find(d) for d in delimiters) if i != -1), default=-1)
    if at <= 0:
        return None
    key = line[:at].rstrip()
    return (key, line[at + 1 :].strip()) if key else None


def read(text: str, delimiters: str = "=:") -> list[Entry]:
    entries: list[Entry] = []
    section = ""
    current: Entry | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped:
            current = None if current is None or not current.values else current
            continue
        if stripped[0] in "#;":
            continue
        if line[0] in " \t" and current is not None:
            current.values.append((stripped, number))
            continue
        match = _SECTION.match(stripped)
        if match:
            section = match.group("name").strip()
            current = None
            continue
        pair = _key_value(stripped, delimiters)
        if pair is not None:
            current = Entry(section, pair[0].strip(), number, [(pair[1], number)])
            entries.append(current)
        else:
            current = Entry(section, stripped, number, [("", number)])  # a key without a value
            entries.append(current)
    return entries


def pipconf(text: str, ctx: ScanContext) -> None:
    for entry in read(text):
        key = checks.pip_key(entry.key)
        source = f"{key} in [{entry.section}]" if entry.section else key
        if key in ("trusted-host", *checks.PIP_URL_KEYS):
            for value, line in entry.values:
                checks.pip_setting(key, value, line, ctx, source)
        elif key == "cert":
            checks.pip_setting(key, entry.value, entry.line, ctx, source)


def setupcfg(text: str, ctx: ScanContext) -> None:
    for entry in read(text):
        section = entry.section.lower()
        key = entry.key.lower().replace("-", "_")
        if section == "easy_install" and key in ("index_url", "find_links"):
            for value, line in entry.values:
                for url in value.split():
                    checks.source_url(url, line, ctx, "PTS207", f"[easy_install] {key}")
        elif (section == "options" and key in ("install_requires", "setup_requires", "tests_require")) or (
            section == "options.extras_require"
        ):
            for value, line in entry.values:
                for part in value.split(";") if "@" not in value else [value]:
                    checks.requirement_url(part, line, ctx, "requirement")
        elif section == "options" and key == "dependency_links":
            for value, line in entry.values:
                for url in value.split():
                    checks.pip_index(url, line, ctx, "dependency_links")


_TOX_COMMANDS = frozenset({"commands", "commands_pre", "commands_post", "allowlist_externals_commands"})


def toxini(text: str, ctx: ScanContext) -> None:
    for entry in read(text, delimiters="="):
        section = entry.section.lower()
        key = entry.key.lower().replace("-", "_")
        if not (section.startswith("testenv") or section in ("tox", "tox:tox")):
            continue
        if key == "install_command":
            invocations.analyse(entry.value.replace("\n", " "), ctx.at_line(entry.line))
            continue
        for value, line in entry.values:
            _tox_value(key, value, line, ctx)


def _tox_value(key: str, value: str, line: int, ctx: ScanContext) -> None:
    """One line of a (multi-line) tox setting: commands, deps, set_env, indexserver."""
    if key in _TOX_COMMANDS:
        if value:
            invocations.analyse(value, ctx.at_line(line))
    elif key == "deps":
        if value:
            requirements.parse(_tox_factor(value) + "\n", ctx.at_line(line))
    elif key in ("setenv", "set_env"):
        name, eq, val = _tox_factor(value).partition("=")
        if eq:
            checks.variable(name.strip(), val.strip(), line, ctx)
    elif key == "indexserver":
        url = value.split("=", 1)[-1].strip()
        checks.pip_index(url, line, ctx, "tox indexserver")


def _tox_factor(value: str) -> str:
    """``py39: -r req.txt`` -> ``-r req.txt`` (tox factor conditions)."""
    match = re.match(r"^[\w!,{}.-]+:\s+(.*)$", value)
    return match.group(1) if match else value


def gitconfig(text: str, ctx: ScanContext) -> None:
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        match = _GIT_SECTION.match(line)
        if match:
            name = match.group("name").lower()
            sub = match.group("sub")
            section = f"{name}.{sub}" if sub is not None else name
            line = line[match.end() :].strip()
            if not line:
                continue
        key, eq, value = line.partition("=")
        value = _git_value(value) if eq else "true"
        checks.git_config(f"{section}.{key.strip()}", value, number, ctx, "git config")


def _git_value(value: str) -> str:
    out: list[str] = []
    quoted = False
    for ch in value.strip():
        if ch == '"':
            quoted = not quoted
            continue
        if ch in "#;" and not quoted:
            break
        out.append(ch)
    return "".join(out).strip()


def npmrc(text: str, ctx: ScanContext) -> None:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, eq, value = line.partition("=")
        # npm's keys are case-sensitive (STRICT-SSL is an unknown key); the value loses an inline ; or # comment
        shown = _git_value(value)
        if eq and key.strip() == "strict-ssl" and booleans.npm(shown):
            ctx.add("PTS110", number, f"npm strict-ssl={shown}: npm stops checking certificates")
