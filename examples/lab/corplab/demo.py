"""The corporate-proxy lab, narrated: the failure users paste, the diagnosis, the fix, the proof, the guard.

Run by ``examples/lab/run.sh`` (which provides a venv with pip-tls-setup and
this kit). Everything happens on loopback and inside one work directory:

1. a package index (pypiserver) behind a TLS-intercepting proxy (mitmproxy
   with its own CA, "Example Corp TLS Inspection Root CA"), reached as
   https://index.corp.test/simple/ through the proxy;
2. ``pip install`` in a throwaway venv fails with CERTIFICATE_VERIFY_FAILED;
3. ``pip-tls-setup doctor`` names the interception and the CA;
4. ``pip-tls-setup setup --ca ...`` fixes that venv only (--no-system-store, a
   private bundle and state directory) and verifies it;
5. the same ``pip install`` succeeds, with no CA variable in its environment;
6. ``pip-tls-setup scan`` fails loudly on an example repository that uses
   ``--trusted-host``;
7. everything started is stopped, the work directory removed (``--keep`` keeps it).

Exit 0 when every step behaved as shown, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from corplab.isolation import clean_env, isolated
from corplab.lab import INDEX_HOST, PACKAGE, Lab
from corplab.venvs import REPO, make_venv

INSECURE_REPO = REPO / "examples" / "lab" / "insecure-repo"
BOLD, RED, GREEN, DIM, RESET = "\033[1m", "\033[31m", "\033[32m", "\033[2m", "\033[0m"


@dataclass
class Step:
    title: str
    expected: str
    ok: bool


class Narrator:
    def __init__(self, color: bool) -> None:
        self.color = color
        self.steps: list[Step] = []

    def paint(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.color else text

    def heading(self, number: int, text: str) -> None:
        print(f"\n{self.paint(BOLD, f'== {number}. {text}')}", flush=True)

    def command(self, shown: str) -> None:
        print(self.paint(BOLD, f"$ {shown}"), flush=True)

    def output(self, text: str, limit: int | None = None) -> None:
        lines = text.rstrip("\n").splitlines()
        if limit is not None and len(lines) > limit:
            lines = [*lines[:limit], f"... ({len(lines) - limit} more lines)"]
        for line in lines:
            print(f"    {line}", flush=True)

    def verdict(self, title: str, expected: str, ok: bool) -> None:
        self.steps.append(Step(title, expected, ok))
        mark = self.paint(GREEN, "as expected:") if ok else self.paint(RED, "NOT as expected:")
        print(f"  {mark} {expected}", flush=True)


def run(argv: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run one demo command in a process group of its own, so an interrupt stops it and all its children.

    SIGTERM is held back while the child starts: a signal that lands between fork and the assignment
    would otherwise leave a child nobody kills.
    """
    full = isolated(list(argv))
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        process = subprocess.Popen(
            full,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    try:
        stdout, stderr = process.communicate(timeout=600)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    return subprocess.CompletedProcess(full, process.returncode, stdout, stderr)


def pip_install(python: Path, env: dict[str, str], target: Path) -> subprocess.CompletedProcess[str]:
    argv = [str(python), "-m", "pip", "install", "--retries", "1", "--index-url", f"https://{INDEX_HOST}/simple/"]
    return run([*argv, "--target", str(target), PACKAGE], env)


def telling_lines(text: str) -> str:
    keep = [line for line in text.splitlines() if "CERTIFICATE_VERIFY_FAILED" in line or line.startswith("ERROR:")]
    return "\n".join(keep[:1] + [line for line in keep if line.startswith("ERROR:")])


def demo(workdir: Path, narrator: Narrator) -> None:
    tool = [sys.executable, "-m", "pip_tls_setup"]
    narrator.heading(1, "Start the lab: a package index behind a TLS-intercepting proxy (loopback only)")
    print("  first run: mitmproxy and pypiserver are installed once into .cache/lab (a minute or two)", flush=True)
    with Lab(workdir / "lab") as lab:
        print(f"  index   pypiserver at 127.0.0.1:{lab.index.port if lab.index else '?'}, serving {PACKAGE}")
        print(f"  proxy   mitmproxy at {lab.proxy_url}, re-signing TLS with 'Example Corp TLS Inspection Root CA'")
        print(f"  name    https://{INDEX_HOST}/simple/ exists only behind that proxy (a reserved .test name)")
        venv = workdir / "venv"
        python = make_venv(venv)
        version = run([str(python), "-m", "pip", "--version"], clean_env(workdir / "home")).stdout.split(" from ")[0]
        print(f"  target  a throwaway venv, {venv} ({version}); nothing outside {workdir} is changed")
        env = clean_env(workdir / "home", HTTPS_PROXY=lab.proxy_url)

        narrator.heading(2, "pip install behind the proxy fails: the error users paste")
        narrator.command(f"HTTPS_PROXY={lab.proxy_url} pip install --index-url https://{INDEX_HOST}/simple/ {PACKAGE}")
        before = pip_install(python, env, workdir / "site-before")
        narrator.output(telling_lines(before.stdout + before.stderr) or (before.stdout + before.stderr), 6)
        narrator.verdict(
            "pip fails",
            "pip install fails with CERTIFICATE_VERIFY_FAILED",
            before.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in before.stdout + before.stderr,
        )

        narrator.heading(3, "pip-tls-setup doctor: why? (read-only)")
        narrator.command(f"pip-tls-setup doctor --python {python}")
        env_index = dict(env, PIP_INDEX_URL=f"https://{INDEX_HOST}/simple/")
        doctor = run([*tool, "doctor", "--python", str(python)], env_index)
        narrator.output(doctor.stdout + doctor.stderr, 40)
        narrator.verdict(
            "doctor",
            "doctor names the interception and the CA (intercepted-unknown-ca, 'Example Corp TLS Inspection Root CA')",
            doctor.returncode == 1
            and "intercepted-unknown-ca" in doctor.stdout
            and "Example Corp TLS Inspection Root CA" in doctor.stdout,
        )

        narrator.heading(4, "pip-tls-setup setup --ca: put the corporate CA where this pip looks, then verify")
        setup_args = [
            "setup",
            "--ca",
            str(lab.ca_path),
            "--python",
            str(python),
            "--no-system-store",
            "--bundle",
            str(workdir / "bundle" / "ca-bundle.pem"),
            "--state-dir",
            str(workdir / "state"),
            "--env-file",
            str(workdir / "later-steps.env"),
            "--probe-project",
            PACKAGE,
        ]
        narrator.command("pip-tls-setup " + " ".join(setup_args))
        setup = run([*tool, *setup_args], env_index)
        narrator.output(setup.stderr, 60)
        narrator.verdict(
            "setup",
            "setup installs the CA for this venv and its own verify passes (exit 0)",
            setup.returncode == 0 and "verify: ok" in setup.stderr,
        )

        narrator.heading(5, "pip install again: same command, no CA variable, verification on")
        narrator.command(f"HTTPS_PROXY={lab.proxy_url} pip install --index-url https://{INDEX_HOST}/simple/ {PACKAGE}")
        after = pip_install(python, env, workdir / "site-after")
        narrator.output("\n".join(line for line in after.stdout.splitlines() if "Successfully" in line) or after.stderr)
        narrator.verdict(
            "pip works",
            f"pip install {PACKAGE} succeeds",
            after.returncode == 0 and (workdir / "site-after" / "corp_hello" / "__init__.py").is_file(),
        )

        narrator.heading(6, "pip-tls-setup scan: the unsafe 'fixes' fail loudly")
        shown = os.path.relpath(INSECURE_REPO, Path.cwd())
        narrator.command(f"pip-tls-setup scan {shown}")
        scan = run([*tool, "scan", str(INSECURE_REPO)], clean_env(workdir / "home"), cwd=REPO)
        narrator.output(scan.stderr + scan.stdout, 30)
        narrator.verdict(
            "scan",
            "scan fails (exit 1) on --trusted-host and the http:// index",
            scan.returncode == 1 and "trusted" in (scan.stderr + scan.stdout).lower(),
        )
        narrator.heading(7, "Stop everything the lab started")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    del frame
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="examples/lab/run.sh", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="work directory (default: a new temporary one, removed at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, venv, bundle)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="pip-tls-setup-lab-"))
    workdir.mkdir(parents=True, exist_ok=True)
    narrator = Narrator(color=sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    try:
        demo(workdir.resolve(), narrator)
    except KeyboardInterrupt:
        print("\ninterrupted: the lab's processes were stopped", file=sys.stderr)
        return 130
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    failed = [s for s in narrator.steps if not s.ok]
    print()
    if failed:
        for step in failed:
            print(narrator.paint(RED, f"step not as expected: {step.title}: {step.expected}"))
        return 1
    print(
        narrator.paint(
            GREEN, f"lab finished: {len(narrator.steps)} steps as expected; every process it started is stopped"
        )
    )
    if args.keep:
        print(f"work directory kept: {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
