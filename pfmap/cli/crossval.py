"""``pfmap crossval perceptron|mlp``: sample with montecarlo, compare with the exact geometry table."""

from __future__ import annotations

import importlib
import importlib.util
import sys

from .options import (OneLineParser, add_encoding_option, add_output_options, add_prior_options,
                      encoding_from_args, parse_count, parse_n, prior_from_args, validate_output)

CROSSVAL_FORMATS = ("md", "csv", "json", "parquet")


def add_sampling_options(parser) -> None:
    parser.add_argument("--samples", default="1e5", help="networks to sample (default 1e5; 1e6 and 1e8 accepted)")
    parser.add_argument("--seed", default="0", help="random seed (default 0)")
    parser.add_argument("--backend", default=None, help="numpy, numba (default) or torch")
    parser.add_argument("--alpha", type=float, default=1e-3,
                        help="significance level of the chi-square and Bonferroni z tests (default 1e-3)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def register(subparsers) -> None:
    cv = subparsers.add_parser("crossval", help="compare sampled and exact tables",
                               description="Sample with the montecarlo engine and compare with the exact geometry "
                                           "table: z-score per function, chi-square test, functions outside their "
                                           "intervals, verdict. Exit status 0 on PASS, 1 on FAIL.")
    kinds = cv.add_subparsers(dest="arch", metavar="ARCH", parser_class=OneLineParser)
    kinds.required = True
    p = kinds.add_parser("perceptron", help="a single threshold unit")
    p.add_argument("--n", required=True, help="number of inputs (n <= 4; 5 for the uniform box or without bias)")
    add_prior_options(p)
    add_encoding_option(p)
    add_sampling_options(p)
    add_output_options(p, CROSSVAL_FORMATS)
    p.set_defaults(handler=run_perceptron)
    if importlib.util.find_spec(f"{__package__}.crossval_mlp") is not None:
        importlib.import_module(f"{__package__}.crossval_mlp").register(kinds)


def seed_from_args(args) -> int:
    from ..errors import PfmapError

    try:
        seed = int(str(args.seed))
    except ValueError:
        raise PfmapError(f"--seed must be a whole number >= 0; got {args.seed!r}") from None
    if seed < 0:
        raise PfmapError(f"--seed must be a whole number >= 0; got {seed}")
    return seed


def report_crossval(report, args) -> int:
    """Print the per-function table (or write it to --out) and the summary; status 0 on PASS."""
    from ..tables import write_table

    table = report.table
    if args.out is not None:
        write_table(table, args.out, args.format)
        print(f"wrote {len(table)} rows to {args.out}", file=sys.stderr)
    else:
        shown = table.head(40)
        text = write_table(shown, None, args.format or "md")
        sys.stdout.write(text)
        if len(table) > len(shown):
            print(f"... {len(table) - len(shown)} more functions (use --out FILE for all)")
    print(report.summary())
    return 0 if report.passed else 1


def run_perceptron(args) -> int:
    from ..crossval import crossval_perceptron

    n = parse_n(args.n)
    prior = prior_from_args(args)
    encoding = encoding_from_args(args)
    samples = parse_count(args.samples)
    seed = seed_from_args(args)
    validate_output(args, CROSSVAL_FORMATS)
    report = crossval_perceptron(n, prior, encoding, samples=samples, seed=seed, backend=args.backend,
                                 progress=not args.quiet, alpha=args.alpha)
    return report_crossval(report, args)
