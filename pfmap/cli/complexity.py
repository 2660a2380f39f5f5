"""``pfmap complexity TABLE``: add complexity columns to a volume table (CSV, Parquet or JSON in, same out)."""

from __future__ import annotations

import sys

from ..errors import PfmapError
from .options import DeferredHelp, add_output_options, emit_table, validate_output

CONDITIONS_CHOICES = ("auto", "always", "never")
AUTO_CONDITIONS_MAX_N = 4  # geometry enumerates these arrangements in seconds
ALWAYS_CONDITIONS_MAX_N = 5  # ~10 minutes on 2 cores (REFERENCES.md)
PROGRESS_CHUNK = 65_536  # rows measured between updates of the progress bar (~4 s on 2 cores at n = 5)


def register(subparsers) -> None:
    """Add ``pfmap complexity`` (building the parser imports no measure code: their names are listed lazily).

    Parameters
    ----------
    subparsers : argparse._SubParsersAction

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers(); register(sub); sorted(sub.choices)
    ['complexity']
    """
    p = subparsers.add_parser(
        "complexity", help="add complexity measures (k_lz, entropy, formula size, ...) to a volume table",
        description="Add complexity columns to any volume table, exact or sampled; the table needs only a "
                    "'function' column of truth-table strings. Cube measures are NaN for lengths that are not "
                    "2**n; formula sizes are exact for n <= 4 and heuristic (formula_heuristic = True) for "
                    "5 <= n <= 10.")
    p.add_argument("table", metavar="TABLE", help="volume table (.csv, .parquet or .json)")
    p.add_argument("--measures", default=None, metavar="LIST",
                   help=DeferredHelp(lambda: f"comma-separated subset of: {', '.join(measure_names())} "
                                             f"(default: all)"))
    p.add_argument("--compression", default="zlib", choices=("zlib", "lzma"),
                   help="compressor for compressed_length (default zlib)")
    p.add_argument("--conditions", default="auto", choices=CONDITIONS_CHOICES,
                   help="fill n_conditions (half-space conditions of the perceptron region, from geometry) when "
                        f"the table lacks it: auto = for n <= {AUTO_CONDITIONS_MAX_N} when geometry provides it, "
                        f"always = for n <= {ALWAYS_CONDITIONS_MAX_N} or fail, never")
    p.add_argument("--overwrite", action="store_true", help="recompute measure columns already in the table")
    from .complexity_geometry import add_geometry_options

    add_geometry_options(p)
    add_output_options(p)
    p.set_defaults(handler=run_complexity)


def measure_names() -> tuple[str, ...]:
    """The names of the complexity measures (imports :mod:`pfmap.complexity` when first called).

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> "k_lz" in measure_names()
    True
    """
    from ..complexity import MEASURES

    return tuple(MEASURES)


def parse_measures(text):
    """``None`` or a list of measure names from ``"k_lz,entropy"``.

    Raises
    ------
    PfmapError
        For an unknown or empty list.

    Parameters
    ----------
    text : str or None
        ``--measures``.

    Returns
    -------
    list of str or None

    Examples
    --------
    >>> parse_measures("k_lz, entropy"), parse_measures(None)
    (['k_lz', 'entropy'], None)
    """
    from ..complexity import MEASURES

    if text is None:
        return None
    names = [t.strip() for t in str(text).split(",") if t.strip()]
    for name in names:
        if name not in MEASURES and name != "n_conditions":
            raise PfmapError(f"unknown measure {name!r}; choose from {', '.join(MEASURES)}")
    if not names:
        raise PfmapError("--measures needs at least one measure name")
    return names


def run_complexity(args) -> int:
    """Run ``pfmap complexity``: read and check the table, add the measures, write it (CSV in, CSV out).

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    int
        The exit status.

    Raises
    ------
    PfmapError
        For a bad table or option.

    Examples
    --------
    >>> import tempfile, os
    >>> from pfmap.cli import build_parser
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("function,probability\\n0001,0.5\\n0111,0.5\\n")
    >>> run_complexity(build_parser().parse_args(["complexity", p, "--measures", "entropy", "--conditions", "never"]))
    function,probability,entropy
    0001,0.5,0.8112781244591328
    0111,0.5,0.8112781244591328
    0
    """
    from ..tables import check_volume_table, read_table, table_format

    from .complexity_geometry import add_geometry_columns, check_geometry_options

    if args.format is not None or args.out is not None:
        validate_output(args)
    check_geometry_options(args)
    df = read_table(args.table)
    check_volume_table(df, args.table)
    measures = parse_measures(args.measures)
    from ..complexity import add_complexity_columns

    computed = None if measures is None else [m for m in measures if m != "n_conditions"]
    out = measured_in_chunks(df, computed, args.compression, overwrite=args.overwrite,
                             progress=False if args.quiet else "auto")
    if args.geometric or args.graph:
        out = add_geometry_columns(out, geometric=args.geometric, graph=args.graph, betweenness=args.betweenness,
                                   graphml=args.graphml, progress=False if args.quiet else "auto")
    out = fill_n_conditions(out, args.conditions)
    meta = dict(df.attrs.get("pfmap", {}))
    meta["complexity"] = {"measures": computed or "all", "compression": args.compression,
                          "formula": "exact for n <= 4, heuristic upper bound for 5 <= n <= 10"}
    out.attrs["pfmap"] = meta
    if args.format is None and args.out is None:
        # "same out": a CSV table stays CSV on stdout; binary formats need --out
        args.format = "csv" if table_format(args.table, None) == "csv" else "md"
    emit_table(out, args)
    return 0


