"""``pfmap bias TABLE``: simplicity-bias analysis of a volume table (correlations, upper bound, ranking, plots)."""

from __future__ import annotations

import numbers
import sys
from pathlib import Path

from ..errors import PfmapError
from ..tables import FORMATS
from ..validation import check_probability
from .options import DeferredHelp, parse_count, validate_output, whole_number


def register(subparsers) -> None:
    """Add ``pfmap bias`` (building the parser imports no measure code: their names are listed lazily).

    Parameters
    ----------
    subparsers : argparse._SubParsersAction

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers(); register(sub); sorted(sub.choices)
    ['bias']
    """
    from .complexity import measure_names

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
                   help=DeferredHelp(lambda: f"comma-separated subset of: {', '.join(measure_names())}, "
                                             f"n_conditions (default: all)"))
    p.add_argument("--min-count", default="1", metavar="K",
                   help="sampled tables: drop functions seen fewer than K times (their P is at the sampling "
                        "floor); default 1 keeps all")
    p.add_argument("--bins", default="20", metavar="B",
                   help="bins of the measure for the upper envelope (default 20)")
    p.add_argument("--compression", default="zlib", choices=("zlib", "lzma"),
                   help="compressor for compressed_length when it has to be computed (default zlib)")
    b = p.add_argument_group("bootstrap")
    b.add_argument("--bootstrap", default="0", metavar="B",
                   help="percentile bootstrap with B resamples (B >= 2): intervals spearman_low/high and "
                        "kendall_low/high for each measure, and a paired test of the best measure against the "
                        "second; default 0 (none)")
    b.add_argument("--confidence", default="0.95", metavar="C", help="coverage of the intervals (default 0.95)")
    b.add_argument("--seed", default="0", metavar="K",
                   help="seed of the resamples (chunk k of 64 from child k of SeedSequence(K)); default 0")
    p.add_argument("--format", default=None, metavar="|".join(FORMATS),
                   help="format of the ranking table: of --out (default: from its extension), or, without "
                        "--out, the ranking in this format on stdout and the summary on stderr")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="also write the ranking table here (.csv, .md, .json, .parquet, .tex)")
    p.set_defaults(handler=run_bias)


def run_bias(args) -> int:
    """Run ``pfmap bias``: check the table and the options, analyse, print the summary, write plots and ranking.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        The exit status.

    Raises
    ------
    PfmapError
        For a bad table or option.

    Examples
    --------
    >>> import tempfile, os
    >>> from pfmap.cli import build_parser
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("function,probability\\n0000,0.5\\n0001,0.3\\n0111,0.2\\n")
    >>> run_bias(build_parser().parse_args(["bias", p, "--measures", "entropy"]))  # doctest: +ELLIPSIS
    functions analysed: 3 ...
    0
    """
    from ..tables import check_volume_table, read_table, write_table
    from .complexity import parse_measures

    fmt = validate_output(args) if (args.out or args.format) else None
    min_count = parse_count(args.min_count, "--min-count")
    bins = parse_count(args.bins, "--bins")
    resamples = whole_number(args.bootstrap, "--bootstrap", 0)
    if resamples == 1:
        raise PfmapError("--bootstrap needs at least 2 resamples (or 0 for none); got 1")
    confidence = check_probability(args.confidence, "--confidence")
    seed = whole_number(args.seed, "--seed", 0)
    df = read_table(args.table)
    check_volume_table(df, args.table, probabilities=True)
    if args.plots and Path(args.plots).exists() and not Path(args.plots).is_dir():
        raise PfmapError(f"--plots {args.plots} is a file; give a folder for the plots")
    from ..bias import bias_analysis, plot_bias

    measures = parse_measures(args.measures)
    if measures and "n_conditions" in measures and "n_conditions" not in df.columns:
        raise PfmapError("the table has no n_conditions column; add it with 'pfmap complexity --conditions always'")
    report = bias_analysis(df, measures, min_count=min_count, bins=bins, compression=args.compression,
                           bootstrap=resamples, confidence=confidence, seed=seed,
                           progress=False if getattr(args, "quiet", False) else "auto")
    table_on_stdout = args.format is not None and not args.out
    (sys.stderr if table_on_stdout else sys.stdout).write(report.summary())
    if args.plots:
        paths = plot_bias(report, args.plots)
        print(f"wrote {len(paths)} plots to {args.plots}", file=sys.stderr)
    ranking = report.ranking.copy()
    if resamples:  # the settings and the best-vs-second test travel in the table's metadata (JSON, Parquet)
        comparison = {k: v if isinstance(v, (str, list)) else int(v) if isinstance(v, numbers.Integral) else float(v)
                      for k, v in (report.comparison or {}).items()}
        ranking.attrs["pfmap"] = {"bootstrap": {"resamples": resamples, "confidence": confidence, "seed": seed},
                                  "best_vs_second": comparison or None}
    if table_on_stdout:
        sys.stdout.write(write_table(ranking, None, fmt))
    elif args.out:
        write_table(ranking, args.out, fmt)
        print(f"wrote the ranking of {len(report.ranking)} measures to {args.out}", file=sys.stderr)
    return 0
