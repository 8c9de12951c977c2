"""Scripts: POSIX shell (and rc files), Makefiles, PowerShell, batch files, Jenkinsfiles."""

from __future__ import annotations

import re

from pip_tls_setup.policy import checks, invocations
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.textscan import strip_comment

_MAKE_ASSIGN = re.compile(
    r"^(?P<mods>(?:(?:export|override|private|unexport)\s+)*)(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\s*"
    r"(?P<op>:::=|::=|:=|\?=|\+=|!=|=)\s*(?P<value>.*)$"
)
_MAKE_EXPORT = re.compile(r"^export\s+(?P<names>[A-Za-z_][A-Za-z0-9_ \t]*)$")
# MULTILINE: "$" ends each line, so blanking them in the whole script is one pass (without it, ".+$" retried
# from every "$env:" of a long line that is not the last)
_PS_ENV = re.compile(r"\$env:(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.+)$", re.IGNORECASE | re.MULTILINE)
_PS_SETENV = re.compile(
    r"SetEnvironmentVariable\(\s*['\"](?P<name>[A-Za-z_][A-Za-z0-9_]*)['\"]\s*,\s*['\"](?P<value>[^'\"]*)['\"]",
    re.IGNORECASE,
)
# set/setx NAME=value, setx NAME value, set "NAME=value": the head only; the value is taken apart in
# _bat_set (the one-regex form, "(?:=|\s+)(?P<value>[^\"]*)\"?\s*$", is quadratic on a run of blanks)
_BAT_SET_HEAD = re.compile(
    r"^\s*@?(?P<cmd>set|setx)\s+(?:/[a-z]\s+)*\"?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:=|(?=\s))", re.IGNORECASE
)
_JENKINS_SH = re.compile(r"\b(?:sh|bash)\s*(?:\(\s*)?(?:script\s*:\s*)?(?P<quote>'''|\"\"\"|'|\")", re.MULTILINE)
_JENKINS_ENV = re.compile(r"^\s*(?P<name>[A-Z_][A-Z0-9_]*)\s*=\s*(?P<q>['\"])(?P<value>.*)(?P=q)\s*$")
_JENKINS_WITHENV = re.compile(r"['\"](?P<name>[A-Z_][A-Z0-9_]*)=(?P<value>[^'\"]*)['\"]")


def shell(text: str, ctx: ScanContext) -> None:
    invocations.analyse(text, ctx)


def makefile(text: str, ctx: ScanContext) -> None:
    logical = _make_logical_lines(text.splitlines())
    assignments, exported, export_all = _make_variables(logical)
    known = {name for _, name, _, _ in assignments}
    values: dict[str, list[str]] = {}
    for _, name, value, _ in assignments:
        values.setdefault(name, []).append(value.replace("$$", "$"))
    for start, name, value, is_export in assignments:
        value = value.replace("$$", "$")
        if is_export or export_all or name in exported:
            checks.variable(name, value, start, ctx)
        invocations.option_assignment(value, start, ctx, known)
    for start, body, recipe in logical:
        if recipe:
            parts = body.split("\n")
            # the first line loses its tab and @/-/+ prefixes; continuation lines only the tab
            text = "\n".join([_strip_recipe_prefix(parts[0]), *(p[1:] if p.startswith("\t") else p for p in parts[1:])])
            invocations.analyse(text.replace("$$", "$"), ctx.shifted(start), known, values)
            continue
        rule = re.match(r"^[^=:#]+:(?!=)[^;#=]*;(?P<cmd>.*)$", body)
        if rule:
            invocations.analyse(rule.group("cmd").replace("$$", "$"), ctx.at_line(start), known, values)


def _make_logical_lines(lines: list[str]) -> list[tuple[int, str, bool]]:
    """(first line, text, is a recipe) per logical line: ``\\`` continuations joined, ``define`` blocks whole."""
    logical: list[tuple[int, str, bool]] = []
    i = 0
    in_define: tuple[int, list[str]] | None = None
    while i < len(lines):
        start = i + 1
        line = lines[i]
        if in_define is not None:
            if line.strip() == "endef":
                logical.append((in_define[0], "\n".join(in_define[1]), True))
                in_define = None
            else:
                in_define[1].append(line)
            i += 1
            continue
        if re.match(r"^\s*define\s", line):
            in_define = (start + 1, [])
            i += 1
            continue
        recipe = line.startswith("\t")
        parts = [line]
        while parts[-1].endswith("\\") and i + 1 < len(lines):
            i += 1
            parts.append(lines[i])
        i += 1
        joined = "\n".join(parts) if recipe else " ".join(p[:-1] if p.endswith("\\") else p for p in parts)
        logical.append((start, joined, recipe))
    return logical


