"""``pfmap sample perceptron|mlp``: the Monte Carlo volume table (montecarlo engine)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import PfmapError
from ..tables import table_format, write_table
from .options import (OneLineParser, add_encoding_option, add_prior_options, encoding_from_args, parse_count,
                      parse_n, prior_from_args)

SAMPLE_FORMATS = ("md", "csv", "json", "parquet")


def register(subparsers) -> None:
    sample = subparsers.add_parser("sample", help="sampled volume table of every function seen (Monte Carlo)",
                                   description="Draw random networks from the prior, evaluate them on every input "
                                               "and count the functions: probability, count and a 95% Wilson "
                                               "interval per function.")
    kinds = sample.add_subparsers(dest="arch", metavar="ARCH", parser_class=OneLineParser)
    kinds.required = True
    p = kinds.add_parser("perceptron", help="a single threshold unit",
                         description="Sample perceptrons on {0,1}^n or {-1,1}^n (n <= 10).")
    _common(p)
    p.set_defaults(handler=run_sample, mlp=False)
    m = kinds.add_parser("mlp", help="a fully connected net with one output unit",
                         description="Sample fully connected nets n -> widths -> 1 on {0,1}^n or {-1,1}^n (n <= 10).")
    _common(m)
    m.add_argument("--widths", default="40,40", help="hidden layer widths, e.g. 40,40 (default)")
    m.add_argument("--activation", default="relu", help="relu (default), tanh, step or linear")
    m.set_defaults(handler=run_sample, mlp=True)


def _common(p) -> None:
    p.add_argument("--n", required=True, help="number of inputs (at most 10)")
    add_prior_options(p)
    add_encoding_option(p)
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
                   help="table format (default md on stdout; with --out also written into DIR)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="run folder: manifest, finished chunks and table.parquet; rerunning resumes")


def _whole(text, name, minimum):
    try:
        value = int(str(text))
    except ValueError:
        raise PfmapError(f"{name} must be a whole number >= {minimum}; got {text!r}") from None
    if value < minimum:
        raise PfmapError(f"{name} must be a whole number >= {minimum}; got {text!r}")
    return value


def run_sample(args) -> int:
    from ..architectures import MLP, Perceptron

    n = parse_n(args.n)
    prior = prior_from_args(args)
    encoding = encoding_from_args(args)
    samples = parse_count(args.samples)
    seed = _whole(args.seed, "--seed", 0)
    chunk_size = None if args.chunk_size is None else parse_count(args.chunk_size, "--chunk-size")
    workers = None if args.workers is None else _whole(args.workers, "--workers", 1)
    fmt = table_format(None, args.format)
    if fmt not in SAMPLE_FORMATS:
        raise PfmapError(f"format {fmt!r} is not offered here; use one of {', '.join(SAMPLE_FORMATS)}")
    if fmt == "parquet" and args.out is None:
        raise PfmapError("parquet is a binary format: give --out DIR (the run folder gets table.parquet)")
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        raise PfmapError(f"--out {args.out} is a file; give a run folder (new, empty, or an earlier run's)")
    arch = MLP(n, args.widths, args.activation, prior) if args.mlp else Perceptron(n, prior)
    from pfmap.montecarlo import sample, sample_to_folder

    run = dict(seed=seed, inputs=encoding, backend=args.backend, device=args.device, chunk_size=chunk_size,
               workers=workers, dask=args.dask, scheduler=args.scheduler, progress=False if args.quiet else "auto")
    if args.out is not None and (args.format is None or fmt == "parquet"):
        # only the run folder's table: written in batches, never all truth-table strings at once
        rows = sample_to_folder(arch, samples, args.out, **run)
        print(f"wrote {rows} rows to {Path(args.out) / 'table.parquet'} (run folder {args.out})", file=sys.stderr)
        return 0
    df = sample(arch, samples, out=args.out, **run)
    if args.out is None:
        sys.stdout.write(write_table(df, None, fmt))
        return 0
    written = [Path(args.out) / "table.parquet"]
    if args.format is not None and fmt != "parquet":
        extra = Path(args.out) / f"table.{fmt}"
        write_table(df, extra, fmt)
        written.append(extra)
    print(f"wrote {len(df)} rows to {', '.join(str(w) for w in written)} (run folder {args.out})", file=sys.stderr)
    return 0
