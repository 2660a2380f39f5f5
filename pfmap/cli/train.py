"""``pfmap train perceptron|mlp``: P_SGD(f|S), the functions that many training runs find on the test set E."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import PfmapError
from .data_options import add_data_options, add_network_arguments, dataset_from_args, inputs_of, network_from_args
from ..table_text import FORMATS
from .options import (OneLineParser, add_encoding_option, add_prior_options, parse_count)


def register(subparsers) -> None:
    train = subparsers.add_parser("train", help="P_SGD(f|S): thousands of training runs at once",
                                  description="Train many networks from random initialisations drawn from the "
                                              "prior, each stopped at 100% training accuracy on S, and tabulate "
                                              "the function each finds on E (the same table shape as `pfmap "
                                              "posterior`, so the two join with `pfmap compare`).")
    kinds = train.add_subparsers(dest="arch", metavar="ARCH", parser_class=OneLineParser)
    kinds.required = True
    for p in add_network_arguments(kinds, run_train, description="One row per function found by a fitted run: "
                                   "count, probability, 95% interval, test error, mean epochs to fit."):
        add_prior_options(p)
        add_encoding_option(p)
        add_data_options(p)
        g = p.add_argument_group("training")
        g.add_argument("--runs", required=True, help="training runs, e.g. 1e5")
        g.add_argument("--optimizer", default="sgd", help="sgd (default) or adam")
        g.add_argument("--lr", default="0.01", help="learning rate (default 0.01)")
        g.add_argument("--batch-size", default="8", help="minibatch size (default 8; at most |S|)")
        g.add_argument("--loss", default="ce", help="ce (cross-entropy on the logit, default) or mse")
        g.add_argument("--momentum", default="0", help="SGD momentum in [0, 1) (default 0)")
        g.add_argument("--max-epochs", default="20000", help="epochs before a run counts as not fitted")
        g.add_argument("--epochs-after-fit", default="0", help="epochs trained after the first fit (default 0)")
        g.add_argument("--seed", default="0", help="random seed >= 0 (default 0): S where drawn, and the runs")
        r = p.add_argument_group("runs")
        r.add_argument("--backend", default="auto",
                       help="auto (default: numba on the CPU up to 200,000 parameters, else torch), numba or torch")
        r.add_argument("--device", default="cpu", help="cpu (default) or cuda (torch)")
        r.add_argument("--chunk-size", default=None, metavar="C", help="runs per chunk (default 1000)")
        r.add_argument("--workers", default=None, help="Dask workers with --dask")
        r.add_argument("--dask", action="store_true", help="run the chunks on a local Dask cluster")
        r.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="an existing Dask cluster")
        r.add_argument("--quiet", action="store_true", help="no progress bar")
        p.add_argument("--format", default=None, metavar="|".join(FORMATS),
                       help="table format (default md on stdout; with --out also written into DIR)")
        p.add_argument("--out", default=None, metavar="DIR",
                       help="run folder: manifest, finished chunks and table.parquet; rerunning resumes")


def run_train(args) -> int:
    from pfmap.learning.training_runs import train_runs

    from ..tables import table_format, write_table
    from ..validation import check_whole

    fmt = table_format(None, args.format)
    if fmt not in FORMATS:
        raise PfmapError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if fmt == "parquet" and args.out is None:
        raise PfmapError("parquet is a binary format: give --out DIR (the run folder gets table.parquet)")
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        raise PfmapError(f"--out {args.out} is a file; give a run folder (new, empty, or an earlier run's)")
    seed = check_whole(args.seed, "--seed", minimum=0)
    if inputs_of(args) is None:
        raise PfmapError("--data must be boolean (with --target) or mnist")
    data = dataset_from_args(args, seed=seed)
    arch = network_from_args(args, data.n)
    settings = dict(optimizer=args.optimizer, lr=args.lr, batch_size=check_whole(args.batch_size, "--batch-size"),
                    loss=args.loss, momentum=args.momentum,
                    max_epochs=check_whole(args.max_epochs, "--max-epochs", minimum=1),
                    epochs_after_fit=check_whole(args.epochs_after_fit, "--epochs-after-fit"),
                    backend=args.backend, device=args.device)
    df = train_runs(arch, data, runs=parse_count(args.runs, "--runs"), seed=seed,
                    chunk_size=None if args.chunk_size is None else parse_count(args.chunk_size, "--chunk-size"),
                    out=args.out, dask=args.dask, scheduler=args.scheduler,
                    workers=None if args.workers is None else parse_count(args.workers, "--workers"),
                    progress=False if args.quiet else "auto", **settings)
    not_fitted = df.attrs["not_fitted"]
    total = df.attrs["pfmap"]["runs"]
    print(f"{total - not_fitted:,} of {total:,} runs fitted S; {not_fitted:,} did not within --max-epochs "
          f"{settings['max_epochs']}", file=sys.stderr)
    if args.out is None:
        sys.stdout.write(write_table(df, None, fmt))
        return 0
    written = [Path(args.out) / "table.parquet"]
    write_table(df, written[0], "parquet")
    if args.format is not None and fmt != "parquet":
        written.append(Path(args.out) / f"table.{fmt}")
        write_table(df, written[-1], fmt)
    print(f"wrote {len(df)} rows to {', '.join(str(w) for w in written)} (run folder {args.out})", file=sys.stderr)
    return 0
