"""``pfmap sample perceptron|mlp``: the Monte Carlo volume table (montecarlo engine).

The table goes to stdout, to one file (``--out t.csv``: the format from the
extension or ``--format``), or into a resumable run folder (``--out DIR``:
``DIR/table.parquet``, and ``DIR/table.<format>`` with ``--format``); every
way is written in batches, never holding all truth-table strings at once.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import PfmapError
from ..tables import EXTENSIONS, FORMATS, table_format
from .data_options import add_data_options
from .options import (OneLineParser, add_encoding_option, add_output_options, add_prior_options, check_writable_file,
                      emit_table, encoding_from_args, parse_count, parse_n, parse_widths, prior_from_args,
                      validate_output, whole_number)

SAMPLE_FORMATS = FORMATS


def register(subparsers) -> None:
    """Add ``pfmap sample`` and its two architectures to the command line.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``pfmap`` parser's subcommands.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> register(sub)
    >>> sorted(sub.choices)
    ['sample']
    """
    sample = subparsers.add_parser("sample", help="sampled volume table of every function seen (Monte Carlo)",
                                   description="Draw random networks from the prior, evaluate them on every input "
                                               "and count the functions: probability, count and a 95% Wilson "
                                               "interval per function.")
    kinds = sample.add_subparsers(dest="arch", metavar="ARCH", parser_class=OneLineParser)
    kinds.required = True
    p = kinds.add_parser("perceptron", help="a single threshold unit",
                         description="Sample perceptrons on {0,1}^n or {-1,1}^n (n <= 10), or on the test points "
                                     "E of a data set (--data).")
    _common(p)
    p.set_defaults(handler=run_sample, mlp=False)
    m = kinds.add_parser("mlp", help="a fully connected net with one output unit",
                         description="Sample fully connected nets n -> widths -> 1 on {0,1}^n or {-1,1}^n (n <= 10), "
                                     "or on the test points E of a data set (--data): a function is the string of "
                                     "outputs on E, in E's order.")
    _common(m)
    m.add_argument("--widths", default="40,40", help="hidden layer widths, e.g. 40,40 (default)")
    m.add_argument("--activation", default="relu", help="relu (default), tanh, step or linear")
    m.set_defaults(handler=run_sample, mlp=True)
    g = kinds.add_parser("nngp", help="labellings drawn from the network's NNGP on a data set's points",
                         description="Draw z ~ N(0, K) with K the NNGP kernel of the network (--widths, "
                                     "--activation and the prior; --widths none: the perceptron, whose kernel is "
                                     "linear) on the test points E of --data, and count the labellings z > 0.")
    g.add_argument("--n", default=None, help="number of inputs (default: what the data imply)")
    g.add_argument("--widths", default="40,40", dest="nngp_widths",
                   help="hidden layer widths, e.g. 40,40 (default); none: a perceptron")
    g.add_argument("--activation", default="relu", help="relu (default), tanh, step, erf or linear")
    add_prior_options(g)
    add_encoding_option(g)
    add_data_options(g, required=True, sizes_help="size m of S; E is drawn after it (mnist: default 1)")
    g.add_argument("--samples", required=True, help="number of draws, e.g. 1e6")
    g.add_argument("--seed", default="0", help="random seed >= 0 (default 0): the draws, and S/E where drawn")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    add_output_options(g)
    g.set_defaults(handler=run_sample_nngp)


def _common(p) -> None:
    p.add_argument("--n", default=None, help="number of inputs (at most 10); required without --data")
    add_prior_options(p)
    add_encoding_option(p)
    add_data_options(p, required=False, sizes_help="size m of S; E (the points sampled) is the rest, or drawn "
                                                   "after S (mnist: default 1)")
    r = p.add_argument_group("run")
    r.add_argument("--samples", required=True, help="number of networks, e.g. 1e6 or 1e8")
    r.add_argument("--seed", default="0", help="random seed >= 0 (default 0)")
    r.add_argument("--backend", default=None, help="numba (default, multi-threaded CPU), numpy (float64 reference) "
                                                  "or torch")
    r.add_argument("--device", default="cpu", help="cpu (default) or cuda (torch backend)")
    r.add_argument("--chunk-size", default=None, metavar="C",
                   help="networks per chunk (default 1048576); part of the run's identity")
    r.add_argument("--workers", default=None, help="threads here, or Dask workers with --dask (default: all cores)")
    r.add_argument("--dask", action="store_true", help="run the chunks on a local Dask cluster")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="run on an existing Dask cluster")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--format", default=None, metavar="|".join(SAMPLE_FORMATS),
                   help="table format (default: md on stdout, the extension of --out FILE; with --out DIR also "
                        "written into DIR as table.<format>)")
    p.add_argument("--out", default=None, metavar="FILE|DIR",
                   help="a table file (.md, .csv, .tex, .json, .parquet), or a run folder (an existing folder or a "
                        "name without extension): manifest, finished chunks and table.parquet; rerunning resumes")


def output_target(out, fmt: str | None) -> tuple[str, str]:
    """Where ``--out`` sends the table: ``("stdout" | "file" | "folder", format)``, checked before any work.

    Parameters
    ----------
    out : str or None
        ``--out``.
    fmt : str or None
        ``--format``.

    Returns
    -------
    tuple of str

    Raises
    ------
    PfmapError
        For an unknown format, Parquet on stdout, an extension that names no format, or a file that cannot be
        written.

    Examples
    --------
    >>> output_target(None, "csv"), output_target("t.json", None)[1], output_target("run", None)
    (('stdout', 'csv'), 'json', ('folder', 'md'))
    """
    chosen = table_format(None, fmt)  # validates --format; md when absent
    if out is None:
        if chosen == "parquet":
            raise PfmapError("parquet is a binary format: give --out FILE.parquet, or --out DIR for a run folder")
        return "stdout", chosen
    path = Path(out)
    if path.is_dir() or (not path.exists() and path.suffix == ""):
        return "folder", chosen
    if path.exists() and not path.is_file():
        raise PfmapError(f"--out {out} is neither a file nor a folder; give a table file or a run folder")
    if fmt is None and path.is_file() and path.suffix.lower() not in EXTENSIONS:
        raise PfmapError(f"--out {out} is a file, not a run folder or a table file (.md, .csv, .tex, .json, "
                         f".parquet); give a run folder (new, empty, or an earlier run's) or a table file")
    if fmt is None and path.suffix.lower() not in EXTENSIONS:
        raise PfmapError(f"--out {out}: {path.suffix!r} is not a table extension (.md, .csv, .tex, .json, .parquet) "
                         f"and {out} is not a folder; name a new run folder without an extension, or add --format")
    check_writable_file(out)
    return "file", table_format(out, fmt, parameter="out")


class _TextStream:
    """A binary ``write`` onto a text stream (stdout replaced by a StringIO, as in tests)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, data) -> int:
        return self.stream.write(bytes(data).decode("utf-8"))


