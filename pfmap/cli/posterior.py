"""``pfmap posterior perceptron|mlp``: P_B(f|S), the posterior over labellings of E given the training set S.

``--method rejection`` samples networks from the prior and keeps those that fit S (the sampling engine);
``--method ep|tilting|exact|sampling`` treats the network as its NNGP Gaussian process (the learning engine):
log P_B(f_E|S) = log P(f on S ∪ E) - log P(S), a ratio of Gaussian orthant probabilities.
"""

from __future__ import annotations

import math
import sys

from ..errors import PfmapError
from .data_options import add_data_options, add_network_arguments, dataset_from_args, inputs_of, network_from_args
from .options import (OneLineParser, add_encoding_option, add_output_options, add_prior_options, emit_table,
                      parse_count, validate_output)

METHODS = ("rejection", "ep", "tilting", "exact", "sampling")


def register(subparsers) -> None:
    post = subparsers.add_parser("posterior", help="P_B(f|S): the posterior over functions on a test set E",
                                 description="Condition the prior on a training set S and tabulate the labellings "
                                             "of the test set E: by rejection sampling of networks, or through "
                                             "the network's Gaussian process (EP, minimax tilting).")
    kinds = post.add_subparsers(dest="arch", metavar="ARCH", parser_class=OneLineParser)
    kinds.required = True
    for p in add_network_arguments(kinds, run_posterior, description="One row per labelling of E: its posterior "
                                   "probability given S. log P(S) goes to stderr and df.attrs."):
        add_prior_options(p)
        add_encoding_option(p)
        add_data_options(p)
        g = p.add_argument_group("method")
        g.add_argument("--method", default="tilting", help="rejection, ep, tilting (default), exact (|S|+|E| <= 3) "
                                                           "or sampling (GP draws)")
        g.add_argument("--samples", default=None,
                       help="rejection: networks drawn (default 1e6); tilting: draws per orthant (default 1e4); "
                            "sampling: GP draws (default 1e5)")
        g.add_argument("--functions", default=None, metavar="all|sample|TABLE",
                       help="GP methods: which labellings of E: all 2^k (k <= 12, the default there), sample (seen "
                            "by importance sampling; the default for larger E) or the 'function' column of a table "
                            "(e.g. one from `pfmap train`)")
        g.add_argument("--seed", default="0", help="random seed >= 0: draws S where not given, and the sampling")
        g.add_argument("--min-accepted", default="10", help="rejection: refuse when fewer networks would be accepted")
        r = p.add_argument_group("rejection runs")
        r.add_argument("--backend", default=None, help="numba (default), numpy or torch")
        r.add_argument("--device", default="cpu", help="cpu (default) or cuda (torch)")
        r.add_argument("--chunk-size", default=None, metavar="C", help="networks per chunk (default 1048576)")
        r.add_argument("--workers", default=None, help="threads, or Dask workers with --dask")
        r.add_argument("--dask", action="store_true", help="run the chunks on a local Dask cluster")
        r.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="an existing Dask cluster")
        r.add_argument("--run", default=None, metavar="DIR", help="a resumable run folder for rejection sampling")
        p.add_argument("--quiet", action="store_true", help="no progress bar, no log P(S) line")
        add_output_options(p)


def _method(text: str) -> str:
    key = str(text).strip().lower()
    if key not in METHODS:
        raise PfmapError(f"--method must be one of {', '.join(METHODS)}; got {text!r}")
    return key


def _seed(text) -> int:
    from ..validation import check_whole

    return check_whole(text, "--seed", minimum=0)


def run_posterior(args) -> int:
    method = _method(args.method)
    validate_output(args)
    seed = _seed(args.seed)
    if inputs_of(args) is None:
        raise PfmapError("--data must be boolean (with --target) or mnist")
    data = dataset_from_args(args, seed=seed)
    arch = network_from_args(args, data.n)
    progress = False if args.quiet else "auto"
    if method == "rejection":
        from pfmap.montecarlo.posterior import sample_posterior

        if args.functions is not None:
            raise PfmapError("--functions belongs to the GP methods; rejection sampling finds its labellings itself")
        samples = "1e6" if args.samples is None else args.samples
        df = sample_posterior(arch, data, parse_count(samples, "--samples"), seed=seed, backend=args.backend,
                              device=args.device, chunk_size=args.chunk_size,
                              out=args.run, workers=None if args.workers is None else parse_count(args.workers,
                                                                                                  "--workers"),
                              dask=args.dask, scheduler=args.scheduler, progress=progress,
                              min_accepted=parse_count(args.min_accepted, "--min-accepted"))
        info = df.attrs["pfmap"]
        line = (f"log P(S) = {info['log_p_train']:.6g} (95% interval {info['log_p_train_ci'][0]:.4g} .. "
                f"{info['log_p_train_ci'][1]:.4g}; {info['accepted']:,} of {info['samples']:,} networks accepted)")
    else:
        if args.run is not None or args.dask or args.scheduler is not None:
            raise PfmapError("--run, --dask and --scheduler belong to --method rejection")
        df, line = _gp_posterior(arch, data, method, args, seed)
    if not args.quiet:
        print(line, file=sys.stderr)
    emit_table(df, args)
    return 0


def _gp_posterior(arch, data, method, args, seed):
    from pfmap.learning.gp_posterior import gp_posterior
    from pfmap.learning.nngp import nngp_kernel

    functions = args.functions
    if functions is None:
        functions = "all" if data.k <= 12 else "sample"
    choice = str(functions).strip().lower()
    if choice == "all":
        test_functions = None
    elif choice == "sample":
        test_functions = "sample"
    else:
        from ..tables import read_table

        table = read_table(functions)
        test_functions = table["function"].astype(str).tolist()
        wrong = [f for f in test_functions if len(f) != data.k]
        if wrong:
            raise PfmapError(f"--functions {functions} lists labellings of {len(wrong[0])} points; E has {data.k}")
    samples = None if args.samples is None else parse_count(args.samples, "--samples")
    kernel = nngp_kernel(arch, data.points_train_then_test())
    df = gp_posterior(kernel, data.train_labels, test_functions, method=method, test_labels=data.test_labels,
                      samples=samples, seed=seed, progress=False if args.quiet else "auto")
    info = df.attrs.setdefault("pfmap", {})
    info.update({"architecture": arch.to_dict(), "description": arch.describe(), "data": data.to_dict()})
    error = info.get("log_p_train_error")
    shown = f" +- {error:.2g}" if error is not None and math.isfinite(error) and error > 0 else ""
    line = f"log P(S) = {info['log_p_train']:.6g}{shown} ({method}, NNGP of {arch.describe()})"
    return df, line
