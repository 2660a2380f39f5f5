"""Mingard et al. 2019, Fig. 1 / Theorem 4.1: a 7-input perceptron without bias has P(T = t) = 2^-7.

T is the number of inputs of {0,1}^7 mapped to 1.  Without bias and with a
weight prior symmetric under reflection (here all weights N(0,1)), Theorem 4.1
gives P(T = t) = 2^-n for every 0 <= t < 2^n; T = 2^n is impossible because the
input 0 always gives pre-activation 0, i.e. output 0.

We sample the function table with ``montecarlo.sample``, add up the counts per
T, and compare with 2^-7: a z-score per t (standard error of a binomial
proportion under the theorem) and a chi-square goodness-of-fit test over the
128 values.

Run: python paper_tables/mingard_2019_fig1.py [--samples 1e6] [--seed 0] [--all]
(exit status 1 when the data contradict the theorem: chi-square p < 1e-3,
some |z| > 5, or any sample with T = 128).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from pfmap import GaussianPrior, Perceptron
from pfmap.validation import parse_count

N_INPUTS = 7


def sample_table(arch, samples: int, seed: int):
    from pfmap.montecarlo import sample

    return sample(arch, samples, seed=seed, progress=True)


def t_counts(table, n: int) -> np.ndarray:
    """Samples per T = 0..2^n, from a sampled volume table (``count`` column)."""
    ones = table["function"].str.count("1").to_numpy()
    return np.bincount(ones, weights=table["count"].to_numpy(dtype=float), minlength=2**n + 1).astype(np.int64)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default="1e6", help="networks to sample (default 1e6)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all", action="store_true", help="print every t, not a selection")
    args = parser.parse_args(argv)
    samples = parse_count(args.samples)
    from scipy import stats

    arch = Perceptron(N_INPUTS, GaussianPrior(sigma_w=1, bias=False))
    start = time.perf_counter()
    counts = t_counts(sample_table(arch, samples, args.seed), N_INPUTS)
    elapsed = time.perf_counter() - start
    total = int(counts.sum())
    m = 2**N_INPUTS
    published = 1 / m
    se = math.sqrt(published * (1 - published) / total)
    z = (counts[:m] / total - published) / se
    chi2 = stats.chisquare(counts[:m])
    print(f"{arch.describe()}, {total:,} samples (seed {args.seed}), {elapsed:.1f} s")
    print("Mingard et al. 2019, Theorem 4.1 / Fig. 1: P(T = t) = 2^-7 = 0.0078125 for t = 0..127, 0 for t = 128")
    print(f"{'t':>4} {'ours P(T=t)':>12} {'+- 1 s.e.':>10} {'published':>10} {'z':>6}")
    shown = range(m + 1) if args.all else [0, 1, 2, 3, 31, 32, 63, 64, 65, 96, 125, 126, 127, 128]
    for t in shown:
        ours = counts[t] / total
        pub = published if t < m else 0.0
        zt = f"{z[t]:6.2f}" if t < m else ""
        print(f"{t:4d} {ours:12.6f} {se if t < m else 0:10.6f} {pub:10.6f} {zt:>6}")
    ok_chi2 = chi2.pvalue >= 1e-3
    ok_z = bool(np.abs(z).max() <= 5)
    ok_top = counts[m] == 0
    print(f"chi-square against uniform over t = 0..127: statistic {chi2.statistic:.1f} on {m - 1} d.o.f., "
          f"p = {chi2.pvalue:.3g} -> {'match' if ok_chi2 else 'MISMATCH'}")
    print(f"largest |z| over t = 0..127: {np.abs(z).max():.2f} (<= 5) -> {'match' if ok_z else 'MISMATCH'}")
    print(f"samples with T = 128: {counts[m]} (theorem: none) -> {'match' if ok_top else 'MISMATCH'}")
    return 0 if (ok_chi2 and ok_z and ok_top) else 1


if __name__ == "__main__":
    sys.exit(main())