def _binary_stdout():
    buffer = getattr(sys.stdout, "buffer", None)
    return buffer if buffer is not None else _TextStream(sys.stdout)


def run_sample(args) -> int:
    """Run ``pfmap sample``: validate every option, sample, write the table; return the exit status.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options.

    Returns
    -------
    int
        The exit status.

    Examples
    --------
    >>> import argparse
    >>> from pfmap.cli import build_parser
    >>> run_sample(build_parser().parse_args(["sample", "perceptron", "--n", "1", "--samples", "10", "--quiet",
    ...                                       "--format", "csv"]))
    function,probability,count,ci_low,ci_high
    ...
    0
    """
    from ..architectures import MLP, Perceptron

    seed = whole_number(args.seed, "--seed", 0)
    points = None
    if args.data is not None:
        from .sample_data import test_points

        points, _ = test_points(args, seed)
        n = points.shape[1]
        if args.n is not None and parse_n(args.n) != n:
            raise PfmapError(f"--n {args.n} does not match the data, whose points have {n} features")
    elif args.n is None:
        raise PfmapError("--n is required (the number of inputs), unless --data gives the points")
    else:
        _no_data_flags(args)
        n = parse_n(args.n)
    prior = prior_from_args(args)
    encoding = encoding_from_args(args) if points is None else points
    samples = parse_count(args.samples, "--samples")
    chunk_size = None if args.chunk_size is None else parse_count(args.chunk_size, "--chunk-size")
    workers = None if args.workers is None else whole_number(args.workers, "--workers", 1)
    target, fmt = output_target(args.out, args.format)
    widths = parse_widths(args.widths) if args.mlp else ()
    arch = MLP(n, widths, args.activation, prior) if args.mlp else Perceptron(n, prior)
    from pfmap.montecarlo import sample_to_file, sample_to_folder

    run = dict(seed=seed, inputs=encoding, backend=args.backend, device=args.device, chunk_size=chunk_size,
               workers=workers, dask=args.dask, scheduler=args.scheduler, progress=False if args.quiet else "auto")
    if target == "stdout":
        sys.stdout.flush()
        sample_to_file(arch, samples, stream=_binary_stdout(), fmt=fmt, **run)
        sys.stdout.flush()
        return 0
    if target == "file":
        rows = sample_to_file(arch, samples, args.out, fmt=fmt, **run)
        print(f"wrote {rows} rows to {args.out}", file=sys.stderr)
        return 0
    formats = ("parquet",) if args.format is None else ("parquet", fmt)
    rows = sample_to_folder(arch, samples, args.out, formats=formats, **run)
    written = [Path(args.out) / "table.parquet"]
    if args.format is not None and fmt != "parquet":
        written.append(Path(args.out) / f"table.{'tex' if fmt == 'latex' else fmt}")
    print(f"wrote {rows} rows to {', '.join(str(w) for w in written)} (run folder {args.out})", file=sys.stderr)
    return 0


def _no_data_flags(args) -> None:
    given = [flag for flag, value in (("--target", args.target), ("--train-mask", args.train_mask),
                                      ("--test-mask", args.test_mask), ("--train-size", args.train_size),
                                      ("--test-size", args.test_size), ("--idx", args.idx)) if value is not None]
    if given:
        raise PfmapError(f"{given[0]} belongs to --data; add --data boolean or --data mnist")


def run_sample_nngp(args) -> int:
    """Run ``pfmap sample nngp``: the NNGP kernel on the points of E, Cholesky draws, the table of labellings.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        The exit status.

    Examples
    --------
    >>> from pfmap.cli import build_parser
    >>> run_sample_nngp(build_parser().parse_args(["sample", "nngp", "--data", "boolean", "--test-mask", "0110",
    ...                 "--samples", "100", "--quiet", "--format", "csv"]))   # doctest: +ELLIPSIS
    function,probability,count,ci_low,ci_high
    ...
    0
    """
    from .sample_data import nngp_architecture, test_points

    validate_output(args)
    seed = whole_number(args.seed, "--seed", 0)
    samples = parse_count(args.samples, "--samples")
    points, info = test_points(args, seed)
    arch = nngp_architecture(args, points.shape[1])
    from pfmap.learning.gp_prior import sample_nngp
    from pfmap.learning.nngp import nngp_kernel

    kernel = nngp_kernel(arch, points)
    info.update({"engine": "learning (NNGP)", "architecture": arch.to_dict(), "description": arch.describe()})
    df = sample_nngp(kernel, samples, seed=seed, progress=False if args.quiet else "auto", attrs=info)
    emit_table(df, args)
    return 0
