"""The pieces of a reproducible build that ``tools/release.py`` puts together. Standard library only.

- ``build_env``: the environment every build step runs in. Nothing of the builder's own setup leaks in:
  pip's config files are off (``PIP_CONFIG_FILE=/dev/null``), no ``PIP_*`` or git configuration of the
  host, a private ``HOME``, a fixed locale and hash seed, ``SOURCE_DATE_EPOCH``. Only what downloads
  from the registry need passes through: the machine's CA variables, its proxy and ``PIP_INDEX_URL``
  (every download is hash-checked, so where it comes from does not change the result).
- ``source_date_epoch``: the time of the last commit that changed what goes into the wheel and the sdist.
- ``normalize_modes``: file modes of a checkout from git's index (0644, or 0755 for executables), not
  from the umask of whoever cloned it.
- ``normalize_sdist``: the sdist rewritten as the same files in a fixed form: members sorted by name,
  owner 0/0 with empty names, mtime ``SOURCE_DATE_EPOCH``, modes 0644/0755, pax format, and a gzip
  header with mtime 0 and no file name.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# What a download from the registry may need from the machine: its CA settings (pip honours PIP_CERT,
# REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE; the standard library's ssl and pip's truststore honour
# SSL_CERT_FILE/SSL_CERT_DIR), its proxy, and a mirror it must use instead of the default index.
PASSTHROUGH = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "PIP_CERT",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "PIP_INDEX_URL",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
)
# Inputs of the wheel and the sdist: SOURCE_DATE_EPOCH is the time of the last commit that changed one
# of them, so a later commit that only stamps the GitLab template (or edits docs) rebuilds the same bytes.
SDIST_INPUTS = (
    "src",
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "MANIFEST.in",
    "setup.cfg",
    "setup.py",
    "tools/build-requirements.txt",
)
FILE_MODE = 0o644
EXEC_MODE = 0o755


def build_env(
    home: Path, *, tz: str, epoch: int, pip_cache: Path, source: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of one build: clean, plus the machine's CA, proxy and index settings."""
    source = dict(os.environ) if source is None else source
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": SYSTEM_PATH,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": tz,
        "SOURCE_DATE_EPOCH": str(epoch),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PIP_CONFIG_FILE": os.devnull,  # pip reads no config file at all (global, user, site)
        "PIP_CACHE_DIR": str(pip_cache),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CONFIG_DIRS": str(home / "no-xdg-config-dirs"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    env.update({name: source[name] for name in PASSTHROUGH if source.get(name)})
    return env


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip()}")
    return done.stdout


def source_date_epoch(
    repo: Path, commit: str = "HEAD", inputs: tuple[str, ...] = SDIST_INPUTS, allow_shallow: bool = False
) -> int:
    """Commit time of the last commit up to ``commit`` that changed one of ``inputs``.

    In a shallow clone that commit may be missing; ``allow_shallow`` then takes ``commit``'s own time
    (still the same for both builds of one run, but not the release's epoch).
    """
    if git(repo, "rev-parse", "--is-shallow-repository").strip() == "true":
        if allow_shallow:
            print(f"note: {repo} is a shallow clone: SOURCE_DATE_EPOCH is {commit}'s commit time", file=sys.stderr)
            return int(git(repo, "log", "-1", "--format=%ct", commit).strip())
        raise SystemExit(
            f"{repo} is a shallow clone: the commit that last changed the sources may be missing; "
            "fetch the whole history (git fetch --unshallow, or actions/checkout with fetch-depth: 0)"
        )
    stamp = git(repo, "log", "-1", "--format=%ct", commit, "--", *inputs).strip()
    if not stamp:
        raise SystemExit(f"no commit up to {commit} touches {', '.join(inputs)}")
    return int(stamp)


def normalize_modes(tree: Path) -> None:
    """Set every tracked file to 0644 or 0755 (git's executable bit) and every directory to 0755."""
    for line in git(tree, "ls-files", "-s", "-z").split("\0"):
        if not line:
            continue
        meta, name = line.split("\t", 1)
        mode = meta.split()[0]
        path = tree / name
        if mode == "100755":
            path.chmod(EXEC_MODE)
        elif mode == "100644":
            path.chmod(FILE_MODE)
    for directory, names, _ in os.walk(tree):
        names[:] = [n for n in names if n != ".git"]
        Path(directory).chmod(EXEC_MODE)


def _normal_member(member: tarfile.TarInfo, epoch: int) -> tarfile.TarInfo:
    if not (member.isfile() or member.isdir()):
        raise SystemExit(f"{member.name}: only files and directories belong in the sdist")
    info = tarfile.TarInfo(member.name)
    info.type = member.type
    info.size = member.size if member.isfile() else 0
    info.mode = EXEC_MODE if member.isdir() or member.mode & 0o111 else FILE_MODE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = epoch
    return info


def normalize_sdist(raw: Path, dest: Path, epoch: int) -> None:
    """Rewrite the sdist ``raw`` as ``dest`` in the fixed form described in the module docstring."""
    with tarfile.open(raw, "r:gz") as archive:
        members = sorted(archive.getmembers(), key=lambda m: m.name)
        payload = io.BytesIO()
        with tarfile.open(fileobj=payload, mode="w", format=tarfile.PAX_FORMAT) as out:
            for member in members:
                info = _normal_member(member, epoch)
                data = archive.extractfile(member) if member.isfile() else None
                out.addfile(info, data)
    compressed = io.BytesIO()
    # filename="" keeps the name out of the gzip header; mtime=0 keeps the time out.
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, compresslevel=9, mtime=0) as stream:
        stream.write(payload.getvalue())
    dest.write_bytes(compressed.getvalue())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
