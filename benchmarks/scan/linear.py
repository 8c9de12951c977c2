"""The scan's readers are linear in their input: each adversarial input below (the shapes that made a reader
quadratic or exponential before issue 8: runs of blanks before a missing ``#``, unclosed ``${{`` / ``$(`` /
``<#`` / quotes, long tokens for shlex, many values on one JSON or TOML line, continuation lines, YAML
alias and merge bombs) is parsed at two sizes; the time ratio stays near the size ratio.

    python benchmarks/scan/linear.py [--size 200000] [--factor 4]

Prints one line per input: kind, shape, seconds at n and at factor*n, and the ratio (linear: ~factor).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from pip_tls_setup.policy.context import ScanContext
from pip_tls_setup.policy.findings import clean_text
from pip_tls_setup.policy.parsers import PARSERS, ParseError

# (kind, prefix, repeated unit, suffix)
SHAPES = [
    ("requirements", "", " ", "x"),
    ("requirements", "--trusted-host ", "${{", ""),
    ("requirements", "--trusted-host ", "a", ""),
    ("requirements", "", "\\\n", ""),
    ("dotenv", 'A="', "x\n", ""),
    ("dotenv", "A=x", " ", "y"),
    ("shell", "pip install --trusted-host ", "${{", ""),
    ("shell", "pip install --trusted-host ", "$(", ""),
    ("shell", "", "=(", ""),
    ("shell", "echo ", "a", ""),
    ("dockerfile", "FROM x\nRUN pip install ", "a \\\n", ""),
    ("dockerfile", "FROM x\nENV A=", "x = [", ""),
    ("powershell", "", "<#", ""),
    ("powershell", "", "$env:a=b", "\nx\n"),
    ("batch", "set A", " ", 'x"y'),
    ("jenkinsfile", "sh", " ", "x"),
    ("requirements", "pkg", " ", "x"),
    ("shell", "echo x > ", "requirements", ""),
    ("pipconf", "[global]\nkey", " ", "x"),
    ("devcontainer", '{"a": [', "1,", "1]}"),
    ("pyproject", "a = [", "'a',", "'a']"),
    ("gitlab", "job:\n  script:\n", "    - pip install x\n", ""),
]


def _bomb(levels: int) -> str:
    lines = ['l0: &l0 ["pip install --trusted-host a.example x", "b", "c", "d", "e", "f", "g", "h", "i"]']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    lines.append(f"job:\n  script: *l{levels}\n  variables: *l{levels}\n")
    return "\n".join(lines)


def timed(kind: str, text: str) -> float:
    start = time.perf_counter()
    with contextlib.suppress(ParseError):
        PARSERS[kind](text, ScanContext(kind, [], parsers=PARSERS))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200_000, help="characters of the smaller input")
    parser.add_argument("--factor", type=int, default=4, help="how much larger the second input is")
    args = parser.parse_args()
    print(f"{'kind':<13} {'shape':<34} {'n s':>8} {'x' + str(args.factor) + ' s':>8} {'ratio':>6}")
    worst = 0.0
    for kind, prefix, unit, suffix in SHAPES:
        small = timed(kind, prefix + unit * (args.size // len(unit)) + suffix)
        large = timed(kind, prefix + unit * (args.factor * args.size // len(unit)) + suffix)
        ratio = large / max(small, 1e-6)
        worst = max(worst, ratio if small > 0.01 else 0.0)
        shape = repr(prefix[-16:] + unit)[:34]
        print(f"{kind:<13} {shape:<34} {small:8.3f} {large:8.3f} {ratio:6.1f}")
    for levels in (4, 9):
        shape = f"alias bomb, 9^{levels} paths"
        print(f"{'gitlab':<13} {shape:<34} {timed('gitlab', _bomb(levels)):8.3f}")
    start = time.perf_counter()
    clean_text("http://user:pw@proxy.example/ " + "x" * (args.factor * args.size * 10), 300)
    print(f"{'clean_text':<13} {'one long line':<34} {time.perf_counter() - start:8.3f}")
    print(f"\nworst ratio {worst:.1f} for a {args.factor}x larger input (linear: about {args.factor})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
