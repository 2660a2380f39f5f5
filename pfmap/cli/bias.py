"""``pfmap bias TABLE``: simplicity-bias analysis of a volume table (correlations, upper bound, ranking, plots)."""

from __future__ import annotations

import sys

from ..errors import PfmapError
from .options import parse_count


def register(subparsers) -> None:
    from ..complexity import MEASURES

    p = subparsers.add_parser(
        "bias", help="correlate log P with complexity measures, fit log2 P <= -a*K + b, rank the measures",
        description="Simplicity-bias analysis of a volume table: Spearman and Kendall correlations of log P "
                    "with each complexity measure (computed when missing; n_conditions used when present), the "
                    "upper-bound fit log2 P <= -a*K + b to the upper envelope (Dingle et al. 2018), a ranking "
                    "of the measures by |Spearman rho|, and optional PNG plots.")
    p.add_argument("table", metavar="TABLE", help="volume table with function and probability (.csv, .parquet, .json)")
    p.add_argument("--plots", default=None, metavar="DIR",
                   help="write logp_vs_<measure>.png and p_vs_rank.png into this folder")
    p.add_argument("--measures", default=None, metavar="LIST",
                   help=f"comma-separated subset of: {', '.join(MEASURES)}, n_conditions (default: all)")
    p.add_argument("--min-count", default="1", metavar="K",
                   help="sampled tables: drop functions seen fewer than K times (their P is at the sampling "
                        "floor); default 1 keeps all")
    p.add_argument("--bins", default="20", metavar="B",
                   help="bins of the measure for the upper envelope (default 20)")
    p.add_argument("--compression", default="zlib", choices=("zlib", "lzma"),
                   help="compressor for compressed_length when it has to be computed (default zlib)")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="also write the ranking table here (.csv, .md, .json, .parquet, .tex)")
    p.set_defaults(handler=run_bias)


def run_bias(args) -> int:
    from ..bias import bias_analysis, plot_bias
    from ..tables import read_table, write_table
    from .complexity import parse_measures

    df = read_table(args.table)
    measures = parse_measures(args.measures)
    if measures and "n_conditions" in measures and "n_conditions" not in df.columns:
        raise PfmapError("the table has no n_conditions column; add it with 'pfmap complexity --conditions always'")
    report = bias_analysis(df, measures, min_count=parse_count(args.min_count, "--min-count"),
                           bins=parse_count(args.bins, "--bins"), compression=args.compression)
    sys.stdout.write(report.summary())
    if args.plots:
        paths = plot_bias(report, args.plots)
        print(f"wrote {len(paths)} plots to {args.plots}", file=sys.stderr)
    if args.out:
        write_table(report.ranking, args.out)
        print(f"wrote the ranking of {len(report.ranking)} measures to {args.out}", file=sys.stderr)
    return 0
