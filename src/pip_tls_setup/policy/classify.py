"""Which files are worth reading, decided from the path alone (no I/O).

The walker calls :func:`kind_of` on every file name; only files with a kind are opened.
Extension-less executables are the one case that needs a peek (a shebang), see
:func:`needs_shebang`.
"""

from __future__ import annotations

import re

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "node_modules",
        ".venv",
        "venv",
        ".virtualenv",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        ".eggs",
        "build",
        "dist",
        "site-packages",
        "htmlcov",
        ".cache",
        ".gradle",
        ".idea",
        ".terraform",
        "bower_components",
        ".next",
        ".yarn",
        "target",
    }
)

_EXACT = {
    "dockerfile": "dockerfile",
    "containerfile": "dockerfile",
    "pip.conf": "pipconf",
    "pip.ini": "pipconf",
    "setup.cfg": "setupcfg",
    ".pydistutils.cfg": "setupcfg",
    "pydistutils.cfg": "setupcfg",
    "tox.ini": "toxini",
    "tox.toml": "toxtoml",
    "pyproject.toml": "pyproject",
    "uv.toml": "uvtoml",
    "poetry.toml": "poetrytoml",
    "pdm.toml": "pdmtoml",
    ".pdm.toml": "pdmtoml",
    "pipfile": "pipfile",
    "pipfile.lock": "pipfilelock",
    "devcontainer.json": "devcontainer",
    ".devcontainer.json": "devcontainer",
    ".gitlab-ci.yml": "gitlab",
    ".gitlab-ci.yaml": "gitlab",
    ".pre-commit-config.yaml": "precommit",
    ".pre-commit-config.yml": "precommit",
    ".condarc": "condarc",
    "condarc": "condarc",
    ".mambarc": "condarc",
    ".gitconfig": "gitconfig",
    "gitconfig": "gitconfig",
    ".npmrc": "npmrc",
    "npmrc": "npmrc",
    "makefile": "makefile",
    "gnumakefile": "makefile",
    "jenkinsfile": "jenkinsfile",
    "sitecustomize.py": "pycustomize",
    "usercustomize.py": "pycustomize",
    ".env": "dotenv",
    ".envrc": "shell",
    ".flaskenv": "dotenv",
    ".bashrc": "shell",
    ".bash_profile": "shell",
    ".bash_login": "shell",
    ".bash_aliases": "shell",
    ".profile": "shell",
    ".zshrc": "shell",
    ".zshenv": "shell",
    ".zprofile": "shell",
    ".kshrc": "shell",
    "bashrc": "shell",
    "bash.bashrc": "shell",
    "bitbucket-pipelines.yml": "ci",
    ".drone.yml": "ci",
    ".travis.yml": "ci",
    "appveyor.yml": "ci",
    ".appveyor.yml": "ci",
    "cloudbuild.yaml": "ci",
    "cloudbuild.yml": "ci",
    "codemagic.yaml": "ci",
    ".woodpecker.yml": "ci",
    ".woodpecker.yaml": "ci",
    "buildspec.yml": "ci",
    "environment.yml": "condaenv",
    "environment.yaml": "condaenv",
}
_SUFFIX = (
    (".dockerfile", "dockerfile"),
    (".containerfile", "dockerfile"),
    (".sh", "shell"),
    (".bash", "shell"),
    (".zsh", "shell"),
    (".ksh", "shell"),
    (".ps1", "powershell"),
    (".psm1", "powershell"),
    (".bat", "batch"),
    (".cmd", "batch"),
    (".mk", "makefile"),
    (".env", "dotenv"),
    (".pth", "pycustomize"),
    (".jenkinsfile", "jenkinsfile"),
    (".gitlab-ci.yml", "gitlab"),
    (".gitlab-ci.yaml", "gitlab"),
)
_CODE_SUFFIXES = (".py", ".js", ".ts", ".json", ".md", ".sh", ".yml", ".yaml", ".toml", ".txt", ".rst")
_NOT_DOCKERFILE = (*_CODE_SUFFIXES, ".dockerignore", ".ignore", ".lock", ".html", ".xml", ".ini", ".cfg", ".csv")
_REQUIREMENTS = re.compile(r"^(.*[-_.])?(requirements|constraints|reqs)([-_.].*)?\.(txt|in|pip)$")
_COMPOSE = re.compile(r"^(docker-)?compose([-_.].*)?\.ya?ml$|^.*\.compose\.ya?ml$")
_CONDA_ENV = re.compile(r"^(.*[-_.])?environment([-_.].*)?\.ya?ml$")
_AZURE = re.compile(r"^(.*[-_.])?azure-pipelines?([-_.].*)?\.ya?ml$")


