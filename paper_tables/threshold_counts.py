"""Region counts of the perceptron arrangement against OEIS A000609 and the no-bias counts.

With bias on {0,1}^n: 4, 14, 104, 1882, 94572 (n = 1..5, OEIS A000609); without bias on {0,1}^n:
2, 6, 32, 370, 11292; without bias on {-1,1}^n: the self-dual threshold functions, A000609(n-1).

Run: python paper_tables/threshold_counts.py [--max-n 5]   (exit status 1 on any mismatch)
"""

from __future__ import annotations

import argparse
import sys
import time

from pfmap.geometry.perceptron.regions import THRESHOLD_COUNTS_BIAS, THRESHOLD_COUNTS_NO_BIAS_01, perceptron_regions

CASES = [("01", True, "A000609"), ("pm1", True, "A000609"), ("01", False, "no bias, {0,1}^n"),
         ("pm1", False, "A000609(n-1)")]


def published(n, encoding, bias):
    if bias:
        return THRESHOLD_COUNTS_BIAS[n]
    return THRESHOLD_COUNTS_BIAS[n - 1] if encoding == "pm1" else THRESHOLD_COUNTS_NO_BIAS_01[n]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=5)
    args = parser.parse_args(argv)
    print("| encoding | bias | n | regions | published | source | seconds | match |")
    print("|---|---|---|---|---|---|---|---|")
    bad = 0
    for encoding, bias, source in CASES:
        for n in range(1, args.max_n + 1):
            t0 = time.perf_counter()
            count = len(perceptron_regions(n, encoding, bias))
            dt = time.perf_counter() - t0
            ref = published(n, encoding, bias)
            ok = count == ref
            bad += not ok
            print(f"| {encoding} | {'on' if bias else 'off'} | {n} | {count:,} | {ref:,} | {source} | {dt:.2f} | "
                  f"{'yes' if ok else 'NO'} |")
    print("MATCH: all counts equal the published ones" if not bad else f"{bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
