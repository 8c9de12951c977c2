"""TOML sources: pyproject.toml ([tool.uv], [tool.poetry], [tool.pdm], [tool.tox], [project] and
friends), uv.toml, poetry.toml / Poetry's config.toml, pdm.toml, Pipfile, tox.toml."""

from __future__ import annotations

import re
from typing import Any

from pip_tls_setup.policy import booleans, checks, invocations, shell
from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.parsers import LimitReached, ParseError, requirements
from pip_tls_setup.policy.toml import Document, TomlError, TomlTooDeep, loads

Path = tuple[Any, ...]


def _load(text: str) -> Document:
    try:
        return loads(text)
    except TomlTooDeep as exc:
        raise LimitReached(exc.line, exc.problem) from None
    except TomlError as exc:
        raise ParseError(exc.line, f"not valid TOML ({exc.problem})") from None


def _strings(value: Any) -> list[tuple[int | None, str]]:
    """(index, text) for a string or an array of strings."""
    if isinstance(value, str):
        return [(None, value)]
    if isinstance(value, list):
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str)]
    return []


def _line(doc: Document, path: Path, index: int | None) -> int:
    return doc.line(*path, index) if index is not None else doc.line(*path)


# -- uv ------------------------------------------------------------------------------------------------


_UV_INDEX_KEYS = ("index-url", "extra-index-url", "find-links")


def uv_settings(doc: Document, base: Path, ctx: ScanContext) -> None:
    table = doc.get(*base)
    if not isinstance(table, dict):
        return
    label = ".".join(map(str, base)) if base else "uv.toml"
    _uv_hosts(doc, base, table, label, ctx)
    _uv_indexes(doc, base, table, label, ctx)
    for i, index_table in enumerate(table.get("index") or []):
        if isinstance(index_table, dict) and isinstance(index_table.get("url"), str):
            checks.uv_index(index_table["url"], doc.line(*base, "index", i, "url"), ctx, f"[[{label}.index]] url")
    pip = table.get("pip")
    if isinstance(pip, dict):
        _uv_indexes(doc, (*base, "pip"), pip, f"{label}.pip", ctx)
        _uv_hosts(doc, (*base, "pip"), pip, f"{label}.pip", ctx)
    _uv_sources(doc, base, table.get("sources"), ctx)


def _uv_hosts(doc: Document, path: Path, table: dict[str, Any], label: str, ctx: ScanContext) -> None:
    for index, host in _strings(table.get("allow-insecure-host")):
        line = _line(doc, (*path, "allow-insecure-host"), index)
        checks.uv_insecure_hosts([host], line, ctx, f"allow-insecure-host in {label}")


def _uv_indexes(doc: Document, path: Path, table: dict[str, Any], label: str, ctx: ScanContext) -> None:
    for key in _UV_INDEX_KEYS:
        for index, url in _strings(table.get(key)):
            checks.uv_index(url, _line(doc, (*path, key), index), ctx, f"{key} in {label}")


def _uv_sources(doc: Document, base: Path, sources: Any, ctx: ScanContext) -> None:
    """``[tool.uv.sources]``: a package from a URL or a git repository (one table, or a list of them)."""
    if not isinstance(sources, dict):
        return
    for name, source in sources.items():
        several = isinstance(source, list)
        for entry_index, entry in enumerate(source if several else [source]):
            where = (*base, "sources", name) + ((entry_index,) if several else ())
            for key, url in _direct_urls(entry):
                checks.requirement_url(url, doc.line(*where, key), ctx, f"uv source {name}")


def _direct_urls(entry: Any) -> list[tuple[str, str]]:
    """(key, URL as pip sees it) of a source table's ``url`` and ``git`` (``git+`` prefixed)."""
    if not isinstance(entry, dict):
        return []
    found = []
    for key in ("url", "git"):
        if isinstance(entry.get(key), str):
            found.append((key, entry[key] if key == "url" else "git+" + entry[key]))
    return found


def uvtoml(text: str, ctx: ScanContext) -> None:
    uv_settings(_load(text), (), ctx)


# -- pyproject.toml ------------------------------------------------------------------------------------


def pyproject(text: str, ctx: ScanContext) -> None:
    doc = _load(text)
    uv_settings(doc, ("tool", "uv"), ctx)
    _poetry(doc, ctx)
    pdm_sources(doc, ("tool", "pdm", "source"), ctx)
    _project_requirements(doc, ctx)
    _hatch(doc, ctx)
    cibuildwheel(doc, ctx)
    tox_table(doc, ("tool", "tox"), ctx)
    legacy = doc.get("tool", "tox", "legacy_tox_ini")
    if isinstance(legacy, str):
        from pip_tls_setup.policy.parsers import ini

        ini.toxini(legacy, ctx.shifted(doc.line("tool", "tox", "legacy_tox_ini") + 1))


