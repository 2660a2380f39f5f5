"""Which complexity measure best predicts volume? Every measure ranked on exact and sampled tables, with intervals.

The seed discussion asks: "could you compute the exact Kolmogorov complexity
of these mappings in some particular description language, since they are
so small?", and which practical measure predicts volume best.  The exact
description length here is the minimal formula size: the least number of
AND/OR gates (``formula_andor``) or AND/OR/XOR gates (``formula_andorxor``)
in a formula over the literals, exact for every function of n <= 4 inputs
(:mod:`pfmap.formula_size`).

Tables (all parameters N(0, 1) unless said):

* exact perceptrons: Gaussian n = 3, 4 (n = 5 when geometry gives certified
  Gaussian measures in dimension 6; the script says when it does not) and the
  uniform box [-1, 1] for n = 3, 4, 5 (n = 5: 94,572 exact volumes, minutes;
  cached in ``--cache``);
* exact step networks 2-2-1 and 3-2-1 (``pfmap.geometry.network_table``);
* a sampled 7-40-40-1 ReLU net, weights N(0, 1/fan_in), biases N(0, 1)
  (``pfmap.montecarlo.sample``; ``--samples``, default 1e6, ``1e7`` for the
  bigger run).

Measures: every one of :data:`pfmap.complexity.MEASURES` (the exact formula
sizes only for n <= 4), and for the perceptron tables the geometric measures
of each region (``n_conditions``, the facets; ``inscribed_radius``, the
angular radius of the largest cone inside the region in the prior's
standardised metric; ``region_degree`` and, for n <= 4,
``region_betweenness`` in the region adjacency graph; see
:mod:`pfmap.geometry.perceptron.geometric`).  For each table
:func:`pfmap.bias.bias_analysis` gives Spearman's rho and Kendall's tau of
log P with every measure, percentile bootstrap intervals (``--bootstrap``
resamples; ``--bootstrap-large`` for tables of more than 20,000 functions),
and the best measure against the second: a paired bootstrap of
``|rho_1| - |rho_2|`` (its interval and two-sided p) and Steiger's (1980) z
for dependent correlations (rank version, normal approximation).

Figures (``--figures``): ``ranking.png`` (each table's measures by |rho| with
their intervals) and ``correlation_matrix_<table>.png`` (Spearman among log P
and the measures).

Published: no numeric ranking exists.  Valle-Pérez et al. (2019, Fig. 1 and
App. E) show log P falling with K_LZ, Boolean complexity, entropy and the
critical sample ratio on the 7-40-40-1 net: the script checks those signs
(exit status 1 when one is contradicted) and ends with one paragraph that
answers the seed's question in numbers.

Run: python paper_tables/simplicity_bias_ranking.py [--max-n 5] [--samples 1e6] [--bootstrap 1000]
     [--bootstrap-large 200] [--seed 0] [--figures DIR] [--cache DIR] [--quick]
(``--samples 0`` skips the sampled net; ``--quick``: n = 3 only, 2-2-1, 1e4 samples, 100 resamples.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from pfmap import MLP, GaussianPrior, PfmapError, UniformPrior
from pfmap.bias import bias_analysis, correlation_matrix, plot_correlation_matrix, plot_ranking

PUBLISHED_SIGNS_NET = ("k_lz", "boolean_complexity", "entropy", "critical_sample_ratio")
LARGE = 20_000
#: Measures of the perceptron region (geometry), as opposed to description lengths of the truth table.
GEOMETRIC = {"inscribed_radius", "region_degree", "region_betweenness", "n_conditions"}
OUT = Path(__file__).resolve().parent / "out"


def perceptron(n: int, prior, cache: Path | None) -> pd.DataFrame:
    """The exact perceptron table with the geometric measures of each region (cached for n = 5)."""
    from pfmap.geometry import perceptron_table
    from pfmap.geometry.perceptron.geometric import add_region_measures
    from pfmap.tables import read_table, write_table

    name = f"perceptron_{prior.kind}_{n}.parquet"
    if cache is not None and n >= 5 and (cache / name).exists():
        return read_table(cache / name)
    table = perceptron_table(n, prior)[["function", "probability", "n_conditions"]]
    table = add_region_measures(table, prior=prior, betweenness=n <= 4)
    if cache is not None and n >= 5:
        cache.mkdir(parents=True, exist_ok=True)
        write_table(table, cache / name)
    return table


def tables(args):
    """(label, table-maker) in the order they are analysed."""
    sizes = [3] if args.quick else range(3, args.max_n + 1)
    cache = None if args.quick else Path(args.cache)
    for n in sizes:
        yield f"perceptron n={n} gaussian", lambda n=n: perceptron(n, GaussianPrior(), cache)
    for n in sizes:
        yield f"perceptron n={n} box", lambda n=n: perceptron(n, UniformPrior(), cache)
    for width in ([2] if args.quick else [2, 3]):
        yield f"step {width}-2-1", lambda w=width: step_net(w)
    if args.samples > 0:
        yield "7-40-40-1 sampled", lambda: sampled_net(args)


def step_net(width: int) -> pd.DataFrame:
    from pfmap.geometry import network_table

    return network_table(MLP(width, (2,), "step", GaussianPrior()))[["function", "probability"]]


def sampled_net(args) -> pd.DataFrame:
    from pfmap.montecarlo import sample

    arch = MLP(7, (40, 40), "relu", GaussianPrior(sigma_w=1, sigma_b=1, fan_in_scaling=True))
    return sample(arch, args.samples, seed=args.seed, progress="auto")


def entry(ranking: pd.DataFrame, measure: str) -> str:
    """``rho [low, high]`` of one measure in a ranking, or ``n/a``."""
    r = ranking.set_index("measure")
    if measure not in r.index or pd.isna(r.loc[measure, "spearman"]):
        return "n/a"
    row = r.loc[measure]
    if "spearman_low" in r.columns and pd.notna(row["spearman_low"]):
        return f"{row['spearman']:.3f} [{row['spearman_low']:.3f}, {row['spearman_high']:.3f}]"
    return f"{row['spearman']:.3f}"


def answer(reports: dict) -> str:
    """The seed's question answered in one paragraph of numbers."""
    from pfmap.formula_size import formula_size_table

    hardest = [int(formula_size_table(n).max()) for n in (2, 3, 4)]
    hardest_xor = [int(formula_size_table(n, gates="andorxor").max()) for n in (2, 3, 4)]
    parts = ["Answer. Exact Kolmogorov complexity is uncomputable, but in the description language of formulas "
             "over the literals it is computed here exactly: the least number of AND/OR gates is known for all "
             f"16, 256 and 65,536 functions of n = 2, 3, 4 inputs (the hardest need {', '.join(map(str, hardest))} "
             f"gates; parity is among them) and, with XOR allowed, {', '.join(map(str, hardest_xor))} gates at most."]
    for label, report in reports.items():
        r = report.ranking.dropna(subset=["spearman"])
        if len(r) < 2:
            continue
        text = (f"{label} ({len(report.data):,} functions): best {r['measure'].iloc[0]} rho = "
                f"{entry(r, r['measure'].iloc[0])}")
        c = report.comparison
        if c:
            text += (f", second {c['second']} {entry(r, c['second'])}, difference of |rho| {c['difference']:.3f} "
                     f"[{c['low']:.3f}, {c['high']:.3f}], p = {c['p_value']:.2g} (paired bootstrap; Steiger "
                     f"p = {c['steiger_p']:.2g})")
        complexity = r[~r["measure"].isin(GEOMETRIC)]
        if len(complexity) and complexity["measure"].iloc[0] != r["measure"].iloc[0]:
            text += f"; best complexity measure {complexity['measure'].iloc[0]} {entry(r, complexity['measure'].iloc[0])}"
        for m in ("formula_andor", "formula_andorxor", "k_lz"):
            if m in set(r["measure"]):
                text += f"; {m} {entry(r, m)}"
        parts.append(text + ".")
    for title, keep in (("predictor", lambda m: True), ("complexity measure", lambda m: m not in GEOMETRIC)):
        best = {}
        for label, rep in reports.items():
            ranked = [m for m in rep.ranking.dropna(subset=["spearman"])["measure"] if keep(m)]
            if ranked:
                best[label] = ranked[0]
        if best:
            counts = pd.Series(best).value_counts()
            parts.append(f"Across the {len(best)} tables the best {title} is {counts.index[0]} in {counts.iloc[0]} "
                         f"of them ({', '.join(f'{m}: {k}' for m, k in counts.items())}).")
    return " ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=5, help="largest exact perceptron (default 5)")
    parser.add_argument("--samples", default="1e6", help="networks for the 7-40-40-1 table (0: skip; default 1e6)")
    parser.add_argument("--min-count", type=int, default=1, help="sampled table: drop functions seen fewer times")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--bootstrap-large", type=int, default=200,
                        help=f"resamples for tables of more than {LARGE:,} functions (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="sampling and bootstrap seed")
    parser.add_argument("--figures", default=str(OUT / "simplicity_bias"), help="folder for the PNG figures")
    parser.add_argument("--cache", default=str(OUT), help="folder caching the n = 5 perceptron tables")
    parser.add_argument("--quick", action="store_true", help="a smoke run: n = 3, 2-2-1, 1e4 samples, 100 resamples")
    args = parser.parse_args(argv)
    args.samples = int(float(args.samples))
    if args.quick:
        args.samples, args.bootstrap, args.bootstrap_large = min(args.samples, 10_000), 100, 100
    reports, ok = {}, True
    for label, make in tables(args):
        start = time.perf_counter()
        try:
            table = make()
        except PfmapError as exc:
            print(f"\n## {label}: not available ({exc})")
            continue
        made = time.perf_counter() - start
        resamples = args.bootstrap if len(table) <= LARGE else args.bootstrap_large
        note = ""
        if {"region_degree", "n_conditions"} <= set(table.columns) and \
                table["region_degree"].fillna(-1).equals(table["n_conditions"].astype(float).fillna(-1)):
            table = table.drop(columns="region_degree")   # the same number: a region's neighbours lie across its facets
            note = "; region_degree equals n_conditions on every function (left out)"
        report = bias_analysis(table, min_count=args.min_count, bootstrap=resamples, seed=args.seed)
        print(f"\n## {label}: {len(table):,} functions; table {made:.0f} s, analysis with {resamples} bootstrap "
              f"resamples {time.perf_counter() - start - made:.0f} s{note}")
        sys.stdout.write(report.summary())
        reports[label] = report
        if label.startswith("7-40-40-1"):
            by = report.ranking.set_index("measure")["spearman"]
            for m in PUBLISHED_SIGNS_NET:
                good = bool(by.get(m, float("nan")) < 0)
                ok &= good
                print(f"7-40-40-1: rho(log P, {m}) = {by.get(m, float('nan')):.3f}; published: negative -> "
                      f"{'match' if good else 'MISMATCH'}")
    if not reports:
        return 1
    print("\n## Spearman rho of log P with each measure [95% bootstrap interval], side by side")
    measures = list(dict.fromkeys(m for rep in reports.values() for m in rep.ranking["measure"]))
    side = pd.DataFrame({label: [entry(rep.ranking, m) for m in measures] for label, rep in reports.items()},
                        index=measures)
    print(side.to_markdown())
    figures = Path(args.figures)
    written = [plot_ranking({k: r.ranking for k, r in reports.items()}, figures / "ranking.png")]
    for label, report in reports.items():
        slug = label.replace(" ", "_").replace("=", "").replace("-", "_")
        matrix = correlation_matrix(report.data, list(report.ranking.dropna(subset=["spearman"])["measure"]))
        written.append(plot_correlation_matrix(matrix, figures / f"correlation_matrix_{slug}.png", title=label))
    print(f"\nfigures: {', '.join(str(p) for p in written)}")
    print("\n" + answer(reports))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
