"""``pfmap table mlp``: the volume table of a tiny net with hidden layers (geometry engine).

Step activations are exact (composed from perceptron measures); relu and
tanh get a Rao–Blackwellised estimate (hidden layers sampled, output layer
integrated exactly) with confidence intervals.
"""

from __future__ import annotations

from ..table_text import FORMATS
from .options import (add_encoding_option, add_output_options, add_prior_options, emit_table, encoding_from_args,
                      parse_count, parse_n, prior_from_args, validate_output)

TABLE_FORMATS = FORMATS     # every format (one definition: pfmap.table_text.FORMATS)


def register(kinds) -> None:
    p = kinds.add_parser("mlp", help="a tiny net with hidden layers: exact (step) or Rao-Blackwellised (relu, tanh)",
                         description="One row per function the net realises. Step activations: exact probabilities "
                                     "(Fractions for the box, closed forms or rigorous bounds for the Gaussian) and "
                                     "the hidden-function combinations behind each. relu/tanh: hidden layers "
                                     "sampled, output layer integrated exactly; confidence intervals.")
    p.add_argument("--n", required=True, help="number of inputs")
    p.add_argument("--widths", required=True, help="hidden layer widths, e.g. 2 or 3,2 (the output unit is implied)")
    p.add_argument("--activation", default="step", help="step (default, exact), relu, tanh or linear")
    add_prior_options(p)
    add_encoding_option(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    r = p.add_argument_group("Rao-Blackwell estimate (relu, tanh, linear)")
    r.add_argument("--samples", default=None,
                   help="hidden-parameter draws (default 2e5; for 3 hidden features with a bias 2^22, or 2^23 "
                        "with n <= 2)")
    r.add_argument("--seed", default="0", help="random seed >= 0 (default 0)")
    r.add_argument("--confidence", default="0.95", help="confidence level of the intervals (default 0.95)")
    r.add_argument("--workers", default=None,
                   help="threads (default: every core this process may use; the result does not depend on it)")
    r.add_argument("--sampler", default="rqmc", choices=["rqmc", "mc"],
                   help="hidden parameters from scrambled Sobol replicates (rqmc, default) or independent draws (mc)")
    add_output_options(p, TABLE_FORMATS)
    p.set_defaults(handler=run_mlp)


def _workers(text) -> int:
    """``--workers``, or every core this process may use (the estimate does not depend on it)."""
    from ..executors import usable_cores

    return usable_cores() if text is None else _whole(text, "--workers", 1)


def _whole(text, name: str, minimum: int) -> int:
    from ..errors import PfmapError

    try:
        value = int(str(text))
    except ValueError:
        raise PfmapError(f"{name} must be a whole number >= {minimum}; got {text!r}") from None
    if value < minimum:
        raise PfmapError(f"{name} must be a whole number >= {minimum}; got {text!r}")
    return value


def architecture_from_args(args):
    """The MLP of ``--n --widths --activation`` and the prior options, validated."""
    from ..architectures import MLP

    n = parse_n(args.n)
    return MLP(n, args.widths, args.activation, prior_from_args(args))


def run_mlp(args) -> int:
    from ..errors import PfmapError

    arch = architecture_from_args(args)
    encoding = encoding_from_args(args)
    validate_output(args, TABLE_FORMATS)
    if not arch.widths:
        raise PfmapError("--widths lists at least one hidden layer; for no hidden layer use `pfmap table perceptron`")
    from pfmap.geometry.networks import check_rao_blackwell, check_step_network, network_method, network_table

    if network_method(arch) == "exact":
        if args.samples is not None:
            raise PfmapError("step nets are computed exactly; drop --samples (it applies to relu and tanh)")
        check_step_network(arch, encoding)
        df = network_table(arch, encoding, progress=False if args.quiet else "auto")
    else:
        check_rao_blackwell(arch)
        samples = None if args.samples is None else parse_count(args.samples)
        try:
            confidence = float(args.confidence)
        except ValueError:
            raise PfmapError(f"--confidence must be a number between 0 and 1; got {args.confidence!r}") from None
        df = network_table(arch, encoding, samples=samples, seed=_whole(args.seed, "--seed", 0),
                           confidence=confidence, workers=_workers(args.workers), sampler=args.sampler,
                           progress=False if args.quiet else "auto")
    emit_table(df, args, TABLE_FORMATS)
    return 0
