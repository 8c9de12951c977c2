"""What shell commands do to installer trust: pip and its wrappers, uv, conda, poetry, pdm, pipenv,
git, curl/wget, npm, docker build args, variable assignments and files written by echo/printf/cat.

:func:`analyse` takes shell text (a script, a ``RUN`` line, a workflow ``run:``), parses it with
:mod:`shell` and reports hits with line numbers relative to that text.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence

from pip_tls_setup.policy import checks, origins, pipopts, shell
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.shell import Command, Word

Locate = Callable[[int], int]  # offset in the analysed text -> line (1-based) in that text

_PIP_NAME = re.compile(r"^pip(\d+(\.\d+)?)?(\.exe)?$")
_PYTHON_NAME = re.compile(r"^(python|pypy|pythonw)(\d+(\.\d+)?[a-z]?)?(\.exe)?$")
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ash", "ksh", "mksh", "busybox"})
_OPTIONISH = re.compile(
    r"(^|[\s(])(--trusted-host|--index-url|--extra-index-url|--find-links|--pypi-url|--allow-insecure-host|"
    r"-i\s*https?:|-f\s*https?:|--index\b|--default-index)"
)
_OLD_PIP = re.compile(r"^pip\s*(==|===|<=|<|~=)\s*(\d+(?:\.\d+)*)")
_OLD_PIP_BELOW = (20, 3)
_EXPORT_BUILTINS = frozenset({"export", "declare", "typeset", "readonly", "local"})
_WRAPPER_VALUE_OPTS = {
    "sudo": frozenset({"-u", "-g", "-C", "-p", "-r", "-t", "-U", "-h", "-D", "-R", "-T", "--user", "--group"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "timeout": frozenset({"-s", "--signal", "-k", "--kill-after"}),
    "xargs": frozenset({"-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a", "--arg-file", "--delimiter"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "runuser": frozenset({"-u", "-g", "-G", "--user", "--group"}),
    "doas": frozenset({"-u", "-C"}),
    "flock": frozenset({"-w", "-E", "-c"}),
    "chroot": frozenset({"--userspec", "--groups"}),
}
_SIMPLE_WRAPPERS = frozenset({"nohup", "exec", "command", "builtin", "time", "eatmydata", "fakeroot", "xvfb-run"})
_UV_INDEX_OPTS = frozenset(
    {"--index-url", "-i", "--extra-index-url", "--index", "--default-index", "-f", "--find-links"}
)
_UV_VALUE_OPTS = frozenset(
    {
        "--with",
        "--with-requirements",
        "--with-editable",
        "--from",
        "-p",
        "--python",
        "--index",
        "--default-index",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--allow-insecure-host",
        "--trusted-host",
        "--cache-dir",
        "--directory",
        "--project",
        "--config-file",
        "--package",
        "--extra",
        "--group",
        "--env-file",
        "--index-strategy",
        "--keyring-provider",
        "--resolution",
        "--prerelease",
        "-C",
        "--config-setting",
        "--exclude-newer",
        "--link-mode",
        "--color",
        "--python-preference",
        "--script",
        "-r",
        "--requirements",
        "--requirement",
        "-c",
        "--constraints",
        "--constraint",
        "-o",
        "--output-file",
        "--refresh-package",
        "--reinstall-package",
        "--upgrade-package",
        "-P",
    }
)
_CURL_VALUE_SHORTS = frozenset("oHdueXAbcFTwxmCErUYyzKDQPt")
_CONDA_VALUE_SHORTS = frozenset("npc")
_DOCKER_RUN_VALUE_OPTS = frozenset(
    {
        "--name",
        "-v",
        "--volume",
        "-w",
        "--workdir",
        "-u",
        "--user",
        "-p",
        "--publish",
        "--network",
        "--net",
        "--entrypoint",
        "-h",
        "--hostname",
        "--mount",
        "--platform",
        "-l",
        "--label",
        "--add-host",
        "--cpus",
        "-m",
        "--memory",
        "--pull",
        "--restart",
        "--ulimit",
        "--device",
        "--cap-add",
        "--cap-drop",
        "--security-opt",
        "--shm-size",
        "--tmpfs",
        "--log-driver",
        "--log-opt",
        "--dns",
        "--gpus",
    }
)


def analyse(text: str, ctx: ScanContext, known: set[str] | None = None) -> None:
    """Analyse shell text; hits carry lines relative to ``text`` (the scan context maps them to the file)."""
    if not text.strip():
        return
    script = shell.parse(text)
    Analyser(ctx, shell.LineMap(text).line, known).script(script)


def option_assignment(value: str, line: int, ctx: ScanContext, known: set[str] | None = None) -> None:
    """A variable (Makefile, CI) whose value is a pip command or pip options: ``PIP := pip --trusted-host x``."""
    analyser = Analyser(ctx.at_line(line), lambda _offset: 1, known)
    analyser.option_list(value, Word(value, 0, len(value)))


class Analyser:
    def __init__(self, ctx: ScanContext, locate: Locate, known: set[str] | None = None) -> None:
        self.ctx = ctx
        self.locate = locate
        self.known: set[str] = set(known or ())

    # -- plumbing ------------------------------------------------------------------------------------
    def line(self, word: Word | Command) -> int:
        return self.locate(word.start)

    def nested(self, text: str, word: Word) -> None:
        """Shell text inside a word (``sh -c "..."``, ``eval``, an alias body): lines counted from the word."""
        first = self.line(word)
        sub = self.ctx.derive(lambda line: first + line - 1)
        analyse(text, sub, self.known)

    def script(self, script: shell.Script) -> None:
        for command in script.commands():
            for word in command.assignments:
                parsed = shell.assignment(word)
                if parsed:
                    self.known.add(parsed[0])
            if command.words and command.words[0].text in _EXPORT_BUILTINS:
                for word in command.words[1:]:
                    self.known.add(word.text.split("=", 1)[0])
        for pipeline in script.pipelines:
            for index, command in enumerate(pipeline.commands):
                following = pipeline.commands[index + 1 :]
                self.command(command, following)

    # -- one command -----------------------------------------------------------------------------------
    def command(self, command: Command, following: Sequence[Command] = ()) -> None:
        for word in command.assignments:
            self.assignment(word)
        self.heredocs_and_writes(command, following)
        if command.words:
            self.argv(command.words, command)

    def assignment(self, word: Word) -> None:
        parsed = shell.assignment(word)
        if parsed is None:
            return
        name, value = parsed
        line = self.line(word)
        checks.variable(name, value, line, self.ctx)
        self.option_list(value, word)

    def option_list(self, value: str, word: Word) -> None:
        """``PIP_OPTS="--trusted-host x -i http://..."``, ``ARGS=(--trusted-host x)``: pip options in a variable."""
        if not _OPTIONISH.search(value):
            return
        inner = value[1:-1] if value.startswith("(") and value.endswith(")") else value
        words = shell.split_words(inner)
        if not words:
            return
        first = self.line(word)
        sub = Analyser(self.ctx.derive(lambda line: first + line - 1), shell.LineMap(inner).line, self.known)
        if self.kind_of(words[0]) is not None:
            sub.argv(words, None)
        elif words[0].text.startswith("-"):
            sub.pip(words, 0, default_subcommand="install")
        # else: prose that mentions an option ("do not use --trusted-host"), not an option list

    def kind_of(self, word: Word) -> str | None:
        text = word.text
        base = posixpath.basename(text.replace("\\", "/"))
        if _PIP_NAME.match(base):
            return "pip"
        if base in ("pip-compile", "pip-sync"):
            return "piptools"
        if base in ("uv", "uvx", "uv.exe", "uvx.exe"):
            return "uv"
        if base in ("conda", "mamba", "micromamba", "conda.exe", "mamba.exe"):
            return "conda"
        if base in ("pipx", "pipenv", "poetry", "pdm", "git", "curl", "wget", "npm", "yarn", "pnpm"):
            return base
        if base in ("docker", "podman", "nerdctl", "buildah"):
            return "docker"
        if _PYTHON_NAME.match(base) or base in ("py", "py.exe"):
            return "python"
        if word.expands and "pip" in text.lower() and "pipe" not in text.lower():
            return "pip"  # $PIP, ${PIP_CMD}: a variable that holds pip
        return None

    def argv(self, words: list[Word], command: Command | None) -> None:
        if not words:
            return
        first = words[0]
        base = posixpath.basename(first.text)
        # wrappers that run the rest as a command
        if base in _SIMPLE_WRAPPERS or base in _WRAPPER_VALUE_OPTS:
            self.wrapper(base, words, command)
            return
        if base in _EXPORT_BUILTINS:
            for word in words[1:]:
                if not word.text.startswith("-"):
                    self.assignment(word)
            return
        if base == "alias":
            for word in words[1:]:
                if "=" in word.text:
                    self.nested(word.text.split("=", 1)[1], word)
            return
        if base == "eval":
            self.nested(" ".join(w.text for w in words[1:]), words[1] if len(words) > 1 else first)
            return
        if base in _SHELLS:
            self.shell_c(words, command)
            return
        if base == "su":
            for i, word in enumerate(words[:-1]):
                if word.text in ("-c", "--command"):
                    self.nested(words[i + 1].text, words[i + 1])
            return
        kind = self.kind_of(first)
        if kind is None:
            return
        handler = getattr(self, "cmd_" + kind)
        handler(words)

    def wrapper(self, base: str, words: list[Word], command: Command | None) -> None:
        value_opts = _WRAPPER_VALUE_OPTS.get(base, frozenset())
        i = 1
        while i < len(words):
            text = words[i].text
            if base == "timeout" and not text.startswith("-"):
                i += 1  # the duration
                break
            if base == "chroot" and not text.startswith("-"):
                i += 1  # the new root
                break
            if base == "flock" and not text.startswith("-"):
                i += 1  # the lock file
                break
            if text == "--":
                i += 1
                break
            if text.startswith("-"):
                if base in ("env", "sudo") and text in ("-S", "--split-string") and i + 1 < len(words):
                    self.nested(words[i + 1].text, words[i + 1])
                    return
                if base == "flock" and text == "-c" and i + 1 < len(words):
                    self.nested(words[i + 1].text, words[i + 1])
                    return
                if text in value_opts and "=" not in text:
                    i += 2
                    continue
                i += 1
                continue
            if base in ("env", "sudo") and shell.assignment(words[i]) is not None:
                self.assignment(words[i])
                i += 1
                continue
            break
        if i < len(words):
            self.argv(words[i:], command)

    def shell_c(self, words: list[Word], command: Command | None) -> None:
        for i, word in enumerate(words[1:], start=1):
            text = word.text
            if text.startswith("-") and not text.startswith("--") and "c" in text[1:]:
                if i + 1 < len(words):
                    self.nested(words[i + 1].text, words[i + 1])
                return
            if not text.startswith("-"):
                return  # "bash script.sh": the scanner scans script.sh itself
        # "bash <<EOF", "sh -s <<'EOF'": the here-document is the script
        if command is not None:
            for redirect in command.redirects:
                if redirect.heredoc is not None:
                    self.heredoc_script(redirect.heredoc)

    def heredoc_script(self, heredoc: shell.Heredoc) -> None:
        first = self.locate(heredoc.body_start)
        analyse(heredoc.body, self.ctx.derive(lambda line: first + line - 1), self.known)

    # -- files written by the script -------------------------------------------------------------------
    def heredocs_and_writes(self, command: Command, following: Sequence[Command]) -> None:
        targets = [r.target for r in command.redirects if r.op in (">", ">>", ">|", "&>", "&>>") and r.target]
        real = _unwrapped(command.words)
        words = [w.text for w in real]
        name = posixpath.basename(words[0]) if words else ""
        if following:
            nxt = _unwrapped(following[0].words)
            if nxt and posixpath.basename(nxt[0].text) == "tee":
                targets += [w for w in nxt[1:] if not w.text.startswith("-")]
        if name == "tee":
            targets += [w for w in real[1:] if not w.text.startswith("-")]
        if not targets:
            return
        kinds = [k for k in (classify_target(t.text) for t in targets) if k]
        if not kinds:
            return
        content: str | None = None
        first_line = self.line(command)
        single_line = True
        heredocs = [r.heredoc for r in command.redirects if r.heredoc is not None]
        herestrings = [r.target.text for r in command.redirects if r.op == "<<<" and r.target is not None]
        if heredocs and name in ("cat", "tee", ""):
            content = heredocs[0].body
            first_line = self.locate(heredocs[0].body_start)
            single_line = False
        elif herestrings and name in ("cat", "tee"):
            content = herestrings[0] + "\n"
        elif name == "echo":
            args = list(words[1:])
            while args and re.fullmatch(r"-[neE]+", args[0]):
                args = args[1:]
            content = _unescape(" ".join(args)) + "\n"
        elif name == "printf" and len(words) > 1:
            content = _printf(real[1], real[2:])
        if content is None:
            return
        for kind in kinds:
            into = self.ctx.at_line(first_line, kind) if single_line else self.ctx.shifted(first_line, kind)
            self.ctx.content(kind, content, into)

    # -- pip ------------------------------------------------------------------------------------------
    def cmd_pip(self, words: list[Word]) -> None:
        self.pip(words, 1)

    def cmd_python(self, words: list[Word]) -> None:
        i = 1
        while i < len(words):
            text = words[i].text
            if text in ("-m", "-mpip") or (text.startswith("-m") and len(text) > 2):
                module = text[2:] if len(text) > 2 else (words[i + 1].text if i + 1 < len(words) else "")
                start = i + 1 if len(text) > 2 else i + 2
                if module == "pip":
                    self.pip(words, start)
                elif module == "uv":
                    self.uv(words, start)
                elif module == "pipx":
                    self.cmd_pipx(words[start - 1 :])
                elif module in ("piptools", "pip_tools"):
                    self.cmd_piptools(words[start - 1 :])
                return
            if text in ("-c",) or not text.startswith("-"):
                return  # a script or -c code: not pip
            if text in ("-X", "-W"):
                i += 2
                continue
            if re.fullmatch(r"-[A-Za-z]*m[A-Za-z]*", text) and text.endswith("m"):  # -Im pip
                module = words[i + 1].text if i + 1 < len(words) else ""
                if module == "pip":
                    self.pip(words, i + 2)
                elif module == "uv":
                    self.uv(words, i + 2)
                return
            i += 1

    def pip(self, words: list[Word], start: int, default_subcommand: str | None = None) -> None:
        args = [w.text for w in words[start:]]
        # the subcommand: the first positional after the options (general ones, or misplaced command ones)
        general = pipopts.TABLES["install"]
        subcommand = default_subcommand
        sub_index = None
        i = 0
        while subcommand is None and i < len(args):
            arg = args[i]
            if arg.startswith("--"):
                name, eq, _ = arg.partition("=")
                resolved = general.resolve_long(name)
                i += 2 if resolved and general.longs[resolved] and not eq else 1
                continue
            if arg.startswith("-") and len(arg) > 1:
                i += 1
                continue
            subcommand = arg
            sub_index = i
            break
        if subcommand == "config":
            self.pip_config(words, start + (sub_index or 0) + 1)
            return
        unknown = subcommand is not None and origins.has_expansion(subcommand)
        if subcommand is not None and subcommand not in pipopts.INDEX_COMMANDS and not unknown:
            return
        if subcommand is None and default_subcommand is None:
            # "pip --trusted-host x" alone: options without a command still show intent
            subcommand = "install"
        table = pipopts.TABLES.get(subcommand or "install", pipopts.TABLES["install"])
        parsed = pipopts.parse_args(args, table)
        self.pip_parsed(parsed, words, start, sub_index, subcommand or "install")

    def pip_parsed(
        self, parsed: list[pipopts.Parsed], words: list[Word], start: int, sub_index: int | None, subcommand: str
    ) -> None:
        for item in parsed:
            word = words[start + item.index] if start + item.index < len(words) else words[-1]
            line = self.line(word)
            value = item.value
            if item.option == "--trusted-host":
                checks.trusted_hosts([value], line, self.ctx, "--trusted-host")
            elif item.option in ("--index-url", "--extra-index-url", "--find-links"):
                checks.pip_index(value, line, self.ctx, item.option)
            elif item.option in ("--requirement", "--constraint"):
                self.requirement_file(value, line, item.option)
            elif item.option == "--editable":
                checks.requirement_url(value, line, self.ctx, "editable requirement")
            elif item.option == "--cert":
                checks.ca_path("pip --cert", value, line, self.ctx)
            elif (
                item.option == "" and item.index != sub_index and subcommand in ("install", "download", "wheel", "lock")
            ):
                if item.value.startswith("-") or item.value == "@":
                    continue
                if (
                    origins.only_expansion(item.value)
                    and _options_variable(item.value)
                    and _variable_name(item.value) not in self.known
                ):
                    self.ctx.add(
                        "PTS401",
                        line,
                        f"pip options come from {item.value}, which is only known at run time; it must not "
                        "hold --trusted-host or an http:// index",
                    )
                    continue
                checks.requirement_url(value, line, self.ctx, "requirement")
                self.old_pip(value, line)

    def requirement_file(self, value: str, line: int, option: str) -> None:
        if "://" in value:
            checks.requirement_url(value, line, self.ctx, f"{option} file")
            return
        if value and not origins.has_expansion(value):
            self.ctx.follow(value, "requirements", line)

    def old_pip(self, value: str, line: int) -> None:
        match = _OLD_PIP.match(value.strip().strip("'\"").lower())
        if not match:
            return
        version = tuple(int(p) for p in match.group(2).split(".")[:3])
        if version < _OLD_PIP_BELOW:
            self.ctx.add(
                "PTS601",
                line,
                f"pip is pinned to {match.group(1)}{match.group(2)}: downgrading pip does not fix certificate errors, "
                "it hides them (and old pips verify less)",
            )

    def pip_config(self, words: list[Word], start: int) -> None:
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
        checks.pip_setting(key, value, self.line(name_word), self.ctx, f"pip config set {name}")

    # -- wrappers of pip --------------------------------------------------------------------------------
    def cmd_pipx(self, words: list[Word]) -> None:
        args = [w.text for w in words]
        sub = next((a for a in args[1:] if not a.startswith("-")), "")
        if sub == "runpip":
            index = args.index("runpip")
            if index + 2 <= len(words):
                self.pip(words, index + 2)
            return
        for i, arg in enumerate(args):
            line = self.line(words[i])
            name, eq, value = arg.partition("=")
            if name in ("--index-url", "-i"):
                value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
                checks.pip_index(value, line, self.ctx, "pipx --index-url")
            elif name == "--pip-args":
                value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
                self.pip_args_string(value, words[i + (0 if eq else 1)] if i + 1 < len(words) or eq else words[i])
            if sub == "run" and i > args.index("run") and not arg.startswith("-"):
                break

    def pip_args_string(self, value: str, word: Word) -> None:
        inner = shell.split_words(value)
        if not inner:
            return
        line = self.line(word)
        sub = Analyser(self.ctx.at_line(line), lambda _offset: 1)
        sub.pip(inner, 0, default_subcommand="install")

    def cmd_piptools(self, words: list[Word]) -> None:
        args = [w.text for w in words]
        skip_next = False
        for i, arg in enumerate(args[1:], start=1):
            if skip_next:
                skip_next = False
                continue
            line = self.line(words[i])
            name, eq, value = arg.partition("=")
            takes = name in ("--trusted-host", "-i", "--index-url", "--extra-index-url", "-f", "--find-links")
            takes = takes or name in ("--pip-args", "-o", "--output-file", "-c", "--constraint", "--cert")
            if takes and not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
                skip_next = True
            if name == "--trusted-host":
                checks.trusted_hosts([value], line, self.ctx, "pip-compile --trusted-host")
            elif name in ("-i", "--index-url", "--extra-index-url", "-f", "--find-links"):
                checks.pip_index(value, line, self.ctx, f"pip-tools {name}")
            elif name == "--pip-args":
                self.pip_args_string(value, words[i])
            elif name in ("-c", "--constraint"):
                self.requirement_file(value, line, "--constraint")
            elif not arg.startswith("-") and arg.endswith((".in", ".txt")):
                self.requirement_file(arg, line, "--requirement")

    def cmd_pipenv(self, words: list[Word]) -> None:
        args = [w.text for w in words]
        if len(args) > 2 and args[1] == "run":
            self.argv(words[2:], None)
            return
        for i, arg in enumerate(args):
            line = self.line(words[i])
            name, eq, value = arg.partition("=")
            if name in ("--pypi-mirror", "-i", "--index"):
                value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
                checks.source_url(value, line, self.ctx, "PTS204", f"pipenv {name}")
            elif name == "--extra-pip-args":
                value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
                self.pip_args_string(value, words[i])

    # -- uv ------------------------------------------------------------------------------------------
    def cmd_uv(self, words: list[Word]) -> None:
        self.uv(words, 1, tool_mode=posixpath.basename(words[0].text).startswith("uvx"))

    def uv(self, words: list[Word], start: int, tool_mode: bool = False) -> None:
        args = [w.text for w in words]
        positionals: list[int] = []
        i = start
        while i < len(args):
            arg = args[i]
            line = self.line(words[i])
            if arg == "--":
                break
            name, eq, value = arg.partition("=")
            if name.startswith("-") and not name.startswith("--") and len(name) > 2 and name[:2] in ("-i", "-f"):
                name, value, eq = name[:2], arg[2:], "="  # -ihttp://...
            if name.startswith("-"):
                takes = name in _UV_VALUE_OPTS
                if takes and not eq:
                    value = args[i + 1] if i + 1 < len(args) else ""
                if self.uv_option(name, value, line):
                    pass
                elif name in ("-r", "--requirements", "--requirement"):
                    self.requirement_file(value, line, "--requirement")
                elif name in ("-c", "--constraints", "--constraint"):
                    self.requirement_file(value, line, "--constraint")
                i += 2 if takes and not eq else 1
                continue
            positionals.append(i)
            if (
                tool_mode
                or (len(positionals) == 1 and arg == "run")
                or (len(positionals) == 2 and args[positionals[0]] == "tool" and arg == "run")
            ):
                if tool_mode:
                    self.argv(words[i:], None)  # uvx TOOL ARGS: the tool's own arguments
                    return
                # uv run [opts] CMD ARGS: CMD follows the run options
                self.uv_run(words, i + 1)
                return
            i += 1
        sub = [args[p] for p in positionals]
        if sub[:1] == ["pip"] and len(sub) > 1 and sub[1] in ("install", "compile", "sync"):
            for p in positionals[2:]:
                checks.requirement_url(args[p], self.line(words[p]), self.ctx, "requirement")
        if sub[:1] == ["add"]:
            for p in positionals[1:]:
                checks.requirement_url(args[p], self.line(words[p]), self.ctx, "requirement")

    def uv_option(self, name: str, value: str, line: int) -> bool:
        """Check one uv option that can switch verification off or point at an index; True if it was one."""
        if name in ("--allow-insecure-host", "--trusted-host"):
            checks.uv_insecure_hosts([value], line, self.ctx, f"uv {name}")
            return True
        if name in _UV_INDEX_OPTS:
            checks.uv_index(value, line, self.ctx, f"uv {name}")
            return True
        return False

    def uv_run(self, words: list[Word], start: int) -> None:
        args = [w.text for w in words]
        i = start
        while i < len(args):
            arg = args[i]
            name, eq, value = arg.partition("=")
            if arg == "--":
                i += 1
                break
            if name.startswith("-"):
                line = self.line(words[i])
                takes = name in _UV_VALUE_OPTS
                if takes and not eq:
                    value = args[i + 1] if i + 1 < len(args) else ""
                self.uv_option(name, value, line)
                i += 2 if takes and not eq else 1
                continue
            break
        if i < len(args):
            self.argv(words[i:], None)

    # -- other installers --------------------------------------------------------------------------
    def _project_tool_subcommand(self, words: list[Word]) -> tuple[list[str], list[int], str] | None:
        """poetry/pdm: the arguments, the positional indexes and the subcommand; ``run CMD`` is scanned as CMD."""
        args = [w.text for w in words]
        positional = [i for i, a in enumerate(args) if i > 0 and not a.startswith("-")]
        if not positional:
            return None
        sub = args[positional[0]]
        if sub == "run" and len(positional) > 1:
            self.argv(words[positional[1] :], None)
            return None
        return args, positional, sub

    def cmd_poetry(self, words: list[Word]) -> None:
        found = self._project_tool_subcommand(words)
        if found is None:
            return
        args, positional, sub = found
        if sub == "config" and len(positional) >= 3:
            key, value = args[positional[1]], args[positional[2]]
            line = self.line(words[positional[1]])
            lowered = key.lower()
            if re.fullmatch(r"certificates\.[^.]+\.cert", lowered):
                if checks.is_false(value):
                    self.ctx.add(
                        "PTS103",
                        line,
                        f"poetry config {key} {value}: Poetry skips TLS certificate verification for this repository",
                    )
                else:
                    checks.ca_path(f"poetry {key}", value, line, self.ctx)
            elif re.fullmatch(r"repositories\.[^.]+(\.url)?", lowered):
                checks.source_url(value, line, self.ctx, "PTS204", f"poetry config {key}")
            return
        if sub == "source" and len(positional) >= 4 and args[positional[1]] == "add":
            url_index = positional[3]
            checks.source_url(args[url_index], self.line(words[url_index]), self.ctx, "PTS204", "poetry source")

    def cmd_pdm(self, words: list[Word]) -> None:
        found = self._project_tool_subcommand(words)
        if found is None:
            return
        args, positional, sub = found
        if sub == "config" and len(positional) >= 3:
            key, value = args[positional[1]].lower(), args[positional[2]]
            line = self.line(words[positional[1]])
            if re.fullmatch(r"(pypi|repository)(\.[^.]+)?\.verify_ssl", key) and checks.is_false(value):
                self.ctx.add("PTS104", line, f"pdm config {key} {value}: PDM skips certificate verification")
            elif re.fullmatch(r"pypi(\.[^.]+)?\.url", key):
                checks.source_url(value, line, self.ctx, "PTS204", f"pdm config {key}")
            elif re.fullmatch(r"pypi(\.[^.]+)?\.ca_certs", key):
                checks.ca_path(f"pdm {key}", value, line, self.ctx)

    def cmd_conda(self, words: list[Word]) -> None:
        args = [w.text for w in words]
        positional = [i for i, a in enumerate(args) if i > 0 and not a.startswith("-")]
        sub = args[positional[0]] if positional else ""
        tool = posixpath.basename(args[0])
        if sub == "run":
            # conda run [-n ENV | -p PATH] CMD ...
            i = positional[0] + 1
            while i < len(args) and args[i].startswith("-"):
                i += 2 if args[i] in ("-n", "--name", "-p", "--prefix", "--cwd") else 1
            if i < len(args):
                self.argv(words[i:], None)
            return
        for i, arg in enumerate(args[1:], start=1):
            line = self.line(words[i])
            name, eq, value = arg.partition("=")
            if name in ("--set",) and i + 2 < len(args):
                key, val = args[i + 1].lower(), args[i + 2]
                if key in ("ssl_verify", "verify_ssl"):
                    if checks.is_false(val):
                        self.ctx.add("PTS105", line, f"{tool} config --set {key} {val}: conda skips certificate checks")
                    elif val.lower() not in ("true", "yes", "truststore"):
                        checks.ca_path(f"conda {key}", val, line, self.ctx)
                elif key == "channel_alias":
                    checks.source_url(val, line, self.ctx, "PTS205", f"{tool} channel_alias")
            elif name in ("--add", "--append", "--prepend") and i + 2 < len(args):
                if args[i + 1] in ("channels", "default_channels"):
                    checks.source_url(args[i + 2], line, self.ctx, "PTS205", f"{tool} channel")
            elif name in ("-c", "--channel"):
                value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
                checks.source_url(value, line, self.ctx, "PTS205", f"{tool} channel")
            elif name == "--insecure" or (
                re.fullmatch(r"-[A-Za-z]+", arg) and "k" in _flag_letters(arg, _CONDA_VALUE_SHORTS)
            ):
                self.ctx.add(
                    "PTS105",
                    line,
                    f'{tool} {arg}: "Allow conda to perform \\"insecure\\" SSL connections and transfers" '
                    "(same as ssl_verify: false)",
                )
            elif name in ("--ssl-verify", "--ssl_verify") and checks.is_false(
                value if eq else (args[i + 1] if i + 1 < len(args) else "")
            ):
                self.ctx.add("PTS105", line, f"{tool} {arg}: certificate verification off")

    def cmd_git(self, words: list[Word]) -> None:
        args = [w.text for w in words]
        i = 1
        while i < len(args):
            arg = args[i]
            if arg == "-c" and i + 1 < len(args):
                key, _, value = args[i + 1].partition("=")
                if "=" not in args[i + 1]:
                    value = "true"
                checks.git_config(key, value, self.line(words[i + 1]), self.ctx, "git -c")
                i += 2
                continue
            if arg in ("-C", "--git-dir", "--work-tree", "--namespace"):
                i += 2
                continue
            if arg.startswith("-"):
                i += 1
                continue
            break
        if i >= len(args) or args[i] != "config":
            return
        rest: list[int] = []
        j = i + 1
        while j < len(args):
            arg = args[j]
            if arg in ("-f", "--file", "--blob", "--type", "--default", "--comment"):
                j += 2
                continue
            if arg.startswith("-"):
                j += 1
                continue
            rest.append(j)
            j += 1
        names = [args[p] for p in rest]
        if names and names[0] in ("set",) and len(names) >= 3:
            rest = rest[1:]
            names = names[1:]
        if len(names) >= 2 and "." in names[0]:
            checks.git_config(names[0], names[1], self.line(words[rest[0]]), self.ctx, "git config")

    def cmd_curl(self, words: list[Word]) -> None:
        insecure: Word | None = None
        urls: list[str] = []
        for word in words[1:]:
            text = word.text
            if text in ("--insecure", "--proxy-insecure", "--doh-insecure") or (
                re.fullmatch(r"-[A-Za-z0-9#:]+", text) and "k" in _flag_letters(text, _CURL_VALUE_SHORTS)
            ):
                insecure = word
            elif "://" in text:
                urls.append(text)
        if insecure is not None and not _all_loopback(urls):
            self.ctx.add(
                "PTS109",
                self.line(insecure),
                f"curl {insecure.text} downloads without checking the server certificate",
            )

    def cmd_wget(self, words: list[Word]) -> None:
        urls = [w.text for w in words if "://" in w.text]
        for word in words[1:]:
            if word.text == "--no-check-certificate" and not _all_loopback(urls):
                self.ctx.add(
                    "PTS109", self.line(word), "wget --no-check-certificate downloads without checking the certificate"
                )

    def cmd_npm(self, words: list[Word]) -> None:
        args = [w.text.lower() for w in words]
        text = " ".join(args[1:])
        if re.search(r"(^|\s)(config\s+)?set\s+strict-ssl(\s+|=)(false|0|no)\b", text) or re.search(
            r"(^|\s)config\s+set\s+enablestrictssl\s+(false|0)\b", text
        ):
            self.ctx.add("PTS110", self.line(words[0]), f"{args[0]} turns strict-ssl off (no certificate checks)")
        elif "--strict-ssl=false" in args or "--no-strict-ssl" in args:
            self.ctx.add("PTS110", self.line(words[0]), f"{args[0]} runs with strict-ssl off")

    cmd_yarn = cmd_npm
    cmd_pnpm = cmd_npm

    def cmd_docker(self, words: list[Word]) -> None:
        args = [w.text for w in words]
        verbs = [a for a in args[1:4] if not a.startswith("-")]
        building = any(v in ("build", "bud", "buildx") for v in verbs)
        running = any(v in ("run", "create", "exec") for v in verbs)
        i = 1
        while i < len(args):
            arg = args[i]
            name, eq, value = arg.partition("=")
            if (building and name == "--build-arg") or (running and name in ("-e", "--env")):
                if not eq:
                    value = args[i + 1] if i + 1 < len(args) else ""
                    word = words[i + 1] if i + 1 < len(words) else words[i]
                    i += 2
                else:
                    word = words[i]
                    i += 1
                key, has_value, val = value.partition("=")
                if has_value:
                    checks.variable(key, val, self.line(word), self.ctx)
                continue
            if running and name == "--env-file":
                value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
                if value:
                    self.ctx.follow(value, "dotenv", self.line(words[i]))
            i += 1


def _unwrapped(words: list[Word]) -> list[Word]:
    """The words of the real command behind ``sudo -E``, ``env X=1``, ``nohup`` and friends."""
    i = 0
    while i < len(words):
        base = posixpath.basename(words[i].text)
        if base in _SIMPLE_WRAPPERS or base in ("sudo", "env", "doas"):
            i += 1
            values = _WRAPPER_VALUE_OPTS.get(base, frozenset())
            while i < len(words) and (words[i].text.startswith("-") or shell.assignment(words[i]) is not None):
                i += 2 if words[i].text in values else 1
            continue
        break
    return words[i:]


def classify_target(target: str) -> str | None:
    """What kind of file a script writes to (``>> $GITHUB_ENV``, ``> /etc/pip.conf``...)."""
    text = target.strip()
    if "GITHUB_ENV" in text:
        return "dotenv"
    base = posixpath.basename(text.replace("\\", "/")).lower()
    if base in ("pip.conf", "pip.ini"):
        return "pipconf"
    if base in (".condarc", "condarc", ".mambarc"):
        return "condarc"
    if base == "uv.toml":
        return "uvtoml"
    if base in (".gitconfig", "gitconfig") or text.endswith(("/git/config", ".git/config")):
        return "gitconfig"
    if base in (".npmrc", "npmrc"):
        return "npmrc"
    if base in (".bashrc", ".bash_profile", ".profile", ".zshrc", ".zshenv", ".zprofile", ".bash_aliases", "bashrc"):
        return "shell"
    if "/profile.d/" in text or base.endswith(".sh"):
        return "shell"
    if base == ".env" or base.endswith(".env") or "GITLAB_ENV" in text:
        return "dotenv"
    if base in ("pydistutils.cfg", ".pydistutils.cfg"):
        return "setupcfg"
    if re.match(r".*requirements.*\.(txt|in)$", base) or re.match(r"constraints.*\.txt$", base):
        return "requirements"
    return None


def _flag_letters(token: str, value_letters: frozenset[str]) -> str:
    """Letters of a short-option bundle up to the first that takes a value (``-sSLk`` -> ``sSLk``)."""
    out = []
    for letter in token[1:]:
        if letter in value_letters:
            break
        out.append(letter)
    return "".join(out)


def _all_loopback(urls: list[str]) -> bool:
    if not urls:
        return False
    for url in urls:
        origin = origins.parse(url)
        if origin is None or not origins.is_loopback(origin.host):
            return False
    return True


def _variable_name(text: str) -> str:
    return text.strip().lstrip("$").strip("{}()").split(":", 1)[0]


def _options_variable(text: str) -> bool:
    name = text.strip("${}()").upper()
    return any(part in name for part in ("OPT", "ARG", "FLAG", "PIP_", "INDEX", "EXTRA"))


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
            spec = text[i + 1]
            if spec == "%":
                out.append("%")
            else:
                out.append(_unescape(values.pop(0)) if values else "")
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