def _make_variables(
    logical: list[tuple[int, str, bool]],
) -> tuple[list[tuple[int, str, str, bool]], set[str], bool]:
    """The variable assignments (line, name, value, exported), the names exported on their own, and whether
    ``.EXPORT_ALL_VARIABLES`` exports them all."""
    exported: set[str] = set()
    export_all = False
    assignments: list[tuple[int, str, str, bool]] = []
    for start, body, recipe in logical:
        if recipe:
            continue
        stripped = body.strip()
        if stripped.startswith(".EXPORT_ALL_VARIABLES"):
            export_all = True
        match = _MAKE_EXPORT.match(stripped)
        if match and "=" not in stripped:
            exported.update(match.group("names").split())
            continue
        match = _MAKE_ASSIGN.match(stripped)
        if match and not re.match(r"^[^=]*:[^=]", stripped.split("=", 1)[0] + "="):
            is_export = "export" in match.group("mods").split()
            assignments.append((start, match.group("name"), match.group("value"), is_export))
    return assignments, exported, export_all


def _strip_recipe_prefix(line: str) -> str:
    return re.sub(r"^\t[@+\-\s]*", "", line)


def powershell(text: str, ctx: ScanContext) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern in (_PS_ENV, _PS_SETENV):
            match = pattern.search(line)
            if match:
                value = match.group("value").strip()
                value = strip_comment(value).strip()
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                    value = value[1:-1]
                checks.variable(_windows_name(match.group("name")), value, number, ctx)
    # PowerShell's escape character is the backtick; a trailing one continues the line
    converted = re.sub(r"`(?=\r?\n)", "\\\\", text)
    converted = converted.replace("`", " ")
    converted = _blank_block_comments(converted)
    converted = _PS_ENV.sub(lambda m: " " * len(m.group(0)), converted)
    invocations.analyse(converted, ctx)


def _blank_block_comments(text: str) -> str:
    """PowerShell ``<# ... #>`` comments replaced by blanks (newlines kept, so lines stay where they are), in
    one pass. After an unclosed ``<#`` (PowerShell refuses the script) the rest is read as it is."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<#", pos)
        end = text.find("#>", start + 2) if start != -1 else -1
        if end == -1:
            out.append(text[pos:])
            return "".join(out)
        end += 2
        out.append(text[pos:start])
        out.append("".join(ch if ch == "\n" else " " for ch in text[start:end]))
        pos = end


def batch(text: str, ctx: ScanContext) -> None:
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        found = _bat_set(line)
        if found:
            checks.variable(_windows_name(found[0]), found[1].strip(), number, ctx)
    cleaned: list[str] = []
    for line in lines:
        stripped = line.strip().lstrip("@")
        if re.match(r"^(rem\b|::)", stripped, re.IGNORECASE) or _bat_set(line):
            cleaned.append("")
            continue
        stripped = re.sub(r"^call\s+", "", stripped, flags=re.IGNORECASE)
        cleaned.append(stripped[:-1] + "\\" if stripped.endswith("^") else stripped)
    invocations.analyse("\n".join(cleaned), ctx)


def _bat_set(line: str) -> tuple[str, str] | None:
    """(name, value) of a ``set``/``setx`` line: after the name, ``=`` or blanks, then a value without a
    double quote except one closing it at the end."""
    head = _BAT_SET_HEAD.match(line)
    if head is None:
        return None
    rest = line[head.end() :]
    value = (rest if head.group(0).endswith("=") else rest.lstrip()).rstrip()
    if value.endswith('"'):
        value = value[:-1]
    return None if '"' in value else (head.group("name"), value)


def _windows_name(name: str) -> str:
    """Windows environment names are case-insensitive; pip sees them upper-cased."""
    return name.upper()


def jenkinsfile(text: str, ctx: ScanContext) -> None:
    for match in _JENKINS_SH.finditer(text):
        quote = match.group("quote")
        start = match.end()
        if len(quote) == 3:
            end = text.find(quote, start)
        else:
            end = start
            while end < len(text) and text[end] != quote and text[end] != "\n":
                end += 2 if text[end] == "\\" else 1
        if end == -1:
            continue
        body = text[start:end]
        first = text.count("\n", 0, start) + 1
        invocations.analyse(body, ctx.shifted(first))
    for number, line in enumerate(text.splitlines(), start=1):
        env = _JENKINS_ENV.match(line)
        if env:
            checks.variable(env.group("name"), env.group("value"), number, ctx)
            continue
        if "withEnv" in line:
            for pair in _JENKINS_WITHENV.finditer(line):
                checks.variable(pair.group("name"), pair.group("value"), number, ctx)
