"""Options shared by every subcommand, so that flags and defaults mean the same everywhere.

Also the one translation of library messages into the command line's words
(:func:`as_flags`), and the checks every command runs before any work:
numbers (:func:`whole_number`, :func:`parse_count`), hidden widths
(:func:`parse_widths`), output formats and files (:func:`validate_output`).
(Over 400 lines: every option that more than one subcommand shares, and
the flag names of :func:`as_flags`, are kept in this one place on purpose.)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable

from ..errors import PfmapError
from ..validation import parse_count  # noqa: F401  (the subcommands give it their flag names)
from ..inputs import validate_encoding
from ..priors import make_prior
from ..tables import FORMATS, table_format, write_table


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2.

    Examples
    --------
    >>> parser = OneLineParser(prog="pfmap")
    >>> try:
    ...     parser.parse_args(["--bogus"])
    ... except SystemExit as exc:
    ...     print(exc.code)
    2
    """

    def error(self, message):  # noqa: D401 - argparse API
        sys.stderr.write(f"pfmap: error: {' '.join(str(message).split())} (see '{self.prog} --help')\n")
        sys.exit(2)


class DeferredHelp(str):
    """Help text computed only when ``--help`` shows it, so that building the parser imports nothing heavy.

    Examples
    --------
    >>> text = DeferredHelp(lambda: "one of: " + ", ".join(["a", "b"]))
    >>> text % {}
    'one of: a, b'
    """

    def __new__(cls, make: Callable[[], str]):
        obj = super().__new__(cls, "(computed when shown)")
        obj.make = make
        return obj

    def __mod__(self, params):  # argparse expands help as ``help % params``
        return self.make() % params


def whole_number(text, flag: str, minimum: int = 0) -> int:
    """A whole-number option (``--seed``, ``--workers``), refused in one line naming ``flag``.

    Parameters
    ----------
    text : str
        The option's text.
    flag : str
        The flag, for the message.
    minimum : int

    Returns
    -------
    int

    Raises
    ------
    PfmapError
        For anything but a whole number in ``minimum .. 2^63-1``.

    Examples
    --------
    >>> whole_number("3", "--workers", 1)
    3
    >>> whole_number("1.5", "--seed")
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: --seed must be a whole number >= 0; got '1.5'
    """
    try:
        value = int(str(text).strip())
    except ValueError:
        raise PfmapError(f"{flag} must be a whole number >= {minimum}; got {text!r}") from None
    if value < minimum or value > 2**63 - 1:
        raise PfmapError(f"{flag} must be a whole number >= {minimum}; got {text!r}")
    return value


_WIDTHS = re.compile(r"\d+(,\d+)*")


def parse_widths(text, flag: str = "--widths") -> tuple[int, ...]:
    """Hidden-layer widths from ``40,40``: comma-separated whole numbers >= 1, nothing else.

    ``'4 4'``, ``'4,,4'``, ``''`` and ``'4,'`` are refused rather than read as
    something else (44, 4,4, no hidden layer).

    Parameters
    ----------
    text : str
        ``--widths``.
    flag : str
        The flag, for the message.

    Returns
    -------
    tuple of int

    Raises
    ------
    PfmapError
        For anything but comma-separated whole numbers >= 1.

    Examples
    --------
    >>> parse_widths("40,40"), parse_widths(" 7 ")
    ((40, 40), (7,))
    >>> parse_widths("4 4")
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: --widths must be hidden-layer widths separated by commas, such as 40,40; got '4 4'
    """
    raw = str(text).strip()
    if not _WIDTHS.fullmatch(raw):
        raise PfmapError(f"{flag} must be hidden-layer widths separated by commas, such as 40,40; got {text!r}")
    widths = tuple(int(t) for t in raw.split(","))
    if min(widths) < 1:
        raise PfmapError(f"every hidden width must be >= 1; got {text!r}")
    return widths


def check_writable_file(path) -> None:
    """Refuse, before any work, an output file whose folder is missing or cannot be written.

    Parameters
    ----------
    path : str or os.PathLike
        The file to be written.

    Raises
    ------
    PfmapError
        If the folder is missing or cannot be written, or ``path`` is a folder.

    Examples
    --------
    >>> check_writable_file("/nonexistent/folder/t.csv")
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: cannot write /nonexistent/folder/t.csv: folder /nonexistent/folder does not exist
    """
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise PfmapError(f"cannot write {path}: it is a folder; give a file name")
    if not os.path.isdir(folder):
        raise PfmapError(f"cannot write {path}: folder {folder} does not exist")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise PfmapError(f"cannot write {path}: {exc.strerror or exc}") from None


def add_prior_options(parser: argparse.ArgumentParser) -> None:
    """The prior's options (``--prior --sigma-w --sigma-b --fan-in-scaling --a-w --a-b --no-bias``).

    Parameters
    ----------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_prior_options(p)
    >>> p.parse_args(["--prior", "uniform"]).prior
    'uniform'
    """
    g = parser.add_argument_group("prior (defaults: gaussian, sigma_w = sigma_b = 1; uniform a_w = a_b = 1; bias on)")
    g.add_argument("--prior", default="gaussian", help="gaussian (default) or uniform (a box)")
    g.add_argument("--sigma-w", default=None, metavar="S", help="weight standard deviation (gaussian; default 1)")
    g.add_argument("--sigma-b", default=None, metavar="S", help="bias standard deviation (gaussian; default 1)")
    g.add_argument("--fan-in-scaling", action="store_true",
                   help="divide the weight variance by the fan-in (gaussian)")
    g.add_argument("--a-w", default=None, metavar="A", help="weights uniform on [-A, A] (uniform; default 1)")
    g.add_argument("--a-b", default=None, metavar="A", help="biases uniform on [-A, A] (uniform; default 1)")
    g.add_argument("--no-bias", action="store_true", help="networks without biases")


