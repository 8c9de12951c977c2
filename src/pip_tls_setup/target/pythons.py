"""Target Pythons: discovery and inventory.

The tool never inspects itself: each target is asked about itself by a short
subprocess (``INVENTORY_SCRIPT``), so the answers are the target's own (its pip,
its certifi, its ssl module), also inside a ``--root`` via chroot.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pip_tls_setup.errors import InputError
from pip_tls_setup.target.root import SYSTEM_PATH, Root

# Runs inside the target (Python 3.6+): keep it plain, stdlib-only, and quiet.
INVENTORY_SCRIPT = r"""
import json, os, sys
out = {"executable": sys.executable, "prefix": sys.prefix,
       "base_prefix": getattr(sys, "base_prefix", sys.prefix),
       "version": list(sys.version_info[:3]), "implementation": sys.implementation.name,
       "platform": sys.platform, "ssl": False, "openssl": None, "verify_paths": None,
       "certifi": None, "pip": None, "requests": None}
out["is_venv"] = out["prefix"] != out["base_prefix"] or hasattr(sys, "real_prefix")
try:
    import ssl
    out["ssl"] = True
    out["openssl"] = ssl.OPENSSL_VERSION
    p = ssl.get_default_verify_paths()
    out["verify_paths"] = {"cafile": p.cafile, "capath": p.capath,
                           "openssl_cafile": p.openssl_cafile, "openssl_capath": p.openssl_capath}
except Exception:
    pass

def certifi_facts(module):
    bundled = os.path.join(os.path.dirname(os.path.abspath(module.__file__)), "cacert.pem")
    where = module.where()
    return {"where": where, "bundled": bundled,
            "version": getattr(module, "__version__", None),
            "patched": os.path.realpath(where) != os.path.realpath(bundled)}

try:
    import certifi
    out["certifi"] = certifi_facts(certifi)
except Exception:
    pass
try:
    import requests
    out["requests"] = requests.__version__
except Exception:
    pass
try:
    import pip
    info = {"version": pip.__version__, "location": os.path.dirname(os.path.abspath(pip.__file__)),
            "certifi": None, "truststore": False, "default_index": None, "config_files": None,
            "debundled": False}
    try:
        import pip._vendor as vendor
        info["debundled"] = bool(getattr(vendor, "DEBUNDLED", False))
    except Exception:
        pass
    try:
        from pip._vendor import certifi as vendored
        info["certifi"] = certifi_facts(vendored)
    except Exception:
        pass
    if sys.version_info >= (3, 10):
        try:
            from pip._vendor import truststore
            info["truststore"] = True
        except Exception:
            pass
    try:
        from pip._internal.models.index import PyPI
        info["default_index"] = PyPI.simple_url
    except Exception:
        pass
    try:
        from pip._internal.configuration import get_configuration_files
        files = get_configuration_files()
        info["config_files"] = dict((str(k), list(v)) for k, v in files.items())
    except Exception:
        pass
    out["pip"] = info
except Exception:
    pass
