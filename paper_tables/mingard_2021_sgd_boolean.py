"""Mingard et al., "Is SGD a Bayesian sampler? Well, almost" (JMLR 2021), Boolean set-up: P_SGD(f|S) against P_B(f|S).

Published set-up: 7-40-40-1 ReLU on {0,1}^7, weights N(0, 1/fan_in), biases N(0, 1) (the authors'
initialisation), target ``0011`` x 32, |S| = 32 (our mask: seed 0, printed by
``mingard_2019_boolean_posterior.py``), each run trained from its own initialisation until it labels S
correctly, then the function it finds on the 96 test inputs is recorded; P_B(f|S) by rejection sampling ("ABI").
Published figures (their committed data, target 0011 x 32): mean test error of SGD, CE, batch 1: lr 0.01 0.0304,
lr 0.05 0.0028, lr 0.001 0.0167; MSE lr 0.001 0.0107.  Their finding: log P_SGD and log P_B correlate closely on
the functions both find, SGD's test error is close to P_B's.

We train --runs networks (default 10^5) in each of three settings (SGD batch 8 lr 0.01, SGD batch 1 lr 0.01, Adam
batch 8 lr 0.001; cross-entropy) with ``pfmap.learning.training.train_table`` and compare each with the rejection
posterior (``--posterior-samples``, default 10^8, in a resumable run folder) with ``pfmap.compare``: correlations
of log probabilities, top masses, mean test errors, and a log-log scatter (PNG in --plots).

Run: python paper_tables/mingard_2021_sgd_boolean.py [--runs 1e5] [--posterior-samples 1e8] [--plots DIR] [--reuse]
Rejection sampling is exact but sparse here (P(S) ~ 4e-5: 10^8 prior samples keep ~4,000 networks), so the
correlation over functions is also measured against P_B from the network's NNGP (minimax tilting, as the paper's
MNIST side does with EP), for every function SGD found at least --min-count times.  --reuse reads the SGD tables
written by an earlier run.
Exit status 1 if, for SGD batch 1 lr 0.01, the mean test error is more than 0.05 away from the published 0.0304,
or the Spearman correlation of log P_SGD with the NNGP's log P_B on functions SGD saw >= --min-count times is
below 0.5.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pfmap.validation import parse_count

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mingard_2019_boolean_posterior import ARCH, PUBLISHED_SGD_TEST_ERROR, data  # noqa: E402

SETTINGS = {"sgd-batch8": dict(optimizer="sgd", lr=0.01, batch_size=8),
            "sgd-batch1": dict(optimizer="sgd", lr=0.01, batch_size=1),
            "adam-batch8": dict(optimizer="adam", lr=0.001, batch_size=8)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="1e5", help="SGD runs per setting (default 1e5)")
    parser.add_argument("--posterior-samples", default="1e8", help="prior samples for P_B (default 1e8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", default=",".join(SETTINGS), help="which settings, comma-separated")
    parser.add_argument("--plots", default="paper_tables/out/sgd_boolean", help="folder for the scatter plots")
    parser.add_argument("--out", default="paper_tables/out/boolean_posterior", help="P_B run folder")
    parser.add_argument("--min-count", type=int, default=10,
                        help="functions seen this often by SGD enter the GP comparison (default 10)")
    parser.add_argument("--tilting-samples", default="2000", help="importance samples per GP orthant (default 2000)")
    parser.add_argument("--reuse", action="store_true",
                        help="read the SGD tables already written to --plots instead of training again")
    args = parser.parse_args(argv)
    import pandas as pd

    from pfmap.compare import compare_posteriors, comparison_plot
    from pfmap.learning.gp_posterior import gp_posterior
    from pfmap.learning.nngp import nngp_kernel
    from pfmap.learning.training import train_table
    from pfmap.montecarlo.posterior import sample_posterior
    from pfmap.tables import write_table

    dataset = data(args.seed)
    runs = parse_count(args.runs, "runs")
    plots = Path(args.plots)
    plots.mkdir(parents=True, exist_ok=True)
    start = time.time()
    bayes = sample_posterior(ARCH, dataset, parse_count(args.posterior_samples, "samples"), seed=args.seed,
                             out=args.out, progress="auto", min_accepted=1)
    print(f"P_B by rejection: {bayes.attrs['pfmap']['accepted']:,} of {bayes.attrs['pfmap']['samples']:,} accepted "
          f"({time.time() - start:.0f} s); mean test error {float((bayes['probability'] * bayes['test_error']).sum()):.4f}")
    kernel = nngp_kernel(ARCH, dataset.points_train_then_test())
    tilting_samples = parse_count(args.tilting_samples, "samples")
    verdict = True
    for name in args.settings.split(","):
        settings = SETTINGS[name]
        table_path = plots / f"{name}.parquet"
        start = time.time()
        if args.reuse and table_path.exists():
            sgd = pd.read_parquet(table_path)
            source = f"read from {table_path}"
        else:
            sgd = train_table(ARCH, dataset.train_points, dataset.train_labels, dataset.test_points,
                              dataset.test_labels, runs=runs, seed=args.seed, loss="ce", progress="auto", **settings)
            elapsed = time.time() - start
            write_table(sgd, table_path)
            source = f"{runs:,} runs in {elapsed:.0f} s ({runs / elapsed:.0f} runs/s)"
        print(f"\n== {name} ({settings}): {source}, {sgd.attrs.get('not_fitted', 0)} not fitted")
        comparison = compare_posteriors(sgd, bayes, min_count=10)
        comparison_plot(comparison, plots / f"{name}.png", title=f"{name}: P_SGD vs P_B (Boolean 0011 x 32)")
        print("-- against P_B by rejection sampling (exact in the limit):")
        print(comparison.summary())
        frequent = sgd[sgd["count"] >= args.min_count]
        start = time.time()
        gp = gp_posterior(kernel, dataset.train_labels, frequent["function"].tolist(), method="tilting",
                          progress="auto",
                          test_labels=dataset.test_labels, samples=tilting_samples, seed=args.seed)
        gp_comparison = compare_posteriors(sgd, gp, min_count=args.min_count)
        comparison_plot(gp_comparison, plots / f"{name}_gp.png",
                        title=f"{name}: P_SGD vs P_B (NNGP, tilting; Boolean 0011 x 32)")
        print(f"-- against P_B from the NNGP (minimax tilting, {len(gp):,} functions seen >= {args.min_count} "
              f"times by SGD, {time.time() - start:.0f} s; log P(S) = {gp.attrs['pfmap']['log_p_train']:.2f}, "
              f"rejection: {bayes.attrs['pfmap']['log_p_train']:.2f}):")
        print(gp_comparison.summary())
        if name == "sgd-batch1":
            error = comparison.mean_test_error.get("sgd")
            published = PUBLISHED_SGD_TEST_ERROR["SGD CE batch 1 lr 0.01"]
            ok = error is not None and abs(error - published) <= 0.05 and gp_comparison.spearman >= 0.5
            print(f"published mean test error {published}; ours {error:.4f} (another S: the authors' mask is not "
                  f"published); Spearman of log P_SGD with the NNGP's log P_B {gp_comparison.spearman:.3f}: "
                  f"{'MATCH' if ok else 'MISMATCH'}")
            verdict = verdict and ok
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