def _poetry(doc: Document, ctx: ScanContext) -> None:
    """``[[tool.poetry.source]]`` URLs and dependencies from a URL or git repository."""
    for i, source in enumerate(doc.get("tool", "poetry", "source") or []):
        if isinstance(source, dict) and isinstance(source.get("url"), str):
            where = doc.line("tool", "poetry", "source", i, "url")
            checks.source_url(source["url"], where, ctx, "PTS204", "[[tool.poetry.source]] url")
    for group_path in _poetry_dependency_tables(doc):
        for name, spec in (doc.get(*group_path) or {}).items():
            for entry in spec if isinstance(spec, list) else [spec]:
                for _, url in _direct_urls(entry):
                    checks.requirement_url(url, doc.line(*group_path, name), ctx, f"poetry dependency {name}")


def _project_requirements(doc: Document, ctx: ScanContext) -> None:
    """PEP 621 dependencies, optional dependencies, PEP 735 groups and the build requirements."""
    project = doc.get("project") or {}
    for index, spec in _strings(project.get("dependencies")):
        checks.requirement_url(spec, _line(doc, ("project", "dependencies"), index), ctx, "dependency")
    for group, specs in (project.get("optional-dependencies") or {}).items():
        for index, spec in _strings(specs):
            path = ("project", "optional-dependencies", group)
            checks.requirement_url(spec, _line(doc, path, index), ctx, "optional dependency")
    for group, specs in (doc.get("dependency-groups") or {}).items():
        for index, spec in _strings(specs):
            checks.requirement_url(spec, _line(doc, ("dependency-groups", group), index), ctx, "dependency group")
    for index, spec in _strings(doc.get("build-system", "requires")):
        checks.requirement_url(spec, _line(doc, ("build-system", "requires"), index), ctx, "build requirement")


def _hatch(doc: Document, ctx: ScanContext) -> None:
    """Hatch environments' ``env-vars``."""
    for env_name, env_table in (doc.get("tool", "hatch", "envs") or {}).items():
        if isinstance(env_table, dict):
            for key in ("env-vars", "env_vars"):
                for name, value in (env_table.get(key) or {}).items():
                    if isinstance(value, str):
                        checks.variable(name, value, doc.line("tool", "hatch", "envs", env_name, key, name), ctx)


def _poetry_dependency_tables(doc: Document) -> list[Path]:
    paths: list[Path] = [("tool", "poetry", "dependencies"), ("tool", "poetry", "dev-dependencies")]
    for group in doc.get("tool", "poetry", "group") or {}:
        paths.append(("tool", "poetry", "group", group, "dependencies"))
    return [p for p in paths if isinstance(doc.get(*p), dict)]


def pdm_sources(doc: Document, path: Path, ctx: ScanContext) -> None:
    for i, source in enumerate(doc.get(*path) or []):
        if not isinstance(source, dict):
            continue
        url = source.get("url")
        if isinstance(url, str):
            checks.source_url(url, doc.line(*path, i, "url"), ctx, "PTS204", "PDM source")
        if source.get("verify_ssl") is False:
            name = source.get("name", "?")
            ctx.add(
                "PTS104",
                doc.line(*path, i, "verify_ssl"),
                f"PDM source '{name}' has verify_ssl = false: PDM skips certificate verification for it",
            )


def cibuildwheel(doc: Document, ctx: ScanContext) -> None:
    table = doc.get("tool", "cibuildwheel")
    if not isinstance(table, dict):
        return
    tables: list[tuple[Path, dict[str, Any]]] = [(("tool", "cibuildwheel"), table)]
    for platform in ("linux", "macos", "windows"):
        sub = table.get(platform)
        if isinstance(sub, dict):
            tables.append((("tool", "cibuildwheel", platform), sub))
    for path, entry in tables:
        _cibuildwheel_environment(doc, path, entry.get("environment"), ctx)
        for key in ("before-all", "before-build", "before-test", "test-command"):
            for index, command in _strings(entry.get(key)):
                invocations.analyse(command, ctx.at_line(_line(doc, (*path, key), index)))


def _cibuildwheel_environment(doc: Document, path: Path, environment: Any, ctx: ScanContext) -> None:
    """``environment = "A=1 B=2"`` (shell words) or ``environment = {A = "1"}``."""
    if isinstance(environment, str):
        line = doc.line(*path, "environment")
        for word in shell.split_words(environment):
            name, eq, value = word.text.partition("=")
            if eq:
                checks.variable(name, value, line, ctx)
    elif isinstance(environment, dict):
        for name, value in environment.items():
            if isinstance(value, str):
                checks.variable(name, value, doc.line(*path, "environment", name), ctx)


