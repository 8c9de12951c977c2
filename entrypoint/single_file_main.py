"""pip-tls-setup as one file: the launcher that runs first (``__main__.py`` of the single-file build).

Standard library only, and written so that any Python 3 can read it far enough to say what it needs.
The file is a zip archive (a Python zipapp) carrying the tool, its pure-Python dependencies, and
cryptography's abi3 extension plus cffi's backend for Linux x86_64/aarch64 with glibc (manylinux2014)
or musl (musllinux_1_2), for CPython 3.9 to 3.14. At each run the launcher picks the native parts that
match this interpreter and machine, extracts them with the Python code into a private temporary
directory (mode 0700) that is removed when the run ends, and runs the CLI. No network, no pip.

``PIP_TLS_SETUP_CACHE=DIR`` keeps the extraction in DIR instead (faster repeated runs). DIR must
belong to the current user and not be writable by anyone else; the launcher refuses it otherwise,
because code extracted there runs with this process's privileges.
"""

from __future__ import annotations

import atexit
import glob
import json
import os
import platform
import shutil
import stat
import sys
import tempfile
import zipfile
from typing import Any, NoReturn

PROG = "pip-tls-setup"
META = "pip_tls_setup_single_file.json"


def fail(message: str) -> NoReturn:
    sys.stderr.write(PROG + ": error: " + message + "\n")
    raise SystemExit(2)


def machine() -> str:
    raw = platform.machine().lower()
    if raw in ("x86_64", "amd64"):
        return "x86_64"
    if raw in ("aarch64", "arm64"):
        return "aarch64"
    return raw


def libc() -> tuple[str | None, tuple[int, ...]]:
    """('glibc', (2, 36)), ('musl', (1, 2)) or (None, ())."""
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):
        text = ""
    if text.startswith("glibc "):
        try:
            return "glibc", tuple(int(p) for p in text.split()[1].split(".")[:2])
        except ValueError:
            return "glibc", (0, 0)
    if glob.glob("/lib/ld-musl-*.so.1") or glob.glob("/usr/lib/ld-musl-*.so.1"):
        return "musl", (1, 2)
    return None, ()


def variant(meta: dict[str, Any]) -> tuple[str, str]:
    if not sys.platform.startswith("linux"):
        fail(
            f"the single-file build runs on Linux only (this is {sys.platform}); install the package instead: "
            "pip install pip-tls-setup"
        )
    if sys.implementation.name != "cpython":
        fail(f"the single-file build needs CPython (this is {sys.implementation.name})")
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    if tag not in meta["pythons"]:
        fail(
            f"Python {sys.version_info[0]}.{sys.version_info[1]} is not covered by this single-file build "
            f"(it covers {', '.join(meta['pythons'])}); use a Python in that range or a newer build"
        )
    import sysconfig

    if sysconfig.get_config_var("Py_GIL_DISABLED"):
        fail("free-threaded Python is not supported by the single-file build; use the regular build of Python")
    arch = machine()
    family, version = libc()
    if family is None:
        fail("cannot tell this system's C library (neither glibc nor musl found); install the package instead")
    key = ("manylinux_" if family == "glibc" else "musllinux_") + arch
    if key not in meta["variants"]:
        fail(
            "no native build for {} {} in this single-file build (it has {})".format(
                family, arch, ", ".join(sorted(meta["variants"]))
            )
        )
    needed = tuple(meta["variants"][key]["libc"])
    if version < needed:
        fail(
            "{} {} is older than the {} this build needs".format(
                family, ".".join(map(str, version)), ".".join(map(str, needed))
            )
        )
    return key, tag


def private_dir(path: str) -> None:
    """Refuse a cache another user could have planted code in."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        fail(f"PIP_TLS_SETUP_CACHE {path}: is not a directory; point it at a directory you own")
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        fail(f"PIP_TLS_SETUP_CACHE {path}: belongs to another user; point it at a directory you own")
    if info.st_mode & 0o022:
        fail(f"PIP_TLS_SETUP_CACHE {path}: is writable by others; chmod go-w it or choose another directory")


def extract(archive: zipfile.ZipFile, names: list[str], target: str) -> None:
    for name in names:
        relative = name.split("/", 1)[1] if name.startswith("site/") else name.split("/", 3)[3]
        destination = os.path.join(target, *relative.split("/"))
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        with archive.open(name) as source, open(destination, "wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)


def unpack(here: str, meta: dict[str, Any], key: str, tag: str) -> tuple[str, bool]:
    with zipfile.ZipFile(here) as archive:
        names = archive.namelist()
        wanted = [n for n in names if n.startswith("site/") and not n.endswith("/")]
        for prefix in (f"native/{key}/common/", f"native/{key}/{tag}/"):
            wanted += [n for n in names if n.startswith(prefix) and not n.endswith("/")]
        cache = os.environ.get("PIP_TLS_SETUP_CACHE", "").strip()
        if cache:
            cache = os.path.abspath(cache)
            os.makedirs(cache, mode=0o700, exist_ok=True)
            private_dir(cache)
            target = os.path.join(cache, "{}-{}-{}".format(meta["build"][:16], key, tag))
            if os.path.isfile(os.path.join(target, ".complete")):
                private_dir(target)
                return target, False
            staging = tempfile.mkdtemp(prefix=".extract-", dir=cache)
            extract(archive, wanted, staging)
            open(os.path.join(staging, ".complete"), "w").close()
            try:
                os.rename(staging, target)
            except OSError:  # another run finished first
                shutil.rmtree(staging, ignore_errors=True)
            private_dir(target)
            return target, False
        target = tempfile.mkdtemp(prefix="pip-tls-setup-")
        try:
            extract(archive, wanted, target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        return target, True


def main() -> int:
    if sys.version_info < (3, 9):  # noqa: UP036 - any Python may run this file
        fail(f"pip-tls-setup needs Python 3.9 or newer (this is {sys.version.split()[0]})")
    here = os.path.abspath(sys.argv[0])
    with zipfile.ZipFile(here) as archive:
        meta = json.loads(archive.read(META).decode("utf-8"))
    key, tag = variant(meta)
    target, temporary = unpack(here, meta, key, tag)
    if temporary:
        atexit.register(shutil.rmtree, target, True)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p) != here]
    sys.path.insert(0, target)
    os.environ["PIP_TLS_SETUP_SINGLE_FILE"] = here
    # The tool acts on targets, never on its own environment; here that environment is the extraction
    # directory, not the interpreter running this file (which is a target like any other Python).
    real_prefix = sys.prefix
    sys.prefix = target
    try:
        import pip_tls_setup.target.pythons  # noqa: F401  (binds the tool's own prefix)
    finally:
        sys.prefix = real_prefix
    from pip_tls_setup.cli import main as cli_main

    sys.argv[0] = PROG
    try:
        code: int = cli_main(sys.argv[1:])
    finally:
        if temporary:
            shutil.rmtree(target, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
