"""GitLab CI: the component's run steps (``python -m pip_tls_setup.platforms.gitlab setup|scan``).

``setup`` (the ``.pip-tls-setup`` hidden job's ``before_script``): diagnose, set up in the job's own
image, write ``$PTS_DIR/env.sh`` (sourced by the job's shell: variables die with the job) and the dotenv
report ``pip-tls-setup.env`` (``PIP_TLS_SETUP_BUNDLE`` and the diagnosis, for later jobs).

``scan`` (the ``pip-tls-setup-scan`` job): scan the repository, write the Code Quality report and SARIF,
fail on findings (``enforce``) or report them (``warn``).

Inputs arrive as environment variables set by the template from ``spec: inputs``:
``PTS_MODE``, ``PTS_SCAN_PATHS``, ``PTS_SYSTEM_STORE``, ``PTS_VERIFY``, ``PTS_PYTHON_TARGETS``,
``PTS_DIR`` (private directory of this job), ``PTS_DOTENV``, ``PTS_CODEQUALITY``, ``PTS_SARIF``.
The CA comes from the ``PIP_TLS_SETUP_CA`` CI/CD variable (type Variable: PEM text; type File: a path).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from pip_tls_setup.platforms.cli_contract import (
    Facts,
    Invoker,
    Result,
    apply_doctor,
    apply_setup,
    findings_from,
    invoke,
    proxy_from_env,
    supports,
    text,
)

DOTENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DOTENV_MAX_BYTES = 5 * 1024  # GitLab's default limit for a dotenv report
TRUE = ("true", "yes", "1", "on")


def dotenv(values: Mapping[str, str]) -> str:
    """A dotenv report GitLab accepts: valid names, one line per value, under the size limit."""
    lines: list[str] = []
    for name, value in values.items():
        if not DOTENV_NAME.match(name):
            raise ValueError(f"bad dotenv name {name!r}")
        clean = value.replace("\r", " ").replace("\n", " ").strip()
        lines.append(f"{name}={clean}\n")
    text = "".join(lines)
    if len(text.encode("utf-8")) > DOTENV_MAX_BYTES:
        raise ValueError("dotenv report over GitLab's 5 KiB limit")
    return text


def shell_exports(values: Mapping[str, str]) -> str:
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in values.items() if DOTENV_NAME.match(name))


def section_start(name: str, header: str, collapsed: bool = True) -> str:
    flag = "[collapsed=true]" if collapsed else ""
    return f"\x1b[0Ksection_start:{int(time.time())}:{name}{flag}\r\x1b[0K{header}"


def section_end(name: str) -> str:
    return f"\x1b[0Ksection_end:{int(time.time())}:{name}\r\x1b[0K"


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    return default if not raw else raw in TRUE


def _ca_args(env: dict[str, str]) -> list[str]:
    """A File-type ``PIP_TLS_SETUP_CA`` variable holds a path: hand it over as ``--ca``."""
    value = env.get("PIP_TLS_SETUP_CA", "")
    if value and "BEGIN" not in value and "\n" not in value.strip() and os.path.isfile(value.strip()):
        env.pop("PIP_TLS_SETUP_CA")
        return ["--ca", value.strip()]
    return []


def _child(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if not k.startswith("PTS_")}


def _write(path: str, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


def run_setup(env: Mapping[str, str], out: TextIO, err: TextIO, call: Invoker = invoke) -> int:
    child = _child(env)
    targets = _ca_args(child)
    for python in [p for p in re.split(r"[\n,]+", env.get("PTS_PYTHON_TARGETS", "")) if p.strip()]:
        targets += ["--python", python.strip()]
    facts = Facts(mode=env.get("PTS_MODE", "enforce").strip().lower() or "enforce")
    if facts.mode not in ("enforce", "warn"):
        err.write(
            f"pip-tls-setup: error: input mode: '{facts.mode[:40]}' is not enforce or warn; write enforce or warn\n"
        )
        return 2

    doctor = call(["doctor", "--json", *targets], child)
    apply_doctor(facts, doctor.json())
    facts.proxy = facts.proxy or proxy_from_env(env)
    intercepted = {"true": "yes", "false": "no"}.get(facts.intercepted, "unknown")
    out.write(f"pip-tls-setup: proxy {facts.proxy or 'none'}; TLS interception: {intercepted}")
    out.write(f" (issuer {facts.issuer})\n" if facts.issuer else "\n")
    if facts.diagnosis:
        out.write(f"pip-tls-setup: {facts.diagnosis}\n")

    args = ["setup", "--json", *targets]
    if not _flag(env, "PTS_SYSTEM_STORE", True):
        args.append("--no-system-store")
    if supports(call, child, "setup", "--mode"):
        args += ["--mode", facts.mode]
    if not _flag(env, "PTS_VERIFY", True) and supports(call, child, "setup", "--no-verify"):
        args.append("--no-verify")
    out.write(section_start("pip_tls_setup_setup", "pip-tls-setup setup", collapsed=False) + "\n")
    result = call(args, child)
    _relay(result, out, err, stdout=False)
    apply_setup(facts, result.json())
    out.write(text(facts))
    out.write(section_end("pip_tls_setup_setup") + "\n")
    pts_dir = env.get("PTS_DIR") or os.getcwd()
    _write(os.path.join(pts_dir, "env.sh"), shell_exports(facts.env))
    report = env.get("PTS_DOTENV", "pip-tls-setup.env")
    _write(
        report,
        dotenv(
            {
                "PIP_TLS_SETUP_BUNDLE": facts.bundle,
                "PIP_TLS_SETUP_PROXY": facts.proxy,
                "PIP_TLS_SETUP_INTERCEPTED": facts.intercepted,
                "PIP_TLS_SETUP_ISSUER": facts.issuer[:500],
            }
        ),
    )
    if result.returncode == 0:
        out.write(f"pip-tls-setup: set up; bundle {facts.bundle}; this job's shell gets {len(facts.env)} variables\n")
    return result.returncode


def run_scan(env: Mapping[str, str], out: TextIO, err: TextIO, call: Invoker = invoke) -> int:
    child = _child(env)
    mode = env.get("PTS_MODE", "enforce").strip().lower() or "enforce"
    paths = [p for p in re.split(r"[\n ]+", env.get("PTS_SCAN_PATHS", ".")) if p] or ["."]
    codequality = env.get("PTS_CODEQUALITY", "gl-code-quality-report.json")
    sarif = env.get("PTS_SARIF", "pip-tls-setup.sarif")
    text = call(["scan", *paths], child)
    _relay(text, out, err)
    if text.unavailable:
        err.write("pip-tls-setup: scan is not available in this version; nothing was scanned\n")
        return 2
    if text.returncode == 2:
        return 2
    for fmt, target in (("gitlab", codequality), ("sarif", sarif)):
        result = call(["scan", *paths, "--format", fmt, "--output", target], child)
        if result.returncode not in (0, 1):
            _relay(result, out, err)
            return 2
    found = findings_from(call(["scan", *paths, "--format", "json"], child).json())
    count = sum(1 for f in found if f.severity != "note")
    out.write(f"pip-tls-setup: {count} insecure setting(s); Code Quality report {codequality}, SARIF {sarif}\n")
    if text.returncode == 1 and mode == "enforce":
        return 1
    return 0


def _relay(result: Result, out: TextIO, err: TextIO, stdout: bool = True) -> None:
    if stdout and result.stdout:
        out.write(result.stdout if result.stdout.endswith("\n") else result.stdout + "\n")
    if result.stderr:
        err.write(result.stderr if result.stderr.endswith("\n") else result.stderr + "\n")
    out.flush()
    err.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["setup"]:
        return run_setup(os.environ, sys.stdout, sys.stderr)
    if args == ["scan"]:
        return run_scan(os.environ, sys.stdout, sys.stderr)
    sys.stderr.write("usage: python -m pip_tls_setup.platforms.gitlab setup|scan\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