sys.stdout.write(json.dumps(out))
"""

# Variables that would make a different interpreter misbehave.
_HOSTILE_ENV = ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__")


@dataclass(frozen=True)
class CertifiFacts:
    where: str
    bundled: str
    version: str | None
    patched: bool  # where() is not the package's own cacert.pem (Debian/Ubuntu point it at the OS bundle)


@dataclass(frozen=True)
class PipFacts:
    version: str
    location: str
    certifi: CertifiFacts | None
    truststore: bool
    default_index: str | None
    config_files: dict[str, list[str]] | None
    debundled: bool

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return version_tuple(self.version)


@dataclass(frozen=True)
class Target:
    """One Python interpreter the tool acts on."""

    requested: str  # as given (--python) or found (PATH, $VIRTUAL_ENV)
    executable: str
    prefix: str
    base_prefix: str
    is_venv: bool
    version: tuple[int, int, int]
    implementation: str
    platform: str
    ssl: bool
    openssl: str | None
    verify_paths: dict[str, str | None] | None
    certifi: CertifiFacts | None
    pip: PipFacts | None
    requests: str | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        kind = "venv" if self.is_venv else "system"
        pip = f"pip {self.pip.version}" if self.pip else "no pip"
        return f"{self.executable} (Python {'.'.join(map(str, self.version))}, {pip}, {kind})"

    @property
    def truststore_active(self) -> bool:
        """Whether pip verifies with the OS store (pip >= 24.2 on Python >= 3.10 with truststore)."""
        return bool(
            self.pip
            and self.version >= (3, 10)
            and self.pip.version_tuple >= (24, 2)
            and self.pip.truststore
            and self.ssl
        )


def version_tuple(text: str) -> tuple[int, ...]:
    """``"25.1rc1"`` → ``(25, 1)``: the leading numeric release components."""
    parts: list[int] = []
    for piece in text.split("."):
        digits = re.match(r"\d+", piece)
        if not digits:
            break
        parts.append(int(digits.group()))
        if digits.end() != len(piece):
            break
    return tuple(parts)


def _certifi(data: Any) -> CertifiFacts | None:
    if not isinstance(data, dict):
        return None
    return CertifiFacts(str(data["where"]), str(data["bundled"]), data.get("version"), bool(data["patched"]))


def parse_inventory(requested: str, data: dict[str, Any]) -> Target:
    pip_data = data.get("pip")
    pip = None
    if isinstance(pip_data, dict):
        pip = PipFacts(
            version=str(pip_data["version"]),
            location=str(pip_data["location"]),
            certifi=_certifi(pip_data.get("certifi")),
            truststore=bool(pip_data.get("truststore")),
            default_index=pip_data.get("default_index"),
            config_files=pip_data.get("config_files"),
            debundled=bool(pip_data.get("debundled")),
        )
    major, minor, micro = ([*list(data["version"]), 0, 0, 0])[:3]
    return Target(
        requested=requested,
        executable=str(data["executable"]),
        prefix=str(data["prefix"]),
        base_prefix=str(data["base_prefix"]),
        is_venv=bool(data["is_venv"]),
        version=(int(major), int(minor), int(micro)),
        implementation=str(data["implementation"]),
        platform=str(data["platform"]),
        ssl=bool(data["ssl"]),
        openssl=data.get("openssl"),
        verify_paths=data.get("verify_paths"),
        certifi=_certifi(data.get("certifi")),
        pip=pip,
        requests=data.get("requests"),
        raw=data,
    )


def target_env(root: Root, env: Mapping[str, str]) -> dict[str, str]:
    """The environment a target subprocess runs with."""
    if not root.is_host:
        return {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "HOME": "/root", "PYTHONDONTWRITEBYTECODE": "1"}
    clean = {k: v for k, v in env.items() if k not in _HOSTILE_ENV}
    clean["PYTHONDONTWRITEBYTECODE"] = "1"
    clean["PYTHONIOENCODING"] = "utf-8"
    return clean


def inventory(root: Root, python: str, env: Mapping[str, str], timeout: float = 60) -> Target:
    argv = root.command([python, "-c", INVENTORY_SCRIPT])
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=target_env(root, env), check=False
        )
    except FileNotFoundError:
        raise InputError(f"--python {python}", "was not found", "give the path of a Python interpreter") from None
    except PermissionError:
        raise InputError(f"--python {python}", "is not executable", "give the path of a Python interpreter") from None
    except subprocess.TimeoutExpired:
        raise InputError(
            f"--python {python}", f"did not answer within {timeout:.0f}s", "check that it starts"
        ) from None
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        raise InputError(
            f"--python {python}", f"is not a usable Python 3 interpreter ({detail})", "give a Python 3.6+ interpreter"
        ) from None
    return parse_inventory(python, data)


def candidates(root: Root, env: Mapping[str, str]) -> list[str]:
    """The default targets: the active venv, then every ``python3`` on PATH (in order)."""
    found: list[str] = []
    if root.is_host:
        venv = env.get("VIRTUAL_ENV")
        if venv:
            for name in ("bin/python3", "bin/python", "Scripts/python.exe"):
                path = os.path.join(venv, name)
                if os.path.isfile(path):
                    found.append(path)
                    break
        search = env.get("PATH", os.defpath)
        names = ("python3.exe", "python.exe") if sys.platform == "win32" else ("python3",)
    else:
        search = SYSTEM_PATH
        names = ("python3",)
    for directory in search.split(os.pathsep):
        for name in names:
            logical = os.path.join(directory, name)
            host = root.host(logical)
            if host.is_file() and os.access(host, os.X_OK) and logical not in found:
                found.append(logical)
    return found


def discover(
    root: Root,
    requested: Sequence[str],
    env: Mapping[str, str],
    own_prefix: str = sys.prefix,
) -> tuple[list[Target], list[str]]:
    """Inventory the targets; returns them and notes about what was skipped.

    Explicit ``--python`` targets must work (bad ones are input errors);
    discovered ones that fail are skipped with a note. The tool's own
    environment is skipped unless it is the active venv or named explicitly.
    """
    targets: list[Target] = []
    notes: list[str] = []
    seen: set[str] = set()
    explicit = bool(requested)
    own = os.path.realpath(own_prefix)
    active_venv = os.path.realpath(env["VIRTUAL_ENV"]) if env.get("VIRTUAL_ENV") else None
    for python in requested or candidates(root, env):
        try:
            target = inventory(root, python, env)
        except InputError as exc:
            if explicit:
                raise
            notes.append(f"skipped {python}: {exc.problem}")
            continue
        key = os.path.realpath(root.host(target.prefix)) if not root.is_host else os.path.realpath(target.prefix)
        if key in seen:
            continue
        seen.add(key)
        if not explicit and root.is_host and key == own and key != active_venv:
            notes.append(
                f"skipped {python}: it is pip-tls-setup's own environment (name it with --python to include it)"
            )
            continue
        targets.append(target)
    return targets, notes
