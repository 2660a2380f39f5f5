"""``pfmap compare SGD_TABLE BAYES_TABLE``: method 2 (SGD) against method 1 (the posterior), function by function."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import PfmapError
from .options import parse_count, validate_output


def register(subparsers) -> None:
    p = subparsers.add_parser("compare", help="P_SGD(f|S) against P_B(f|S): correlations, top mass, scatter plot",
                              description="Join a table of `pfmap train` with one of `pfmap posterior` on the "
                                          "function (labels on E) and compare: Pearson and Spearman correlations "
                                          "of log probabilities, the mass on each side's top 1, 10, 100 functions, "
                                          "mean test errors, and the functions one side finds and the other "
                                          "never does.")
    p.add_argument("sgd_table", metavar="SGD_TABLE", help="table of `pfmap train` (parquet, csv or json)")
    p.add_argument("bayes_table", metavar="BAYES_TABLE", help="table of `pfmap posterior` (parquet, csv or json)")
    p.add_argument("--min-count", default="10", help="correlate functions seen at least this often on both "
                                                     "sampled sides (default 10)")
    p.add_argument("--plots", default=None, metavar="DIR", help="write the log-log scatter (scatter.png) here")
    p.add_argument("--format", default=None, metavar="md|csv|latex|json|parquet",
                   help="format of the joined table written to --out (default: from its extension)")
    p.add_argument("--out", default=None, metavar="FILE", help="write the joined table here (csv, parquet, ...)")
    p.set_defaults(handler=run_compare)


def run_compare(args) -> int:
    from ..compare import compare_posteriors, comparison_plot
    from ..tables import read_table, write_table

    min_count = parse_count(args.min_count, "--min-count")
    if args.format is not None and args.out is None:
        raise PfmapError("--format applies to the joined table of --out; add --out FILE")
    fmt = validate_output(args) if args.out is not None else None  # before the work: a bad extension is refused
    if args.plots is not None and Path(args.plots).exists() and not Path(args.plots).is_dir():
        raise PfmapError(f"--plots {args.plots} is a file; give a folder")
    sgd, bayes = read_table(args.sgd_table), read_table(args.bayes_table)
    comparison = compare_posteriors(sgd, bayes, min_count=min_count)
    print(comparison.summary())
    if args.out is not None:
        write_table(comparison.joined, args.out, fmt)
        print(f"wrote {len(comparison.joined)} rows to {args.out}", file=sys.stderr)
    if args.plots is not None:
        folder = Path(args.plots)
        folder.mkdir(parents=True, exist_ok=True)
        comparison_plot(comparison, folder / "scatter.png")
        print(f"wrote {folder / 'scatter.png'}", file=sys.stderr)
    return 0
