"""Virtual environments the lab needs: its own tools, and target venvs for pip to run in.

Anything fetched from the package registry is fetched once into the cache;
target venvs are then built offline from it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from corplab.isolation import clean_env

TOOLS = ("mitmproxy==11.0.2", "pypiserver==2.4.2")
REPO = Path(__file__).resolve().parents[3]


def cache_dir() -> Path:
    path = Path(os.environ.get("CORPLAB_CACHE", REPO / ".cache" / "lab"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def tools_venv() -> Path:
    """mitmproxy + pypiserver in a venv of their own (mitmproxy pins its own cryptography)."""
    venv = cache_dir() / "tools-venv"
    marker = venv / ".corplab-ready"
    if marker.exists() and marker.read_text() == "\n".join(TOOLS):
        return venv
    _run([sys.executable, "-m", "venv", "--clear", str(venv)])
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *TOOLS])
    marker.write_text("\n".join(TOOLS))
    return venv


def wheelhouse() -> Path:
    """The newest pip and requests (with dependencies), downloaded once from the registry."""
    house = cache_dir() / "wheels"
    marker = house / ".corplab-ready"
    if marker.exists():
        return house
    house.mkdir(parents=True, exist_ok=True)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--only-binary",
            ":all:",
            "-d",
            str(house),
            "pip",
            "requests",
        ]
    )
    marker.write_text("ok")
    return house


def make_venv(path: Path, python: str = sys.executable, newest_pip: bool = False, requests: bool = False) -> Path:
    """A target venv: CPython's bundled pip, or the newest pip; optionally with requests."""
    home = path.parent / (path.name + "-home")
    env = clean_env(home, PIP_CONFIG_FILE=os.devnull)
    _run([python, "-m", "venv", str(path)], env)
    interpreter = path / "bin" / "python"
    wanted = (["pip"] if newest_pip else []) + (["requests"] if requests else [])
    if wanted:
        house = wheelhouse()
        _run(
            [
                str(interpreter),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-index",
                "--find-links",
                str(house),
                "-U",
                *wanted,
            ],
            env,
        )
    return interpreter


PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


def pyenv_python(version: str) -> str | None:
    """The newest pyenv interpreter ``X.Y.*`` (None: not installed here; a test then skips)."""
    found = sorted(PYENV.glob(f"{version}.*/bin/python3"), key=lambda p: [int(x) for x in p.parts[-3].split(".")])
    return str(found[-1]) if found else None


def _download(house: Path, requirements: list[str], *options: str) -> None:
    """``pip download`` with the machine's own environment (registry access), once per wheel set."""
    house.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(house), *options, *requirements])


def pip_wheel(version: str) -> Path:
    """The wheel of pip ``version``, downloaded once into the lab cache."""
    house = cache_dir() / "pips"
    found = sorted(house.glob(f"pip-{version}-*.whl"))
    if not found:
        _download(house, [f"pip=={version}"])
        found = sorted(house.glob(f"pip-{version}-*.whl"))
    return found[0]


# pyOpenSSL as Anaconda and old distributions shipped it next to pip: pip <= 20.1.1 (requests 2.23)
# then injects it into urllib3, and TLS errors read "bad handshake: SysCallError(...)".
PYOPENSSL = ("pyOpenSSL==19.1.0", "cryptography==3.4.8", "cffi==1.15.1", "pycparser==2.21", "six==1.16.0")


def pyopenssl_wheels(python_version: str) -> Path:
    house = cache_dir() / f"pyopenssl-py{python_version}"
    marker = house / ".corplab-ready"
    if not marker.exists():
        platforms = ("--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64")
        _download(house, list(PYOPENSSL), "--only-binary", ":all:", "--python-version", python_version, *platforms)
        marker.write_text("\n".join(PYOPENSSL))
    return house


def pip_venv(python: str, pip_version: str | None = None, pyopenssl: bool = False) -> Path:
    """A cached venv of ``python`` with pip ``pip_version`` (None: the bundled one), built once.

    Tests only run pip and doctor in it (``pip download -d`` elsewhere, no cache): it stays as built.
    """
    done = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True, check=True
    )
    short = done.stdout.strip()
    name = f"py{short}-pip{pip_version or 'bundled'}{'-pyopenssl' if pyopenssl else ''}"
    venv = cache_dir() / "venvs" / name
    marker = venv / ".corplab-ready"
    if marker.exists():
        return venv / "bin" / "python"
    interpreter = make_venv(venv, python=python)
    env = clean_env(venv.parent / (name + "-home"), PIP_CONFIG_FILE=os.devnull)
    if pip_version is not None:
        wheel = str(pip_wheel(pip_version))
        _run([str(interpreter), "-m", "pip", "install", "--quiet", "--no-index", "--force-reinstall", wheel], env)
    if pyopenssl:
        house = str(pyopenssl_wheels(short))
        install = [str(interpreter), "-m", "pip", "install", "--quiet", "--no-index", "--find-links", house]
        _run([*install, *PYOPENSSL], env)
    marker.write_text(name)
    return interpreter
