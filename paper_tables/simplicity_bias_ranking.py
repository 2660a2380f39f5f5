"""Which complexity measure best predicts volume? Rankings on exact perceptron tables and a sampled 7-40-40-1 net.

Tables: the exact Gaussian (all parameters N(0,1)) perceptron tables of
``geometry.perceptron_table`` for n = 2..4, the exact uniform-box table for
n = 5 (no certified Gaussian measures there; 94,572 functions, a few
minutes), and a sampled table of the
Valle-Pérez et al. (2019) network 7-40-40-1 ReLU, weights N(0, 1/fan_in),
biases N(0, 1), from ``montecarlo.sample``.  For each, ``pfmap.bias``
computes Spearman's rho and Kendall's tau of log P with every measure, the
envelope bound log2 P <= -a K + b, and ranks the measures by |rho|.

Published: no numeric ranking exists.  Valle-Pérez et al. (2019, Fig. 1 and
App. E) show log P falling with K_LZ, Boolean (formula) complexity, entropy
and the critical sample ratio on the 7-40-40-1 net; Mingard et al. (2019)
show the perceptron's bias towards low entropy.  The script checks those
signs (rho < 0; for the perceptron only informational, since the published
entropy bias concerns P(T) summed over functions) and prints the full
rankings beside them.

Run: python paper_tables/simplicity_bias_ranking.py [--max-n 5] [--samples 1e7] [--min-count 1] [--seed 0]
(``--samples 0`` skips the sampled net; exit status 1 when a published sign for the net is contradicted).
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from pfmap import MLP, GaussianPrior, PfmapError, UniformPrior
from pfmap.bias import bias_analysis

PUBLISHED_SIGNS_NET = ("k_lz", "boolean_complexity", "entropy", "critical_sample_ratio")
PUBLISHED_SIGNS_PERCEPTRON = ("entropy",)


def exact_table(n: int):
    """The exact table and its prior's name: Gaussian N(0,1) where certified measures exist (n <= 4), else the
    uniform box [-1,1]^(n+1) (exact volumes, n = 5 in a few minutes)."""
    from pfmap.geometry import perceptron as exact

    if n <= exact.MAX_GAUSSIAN_N:
        return exact.perceptron_table(n, GaussianPrior()), "gaussian N(0,1)"
    if n <= exact.MAX_BOX_N:
        return exact.perceptron_table(n, UniformPrior()), "uniform box [-1,1]"
    raise PfmapError(f"geometry gives certified Gaussian measures for n <= {exact.MAX_GAUSSIAN_N} and exact "
                     f"box volumes for n <= {exact.MAX_BOX_N}")


def sample_table(arch, samples: int, seed: int):
    from pfmap.montecarlo import sample

    return sample(arch, samples, seed=seed, progress=True)


def show(name: str, report) -> None:
    print(f"\n## {name}")
    sys.stdout.write(report.summary())


def sign_checks(label: str, ranking: pd.DataFrame, measures, published: str, informational: bool = False) -> bool:
    ok = True
    by_measure = ranking.set_index("measure")
    for m in measures:
        rho = by_measure.loc[m, "spearman"] if m in by_measure.index else float("nan")
        good = bool(rho < 0)
        ok &= good
        verdict = ("negative" if good else "not negative") if informational else ("match" if good else "MISMATCH")
        print(f"{label}: rho(log P, {m}) = {rho:.3f}; {published} -> {verdict}")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=5, help="largest exact perceptron (default 5, under the "
                        "uniform box; reported when geometry cannot give its volumes)")
    parser.add_argument("--samples", default="1e7", help="networks for the 7-40-40-1 table (0: skip; default 1e7)")
    parser.add_argument("--min-count", type=int, default=1, help="sampled table: drop functions seen fewer times")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sigma-w", type=float, default=1.0, help="net weights N(0, sigma_w^2/fan_in) (default 1)")
    parser.add_argument("--sigma-b", type=float, default=1.0, help="net biases N(0, sigma_b^2) (default 1)")
    args = parser.parse_args(argv)
    samples = int(float(args.samples))
    columns = {}
    ok = True
    for n in range(2, args.max_n + 1):
        start = time.perf_counter()
        try:
            table, prior_name = exact_table(n)
        except PfmapError as exc:
            print(f"\n## exact perceptron n = {n}: not available ({exc})")
            continue
        report = bias_analysis(table)
        show(f"exact perceptron n = {n}, {prior_name}: {len(table)} functions, "
             f"{time.perf_counter() - start:.0f} s", report)
        # informational: Mingard et al.'s low-entropy bias is about P(T), aggregated over functions, so a
        # per-function rank correlation need not be negative at small n
        sign_checks(f"perceptron n = {n}", report.ranking, PUBLISHED_SIGNS_PERCEPTRON,
                    "published for P(T), not per function: low entropy favoured; informational", informational=True)
        label = f"perceptron n={n}" + ("" if prior_name.startswith("gaussian") else " (box)")
        columns[label] = report.ranking.set_index("measure")["spearman"]
    if samples > 0:
        arch = MLP(7, (40, 40), "relu", GaussianPrior(sigma_w=args.sigma_w, sigma_b=args.sigma_b,
                                                              fan_in_scaling=True))
        start = time.perf_counter()
        table = sample_table(arch, samples, args.seed)
        sampled = time.perf_counter() - start
        report = bias_analysis(table, min_count=args.min_count)
        show(f"{arch.describe()}: {samples:,} samples, {len(table):,} distinct functions, sampled in {sampled:.0f} s, "
             f"analysed in {time.perf_counter() - start - sampled:.0f} s", report)
        ok &= sign_checks("7-40-40-1", report.ranking, PUBLISHED_SIGNS_NET, "published: negative")
        columns["7-40-40-1 sampled"] = report.ranking.set_index("measure")["spearman"]
    if columns:
        print("\n## Spearman rho of log P with each measure, side by side")
        print(pd.DataFrame(columns).round(3).to_markdown())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
