"""PEM splitting, old pattern vs new scanner, side by side on hostile and on big honest input.

    python benchmarks/inputs/pem_split.py [--sizes 16,32,64,128,1024] [--old-budget 60]

Input 1: N KiB of "-----BEGIN CERTIFICATE-----" lines (no END): the old lazy-dot pattern with a
back-reference retries the rest of the input from every BEGIN, so its time grows with N^2 (1 MiB
took 7 min 38 s). Input 2: a bundle of 10,000 distinct certificates. The old pattern is kept here
only, for the comparison; the old column is skipped once its predicted time passes --old-budget
seconds (quadratic extrapolation from the previous size).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))

from pip_tls_setup.ca import pem  # noqa: E402
from support.bulk_certs import many_cas  # noqa: E402

# The pattern certs.py used before (quadratic on unterminated BEGIN lines).
OLD_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)-----END \1-----", re.DOTALL)
BEGIN_LINE = b"-----BEGIN CERTIFICATE-----\n"


def seconds(work: Callable[[bytes], object], data: bytes) -> float:
    start = time.perf_counter()
    work(data)
    return time.perf_counter() - start


def row(label: str, old: float | None, new: float) -> str:
    old_text = f"{old:10.3f}" if old is not None else "   skipped"
    ratio = f"{old / new:10.0f}x" if old is not None and new > 0 else "          -"
    return f"{label:<28} {old_text} {new:10.4f} {ratio}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="16,32,64,128,1024", help="KiB of BEGIN lines, comma-separated")
    parser.add_argument("--old-budget", type=float, default=60.0, help="skip old runs predicted to take longer")
    parser.add_argument("--bundle", type=int, default=10_000, help="certificates in the honest bundle")
    args = parser.parse_args()
    print(f"{'input':<28} {'old s':>10} {'new s':>10} {'old/new':>11}")
    previous: tuple[int, float] | None = None
    for kib in (int(s) for s in args.sizes.split(",")):
        data = BEGIN_LINE * (kib * 1024 // len(BEGIN_LINE))
        predicted = previous[1] * (kib / previous[0]) ** 2 if previous else 0.0
        old = seconds(OLD_PEM_BLOCK.findall, data) if predicted <= args.old_budget else None
        if old is not None:
            previous = (kib, old)
        new = seconds(pem.scan, data)
        print(row(f"{kib} KiB of BEGIN lines", old, new), flush=True)
    bundle = b"".join(many_cas(args.bundle))
    old = seconds(OLD_PEM_BLOCK.findall, bundle)
    new = seconds(pem.scan, bundle)
    print(row(f"{args.bundle} certificates", old, new))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
