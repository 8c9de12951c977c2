"""What is in force on this machine (or in ``--root``): the environment, every pip config file
each target's pip reads, uv's, conda's, git's, Poetry's, PDM's and npm's user/system config.

Paths in the findings are the logical paths the target sees (``/etc/pip.conf``), with line
numbers. Environment findings have the path ``env:NAME`` and no line.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Collection, Iterable, Mapping, Sequence

from pip_tls_setup.policy import checks, reading
from pip_tls_setup.policy.context import Options, ScanContext
from pip_tls_setup.policy.findings import Finding, Hit, sort_key
from pip_tls_setup.policy.parsers import PARSERS, LimitReached, ParseError
from pip_tls_setup.policy.scanner import make_finding, unparsed
from pip_tls_setup.target.pythons import Target, version_tuple
from pip_tls_setup.target.root import Root

# Where CI systems check out the repository: a CA file there is chosen by the repository's content.
WORKSPACE_VARIABLES = (
    "GITHUB_WORKSPACE",
    "CI_PROJECT_DIR",
    "BUILD_SOURCESDIRECTORY",
    "BITBUCKET_CLONE_DIR",
    "CIRCLE_WORKING_DIRECTORY",
    "DRONE_WORKSPACE",
    "CI_WORKSPACE",
    "BUILDKITE_BUILD_CHECKOUT_PATH",
    "WORKSPACE",
)
TEMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108 - world-writable: what we flag
_DIRECTORY_VARIABLES = frozenset({"SSL_CERT_DIR", "GIT_SSL_CAPATH"})
MAX_CONFIG_SIZE = 1024 * 1024


def evaluate(
    root: Root,
    targets: Sequence[Target],
    env: Mapping[str, str],
    *,
    allow: Collection[str] = (),
) -> list[Finding]:
    """Insecure installer settings in force for ``targets`` under ``env``, sorted by path and line.

    ``allow`` lists CA paths that are known good even if they sit in a workspace or temporary
    directory (setup passes its own combined bundle, so its exports are never flagged).
    """
    evaluator = _Evaluator(root, targets, env, allow)
    evaluator.environment()
    evaluator.pip_configs()
    evaluator.uv_configs()
    evaluator.conda_configs()
    evaluator.git_configs()
    evaluator.poetry_pdm_configs()
    evaluator.npm_configs()
    return evaluator.result()


class _Evaluator:
    def __init__(self, root: Root, targets: Sequence[Target], env: Mapping[str, str], allow: Collection[str]) -> None:
        self.root = root
        self.targets = list(targets)
        self.env = dict(env)
        self.allow = {posixpath.normpath(a) for a in allow if a}
        self.home = env.get("HOME", "/root") if root.is_host else "/root"
        self.findings: list[Finding] = []
        self.read: set[tuple[str, str]] = set()
        workspaces = [env.get(name, "") for name in WORKSPACE_VARIABLES]
        self.workspaces = [posixpath.normpath(w) for w in workspaces if w and w.startswith("/") and w != "/"]

    # -- plumbing ------------------------------------------------------------------------------------
    def context(self, hits: list[Hit], kind: str) -> ScanContext:
        return ScanContext(
            kind,
            hits,
            parsers=PARSERS,
            options=Options(relative_paths_in_repo=False, runtime=True),
            ca_check=self.ca_check,
        )

    def result(self) -> list[Finding]:
        seen: set[tuple[str, str, int | None, str]] = set()
        out: list[Finding] = []
        for finding in sorted(self.findings, key=sort_key):
            key = (finding.rule, finding.path, finding.line, finding.message)
            if key not in seen:
                seen.add(key)
                out.append(finding)
        return out

    def old_requests(self) -> bool:
        """Some target's pip (<= 22.1.2) or requests (< 2.28) reads CURL_CA_BUNDLE='' as verify off."""
        for target in self.targets:
            if target.pip is not None and target.pip.version_tuple < (22, 2):
                return True
            if target.requests and version_tuple(target.requests) < (2, 28):
                return True
        return False

    # -- the environment ----------------------------------------------------------------------------------
    def environment(self) -> None:
        env = self.env
        for name in sorted(env):
            if name.startswith("PIP_TLS_SETUP"):
                continue
            hits: list[Hit] = []
            checks.variable(name, env[name], 0, self.context(hits, "env"))
            for hit in hits:
                finding = make_finding(hit, f"env:{name}")
                if hit.rule == "PTS107" and self.old_requests():
                    finding = finding.with_(severity="error")
                self.findings.append(finding)
        # git reads GIT_CONFIG_COUNT / GIT_CONFIG_KEY_<n> / GIT_CONFIG_VALUE_<n> like "git -c"
        try:
            count = int(env.get("GIT_CONFIG_COUNT", "0"))
        except ValueError:
            count = 0
        for index in range(min(count, 1000)):
            key = env.get(f"GIT_CONFIG_KEY_{index}", "")
            value = env.get(f"GIT_CONFIG_VALUE_{index}", "")
            hits = []
            checks.git_config(key, value, 0, self.context(hits, "env"), f"GIT_CONFIG_KEY_{index}")
            self.findings += [make_finding(h, f"env:GIT_CONFIG_KEY_{index}") for h in hits]

    # -- files ---------------------------------------------------------------------------------------
    def scan_file(self, logical: str, kind: str) -> None:
        logical = posixpath.normpath(logical)
        if (logical, kind) in self.read:
            return
        self.read.add((logical, kind))
        host = self.root.host(logical)
        if not os.path.lexists(host):
            return
        data = reading.read(host, MAX_CONFIG_SIZE)
        if isinstance(data, reading.Skipped):
            if "cannot be read" not in data.problem:  # a FIFO, a device, a huge file: say so, never block on it
                self.findings.append(make_finding(Hit("PTS402", None, f"{logical} {data.problem}"), logical))
            return
        text = reading.decode(data, kind)
        hits: list[Hit] = []
        try:
            PARSERS[kind](text, self.context(hits, kind))
        except LimitReached as exc:
            note = Hit("PTS402", exc.line, f"{logical} {exc.problem}; the rest is not checked")
            self.findings.append(make_finding(note, logical))
        except ParseError as exc:
            self.findings.append(unparsed(logical, exc.line, exc.problem))
        except RecursionError:
            self.findings.append(
                make_finding(Hit("PTS402", None, f"{logical} is nested too deeply; not checked"), logical)
            )
        lines = text.splitlines()
        self.findings += [make_finding(h, logical, lines) for h in hits]

    def pip_configs(self) -> None:
        config_file = self.env.get("PIP_CONFIG_FILE")
        if config_file is not None and config_file == os.devnull:
            return  # pip: "Skipping loading configuration files due to ... PIP_CONFIG_FILE being os.devnull"
        env_file_exists = bool(config_file) and self.root.host(config_file or "/").is_file()
        candidates: list[Target | None] = list(self.targets) or [None]
        for target in candidates:
            files = self.pip_files(target)
            order = list(files.get("global", []))
            if not env_file_exists:
                order += files.get("user", [])
            order += files.get("site", [])
            if config_file:
                order.append(config_file)
            for logical in order:
                self.scan_file(logical, "pipconf")

    def pip_files(self, target: Target | None) -> dict[str, list[str]]:
        if target is not None and target.pip is not None and target.pip.config_files:
            return {kind: list(paths) for kind, paths in target.pip.config_files.items()}
        # pip's standard locations (pip._internal.configuration.get_configuration_files) on POSIX
        xdg_dirs = self.env.get("XDG_CONFIG_DIRS") if self.root.is_host else None
        global_files = [posixpath.join(d, "pip", "pip.conf") for d in (xdg_dirs or "/etc/xdg").split(":") if d]
        global_files.append("/etc/pip.conf")
        config_home = (self.env.get("XDG_CONFIG_HOME") if self.root.is_host else None) or posixpath.join(
            self.home, ".config"
        )
        user_files = [posixpath.join(self.home, ".pip", "pip.conf"), posixpath.join(config_home, "pip", "pip.conf")]
        site = [posixpath.join(target.prefix, "pip.conf")] if target is not None else []
        return {"global": global_files, "user": user_files, "site": site}

    def uv_configs(self) -> None:
        if self.env.get("UV_NO_CONFIG"):
            return
        explicit = self.env.get("UV_CONFIG_FILE")
        if explicit:
            self.scan_file(explicit, "uvtoml")
            return
        xdg_dirs = (self.env.get("XDG_CONFIG_DIRS") if self.root.is_host else None) or "/etc/xdg"
        for directory in xdg_dirs.split(":"):
            if directory:
                self.scan_file(posixpath.join(directory, "uv", "uv.toml"), "uvtoml")
        self.scan_file("/etc/uv/uv.toml", "uvtoml")
        self.scan_file(posixpath.join(self.config_home(), "uv", "uv.toml"), "uvtoml")

    def config_home(self) -> str:
        configured = self.env.get("XDG_CONFIG_HOME") if self.root.is_host else None
        return configured or posixpath.join(self.home, ".config")

    def conda_configs(self) -> None:
        bases = ["/etc/conda", "/var/lib/conda"]
        for name in ("CONDA_ROOT",):
            if self.env.get(name):
                bases.append(self.env[name])
        bases += [posixpath.join(self.config_home(), "conda"), posixpath.join(self.home, ".conda")]
        if self.env.get("CONDA_PREFIX"):
            bases.append(self.env["CONDA_PREFIX"])
        for base in bases:
            for name in (".condarc", "condarc"):
                self.scan_file(posixpath.join(base, name), "condarc")
            for entry in self.list_dir(posixpath.join(base, "condarc.d")):
                if entry.endswith((".yml", ".yaml")):
                    self.scan_file(entry, "condarc")
        for path in (posixpath.join(self.home, ".condarc"), posixpath.join(self.home, ".mambarc")):
            self.scan_file(path, "condarc")
        for name in ("CONDARC", "MAMBARC"):
            if self.env.get(name):
                self.scan_file(self.env[name], "condarc")

    def list_dir(self, logical: str) -> Iterable[str]:
        host = self.root.host(logical)
        try:
            names = sorted(os.listdir(host))
        except OSError:
            return []
        return [posixpath.join(logical, n) for n in names]

    def git_configs(self) -> None:
        if not self.env.get("GIT_CONFIG_NOSYSTEM"):
            self.scan_file(self.env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig", "gitconfig")
        explicit = self.env.get("GIT_CONFIG_GLOBAL")
        if explicit:
            self.scan_file(explicit, "gitconfig")
        else:
            self.scan_file(posixpath.join(self.config_home(), "git", "config"), "gitconfig")
            self.scan_file(posixpath.join(self.home, ".gitconfig"), "gitconfig")

    def poetry_pdm_configs(self) -> None:
        poetry_dir = self.env.get("POETRY_CONFIG_DIR") or posixpath.join(self.config_home(), "pypoetry")
        self.scan_file(posixpath.join(poetry_dir, "config.toml"), "poetrytoml")
        # "poetry config certificates.<name>.cert" writes auth.toml next to config.toml
        self.scan_file(posixpath.join(poetry_dir, "auth.toml"), "poetrytoml")
        self.scan_file(posixpath.join(self.config_home(), "pdm", "config.toml"), "pdmtoml")

    def npm_configs(self) -> None:
        """npm's user and global npmrc (``strict-ssl``): ``npm_config_userconfig`` /
        ``npm_config_globalconfig`` (any case) when set, else ``~/.npmrc`` and ``$PREFIX/etc/npmrc`` for
        the usual prefixes, and the npmrc shipped inside npm itself."""
        lowered = {name.lower(): value for name, value in self.env.items()}
        self.scan_file(lowered.get("npm_config_userconfig") or posixpath.join(self.home, ".npmrc"), "npmrc")
        explicit = lowered.get("npm_config_globalconfig")
        prefixes = [lowered["npm_config_prefix"]] if lowered.get("npm_config_prefix") else ["/usr", "/usr/local"]
        for logical in [explicit] if explicit else [posixpath.join(p, "etc", "npmrc") for p in prefixes]:
            self.scan_file(logical, "npmrc")
        for prefix in ("/usr", "/usr/local"):
            self.scan_file(posixpath.join(prefix, "lib", "node_modules", "npm", "npmrc"), "npmrc")

    # -- CA paths as this machine resolves them ----------------------------------------------------
    def ca_check(self, name: str, value: str, line: int, ctx: ScanContext, column: int | None) -> None:
        value = value.strip()
        if not value or value.startswith(("http://", "https://")):
            return
        logical = value
        if not logical.startswith("/"):
            if not self.root.is_host:
                return  # relative to some process's working directory inside the image: nothing to judge
            logical = os.path.abspath(logical)
        logical = posixpath.normpath(logical)
        if logical in self.allow:
            return
        try:
            resolved = self.root.resolve(logical)
        except Exception:  # a symlink loop: the tool using it fails; not an insecure setting
            resolved = logical
        if resolved in self.allow:
            return
        for place in (logical, resolved):
            if any(place == d or place.startswith(d + "/") for d in TEMP_DIRS):
                ctx.add(
                    "PTS301",
                    line,
                    f"{name} replaces the trust roots with {value}, in a temporary directory any local user or "
                    "earlier step can write: whoever writes it can intercept every download",
                    column=column,
                )
                return
            for workspace in self.workspaces:
                if place == workspace or place.startswith(workspace + "/"):
                    ctx.add(
                        "PTS301",
                        line,
                        f"{name} replaces the trust roots with {value}, inside the CI workspace {workspace}, which "
                        "the repository's content controls",
                        column=column,
                    )
                    return
        host = self.root.host(resolved)
        expected_dir = name in _DIRECTORY_VARIABLES or name.lower().endswith("sslcapath")
        exists = host.is_dir() if expected_dir else host.is_file()
        if not exists:
            what = "directory" if expected_dir else "file"
            ctx.add(
                "PTS302",
                line,
                f'{name} points at {value}, which is not an existing {what}: pip fails with "Could not find a '
                'suitable TLS CA certificate bundle", uv trusts nothing',
                column=column,
            )
