"""Generate a synthetic monorepo for the scan benchmark.

    python benchmarks/scan/generate.py OUT [--files 20000] [--seed 7]

OUT/repo         the monorepo: ~20,000 files (source, docs, data, node_modules, .git objects),
                 a few hundred relevant ones (Dockerfiles, workflows, GitLab CI, requirements,
                 pip.conf, pyproject.toml, shell scripts, Makefiles, .env), some with planted
                 insecure settings, many with look-alikes that must stay silent
OUT/dockerfiles  a copy of every Dockerfile, for the side-by-side with checkov
OUT/expected.json  the planted findings: [{"path", "line", "rule"}]

Deterministic for a given seed. Host names are reserved *.example names.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

# (file name, text, [(line, rule)]) templates; {n} is replaced by a number
POSITIVE = {
    "Dockerfile": [
        (
            "FROM python:3.12-slim\nRUN pip install --trusted-host mirror{n}.example -r requirements.txt\n",
            [(2, "PTS101")],
        ),
        (
            "FROM python:3.12-slim\nENV PIP_INDEX_URL=http://mirror{n}.example/simple\nRUN pip install app\n",
            [(2, "PTS201")],
        ),
        ('FROM python:3.12-slim\nRUN ["pip", "install", "--trusted-host", "m{n}.example", "x"]\n', [(2, "PTS101")]),
        ("FROM python:3.12-slim\nONBUILD RUN pip install --trusted m{n}.example app\n", [(2, "PTS101")]),
        (
            "# syntax=docker/dockerfile:1\nFROM python:3.12-slim\nRUN <<EOF\npip install -U pip\n"
            "pip install -i http://m{n}.example/simple app\nEOF\n",
            [(5, "PTS201")],
        ),
        (
            "FROM python:3.12-slim\nRUN pip install \\\n    --no-cache-dir \\\n    --trusted-host m{n}.example app\n",
            [(4, "PTS101")],
        ),
    ],
    ".github/workflows/ci.yml": [
        (
            "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n      PIP_TRUSTED_HOST: m{n}.example\n"
            "    steps:\n      - run: pip install -r requirements.txt\n",
            [(6, "PTS101")],
        ),
        (
            "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n"
            "          pip install --upgrade pip\n          pip install -i http://m{n}.example/simple app\n",
            [(8, "PTS201")],
        ),
    ],
    "requirements.txt": [
        (
            "--index-url http://m{n}.example/simple\n--trusted-host m{n}.example\nrequests==2.32.3\n",
            [(1, "PTS201"), (2, "PTS101")],
        ),
        ("flask==3.0.0\nfoo @ http://files{n}.example/foo-1.0.tar.gz\n", [(2, "PTS202")]),
    ],
    "pip.conf": [("[global]\ntimeout = 60\ntrusted-host = m{n}.example\n", [(3, "PTS101")])],
    "scripts/install.sh": [
        ("#!/bin/sh\nset -eu\npip install --trusted-host m{n}.example -r requirements.txt\n", [(3, "PTS101")]),
        ('#!/bin/sh\necho "PIP_INDEX_URL=http://m{n}.example/simple" >> "$GITHUB_ENV"\n', [(2, "PTS201")]),
    ],
    "pyproject.toml": [
        ('[project]\nname = "svc{n}"\n\n[tool.uv]\nallow-insecure-host = ["m{n}.example"]\n', [(5, "PTS102")]),
    ],
    ".gitlab-ci.yml": [
        (
            "test:\n  variables:\n    PIP_INDEX_URL: http://m{n}.example/simple\n  script:\n    - pytest\n",
            [(3, "PTS201")],
        ),
    ],
    "Makefile": [("install:\n\tpip install --trusted-host m{n}.example -e .\n", [(2, "PTS101")])],
    ".env": [("PIP_TRUSTED_HOST=m{n}.example\n", [(1, "PTS101")])],
}
NEGATIVE = {
    "Dockerfile": [
        "FROM python:3.12-slim\nRUN pip install --no-cache-dir -r requirements.txt # never --trusted-host\n",
        'FROM python:3.12-slim\nRUN pipdeptree --trusted-host x && echo "--trusted-host"\nENV PIP_TRUSTED_HOST=""\n',
        "FROM python:3.12-slim\nRUN pip install -i http://localhost:3141/simple -f file:///wheels app\n",
    ],
    ".github/workflows/ci.yml": [
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: pip install -i https://index.example/simple -r requirements.txt\n",
    ],
    "requirements.txt": [
        "requests==2.32.3\n# --trusted-host old.example\nflask==3.0.0\n",
        "-i https://index.example/simple\nx\n",
    ],
    "pip.conf": ["[global]\nindex-url = https://index.example/simple\ncert = /etc/ssl/certs/corp.pem\n"],
    "scripts/install.sh": ['#!/bin/sh\ngrep -- "--trusted-host" docs/*.md\npip install -r requirements.txt\n'],
    "pyproject.toml": ['[project]\nname = "svc{n}"\ndependencies = ["requests>=2"]\n'],
    ".gitlab-ci.yml": ["test:\n  script:\n    - pip install -r requirements.txt\n    - pytest\n"],
    "Makefile": ["test:\n\tpytest -q\n"],
    ".env": ["APP_URL=http://app.example\nPIP_INDEX_URL=https://index.example/simple\n"],
}
SOURCE_EXTENSIONS = (".py", ".ts", ".js", ".go", ".md", ".json", ".css", ".html", ".txt")
WORDS = [
    "import",
    "os",
    "sys",
    "json",
    "request",
    "response",
    "handler",
    "config",
    "value",
    "index",
    "cache",
    "build",
    "install",
    "package",
    "module",
    "service",
    "client",
    "server",
    "token",
    "session",
    "http",
    "https",
    "url",
    "path",
    "file",
    "data",
    "model",
    "view",
    "test",
    "assert",
    "return",
    "def",
    "class",
    "function",
    "const",
    "let",
    "var",
    "async",
    "await",
    "pip",
    "wheel",
    "certificate",
    "proxy",
    "verify",
    "trust",
    "host",
]


def filler(rng: random.Random, lines: int) -> str:
    out = []
    for _ in range(lines):
        out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))))
    return "\n".join(out) + "\n"


def generate(out: Path, files: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    repo = out / "repo"
    if out.exists():
        shutil.rmtree(out)
    repo.mkdir(parents=True)
    expected: list[dict[str, object]] = []
    count = 0
    relevant = 0
    services = max(files // 70, 10)
    kinds = list(POSITIVE)
    for n in range(services):
        base = repo / "services" / f"svc-{n:03d}"
        # relevant files: each service gets 1-3 of them, about one in three planted
        for kind in rng.sample(kinds, rng.randint(1, 3)):
            path = base / kind
            path.parent.mkdir(parents=True, exist_ok=True)
            if rng.random() < 0.35:
                text, hits = rng.choice(POSITIVE[kind])
                for line, rule in hits:
                    expected.append({"path": str(path.relative_to(repo)), "line": line, "rule": rule})
            else:
                text = rng.choice(NEGATIVE[kind])
            path.write_text(text.replace("{n}", str(n)), encoding="utf-8")
            count += 1
            relevant += 1
    # bulk: source trees, docs, vendored node_modules and a .git object store
    n = 0
    while count < files:
        service = repo / "services" / f"svc-{n % services:03d}"
        area = rng.choice(("src", "src/lib", "tests", "docs", "node_modules/dep/lib", ".git/objects/ab"))
        ext = ".js" if "node_modules" in area else ("" if ".git" in area else rng.choice(SOURCE_EXTENSIONS))
        path = service / area / f"f{n:05d}{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(filler(rng, rng.randint(20, 120)), encoding="utf-8")
        count += 1
        n += 1
    # a few large data files (the scan skips nothing here: they are not candidates)
    data = repo / "data"
    data.mkdir()
    for i in range(3):
        (data / f"blob{i}.csv").write_text(filler(rng, 40000), encoding="utf-8")
    subset = out / "dockerfiles"
    subset.mkdir()
    origin: dict[str, str] = {}
    for index, dockerfile in enumerate(sorted(repo.rglob("Dockerfile"))):
        target = subset / f"svc{index:03d}" / "Dockerfile"
        target.parent.mkdir()
        shutil.copyfile(dockerfile, target)
        origin[str(target.relative_to(subset))] = str(dockerfile.relative_to(repo))
    (out / "dockerfiles-origin.json").write_text(json.dumps(origin, indent=1), encoding="utf-8")
    (out / "expected.json").write_text(json.dumps(expected, indent=1), encoding="utf-8")
    return {"files": count + 3, "relevant": relevant, "planted": len(expected)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    stats = generate(args.out, args.files, args.seed)
    print(f"generated {stats['files']} files ({stats['relevant']} relevant, {stats['planted']} planted) in {args.out}")


if __name__ == "__main__":
    main()
