"""Side by side, in one run: pip-tls-setup scan vs grep -rEn (same trigger patterns, same skipped
directories) on a synthetic 20,000-file monorepo, and pip-tls-setup scan vs checkov on its
Dockerfile subset. Prints medians, peak memory and the ratios.

    python benchmarks/scan/compare.py [--workdir .cache/scan-bench] [--files 20000] [--runs 5] [--no-checkov]

Targets: scan <= 3x the grep time; scan >= 20x faster than checkov on the Dockerfiles.
checkov is installed into its own venv under .cache/ from the package registry when missing;
it runs with --framework dockerfile --skip-download and BC_SKIP_MAPPING=TRUE (offline).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "src"))

import generate  # noqa: E402

from pip_tls_setup.policy.classify import SKIP_DIRS  # noqa: E402

# What a grep-based check would look for: every trigger the scan's rules cover, as one ERE.
GREP_PATTERN = "|".join(
    (
        r"--trusted(-host)?",
        r"trusted[-_]host",
        r"allow-insecure-host",
        r"UV_INSECURE_HOST",
        r"(-i|-f|--index-url|--extra-index-url|--find-links|--pypi-url|--index|--default-index)[= ]*http://",
        r"(index-url|index_url|find-links|find_links|url) *[=:] *\"?http://",
        r"PYTHONHTTPSVERIFY",
        r"GIT_SSL_NO_VERIFY",
        r"sslverify",
        r"ssl_verify",
        r"verify_ssl",
        r"CURL_CA_BUNDLE",
        r"REQUESTS_CA_BUNDLE",
        r"SSL_CERT_FILE",
        r"PIP_CERT",
        r"cert *= *false",
        r"--insecure",
        r"--no-check-certificate",
        r"@ *http://",
        r"git\+(http|git)://",
    )
)

# Runs the measured command as its child: wall time of that command alone and its peak RSS.
MEASURE = r"""
import json, resource, subprocess, sys, time
argv = json.loads(sys.argv[1]); env = json.loads(sys.argv[2])
start = time.perf_counter()
done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "rc": done.returncode}))
"""


def measure(argv: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    samples = []
    rss = 0
    rc = 0
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, json.dumps(argv), json.dumps(env)],
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(out.stdout)
        samples.append(data["seconds"])
        rss = max(rss, data["maxrss_kib"])
        rc = data["rc"]
    return {"median": statistics.median(samples), "min": min(samples), "maxrss_mib": rss / 1024, "rc": rc}


def checkov_binary(workdir: Path) -> str | None:
    found = shutil.which("checkov")
    if found:
        return found
    venv = REPO / ".cache" / "checkov-venv"
    binary = venv / "bin" / "checkov"
    if binary.exists():
        return str(binary)
    print("installing checkov into .cache/checkov-venv (one time; from the package registry) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "checkov"], check=True)
    return str(binary) if binary.exists() else None


def accuracy(scan_argv: list[str], env: dict[str, str], expected_file: Path) -> tuple[int, int, int]:
    done = subprocess.run([*scan_argv[:-2], "--format", "json"], capture_output=True, text=True, env=env, check=False)
    found = {(f["path"], f["line"], f["rule"]) for f in json.loads(done.stdout)["findings"] if f["severity"] != "note"}
    planted = {(e["path"], e["line"], e["rule"]) for e in json.loads(expected_file.read_text())}
    return len(planted & found), len(planted), len(found - planted)


CHECKOV_TLS = {"CKV2_DOCKER_2", "CKV2_DOCKER_3", "CKV2_DOCKER_4", "CKV2_DOCKER_5", "CKV2_DOCKER_14", "CKV2_DOCKER_16"}


def checkov_recall(argv: list[str], env: dict[str, str], workdir: Path) -> tuple[int, int]:
    """How many planted Dockerfile findings checkov's TLS checks flag (same file and line)."""
    done = subprocess.run(
        [*argv[:-2], "--output", "json"],
        capture_output=True,
        text=True,
        env={**env, "BC_SKIP_MAPPING": "TRUE"},
        check=False,
    )
    data = json.loads(done.stdout or "{}")
    reports = data if isinstance(data, list) else [data]
    origin = json.loads((workdir / "dockerfiles-origin.json").read_text())
    flagged: set[tuple[str, int]] = set()
    for report in reports:
        for check in report.get("results", {}).get("failed_checks", []):
            if check.get("check_id") in CHECKOV_TLS:
                path = origin.get(check["file_path"].lstrip("/"), "")
                first, last = check["file_line_range"]
                flagged.update((path, line) for line in range(first, last + 1))
    planted = [e for e in json.loads((workdir / "expected.json").read_text()) if e["path"].endswith("Dockerfile")]
    caught = sum(1 for e in planted if (e["path"], e["line"]) in flagged)
    return caught, len(planted)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=REPO / ".cache" / "scan-bench")
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-checkov", action="store_true")
    args = parser.parse_args()

    workdir = args.workdir
    marker = workdir / f".generated-{args.files}"
    if not marker.exists():
        stats = generate.generate(workdir, args.files, seed=7)
        marker.write_text(json.dumps(stats))
    stats = json.loads(marker.read_text())
    repo, subset = workdir / "repo", workdir / "dockerfiles"
    dockerfiles = len(list(subset.rglob("Dockerfile")))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/")}

    scan = [sys.executable, "-m", "pip_tls_setup", "scan", str(repo), "--output", os.devnull]
    grep = ["grep", "-rEn", "-I", *(f"--exclude-dir={d}" for d in sorted(SKIP_DIRS)), "-e", GREP_PATTERN, str(repo)]
    scan_subset = [sys.executable, "-m", "pip_tls_setup", "scan", str(subset), "--output", os.devnull]

    print(f"monorepo: {stats['files']} files, {stats['relevant']} relevant, {stats['planted']} planted findings")
    print(f"Dockerfile subset: {dockerfiles} Dockerfiles; {args.runs} runs each, median wall time\n")
    results = {
        "scan (monorepo)": measure(scan, env, args.runs),
        "grep -rEn (monorepo)": measure(grep, env, args.runs),
        "scan (Dockerfiles)": measure(scan_subset, env, args.runs),
    }
    if not args.no_checkov:
        binary = checkov_binary(workdir)
        if binary:
            checkov = [
                binary,
                "-d",
                str(subset),
                "--framework",
                "dockerfile",
                "--skip-download",
                "--quiet",
                "--compact",
            ]
            results["checkov (Dockerfiles)"] = measure(checkov, {**env, "BC_SKIP_MAPPING": "TRUE"}, args.runs)
    for name, data in results.items():
        print(f"  {name:24s} {data['median']:8.3f} s  (min {data['min']:.3f})  peak RSS {data['maxrss_mib']:7.1f} MiB")
    hit, planted, extra = accuracy(scan, env, workdir / "expected.json")
    grep_hits = subprocess.run(grep, capture_output=True, text=True, check=False).stdout.count("\n")
    print(f"\n  scan found {hit}/{planted} planted findings, {extra} others; grep printed {grep_hits} matching lines")

    if "checkov (Dockerfiles)" in results:
        caught, planted_docker = checkov_recall(checkov, env, workdir)
        print(f"  checkov flagged {caught}/{planted_docker} planted Dockerfile findings (TLS checks CKV2_DOCKER_2-16)")

    ratio_grep = results["scan (monorepo)"]["median"] / results["grep -rEn (monorepo)"]["median"]
    print(f"\nratio scan / grep (monorepo):          {ratio_grep:6.2f}x   (target <= 3.0)")
    if "checkov (Dockerfiles)" in results:
        ratio_checkov = results["checkov (Dockerfiles)"]["median"] / results["scan (Dockerfiles)"]["median"]
        print(f"ratio checkov / scan (Dockerfiles):    {ratio_checkov:6.1f}x   (target >= 20)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
