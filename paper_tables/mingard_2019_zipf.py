"""Mingard et al. 2019, Appendix D: Zipf fit of the 7-input perceptron's function probabilities.

Published (10^8 samples, all parameters N(0,1)): with bias
log10 p = -0.85 log10(rank) - 2.32, which normalised to total probability 1
implies N_O = 7.63e9 functions, 91% of A000609(7) = 8,378,070,864; without
bias -0.81 and -2.31.

We sample the function table with ``montecarlo.sample`` (10^8 samples by
default, as in the paper; expect a long run), rank functions by count, and
fit log10 p against log10 rank by least squares over the functions seen at
least ``--fit-min-count`` times (rarer ones sit on the sampling floor 1/N and
flatten the tail).  N_O solves ``10^b * sum_{r <= N_O} r^a = 1``, the partial
sum taken exactly through the Hurwitz zeta function (mpmath).

Memory: only the packed tables and their counts are kept (``montecarlo.sample_counts``),
about 48 bytes per distinct function, not a table of 128-character strings.

Run: python paper_tables/mingard_2019_zipf.py [--samples 1e8] [--seed 0] [--no-bias] [--fit-min-count 10] [--out DIR]
(exit status 1 when the fitted slope is more than 0.05 or the intercept more
than 0.15 from the published values).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from pfmap import GaussianPrior, Perceptron
from pfmap.validation import parse_count

A000609_7 = 8_378_070_864
NO_BIAS_COUNT_7 = 347_326_352  # threshold functions of the perceptron without bias on {0,1}^7
PUBLISHED = {True: (-0.85, -2.32, 7.63e9), False: (-0.81, -2.31, None)}
SLOPE_TOLERANCE, INTERCEPT_TOLERANCE = 0.05, 0.15


def sample_counts(arch, samples: int, seed: int, out=None) -> np.ndarray:
    """Counts of every distinct function; no table of strings (10^8 samples see tens of millions)."""
    from pfmap.montecarlo import sample_counts as run

    _, counts = run(arch, samples, seed=seed, out=out, progress=True)
    return counts


def zipf_fit(counts, fit_min_count: int = 10) -> tuple[float, float, int]:
    """Least-squares ``log10 p = a log10 rank + b`` over functions seen >= ``fit_min_count`` times."""
    counts = np.sort(np.asarray(counts, dtype=float))[::-1]
    p = counts / counts.sum()
    ranks = np.arange(1, len(counts) + 1)
    used = counts >= fit_min_count
    if used.sum() < 3:
        raise ValueError(f"only {int(used.sum())} functions seen >= {fit_min_count} times; sample more")
    a, b = np.polyfit(np.log10(ranks[used]), np.log10(p[used]), 1)
    return float(a), float(b), int(used.sum())


def implied_function_count(a: float, b: float) -> float:
    """N with ``10^b * sum_{r=1}^{N} r^a = 1`` (a > -1 so the sum diverges and N exists)."""
    import mpmath

    def partial_sum(log10_n):
        n = mpmath.mpf(10) ** log10_n
        return mpmath.zeta(-a) - mpmath.zeta(-a, mpmath.floor(n) + 1)

    lo, hi = 0.0, 30.0
    if 10**b * partial_sum(hi) < 1:
        return math.inf
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if 10**b * partial_sum(mid) < 1 else (lo, mid)
    return 10**hi


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default="1e8", help="networks to sample (default 1e8, the paper's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-bias", action="store_true", help="the perceptron without bias (published -0.81, -2.31)")
    parser.add_argument("--fit-min-count", type=int, default=10, help="fit over functions seen >= this often")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="keep the run in this folder (montecarlo run folder): an interrupted run resumes")
    args = parser.parse_args(argv)
    samples = parse_count(args.samples)
    bias = not args.no_bias
    arch = Perceptron(7, GaussianPrior(sigma_w=1, sigma_b=1, bias=bias))
    start = time.perf_counter()
    counts = sample_counts(arch, samples, args.seed, args.out)
    elapsed = time.perf_counter() - start
    a, b, used = zipf_fit(counts, args.fit_min_count)
    pub_a, pub_b, pub_n = PUBLISHED[bias]
    possible = A000609_7 if bias else NO_BIAS_COUNT_7
    ours_n, pub_implied = implied_function_count(a, b), implied_function_count(pub_a, pub_b)
    top = np.sort(counts)[::-1][:3] / counts.sum()
    print(f"{arch.describe()}: {samples:,} samples (seed {args.seed}) in {elapsed:.0f} s; "
          f"{len(counts):,} distinct functions, {int((counts == 1).sum()):,} seen once")
    print(f"top three probabilities: {', '.join(f'{p:.4g}' for p in top)}")
    print(f"fit over the {used:,} functions seen >= {args.fit_min_count} times")
    print(f"{'':28} {'ours':>12} {'published':>12}")
    print(f"{'slope a (log10 p per decade)':28} {a:12.3f} {pub_a:12.2f}")
    print(f"{'intercept b':28} {b:12.3f} {pub_b:12.2f}")
    print(f"{'implied N_O':28} {ours_n:12.3g} {pub_n if pub_n else float('nan'):12.3g}")
    print(f"{'N_O / possible functions':28} {ours_n / possible:12.2%} {(pub_n or math.nan) / possible:12.2%}")
    corners = [implied_function_count(pub_a + da, pub_b + db) for da in (-0.005, 0.005) for db in (-0.005, 0.005)]
    print(f"(the published coefficients, normalised the same way, imply N_O = {pub_implied:.3g}; over their "
          f"rounding intervals a +- 0.005, b +- 0.005 it spans {min(corners):.3g} .. {max(corners):.3g})")
    ok_a, ok_b = abs(a - pub_a) <= SLOPE_TOLERANCE, abs(b - pub_b) <= INTERCEPT_TOLERANCE
    print(f"slope within {SLOPE_TOLERANCE} -> {'match' if ok_a else 'MISMATCH'}; "
          f"intercept within {INTERCEPT_TOLERANCE} -> {'match' if ok_b else 'MISMATCH'}")
    return 0 if ok_a and ok_b else 1


if __name__ == "__main__":
    sys.exit(main())