def measured_in_chunks(df, measures, compression: str = "zlib", *, overwrite: bool = False,
                       progress: bool | str = False, chunk: int | None = None):
    """:func:`pfmap.complexity.add_complexity_columns` over blocks of rows, with a progress bar.

    Every measure is a property of one function, so the blocks give the table a single call would.

    Parameters
    ----------
    df : pandas.DataFrame
        A table with ``function``.
    measures : list of str or None
        The measures (None: all).
    compression : str
        ``zlib`` or ``lzma``.
    overwrite : bool
        Recompute columns already present.
    progress : bool or "auto"
        A bar over the rows (tables of more than one block).
    chunk : int, optional
        Rows per block (default :data:`PROGRESS_CHUNK`).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> t = measured_in_chunks(pd.DataFrame({"function": ["0001", "0110", "011"]}), ["entropy"], chunk=2)
    >>> t["entropy"].round(3).tolist()
    [0.811, 1.0, 0.918]
    """
    import pandas as pd

    from ..complexity import add_complexity_columns
    from ..progress import progress_bar

    size = PROGRESS_CHUNK if chunk is None else int(chunk)
    if len(df) <= size:
        return add_complexity_columns(df, measures, compression, overwrite=overwrite)
    parts = []
    with progress_bar(len(df), progress=progress, desc="complexity", unit="function") as bar:
        for start in range(0, len(df), size):
            parts.append(add_complexity_columns(df.iloc[start:start + size], measures, compression,
                                                overwrite=overwrite))
            bar.update(len(parts[-1]))
    columns = parts[0].columns
    out = pd.concat([part[columns] for part in parts], ignore_index=True)
    out.attrs = dict(df.attrs)
    return out


def fill_n_conditions(df, mode: str = "auto"):
    """Add geometry's ``n_conditions`` for threshold functions of a perceptron with bias on the cube.

    The count is the number of irredundant half-space conditions of the
    function's region in the arrangement ``{w.x + b = 0 : x in {0,1}^n}``; it
    does not depend on the encoding ({-1,1}^n is a linear change of (w, b)).
    It is a property of the function, so it is filled for tables of any
    architecture; functions that are not threshold functions get NaN.
    Tables whose metadata names a prior without bias (another arrangement),
    or of lengths other than one ``2**n``, are left alone.

    Parameters
    ----------
    df : pandas.DataFrame
        A table with ``function``.
    mode : str
        ``auto``, ``always`` or ``never``.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    PfmapError
        With ``always``, when the table does not qualify.

    Examples
    --------
    >>> import pandas as pd
    >>> fill_n_conditions(pd.DataFrame({"function": ["0001", "0110"]}))["n_conditions"].tolist()
    [3.0, <NA>]
    """
    import numpy as np

    if mode == "never" or "n_conditions" in df.columns or not len(df):
        return df
    lengths = df["function"].str.len().unique()
    n = int(lengths[0]).bit_length() - 1 if len(lengths) == 1 else None
    meta = df.attrs.get("pfmap", {}) or {}
    no_bias = _metadata_says_no_bias(meta)
    limit = AUTO_CONDITIONS_MAX_N if mode == "auto" else ALWAYS_CONDITIONS_MAX_N
    usable = n is not None and n >= 1 and 2**n == int(lengths[0]) and n <= limit and not no_bias
    if not usable:
        if mode == "always":
            raise PfmapError(f"n_conditions is available for perceptrons with bias on {{0,1}}^n, n <= {limit}, "
                             "and a table of one function length 2**n")
        return df
    try:
        from pfmap import geometry

        regions = geometry.perceptron_regions(n, encoding="01", bias=True)
    except (ImportError, AttributeError):
        if mode == "always":
            raise PfmapError("geometry.perceptron_regions is not available in this installation; "
                             "use --conditions never") from None
        return df
    lookup = dict(zip(regions.functions, np.asarray(regions.n_conditions).tolist()))
    out = df.copy()
    out["n_conditions"] = out["function"].map(lookup).astype("Float64")
    if mode == "always" and out["n_conditions"].isna().any():
        print(f"pfmap: {int(out['n_conditions'].isna().sum())} functions are not threshold functions: "
              "n_conditions left empty", file=sys.stderr)
    return out


def _metadata_says_no_bias(meta) -> bool:
    """True when table metadata names a prior without biases (then the arrangement is another one)."""
    if not isinstance(meta, dict):
        return False
    for holder in (meta.get("architecture"), meta):
        prior = holder.get("prior") if isinstance(holder, dict) else None
        if isinstance(prior, dict) and "bias" in prior:
            return str(prior["bias"]).lower() in ("false", "0")
    return False
