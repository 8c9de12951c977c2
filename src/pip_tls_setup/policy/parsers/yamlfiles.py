"""YAML sources: GitHub workflows and composite actions, GitLab CI, other CI systems,
docker-compose, conda's .condarc and environment.yml, pre-commit.

Files are *composed* (not constructed) with PyYAML, so every value keeps its line, custom
tags such as GitLab's ``!reference`` are harmless, and anchors/merge keys resolve to the
same nodes. A ``run: |`` block maps line by line onto the file.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pip_tls_setup.policy import booleans, checks, invocations, shell
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.parsers import LimitReached, ParseError, requirements

Node = Any  # yaml.Node; PyYAML is imported lazily

# Aliases make a composed document a graph: nine anchors each listing the previous one nine times are 9^9
# paths to walk through ~600 bytes. Each node is walked once per role (a shared node reports at its own line
# either way), merge keys expand each merged mapping once, and a budget bounds the rest.
MAX_STEPS = 1_000_000  # node visits and merged keys per file
MAX_DEPTH = 100  # nesting of sequences, mappings and merges walked
_F = TypeVar("_F", bound=Callable[..., None])


class _Guard:
    def __init__(self) -> None:
        self.seen: set[tuple[int, str]] = set()
        self.steps = 0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise LimitReached(None, f"expands YAML aliases and merge keys past {MAX_STEPS} steps")

    def first(self, node: Node, role: str) -> bool:
        """True the first time ``node`` is walked as ``role`` in this file."""
        self.step()
        key = (id(node), role)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


_GUARD: contextvars.ContextVar[_Guard | None] = contextvars.ContextVar("yaml_guard", default=None)


def _guard() -> _Guard:
    guard = _GUARD.get()
    return guard if guard is not None else _Guard()  # a helper called outside a parser: nothing to share


def guarded(parser: _F) -> _F:
    """A parser entry point: one guard (seen nodes, step budget) for the whole file."""

    @functools.wraps(parser)
    def run(text: str, ctx: ScanContext) -> None:
        token = _GUARD.set(_Guard())
        try:
            parser(text, ctx)
        finally:
            _GUARD.reset(token)

    return run  # type: ignore[return-value]


def _too_deep(node: Node, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise LimitReached(line_of(node), f"nests YAML deeper than {MAX_DEPTH} levels")


def _load(text: str) -> list[Node]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [doc for doc in yaml.compose_all(text, Loader=loader) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParseError(mark.line + 1 if mark is not None else None, f"not valid YAML ({problem})") from None


def _kind(node: Node) -> str:
    return type(node).__name__  # ScalarNode, MappingNode, SequenceNode


def items(node: Node) -> list[tuple[str, Node, Node]]:
    """The (name, key node, value node) of a mapping, merge keys (``<<: *base``) expanded; each merged
    mapping once, however often it is merged (directly or through other merges)."""
    if node is None or _kind(node) != "MappingNode":
        return []
    out: list[tuple[str, Node, Node]] = []
    _merge_into(node, out, {id(node)}, 0)
    return out


def _merge_into(node: Node, out: list[tuple[str, Node, Node]], merged: set[int], depth: int) -> None:
    _too_deep(node, depth)
    guard = _guard()
    guard.step(len(node.value))
    for key, value in node.value:
        name = key.value if _kind(key) == "ScalarNode" else ""
        if name != "<<":
            out.append((str(name), key, value))
            continue
        for part in value.value if _kind(value) == "SequenceNode" else [value]:
            if _kind(part) == "MappingNode" and id(part) not in merged:
                merged.add(id(part))
                _merge_into(part, out, merged, depth + 1)


def get(node: Node, key: str) -> Node:
    for name, _, value in items(node):
        if name == key:
            return value
    return None


def seq(node: Node) -> list[Node]:
    if node is None or _kind(node) != "SequenceNode":
        return []
    return list(node.value)


def scalar(node: Node) -> str | None:
    if node is None or _kind(node) != "ScalarNode":
        return None
    value: str = node.value
    if node.tag.endswith(":null") or (node.style is None and value in ("~", "null", "Null", "NULL")):
        return ""
    return value


def line_of(node: Node) -> int:
    if node is None:
        return 1
    first: int = node.start_mark.line + 1
    if _kind(node) == "ScalarNode" and node.style in ("|", ">"):
        return first + 1
    return first


def script(node: Node, ctx: ScanContext, depth: int = 0) -> None:
    """A shell script: a scalar, or a list of scalars (GitLab ``script:``, nested lists flattened)."""
    if node is None or not _guard().first(node, "script"):
        return
    _too_deep(node, depth)
    text = scalar(node)
    if text is not None:
        if node.style in ("|", None, "'", '"'):
            invocations.analyse(text, ctx.shifted(line_of(node)))
        else:  # folded: lines do not map one to one
            invocations.analyse(text, ctx.at_line(line_of(node)))
        return
    for item in seq(node):
        if _kind(item) == "MappingNode":
            walk_ci(item, ctx, depth + 1)
        else:
            script(item, ctx, depth + 1)


def env_map(node: Node, ctx: ScanContext, depth: int = 0) -> None:
    """``env:`` / ``variables:`` / ``environment:`` in any of their shapes."""
    if node is None or not _guard().first(node, "env"):
        return
    _too_deep(node, depth)
    if _kind(node) == "MappingNode":
        for name, _, value in items(node):
            text = scalar(value)
            if text is not None:
                checks.variable(name, text, line_of(value), ctx)
            elif _kind(value) == "MappingNode" and get(value, "value") is not None:
                inner = get(value, "value")  # GitLab: VAR: {value: ..., description: ...}
                checks.variable(name, scalar(inner) or "", line_of(inner), ctx)
            else:
                env_map(value, ctx, depth + 1)
        return
    for item in seq(node):
        _env_item(item, ctx, depth + 1)


def _env_item(item: Node, ctx: ScanContext, depth: int) -> None:
    """One entry of an environment list: ``K=V`` words, ``{name, value}``, or a nested map or list."""
    text = scalar(item)
    if text is not None:
        for word in shell.split_words(text):
            name, eq, value = word.text.partition("=")
            if eq:
                checks.variable(name, value, line_of(item), ctx)
        return
    name_node, value_node = get(item, "name"), get(item, "value")
    if name_node is not None and value_node is not None:
        checks.variable(scalar(name_node) or "", scalar(value_node) or "", line_of(value_node), ctx)
    else:
        env_map(item, ctx, depth)


# -- GitHub Actions ------------------------------------------------------------------------------------


@guarded
def github_workflow(text: str, ctx: ScanContext) -> None:
    for doc in _load(text):
        env_map(get(doc, "env"), ctx)
        for _, _, job in items(get(doc, "jobs")):
            env_map(get(job, "env"), ctx)
            container = get(job, "container")
            env_map(get(container, "env"), ctx)
            for _, _, service in items(get(job, "services")):
                env_map(get(service, "env"), ctx)
            github_steps(get(job, "steps"), ctx)


@guarded
def github_action(text: str, ctx: ScanContext) -> None:
    for doc in _load(text):
        runs = get(doc, "runs")
        env_map(get(runs, "env"), ctx)
        github_steps(get(runs, "steps"), ctx)


def github_steps(node: Node, ctx: ScanContext) -> None:
    for step in seq(node):
        env_map(get(step, "env"), ctx)
        shell_name = (scalar(get(step, "shell")) or "").lower()
        run = get(step, "run")
        if run is not None and not shell_name.startswith(("python", "cmd")):
            script(run, ctx)
        for name, _, value in items(get(step, "with")):
            text = scalar(value)
            if text is None:
                continue
            if name == "pip-install":  # actions/setup-python: "pip install <this>"
                invocations.analyse("pip install " + text.replace("\n", " "), ctx.at_line(line_of(value)))
            elif name in ("build-args", "build_args"):
                for offset, entry in enumerate(text.splitlines()):
                    key, eq, val = entry.strip().partition("=")
                    if eq:
                        line = line_of(value) + (offset if value.style == "|" else 0)
                        checks.variable(key, val, line, ctx)
            elif name in ("run", "script", "command", "commands"):
                script(value, ctx)


# -- GitLab CI -----------------------------------------------------------------------------------------

_GITLAB_RESERVED = frozenset(
    {"image", "services", "stages", "types", "before_script", "after_script", "variables", "cache", "include"}
    | {"workflow", "default", "spec", "pages:deploy"}
)


@guarded
def gitlab(text: str, ctx: ScanContext) -> None:
    for doc in _load(text):
        if _kind(doc) != "MappingNode":
            continue
        env_map(get(doc, "variables"), ctx)
        gitlab_include(get(doc, "include"), ctx)
        for rule in seq(get(get(doc, "workflow"), "rules")):
            env_map(get(rule, "variables"), ctx)
        gitlab_job(get(doc, "default"), ctx)
        for key in ("before_script", "after_script"):
            node = get(doc, key)
            if node is not None:
                script(node, ctx)
        for name, _, job in items(doc):
            if name not in _GITLAB_RESERVED and _kind(job) == "MappingNode":
                gitlab_job(job, ctx)


def gitlab_job(job: Node, ctx: ScanContext) -> None:
    if job is None:
        return
    env_map(get(job, "variables"), ctx)
    for key in ("script", "before_script", "after_script"):
        node = get(job, key)
        if node is not None:
            script(node, ctx)
    hooks = get(job, "hooks")
    if hooks is not None:
        node = get(hooks, "pre_get_sources_script")
        if node is not None:
            script(node, ctx)
    for rule in seq(get(job, "rules")):
        env_map(get(rule, "variables"), ctx)
    for service in seq(get(job, "services")):
        env_map(get(service, "variables"), ctx)


def gitlab_include(node: Node, ctx: ScanContext) -> None:
    if node is None:
        return
    text = scalar(node)
    if text is not None:
        if "://" in text:
            checks.source_url(text, line_of(node), ctx, "PTS208", "include")
        elif text.endswith((".yml", ".yaml")):
            ctx.follow(text.lstrip("/"), "gitlab", line_of(node))
        return
    if _kind(node) == "SequenceNode":
        for item in seq(node):
            gitlab_include(item, ctx)
        return
    remote = get(node, "remote")
    if remote is not None:
        checks.source_url(scalar(remote) or "", line_of(remote), ctx, "PTS208", "include: remote")
    local = get(node, "local")
    if local is not None and scalar(local):
        ctx.follow((scalar(local) or "").lstrip("/"), "gitlab", line_of(local))


# -- other CI systems -----------------------------------------------------------------------------------

_SCRIPT_KEYS = frozenset(
    {"script", "before_script", "after_script", "run", "command", "commands", "bash", "sh", "inlinescript"}
    | {"install", "before_install", "after_success", "before_deploy", "powershell", "pwsh", "cmd"}
)
_ENV_KEYS = frozenset({"variables", "env", "environment", "envs"})


@guarded
def generic_ci(text: str, ctx: ScanContext) -> None:
    for doc in _load(text):
        walk_ci(doc, ctx)


def walk_ci(node: Node, ctx: ScanContext, depth: int = 0) -> None:
    if node is None or depth > 40 or not _guard().first(node, "walk"):
        return
    if _kind(node) == "MappingNode":
        for name, _, value in items(node):
            lowered = name.lower()
            if lowered in _ENV_KEYS:
                env_map(value, ctx)
            elif lowered in _SCRIPT_KEYS and (_kind(value) in ("ScalarNode", "SequenceNode")):
                script(value, ctx)
            else:
                walk_ci(value, ctx, depth + 1)
    elif _kind(node) == "SequenceNode":
        for item in node.value:
            walk_ci(item, ctx, depth + 1)


# -- docker-compose -------------------------------------------------------------------------------------


@guarded
def compose(text: str, ctx: ScanContext) -> None:
    for doc in _load(text):
        for _, _, service in items(get(doc, "services")):
            env_map(get(service, "environment"), ctx)
            build = get(service, "build")
            env_map(get(build, "args"), ctx)
            for key in ("command", "entrypoint"):
                node = get(service, key)
                if scalar(node) is not None:
                    invocations.analyse(scalar(node) or "", ctx.at_line(line_of(node)))
                elif seq(node):
                    words = [shell.Word(scalar(i) or "", 0, 0) for i in seq(node)]
                    invocations.analyse_argv(words, ctx.at_line(line_of(node)))
            env_file = get(service, "env_file")
            for item in [env_file] if scalar(env_file) is not None else seq(env_file):
                path = scalar(item) if scalar(item) is not None else scalar(get(item, "path"))
                if path:
                    ctx.follow(path, "dotenv", line_of(item))


# -- conda --------------------------------------------------------------------------------------------


@guarded
def condarc(text: str, ctx: ScanContext) -> None:
    for doc in _load(text):
        for name, _, value in items(doc):
            if name in ("ssl_verify", "verify_ssl"):
                _conda_ssl_verify(name, value, ctx)
            elif name in ("channels", "default_channels"):
                for item in seq(value):
                    checks.source_url(scalar(item) or "", line_of(item), ctx, "PTS205", f"conda {name}")
            elif name == "channel_alias":
                checks.source_url(scalar(value) or "", line_of(value), ctx, "PTS205", "conda channel_alias")
            elif name in ("custom_channels", "custom_multichannels"):
                for _, _, url in items(value):
                    for item in [url] if scalar(url) is not None else seq(url):
                        checks.source_url(scalar(item) or "", line_of(item), ctx, "PTS205", f"conda {name}")


def _conda_ssl_verify(name: str, value: Node, ctx: ScanContext) -> None:
    """``ssl_verify: false`` (verification off) or ``ssl_verify: <CA bundle path>``."""
    text_value = scalar(value)
    if text_value is None or value.tag.endswith(":null") or (value.style is None and text_value == ""):
        return  # a YAML null: conda's default (verification on)
    if booleans.conda(text_value):
        shown = text_value if text_value else '""'
        ctx.add("PTS105", line_of(value), f"{name}: {shown} switches conda's certificate checks off")
    elif text_value.lower() not in ("true", "yes", "on", "y", "1", "truststore"):
        checks.ca_path(f"conda {name}", text_value, line_of(value), ctx)


@guarded
def conda_env(text: str, ctx: ScanContext) -> None:
    for doc in _load(text):
        for item in seq(get(doc, "channels")):
            checks.source_url(scalar(item) or "", line_of(item), ctx, "PTS205", "conda channel")
        for dependency in seq(get(doc, "dependencies")):
            pip = get(dependency, "pip")
            for entry in seq(pip):
                line = scalar(entry)
                if line:
                    requirements.parse(line + "\n", ctx.at_line(line_of(entry)))
        env_map(get(doc, "variables"), ctx)


# -- pre-commit -----------------------------------------------------------------------------------------


@guarded
def precommit(text: str, ctx: ScanContext) -> None:
    for doc in _load(text):
        for repo in seq(get(doc, "repos")):
            url = scalar(get(repo, "repo"))
            if url and url not in ("local", "meta"):
                checks.source_url(url, line_of(get(repo, "repo")), ctx, "PTS206", "pre-commit repo")
            for hook in seq(get(repo, "hooks")):
                for dep in seq(get(hook, "additional_dependencies")):
                    checks.requirement_url(scalar(dep) or "", line_of(dep), ctx, "hook dependency")