def _prior_number(value, flag: str):
    """A prior's scale as given (``2``, ``0.5``, ``1/3``), refused unless it is a finite number in [1e-100, 1e100]."""
    from fractions import Fraction

    if value is None:
        return None
    try:
        number = float(Fraction(str(value).strip()))
    except (ValueError, ZeroDivisionError, OverflowError):
        raise PfmapError(f"{flag} must be a positive number such as 1 or 1/2; got {value!r}") from None
    if not (1e-100 <= number <= 1e100):
        raise PfmapError(f"{flag} must be a positive number between 1e-100 and 1e100; got {value!r}")
    return value


def prior_from_args(args):
    """The prior of the parsed options, validated (one line naming the flag for a bad value).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options.

    Returns
    -------
    pfmap.priors.GaussianPrior or pfmap.priors.UniformPrior

    Raises
    ------
    PfmapError
        For a bad scale, an unknown prior, or options of the other prior.

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_prior_options(p)
    >>> prior_from_args(p.parse_args(["--sigma-w", "2"])).sigma_w
    Fraction(2, 1)
    """
    kind = str(args.prior).strip().lower()
    prior = make_prior(kind, sigma_w=1 if args.sigma_w is None else args.sigma_w,
                       sigma_b=1 if args.sigma_b is None else args.sigma_b,
                       fan_in_scaling=args.fan_in_scaling,
                       a_w=1 if args.a_w is None else args.a_w, a_b=1 if args.a_b is None else args.a_b,
                       bias=not args.no_bias)
    for flag in ("sigma_w", "sigma_b", "a_w", "a_b"):  # what the prior accepts, within what floats can carry
        _prior_number(getattr(args, flag), "--" + flag.replace("_", "-"))
    if prior.kind == "uniform" and (args.sigma_w is not None or args.sigma_b is not None):
        raise PfmapError("--sigma-w/--sigma-b belong to the gaussian prior; for --prior uniform use --a-w/--a-b")
    if prior.kind == "gaussian" and (args.a_w is not None or args.a_b is not None):
        raise PfmapError("--a-w/--a-b belong to the uniform prior; add --prior uniform or use --sigma-w/--sigma-b")
    return prior


def add_encoding_option(parser: argparse.ArgumentParser) -> None:
    """``--encoding 01|pm1``.

    Parameters
    ----------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_encoding_option(p)
    >>> p.parse_args([]).encoding
    '01'
    """
    parser.add_argument("--encoding", default="01", help="input encoding: 01 (default) or pm1 for {-1,1}^n")


def encoding_from_args(args) -> str:
    """The validated ``--encoding``.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    str
        ``'01'`` or ``'pm1'``.

    Examples
    --------
    >>> import argparse
    >>> encoding_from_args(argparse.Namespace(encoding="{-1,1}"))
    'pm1'
    """
    return validate_encoding(args.encoding)


def add_output_options(parser: argparse.ArgumentParser, formats=FORMATS) -> None:
    """``--format`` (one of ``formats``) and ``--out FILE``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    formats : tuple of str
        The formats offered.

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_output_options(p)
    >>> p.parse_args(["--out", "t.csv"]).out
    't.csv'
    """
    parser.add_argument("--format", default=None, metavar="|".join(formats),
                        help="output format (default: from --out's extension, else md)")
    parser.add_argument("--out", default=None, metavar="FILE", help="write the table here instead of stdout")


def validate_output(args, formats=FORMATS) -> str:
    """Check ``--format``/``--out`` before any long computation; return the format.

    An ``--out`` extension that names no format is refused (unless ``--format`` says which), never guessed.

    Parameters
    ----------
    args : argparse.Namespace
        With ``out`` and ``format``.
    formats : tuple of str
        The formats this command offers.

    Returns
    -------
    str

    Raises
    ------
    PfmapError
        For an unknown format or extension, Parquet on stdout, or a file that cannot be written.

    Examples
    --------
    >>> validate_output(argparse.Namespace(out=None, format="latex"))
    'latex'
    """
    fmt = table_format(args.out, args.format, parameter="out")
    if fmt not in formats:
        raise PfmapError(f"format {fmt!r} is not offered here; use one of {', '.join(formats)}")
    if fmt == "parquet" and args.out is None:
        raise PfmapError("parquet is a binary format: give --out FILE.parquet")
    if args.out is not None:
        check_writable_file(args.out)
    return fmt


def emit_table(df, args, formats=FORMATS) -> None:
    """Print the table or write it to ``--out`` in ``--format``.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    args : argparse.Namespace
        With ``out`` and ``format``.
    formats : tuple of str

    Examples
    --------
    >>> import pandas as pd
    >>> emit_table(pd.DataFrame({"function": ["01"], "probability": [1.0]}), argparse.Namespace(out=None, format="csv"))
    function,probability
    01,1.0
    """
    fmt = validate_output(args, formats)
    text = write_table(df, args.out, fmt)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"wrote {len(df)} rows to {args.out}", file=sys.stderr)


def parse_n(text, name: str = "--n") -> int:
    """The number of inputs ``--n``: a whole number >= 1.

    Parameters
    ----------
    text : str
    name : str
        The flag, for the message.

    Returns
    -------
    int

    Raises
    ------
    PfmapError
        For anything but a whole number >= 1.

    Examples
    --------
    >>> parse_n("7")
    7
    """
    try:
        value = int(str(text).strip())
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
    "fmt": "--format",
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

    Parameters
    ----------
    message : str
        A :class:`pfmap.errors.PfmapError` message.

    Returns
    -------
    str

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
