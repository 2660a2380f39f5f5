"""The ``pfmap`` command: ``table``, ``sample``, ``crossval``, ``complexity``, ``bias``.

Every user error ends as one line on stderr, ``pfmap: error: ...``, and exit
status 2; no traceback.  Each subcommand lives in its own module with a
``register(subparsers)`` function; heavy imports happen inside the command.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from ..errors import PfmapError
from .options import OneLineParser, as_flags

# subcommand modules, in the order they appear in --help
COMMAND_MODULES = ("table", "sample", "crossval", "complexity", "bias")


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="pfmap",
        description="Measure the parameter-function map of neural networks: exact volumes "
                    "(geometry) and Monte Carlo counts (montecarlo) of every function.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"pfmap {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        modname = f"{__name__}.{name}"
        if importlib.util.find_spec(modname) is None:
            continue
        importlib.import_module(modname).register(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        status = args.handler(args)
        return int(status or 0)
    except PfmapError as exc:
        print(f"pfmap: error: {as_flags(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pfmap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `pfmap table ... | head`
        return 0


def run() -> None:
    sys.exit(main())
