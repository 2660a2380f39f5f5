"""Region counts of the perceptron arrangement against OEIS A000609 and the no-bias counts, n = 1..6.

With bias on {0,1}^n: 4, 14, 104, 1882, 94572, 15028134 (n = 1..6, OEIS A000609); without bias on {0,1}^n:
2, 6, 32, 370, 11292, 1066044 (the resonance-type arrangement of the nonzero cube points); without bias on
{-1,1}^n: the self-dual threshold functions, A000609(n-1).

n <= 5 come from the in-memory enumeration (perceptron_regions).  n = 6 is slower (minutes) and printed only
on request: ``--n6`` enumerates it here (orbit walk and expansion, counting the regions), ``--table6 FILE``
(repeatable) counts the distinct functions of a finished n = 6 table written by
``pfmap table perceptron --n 6 --out FILE.parquet``.

Run: python paper_tables/threshold_counts.py [--max-n 5] [--n6] [--table6 FILE]   (exit status 1 on any mismatch)
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from pfmap.geometry.perceptron.counts import THRESHOLD_COUNTS_BIAS, THRESHOLD_COUNTS_NO_BIAS_01
from pfmap.geometry.perceptron.enumeration import count_regions
from pfmap.geometry.perceptron.orbit_rows import table_case
from pfmap.geometry.perceptron.regions import perceptron_regions

CASES = [("01", True, "A000609"), ("pm1", True, "A000609"), ("01", False, "no bias, {0,1}^n"),
         ("pm1", False, "A000609(n-1)")]


def published(n: int, encoding: str, bias: bool) -> int:
    """The published count of regions."""
    if bias:
        return THRESHOLD_COUNTS_BIAS[n]
    return THRESHOLD_COUNTS_BIAS[n - 1] if encoding == "pm1" else THRESHOLD_COUNTS_NO_BIAS_01[n]


def count_table(path: str) -> tuple[str, bool, int, int]:
    """``(encoding, bias, n, distinct functions)`` of a table file written by perceptron_table_file."""
    import json

    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    meta = json.loads(handle.schema_arrow.metadata[b"pfmap"])
    arch = meta["architecture"]
    functions = pq.read_table(path, columns=["function"]).column("function").to_numpy()
    return meta["inputs"], bool(arch["prior"].get("bias", True)), int(arch["n"]), int(len(np.unique(functions)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=5, help="largest n from the in-memory enumeration (<= 5)")
    parser.add_argument("--n6", action="store_true", help="also enumerate n = 6 here (minutes)")
    parser.add_argument("--table6", action="append", default=[], metavar="FILE",
                        help="count the functions of a finished n = 6 table (repeatable)")
    args = parser.parse_args(argv)
    print("| encoding | bias | n | regions | published | source | seconds | match |")
    print("|---|---|---|---|---|---|---|---|")
    bad = 0

    def row(encoding, bias, n, count, source, seconds, how=""):
        nonlocal bad
        ref = published(n, encoding, bias)
        ok = count == ref
        bad += not ok
        print(f"| {encoding} | {'on' if bias else 'off'} | {n} | {count:,} | {ref:,} | {source}{how} | {seconds:.2f} | "
              f"{'yes' if ok else 'NO'} |")

    for encoding, bias, source in CASES:
        for n in range(1, min(args.max_n, 5) + 1):
            t0 = time.perf_counter()
            count = len(perceptron_regions(n, encoding, bias))
            row(encoding, bias, n, count, source, time.perf_counter() - t0)
    if args.n6:
        counted = {}   # with bias both encodings walk the same arrangement ({-1,1}^6 coordinates): count it once
        for encoding, bias, source in CASES:
            t0 = time.perf_counter()
            key = (bias, None if bias else encoding)
            if key not in counted:
                counted[key] = count_regions(table_case(6, encoding, bias).arrangement())
            count, orbits = counted[key]
            row(encoding, bias, 6, count, source, time.perf_counter() - t0, f" ({orbits:,} orbits)")
    for path in args.table6:
        t0 = time.perf_counter()
        encoding, bias, n, count = count_table(path)
        row(encoding, bias, n, count, [s for e, b, s in CASES if (e, b) == (encoding, bias)][0],
            time.perf_counter() - t0, " (table file)")
    print("MATCH: all counts equal the published ones" if not bad else f"MISMATCH: {bad} counts differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
