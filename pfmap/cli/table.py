"""``pfmap table perceptron|mlp``: the exact volume table (geometry engine)."""

from __future__ import annotations

import importlib
import importlib.util

from .options import (OneLineParser, add_encoding_option, add_output_options, add_prior_options, emit_table,
                      encoding_from_args, parse_n, prior_from_args, validate_output)

TABLE_FORMATS = ("md", "csv", "latex", "json", "parquet")


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
    p.add_argument("--n", required=True, help="number of inputs (exact tables: Gaussian n <= 4, or 5 without bias; "
                   "uniform box and regions only: n <= 5)")
    add_prior_options(p)
    add_encoding_option(p)
    p.add_argument("--conditions-only", action="store_true",
                   help="list functions, conditions and witnesses without volumes (runs to n = 5)")
    add_output_options(p, TABLE_FORMATS)
    p.set_defaults(handler=run_perceptron)
    if importlib.util.find_spec(f"{__package__}.table_mlp") is not None:
        importlib.import_module(f"{__package__}.table_mlp").register(kinds)


def run_perceptron(args) -> int:
    n = parse_n(args.n)
    prior = prior_from_args(args)
    encoding = encoding_from_args(args)
    validate_output(args, TABLE_FORMATS)
    from pfmap.geometry.perceptron.table import perceptron_table

    emit_table(perceptron_table(n, prior, encoding, volumes=not args.conditions_only), args, TABLE_FORMATS)
    return 0
