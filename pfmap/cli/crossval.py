"""``pfmap crossval perceptron|mlp``: sample with montecarlo, compare with the exact geometry table."""

from __future__ import annotations

import importlib
import importlib.util
import sys

from ..tables import FORMATS
from .options import (OneLineParser, add_encoding_option, add_output_options, add_prior_options,
                      encoding_from_args, parse_count, parse_n, prior_from_args, validate_output)

CROSSVAL_FORMATS = FORMATS


def add_sampling_options(parser) -> None:
    """``--samples --seed --backend --alpha --quiet`` of both crossval commands.

    Parameters
    ----------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_sampling_options(p)
    >>> p.parse_args([]).alpha
    '1e-3'
    """
    parser.add_argument("--samples", default="1e5", help="networks to sample (default 1e5; 1e6 and 1e8 accepted)")
    parser.add_argument("--seed", default="0", help="random seed (default 0)")
    parser.add_argument("--backend", default=None, help="numpy, numba (default) or torch")
    parser.add_argument("--alpha", default="1e-3",
                        help="significance level of the chi-square and Bonferroni z tests, in (0, 1) (default 1e-3)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def register(subparsers) -> None:
    """Add ``pfmap crossval perceptron|mlp``.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers(); register(sub); sorted(sub.choices)
    ['crossval']
    """
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
    """The validated ``--seed``; also checks ``--alpha`` (both crossval commands call it before any work).

    Parameters
    ----------
    args : argparse.Namespace
        With ``seed`` and ``alpha`` (replaced by its float).

    Returns
    -------
    int

    Raises
    ------
    PfmapError
        For a bad seed, or an alpha outside (0, 1).

    Examples
    --------
    >>> import argparse
    >>> seed_from_args(argparse.Namespace(seed="4", alpha="0.01"))
    4
    """
    from ..validation import check_probability
    from .options import whole_number

    args.alpha = check_probability(args.alpha, "--alpha")
    return whole_number(args.seed, "--seed", 0)


def report_crossval(report, args) -> int:
    """Print the per-function table (or write it to --out) and the summary; status 0 on PASS.

    Parameters
    ----------
    report : pfmap.crossval.CrossvalReport
    args : argparse.Namespace
        With ``out`` and ``format``.

    Returns
    -------
    int
        0 on PASS, 1 on FAIL.

    Examples
    --------
    >>> import argparse
    >>> from pfmap.cli import build_parser
    >>> args = build_parser().parse_args(["crossval", "perceptron", "--n", "1", "--samples", "2000", "--quiet"])
    >>> run_perceptron(args)  # doctest: +ELLIPSIS
    | function ...
    0
    """
    from ..tables import write_table

    table = report.table
    if args.out is not None:
        write_table(table, args.out, validate_output(args, CROSSVAL_FORMATS))
        print(f"wrote {len(table)} rows to {args.out}", file=sys.stderr)
    else:
        # md: the first 40 rows and the summary on stdout; csv, json, latex: the whole table alone on stdout
        machine = (args.format or "md") != "md"
        shown = table if machine else table.head(40)
        text = write_table(shown, None, args.format or "md")
        sys.stdout.write(text)
        if len(table) > len(shown):
            print(f"... {len(table) - len(shown)} more functions (use --out FILE for all)")
    print(report.summary(), file=sys.stderr if args.out is None and (args.format or "md") != "md" else sys.stdout)
    return 0 if report.passed else 1


def run_perceptron(args) -> int:
    """Run ``pfmap crossval perceptron``; exit status 0 on PASS, 1 on FAIL.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        0 on PASS, 1 on FAIL.

    Examples
    --------
    >>> from pfmap.cli import build_parser
    >>> run_perceptron(build_parser().parse_args(["crossval", "perceptron", "--n", "1", "--samples", "2000",
    ...                                           "--quiet", "--format", "csv"]))  # doctest: +ELLIPSIS
    function,...
    0
    """
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
