"""URL redaction, old regex vs new scanner, side by side on long single lines.

    python benchmarks/inputs/redact_line.py [--sizes 10,20,50,200] [--old-budget 60]

The old pattern (kept here only, for the comparison) retried a scheme match from every letter
of a long run of scheme characters with no "://" after it, so one 200k-character ``.env`` line
took about 90 s. Sizes are thousands of characters; the old column is skipped once its predicted
time (quadratic extrapolation) passes --old-budget seconds.
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

from pip_tls_setup import redact  # noqa: E402

OLD_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^/@\s:'\"]*)(?::(?P<secret>[^/\s'\"]*))?@"
)
SHAPES: dict[str, Callable[[int], str]] = {
    "letters, no '://'": lambda n: "A" * n,
    "KEY=token-ish value": lambda n: "TOKEN=" + "aB3+" * (n // 4),
    "many URLs with passwords": lambda n: " ".join(["http://u:p@h:1"] * (n // 15)),
    "'@' runs after '://'": lambda n: "http://" + "@" * n,
}


def old(text: str) -> str:
    return OLD_URL_CREDENTIALS.sub("****@", text)


def seconds(work: Callable[[str], object], text: str) -> float:
    start = time.perf_counter()
    work(text)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,20,50,200", help="thousands of characters, comma-separated")
    parser.add_argument("--old-budget", type=float, default=60.0, help="skip old runs predicted to take longer")
    args = parser.parse_args()
    print(f"{'line':<28} {'chars':>8} {'old s':>10} {'new s':>10} {'old/new':>11}")
    for shape, make in SHAPES.items():
        previous: tuple[int, float] | None = None
        for size in (int(s) * 1000 for s in args.sizes.split(",")):
            text = make(size)
            predicted = previous[1] * (size / previous[0]) ** 2 if previous else 0.0
            old_s = seconds(old, text) if predicted <= args.old_budget else None
            if old_s is not None:
                previous = (size, old_s)
            new_s = seconds(redact.url, text)
            old_text = f"{old_s:10.3f}" if old_s is not None else "   skipped"
            ratio = f"{old_s / new_s:10.2f}x" if old_s is not None and new_s > 0 else "          -"
            print(f"{shape:<28} {len(text):>8} {old_text} {new_s:10.4f} {ratio}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
