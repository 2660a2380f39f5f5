"""Options shared by every subcommand, so that flags and defaults mean the same everywhere."""

from __future__ import annotations

import argparse
import re
import sys

from ..errors import PfmapError
from ..validation import parse_count  # noqa: F401  (the subcommands give it their flag names)
from ..inputs import validate_encoding
from ..priors import make_prior
from ..tables import FORMATS, table_format, write_table


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2."""

    def error(self, message):  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        sys.exit(2)


def add_prior_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("prior (defaults: gaussian, sigma_w = sigma_b = 1; uniform a_w = a_b = 1; bias on)")
    g.add_argument("--prior", default="gaussian", help="gaussian (default) or uniform (a box)")
    g.add_argument("--sigma-w", default=None, metavar="S", help="weight standard deviation (gaussian; default 1)")
    g.add_argument("--sigma-b", default=None, metavar="S", help="bias standard deviation (gaussian; default 1)")
    g.add_argument("--fan-in-scaling", action="store_true",
                   help="divide the weight variance by the fan-in (gaussian)")
    g.add_argument("--a-w", default=None, metavar="A", help="weights uniform on [-A, A] (uniform; default 1)")
    g.add_argument("--a-b", default=None, metavar="A", help="biases uniform on [-A, A] (uniform; default 1)")
    g.add_argument("--no-bias", action="store_true", help="networks without biases")


def prior_from_args(args):
    kind = str(args.prior).strip().lower()
    prior = make_prior(kind, sigma_w=1 if args.sigma_w is None else args.sigma_w,
                       sigma_b=1 if args.sigma_b is None else args.sigma_b,
                       fan_in_scaling=args.fan_in_scaling,
                       a_w=1 if args.a_w is None else args.a_w, a_b=1 if args.a_b is None else args.a_b,
                       bias=not args.no_bias)
    if prior.kind == "uniform" and (args.sigma_w is not None or args.sigma_b is not None):
        raise PfmapError("--sigma-w/--sigma-b belong to the gaussian prior; for --prior uniform use --a-w/--a-b")
    if prior.kind == "gaussian" and (args.a_w is not None or args.a_b is not None):
        raise PfmapError("--a-w/--a-b belong to the uniform prior; add --prior uniform or use --sigma-w/--sigma-b")
    return prior


def add_encoding_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoding", default="01", help="input encoding: 01 (default) or pm1 for {-1,1}^n")


def encoding_from_args(args) -> str:
    return validate_encoding(args.encoding)


def add_output_options(parser: argparse.ArgumentParser, formats=FORMATS) -> None:
    parser.add_argument("--format", default=None, metavar="|".join(formats),
                        help="output format (default: from --out's extension, else md)")
    parser.add_argument("--out", default=None, metavar="FILE", help="write the table here instead of stdout")


def validate_output(args, formats=FORMATS) -> str:
    """Check ``--format``/``--out`` before any long computation; return the format."""
    import os

    fmt = table_format(args.out, args.format)
    if fmt not in formats:
        raise PfmapError(f"format {fmt!r} is not offered here; use one of {', '.join(formats)}")
    if fmt == "parquet" and args.out is None:
        raise PfmapError("parquet is a binary format: give --out FILE.parquet")
    if args.out is not None:
        folder = os.path.dirname(os.path.abspath(args.out))
        if not os.path.isdir(folder):
            raise PfmapError(f"cannot write {args.out}: folder {folder} does not exist")
    return fmt


def emit_table(df, args, formats=FORMATS) -> None:
    """Print the table or write it to ``--out`` in ``--format``."""
    fmt = validate_output(args, formats)
    text = write_table(df, args.out, fmt)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"wrote {len(df)} rows to {args.out}", file=sys.stderr)


def parse_n(text, name: str = "--n") -> int:
    try:
        value = int(str(text))
    except ValueError:
        raise PfmapError(f"{name} must be a whole number of inputs; got {text!r}") from None
    if value < 1:
        raise PfmapError(f"{name} must be >= 1; got {value}")
    return value


# The one place where the Python API's words become the command line's: library messages name Python
# parameters ("samples must be ...", "pass conditions_only=True"); the CLI shows its flags.
FLAG_NAMES = {
    "samples": "--samples", "seed": "--seed", "chunk_size": "--chunk-size", "workers": "--workers",
    "min_count": "--min-count", "bins": "--bins", "alpha": "--alpha", "scheduler": "--scheduler", "n": "--n",
    "widths": "--widths", "activation": "--activation", "sigma_w": "--sigma-w", "sigma_b": "--sigma-b",
    "a_w": "--a-w", "a_b": "--a-b", "out": "--out", "encoding": "--encoding", "prior": "--prior",
    "backend": "--backend", "device": "--device", "lr": "--lr", "batch_size": "--batch-size",
    "momentum": "--momentum", "max_epochs": "--max-epochs", "epochs_after_fit": "--epochs-after-fit",
    "runs": "--runs", "optimizer": "--optimizer", "loss": "--loss", "train_size": "--train-size",
    "test_size": "--test-size", "target": "--target", "train_mask": "--train-mask", "test_mask": "--test-mask",
    "method": "--method", "labels": "--labels", "idx": "--idx", "delta": "--delta", "budget": "--budget",
    "rb_samples": "--rb-samples", "measures": "--measures", "top": "--top", "threshold": "--threshold",
}
_PHRASES = [
    (re.compile(r"\bpfmap\.montecarlo\.sample\b"), "`pfmap sample`"),
    (re.compile(r"\bperceptron_table\b"), "`pfmap table perceptron`"),
    (re.compile(r"\bconditions_only=True\b"), "--conditions-only"),
    (re.compile(r"\bprior=UniformPrior\(\)"), "--prior uniform"),
    (re.compile(r"\bdask=True\b"), "--dask"),
    (re.compile(r"\bbias=False\b"), "--no-bias"),
    (re.compile(r"\bfan_in_scaling=True\b"), "--fan-in-scaling"),
    (re.compile(r"\b(backend|device|method|optimizer|loss)='([\w:]+)'"), lambda m: f"{FLAG_NAMES[m.group(1)]} {m.group(2)}"),
    (re.compile(r"\ba_w/a_b\b"), "--a-w/--a-b"),
    (re.compile(r"\bas out\b"), "as --out"),
    (re.compile(r"(^|[\s(;,])([a-z_]+)(?= must\b|=|\?)"),
     lambda m: m.group(1) + FLAG_NAMES.get(m.group(2), m.group(2))),
]


def as_flags(message: str) -> str:
    """A library message in the command line's words (its flags instead of Python parameter names).

    Examples
    --------
    >>> as_flags("samples must be a positive whole number such as 1e6; got 0")
    '--samples must be a positive whole number such as 1e6; got 0'
    >>> as_flags("n = 6 has 15,028,134 threshold functions; estimate them by sampling with pfmap.montecarlo.sample")
    'n = 6 has 15,028,134 threshold functions; estimate them by sampling with `pfmap sample`'
    """
    for pattern, replacement in _PHRASES:
        message = pattern.sub(replacement, message)
    return message