_IN_DIRECTORY = {  # (parent directory, name) -> kind: user-level configs of tools
    ("pypoetry", "config.toml"): "poetrytoml",
    ("pypoetry", "auth.toml"): "poetrytoml",
    ("pdm", "config.toml"): "pdmtoml",
    ("uv", "uv.toml"): "uvtoml",
}
_CI_DIRECTORIES = frozenset({".circleci", ".buildkite", ".woodpecker", ".azure-pipelines"})
_REQUIREMENTS_DIRECTORIES = frozenset({"requirements", "reqs", "constraints"})


def kind_of(relpath: str) -> str | None:
    """The source kind of a file (POSIX path relative to the scan root), or None to skip it."""
    parts = relpath.split("/")
    lower = parts[-1].lower()
    parent = parts[-2].lower() if len(parts) > 1 else ""
    kind = _EXACT.get(lower)
    if kind is not None:
        return kind
    if lower.startswith(("dockerfile.", "containerfile.", "dockerfile-")) and not lower.endswith(_NOT_DOCKERFILE):
        return "dockerfile"
    if lower.endswith((".yml", ".yaml")):
        return _yaml_kind(parts, lower, parent)
    if lower.startswith(".env."):
        return "dotenv" if not lower.endswith(_CODE_SUFFIXES) else _by_suffix(lower)
    if _REQUIREMENTS.match(lower) or (lower.endswith(".txt") and parent in _REQUIREMENTS_DIRECTORIES):
        return "requirements"
    kind = _IN_DIRECTORY.get((parent, lower))
    return kind if kind is not None else _by_suffix(lower)  # (profile.d/*.sh is shell by its suffix)


def _yaml_kind(parts: list[str], lower: str, parent: str) -> str | None:
    """A YAML file: which CI system, compose, conda, or none, from its name and directories."""
    grand = parts[-3].lower() if len(parts) > 2 else ""
    if parent == "workflows" and grand == ".github":
        return "github"
    if lower in ("action.yml", "action.yaml"):
        return "githubaction"
    if ".gitlab" in parts[:-1] or lower.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")):
        return "gitlab"
    if parent == "templates" or (grand == "templates" and lower in ("template.yml", "template.yaml")):
        return "gitlab"  # GitLab CI/CD catalog components: templates/<name>.yml, templates/<name>/template.yml
    if parent in _CI_DIRECTORIES or _AZURE.match(lower):
        return "ci"
    if _COMPOSE.match(lower):
        return "compose"
    if parent == "condarc.d":
        return "condarc"
    if _CONDA_ENV.match(lower):
        return "condaenv"
    return None


def guessed(relpath: str) -> bool:
    """Whether the kind comes only from a directory name (``templates/*.yml`` may be a Helm chart's Go
    template, not a GitLab component): such a file that does not parse is a note, not a PTS701 error."""
    parts = relpath.split("/")
    lower = parts[-1].lower()
    if not lower.endswith((".yml", ".yaml")) or ".gitlab" in parts[:-1] or lower.endswith(("-ci.yml", "-ci.yaml")):
        return False
    parent = parts[-2].lower() if len(parts) > 1 else ""
    grand = parts[-3].lower() if len(parts) > 2 else ""
    return parent == "templates" or (grand == "templates" and lower in ("template.yml", "template.yaml"))


def _by_suffix(lower: str) -> str | None:
    for suffix, kind in _SUFFIX:
        if lower.endswith(suffix):
            return kind
    return None


def needs_shebang(name: str) -> bool:
    """Extension-less files (``bin/bootstrap``) may be shell scripts: the walker peeks at executable ones."""
    return "." not in name and not name.startswith(".")


def shebang_kind(head: bytes) -> str | None:
    if not head.startswith(b"#!"):
        return None
    first = head.split(b"\n", 1)[0]
    if re.search(rb"\b(ba|da|z|k|mk)?sh\b", first):
        return "shell"
    return None
