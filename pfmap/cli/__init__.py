"""The ``pfmap`` command: one subcommand per module of :data:`COMMAND_MODULES`.

Every user error ends as one line on stderr, ``pfmap: error: ...``, and exit
status 2; no traceback.  Each subcommand lives in its own module with a
``register(subparsers)`` function that imports nothing heavy (heavy imports
happen inside the command), so ``pfmap --help`` is quick.  The first run
that compiles kernels says so, and how long it took.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

from ..errors import PfmapError
from .options import OneLineParser, as_flags, parse_widths

# subcommand modules, in the order they appear in --help
COMMAND_MODULES = ("table", "sample", "crossval", "complexity", "bias", "posterior", "train", "compare", "bound")


def build_parser() -> OneLineParser:
    """The ``pfmap`` parser with every subcommand of :data:`COMMAND_MODULES` that is installed.

    Building it imports no engine, pandas or numba: each module's ``register`` is cheap.

    Returns
    -------
    OneLineParser

    Examples
    --------
    >>> "sample" in build_parser()._subparsers._group_actions[0].choices
    True
    """
    parser = OneLineParser(
        prog="pfmap",
        description="Measure the parameter-function map of neural networks: exact volumes "
                    "(geometry) and Monte Carlo counts (montecarlo) of every function.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"pfmap {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name in COMMAND_MODULES:
        modname = f"{__name__}.{name}"
        if importlib.util.find_spec(modname) is None:
            continue
        importlib.import_module(modname).register(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the console script; returns the exit status.

    0 on success (``crossval``: 1 on FAIL), 2 with one line ``pfmap: error: ...`` on stderr for anything the
    user can fix (bad input, a run folder in use, a full disk), 130 when interrupted, 70 for an internal error
    (one line too; ``PFMAP_TRACEBACK=1`` shows the traceback).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status.

    Examples
    --------
    >>> main(["sample", "perceptron", "--n", "2", "--samples", "0"])
    2
    """
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version, or a usage error already reported in one line
            return int(exc.code or 0) if not isinstance(exc.code, str) else 2
        if isinstance(getattr(args, "widths", None), str):
            args.widths = ",".join(map(str, parse_widths(args.widths)))
        from ..progress import compile_notice

        with compile_notice(None if getattr(args, "quiet", False) else _note):
            status = args.handler(args)
        return int(status or 0)
    except PfmapError as exc:
        return _error(as_flags(str(exc)))
    except KeyboardInterrupt:
        print("pfmap: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `pfmap sample ... | head`: the reader has gone; so has stdout
        _silence_stdout()
        return 0
    except MemoryError:
        return _error("out of memory; ask for fewer samples, smaller widths or a smaller table (a run folder's "
                      "finished chunks are kept)")
    except OSError as exc:  # a full disk, a vanished folder: one line; finished chunks stay in their folder
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return _error(f"cannot read or write{where}: {exc.strerror or exc}")
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("PFMAP_TRACEBACK"):
            raise
        reason = str(exc).splitlines()[0] if str(exc) else ""
        print(f"pfmap: internal error: {type(exc).__name__}: {reason} (please report it with the command line; "
              f"PFMAP_TRACEBACK=1 shows the traceback)", file=sys.stderr)
        return 70


def _error(message: str) -> int:
    print(f"pfmap: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def _note(line: str) -> None:
    print(f"pfmap: {line}", file=sys.stderr, flush=True)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run() -> None:
    """The console script ``pfmap``."""
    sys.exit(main())
