"""``pfmap bound perceptron|mlp``: the PAC-Bayes bound of Valle-Pérez et al. from log P(S), one row per m."""

from __future__ import annotations

from ..errors import PfmapError
from .data_options import add_data_options, add_network_arguments, dataset_from_args, network_from_args
from .options import (OneLineParser, add_encoding_option, add_output_options, add_prior_options, emit_table,
                      parse_count, validate_output)


def register(subparsers) -> None:
    bound = subparsers.add_parser("bound", help="PAC-Bayes bound on the generalisation error from log P(S)",
                                  description="epsilon <= 1 - exp(-(ln(1/P(S)) + 2 ln m + 1 - ln delta)/m), with "
                                              "P(S) the NNGP probability of the training labels, beside the test "
                                              "error of the GP posterior's mean labelling.")
    kinds = bound.add_subparsers(dest="arch", metavar="ARCH", parser_class=OneLineParser)
    kinds.required = True
    for p in add_network_arguments(kinds, run_bound, description="One row per training-set size m: m, "
                                   "log_p_train, bound, test_error."):
        add_prior_options(p)
        add_encoding_option(p)
        add_data_options(p, sizes_help="training-set sizes m, e.g. 100,500,1000")
        p.add_argument("--method", default="tilting", help="tilting (default), ep, exact or sampling: how log P(S) "
                                                           "is computed")
        p.add_argument("--delta", default=None, help="confidence parameter (default 2^-10)")
        p.add_argument("--samples", default=None, help="tilting: draws (default 1e4)")
        p.add_argument("--seed", default="0", help="random seed >= 0 (the choice of S and E, and the draws)")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        add_output_options(p)


def run_bound(args) -> int:
    from pfmap.learning.nngp import nngp_kernel
    from pfmap.learning.pac_bayes import DEFAULT_DELTA, generalization_bound

    from ..validation import check_probability, check_whole

    validate_output(args)
    if args.train_size is None:
        raise PfmapError("--train-size is needed: one size m or several, e.g. 100,500")
    sizes = [parse_count(s, "--train-size") for s in str(args.train_size).split(",") if s.strip()]
    if not sizes:
        raise PfmapError(f"--train-size must list sizes such as 100,500; got {args.train_size!r}")
    delta = DEFAULT_DELTA if args.delta is None else check_probability(args.delta, "--delta")
    seed = check_whole(args.seed, "--seed", minimum=0)
    method = str(args.method).strip().lower()
    samples = None if args.samples is None else parse_count(args.samples, "--samples")
    from ..progress import progress_bar

    rows = []
    with progress_bar(len(sizes), progress=False if args.quiet else "auto", desc="training-set sizes", unit="m",
                      unit_scale=False) as bar:
        for m in sizes:
            bar.set_postfix(m=m)
            data = dataset_from_args(args, train_size=m, seed=seed)
            arch = network_from_args(args, data.n)
            kernel = nngp_kernel(arch, data.points_train_then_test())
            report = generalization_bound(kernel, data.train_labels, test_labels=data.test_labels, method=method,
                                          delta=delta, samples=samples, seed=seed)
            rows.append({"m": m, "log_p_train": report.log_p_train, "log_p_train_error": report.log_p_train_error,
                         "bound": report.bound, "test_error": report.mean_test_error, "method": report.method})
            bar.update(1)
    import pandas as pd

    df = pd.DataFrame(rows)
    df.attrs["pfmap"] = {"engine": "learning", "architecture": arch.to_dict(), "description": arch.describe(),
                         "delta": delta, "data": data.to_dict()}
    emit_table(df, args)
    return 0
