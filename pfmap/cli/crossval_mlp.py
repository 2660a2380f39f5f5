"""``pfmap crossval mlp``: a tiny net's geometry table against plain Monte Carlo sampling.

Step nets: the exact table against ``montecarlo`` counts; relu/tanh nets: the Rao-Blackwellised
estimate, with both uncertainties in every z-score and in the chi-square test
(:func:`pfmap.crossval.crossval_mlp`).
"""

from __future__ import annotations

from .crossval import CROSSVAL_FORMATS, add_sampling_options, report_crossval, seed_from_args
from .options import (add_encoding_option, add_output_options, add_prior_options, encoding_from_args, parse_count,
                      validate_output)
from .table_mlp import architecture_from_args


def register(kinds) -> None:
    p = kinds.add_parser("mlp", help="a tiny net with hidden layers (step: exact; relu/tanh: Rao-Blackwellised)",
                         description="Sample the net with montecarlo and compare with the geometry table: exact for "
                                     "step activations, the Rao-Blackwellised estimate (its own interval included) "
                                     "for relu and tanh. Exit status 0 on PASS, 1 on FAIL.")
    p.add_argument("--n", required=True, help="number of inputs")
    p.add_argument("--widths", required=True, help="hidden layer widths, e.g. 2 or 3,2")
    p.add_argument("--activation", default="step", help="step (default), relu, tanh or linear")
    add_prior_options(p)
    add_encoding_option(p)
    add_sampling_options(p)
    p.add_argument("--rb-samples", default=None,
                   help="hidden-parameter draws of the Rao-Blackwell estimate (relu/tanh; default as for "
                        "`pfmap table mlp`)")
    add_output_options(p, CROSSVAL_FORMATS)
    p.set_defaults(handler=run_mlp)


def run_mlp(args) -> int:
    from ..errors import PfmapError

    arch = architecture_from_args(args)
    encoding = encoding_from_args(args)
    samples = parse_count(args.samples)
    seed = seed_from_args(args)
    validate_output(args, CROSSVAL_FORMATS)
    if not arch.widths:
        raise PfmapError("--widths lists at least one hidden layer; for none use `pfmap crossval perceptron`")
    from pfmap.geometry.networks import check_rao_blackwell, check_step_network, network_method

    rb_samples = None
    if network_method(arch) == "exact":
        if args.rb_samples is not None:
            raise PfmapError("step nets are compared with their exact table; drop --rb-samples")
        check_step_network(arch, encoding)
    else:
        check_rao_blackwell(arch)
        rb_samples = None if args.rb_samples is None else parse_count(args.rb_samples, "--rb-samples")
    progress = False if args.quiet else "auto"
    if network_method(arch) == "exact":
        from ..crossval import crossval_mlp

        report = crossval_mlp(arch, encoding, samples=samples, seed=seed, backend=args.backend,
                              progress=progress, alpha=args.alpha)
        return report_crossval(report, args)
    # the two stages of pfmap.crossval.crossval_mlp, each with its progress bar: plain sampling, then the
    # Rao-Blackwell estimate (seeded with seed + 1, independent of the sample)
    from pfmap.geometry.networks import network_table
    from pfmap.montecarlo import sample

    from ..crossval import compare_tables

    sampled = sample(arch, samples, seed=seed, inputs=encoding, backend=args.backend, progress=progress)
    estimate = network_table(arch, encoding, samples=rb_samples, seed=seed + 1, progress=progress)
    return report_crossval(compare_tables(estimate, sampled, samples=samples, alpha=args.alpha), args)
