"""``pfmap table perceptron|mlp``: the exact volume table (geometry engine).

``n <= 5`` is computed in memory and printed or written in any format; ``n = 6`` (15,028,134 functions)
is written to a Parquet file by :func:`pfmap.geometry.perceptron.table_file.perceptron_table_file`
(resumable: rerun the same command after a kill); ``n >= 7`` is refused with its region count.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from ..errors import PfmapError
from ..table_text import FORMATS
from ..validation import parse_count
from .options import (OneLineParser, add_encoding_option, add_output_options, add_prior_options, as_flags, emit_table,
                      encoding_from_args, parse_n, prior_from_args, validate_output)

TABLE_FORMATS = FORMATS     # every format (one definition: pfmap.table_text.FORMATS)


def register(subparsers) -> None:
    table = subparsers.add_parser("table", help="exact volume table of every function (geometry)",
                                  description="Exact volume tables: every function a network realises, its "
                                              "probability under the prior, exact where the math allows.")
    kinds = table.add_subparsers(dest="arch", metavar="ARCH", parser_class=OneLineParser)
    kinds.required = True
    p = kinds.add_parser("perceptron", help="a single threshold unit on {0,1}^n or {-1,1}^n",
                         description="One row per threshold function: probability, exact value (Fraction "
                                     "for the box, sympy expression in dimension 3), error bound, irredundant "
                                     "half-space conditions.")
    p.add_argument("--n", required=True, help="number of inputs: n <= 5 in memory (Gaussian up to the certified "
                   "orthant dimension, uniform box exact); n = 6 to a Parquet file given by --out (functions, "
                   "witnesses, conditions, and exact box volumes with --prior uniform)")
    add_prior_options(p)
    add_encoding_option(p)
    p.add_argument("--conditions-only", action="store_true",
                   help="list functions, conditions and witnesses without volumes (runs to n = 6)")
    p.add_argument("--workers", default=None, help="processes for the n = 6 table (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_output_options(p, TABLE_FORMATS)
    p.set_defaults(handler=run_perceptron)
    if importlib.util.find_spec(f"{__package__}.table_mlp") is not None:
        importlib.import_module(f"{__package__}.table_mlp").register(kinds)


def run_perceptron(args) -> int:
    n = parse_n(args.n)
    prior = prior_from_args(args)
    encoding = encoding_from_args(args)
    fmt = validate_output(args, TABLE_FORMATS)
    from pfmap.geometry.perceptron.counts import MAX_FILE_N, check_enumerable, region_count
    from pfmap.geometry.perceptron.regions import enumeration_limit

    if n > enumeration_limit(encoding, prior.bias):
        check_enumerable(n, encoding, prior.bias, maximum=MAX_FILE_N)   # n >= 7: its count, n = 6's time, sampling
        if fmt != "parquet":
            raise PfmapError(f"the n = {n} table has {region_count(n, encoding, prior.bias):,} rows: write it to a "
                             f"Parquet file with --out FILE.parquet")
        workers = None if args.workers is None else parse_count(args.workers, "--workers")
        from pfmap.geometry.perceptron.table_file import perceptron_table_file

        info = perceptron_table_file(n, args.out, prior=prior, encoding=encoding,
                                     volumes=False if args.conditions_only else None, workers=workers,
                                     progress=False if args.quiet else "auto")
        print(f"wrote {info['rows']:,} rows ({info['orbits']:,} orbits, {info['measure_orbits']:,} measure orbits) "
              f"to {args.out} in {info['seconds']:.0f} s"
              + (f" (resumed: {info['resumed']} chunks were already done)" if info["resumed"] else ""), file=sys.stderr)
        if info["measure"] is None and not args.conditions_only:
            from pfmap.geometry.perceptron.table_file import choose_measure

            print(f"pfmap: note: no probabilities: {as_flags(choose_measure(n, prior)[1])}", file=sys.stderr)
        return 0
    from pfmap.geometry.perceptron.table import perceptron_table

    emit_table(perceptron_table(n, prior, encoding, volumes=not args.conditions_only,
                                progress=False if args.quiet else "auto"), args, TABLE_FORMATS)
    return 0