def tox_table(doc: Document, base: Path, ctx: ScanContext) -> None:
    table = doc.get(*base)
    if not isinstance(table, dict):
        return
    envs: list[Path] = [(*base, "env_run_base")]
    for name in table.get("env") or {}:
        envs.append((*base, "env", name))
    for path in envs:
        env = doc.get(*path)
        if not isinstance(env, dict):
            continue
        for name, value in (env.get("set_env") or {}).items():
            if isinstance(value, str):
                checks.variable(name, value, doc.line(*path, "set_env", name), ctx)
        for index, dep in _strings(env.get("deps")):
            requirements.parse(dep + "\n", ctx.at_line(_line(doc, (*path, "deps"), index)))
        _tox_argv(env.get("install_command"), doc.line(*path, "install_command"), ctx)
        for key in ("commands", "commands_pre", "commands_post"):
            for i, command in enumerate(env.get(key) or []):
                _tox_argv(command, doc.line(*path, key, i), ctx)


def _tox_argv(command: Any, line: int, ctx: ScanContext) -> None:
    """A tox command as an array of arguments (no shell): all of it reported at ``line``."""
    if isinstance(command, list) and all(isinstance(a, str) for a in command):
        invocations.analyse_argv([shell.Word(a, 0, 0) for a in command], ctx.at_line(line))


def toxtoml(text: str, ctx: ScanContext) -> None:
    tox_table(_load(text), (), ctx)


# -- Poetry, PDM, Pipenv config ----------------------------------------------------------------------


def poetry_config(text: str, ctx: ScanContext) -> None:
    doc = _load(text)
    for name, entry in (doc.get("certificates") or {}).items():
        if isinstance(entry, dict):
            for key in ("cert", "verify"):  # Poetry 2 reads certificates.<name>.verify before .cert
                _poetry_certificate(doc, name, key, entry.get(key), ctx)
    for name, entry in (doc.get("repositories") or {}).items():
        url = entry.get("url") if isinstance(entry, dict) else entry
        if isinstance(url, str):
            path = ("repositories", name, "url") if isinstance(entry, dict) else ("repositories", name)
            checks.source_url(url, doc.line(*path), ctx, "PTS204", f"repositories.{name}.url")


def _poetry_certificate(doc: Document, name: str, key: str, value: Any, ctx: ScanContext) -> None:
    """``certificates.<name>.cert`` / ``.verify``: the boolean false switches verification off; a string
    is a CA bundle path (even "false", which Poetry then fails to open)."""
    line = doc.line("certificates", name, key)
    setting = f"certificates.{name}.{key}"
    if value is False:
        ctx.add("PTS103", line, f"{setting} = false: Poetry skips TLS certificate verification for repository '{name}'")
    elif isinstance(value, str) and checks.is_false(value):
        ctx.add(
            "PTS302",
            line,
            f'{setting} = "{value}": a string is a path to Poetry, so this points its certificate checks at a CA '
            f"bundle named '{value}' (a missing file: downloads from '{name}' fail); it is not the boolean false",
        )
    elif isinstance(value, str):
        checks.ca_path(setting, value, line, ctx)


def pdm_config(text: str, ctx: ScanContext) -> None:
    doc = _load(text)
    pypi = doc.get("pypi")
    if not isinstance(pypi, dict):
        return
    tables: list[tuple[Path, dict[str, Any]]] = [(("pypi",), pypi)]
    tables += [(("pypi", k), v) for k, v in pypi.items() if isinstance(v, dict)]
    repositories = doc.get("repository")
    if isinstance(repositories, dict):
        tables += [(("repository", k), v) for k, v in repositories.items() if isinstance(v, dict)]
    for path, table in tables:
        label = ".".join(path)
        if isinstance(table.get("url"), str):
            checks.source_url(table["url"], doc.line(*path, "url"), ctx, "PTS204", f"{label}.url")
        verify = table.get("verify_ssl")
        # pypi.verify_ssl is coerced (ensure_boolean: "no", "0", "" are false); named sources are not
        coerced = path == ("pypi",) and isinstance(verify, str) and booleans.pdm(verify)
        if verify is False or coerced:
            ctx.add(
                "PTS104", doc.line(*path, "verify_ssl"), f"{label}.verify_ssl = false: PDM skips certificate checks"
            )
        if isinstance(table.get("ca_certs"), str):
            checks.ca_path(f"{label}.ca_certs", table["ca_certs"], doc.line(*path, "ca_certs"), ctx)


def pipfile(text: str, ctx: ScanContext) -> None:
    doc = _load(text)
    for i, source in enumerate(doc.get("source") or []):
        if not isinstance(source, dict):
            continue
        url = str(source["url"]) if isinstance(source.get("url"), str) else ""
        if url:
            checks.source_url(url, doc.line("source", i, "url"), ctx, "PTS204", "Pipfile [[source]] url")
        if source.get("verify_ssl") is False:  # pipenv tests truthiness: the string "false" is true
            host = re.sub(r"^[a-z+]+://([^/@]*@)?", "", url).split("/", 1)[0] or str(source.get("name", "?"))
            ctx.add(
                "PTS104",
                doc.line("source", i, "verify_ssl"),
                f"Pipfile source '{source.get('name', host)}' has verify_ssl = false: pipenv runs pip with "
                f"--trusted-host {host}, which switches certificate verification off",
                host=host,
            )
