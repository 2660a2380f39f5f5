"""Volume tables: one row per function, the shape both engines return, sorted, written and read.

Columns (DESIGN.md): ``function`` (truth-table string), ``probability``
(float), ``exact`` (Fraction / sympy expression when known), ``error`` (a
bound for numeric geometry) or ``ci_low``, ``ci_high``, ``count`` (Monte
Carlo), plus whatever the producer adds.  ``df.attrs["pfmap"]`` carries how
the table was obtained; it travels in Parquet and JSON.

This module sorts tables (:func:`sort_table`), writes them to files or text
(:func:`write_table`, atomically), reads them back (:func:`read_table`: CSV,
JSON and Parquet, whose schema metadata carries ``attrs["pfmap"]``) and checks
a table read from a file (:func:`check_volume_table`).  The formats and their
text layouts are :mod:`pfmap.table_text`; every name defined there is
importable from here as well.  pandas and pyarrow are imported only by the
functions that need them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from fractions import Fraction  # noqa: F401  (importable from here as before)
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import PfmapError
from .table_text import (EXTENSIONS, FORMATS, TEXT_FORMATS, TextFormat, cell_text,  # noqa: F401 (re-exported)
                         exact_text, float_text, format_table, json_value, jsonable, latex_escape, table_format)

if TYPE_CHECKING:  # pandas is imported by the functions that need it, not with this module
    import pandas as pd

FIRST_COLUMNS = ["function", "probability", "exact", "error", "count", "ci_low", "ci_high"]


def sort_table(df: pd.DataFrame) -> pd.DataFrame:
    """Sort by probability (largest first), ties by truth table; put the standard columns first.

    Parameters
    ----------
    df : pandas.DataFrame
        A table with a ``function`` column.

    Returns
    -------
    pandas.DataFrame
        A sorted copy, index reset.

    Raises
    ------
    PfmapError
        Without a ``function`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"probability": [0.25, 0.75], "function": ["01", "10"]})
    >>> sort_table(df)["function"].tolist()
    ['10', '01']
    """
    if "function" not in df.columns:
        raise PfmapError("a volume table needs a 'function' column of truth-table strings")
    df = df.copy()
    df["function"] = df["function"].astype(str)
    if "probability" in df.columns:
        df = df.sort_values(["probability", "function"], ascending=[False, True], kind="mergesort")
    else:
        df = df.sort_values("function", kind="mergesort")
    first = [c for c in FIRST_COLUMNS if c in df.columns]
    df = df[first + [c for c in df.columns if c not in first]]
    return df.reset_index(drop=True)


def write_table(df: pd.DataFrame, path: str | os.PathLike | None = None, fmt: str | None = None) -> str | None:
    """Write a table to ``path`` (atomically) or return it as text when ``path`` is None.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    path : str or os.PathLike, optional
        The file; its extension gives the format unless ``fmt`` does.
    fmt : str, optional
        One of :data:`FORMATS`.

    Returns
    -------
    str or None
        The text when ``path`` is None.

    Raises
    ------
    PfmapError
        For an unknown format or extension, or a file that cannot be written.

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> df = pd.DataFrame({"function": ["01"], "probability": [1.0]})
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "t.parquet")
    >>> write_table(df, p); read_table(p)["function"].tolist()
    ['01']
    """
    fmt = table_format(path, fmt)
    if path is None:
        return format_table(df, fmt)
    from pfmap.files import atomic_write

    if fmt == "parquet":
        atomic_write(path, lambda tmp: _write_parquet(df, tmp))
    else:
        atomic_write(path, format_table(df, fmt))
    return None


def _write_parquet(df, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = df.copy()
    for col in text.columns:
        if text[col].dtype == object:
            text[col] = text[col].map(lambda v: cell_text(v, human=False))
    table = pa.Table.from_pandas(text, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta.update(parquet_metadata(df.attrs.get("pfmap", {})))
    pq.write_table(table.replace_schema_metadata(meta), path)


def parquet_metadata(attrs: dict) -> dict:
    """The Parquet schema metadata that carries a table's ``attrs["pfmap"]`` (read back by :func:`read_table`).

    Parameters
    ----------
    attrs : dict
        The table's provenance.

    Returns
    -------
    dict
        ``{b'pfmap': JSON bytes}``.

    Examples
    --------
    >>> parquet_metadata({"seed": 1})
    {b'pfmap': b'{"seed": 1}'}
    """
    return {b"pfmap": json.dumps(jsonable(attrs)).encode()}


def _read_parquet(path: Path, top: int | None, columns):
    """A Parquet table with its pfmap metadata; ``top``: only the first ``top`` rows, read batch by batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if top is None:
        table = pq.read_table(path, columns=columns)
    else:
        handle = pq.ParquetFile(path)
        batches, rows = [], 0
        for batch in handle.iter_batches(batch_size=max(1, min(top, 1 << 16)), columns=columns):
            if rows >= top:
                break
            batches.append(batch.slice(0, top - rows))
            rows += len(batches[-1])
        schema = handle.schema_arrow if columns is None else pa.schema([handle.schema_arrow.field(c) for c in columns])
        table = pa.Table.from_batches(batches, schema=schema.with_metadata(handle.schema_arrow.metadata))
    df = table.to_pandas()
    raw = (table.schema.metadata or {}).get(b"pfmap")
    if raw:
        df.attrs["pfmap"] = json.loads(raw)
    return df


def read_table(path: str | os.PathLike, top: int | None = None, *, columns: Sequence[str] | None = None,
               functions: str = "strings") -> pd.DataFrame:
    """Read a table written by pfmap (CSV, Parquet or JSON); ``function`` as truth-table strings by default.

    The large exact tables of ``pfmap table perceptron --out t.parquet``
    (:func:`pfmap.geometry.perceptron.perceptron_table_file`, up to n = 6)
    store each function as a 64-bit unsigned integer: bit ``j`` is the output
    on input ``j`` (the metadata's ``function_format``).  They are read as
    strings too (the same strings as the in-memory table), or kept as
    integers with ``functions="integers"`` (8 bytes a row instead of a
    Python string of 2^n characters: for the 15 million rows of n = 6,
    about 0.1 GB instead of 1.7 GB).  Their ``conditions`` column stays as
    written (integer bit masks).

    Parameters
    ----------
    path : str or os.PathLike
        The file (``.csv``, ``.parquet`` or ``.json``).
    top : int, optional
        Parquet only: the first ``top`` rows, without reading the rest.
    columns : list of str, optional
        Only these columns (``function`` is always read).
    functions : {"strings", "integers"}
        ``"strings"`` (default): ``function`` holds truth-table strings, converted from integers where the file
        stores them.  ``"integers"``: a file storing integers keeps them (``uint64``); a table of strings
        stays strings.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    PfmapError
        For a missing, unreadable or malformed file, unknown columns, a ``function`` column that does not
        hold truth tables (or integers without the metadata saying how many inputs), or an unknown
        ``functions``.

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> write_table(pd.DataFrame({"function": ["0001"], "probability": [0.5]}), p)
    >>> read_table(p)["function"].tolist()
    ['0001']
    >>> from pfmap.geometry.perceptron import perceptron_table_file
    >>> q = os.path.join(tempfile.mkdtemp(), "t.parquet")
    >>> _ = perceptron_table_file(2, q, workers=1)
    >>> t = read_table(q).set_index("function")
    >>> float(t.loc["0001", "probability"]) == float(read_table(q, functions="integers").set_index("function")
    ...                                              .loc[8, "probability"])                       # AND
    True
    """
    import pandas as pd

    if functions not in ("strings", "integers"):
        raise PfmapError(f"functions must be 'strings' or 'integers'; got {functions!r}")

    path = Path(path)
    if not path.is_file():
        raise PfmapError(f"no such table file: {path}" if not path.exists() else f"{path} is not a file")
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt not in ("csv", "json", "parquet"):
        raise PfmapError(f"cannot read {path}: give a .csv, .parquet or .json table")
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 0:
            raise PfmapError(f"top must be a whole number >= 0; got {top!r}")
        if fmt != "parquet":
            raise PfmapError(f"reading the first rows only works for Parquet tables; {path} is {fmt}")
    if columns is not None:
        if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
            raise PfmapError(f"columns must be a list of column names; got {columns!r}")
        columns = ["function"] + [c for c in columns if c != "function"]
    try:
        if fmt == "parquet":
            df = _read_parquet(path, None if top is None else int(top), columns)
        elif fmt == "json":
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = data["rows"] if isinstance(data, dict) else data
            df = pd.DataFrame(rows, dtype=object if not rows else None)
            if isinstance(data, dict):
                df.attrs["pfmap"] = data.get("metadata", {})
        else:
            df = pd.read_csv(path, dtype={"function": str, "exact": str, "conditions": str},
                             keep_default_na=False, na_values=[""])
    except PfmapError:
        raise
    except Exception as exc:  # malformed file of any kind: one line, not a traceback
        reason = str(exc).splitlines()[0] if str(exc) else ""
        raise PfmapError(f"cannot read table {path}: {type(exc).__name__}: {reason}") from None
    if "function" not in df.columns:
        raise PfmapError(f"{path} has no 'function' column; a volume table needs truth-table strings there")
    if columns is not None and fmt != "parquet":
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise PfmapError(f"{path} has no column {missing[0]!r}; it has {', '.join(map(str, df.columns))}")
        df = df[columns]
    if len(df) and df["function"].dtype.kind in "iu":
        return _integer_functions(df, path, functions)
    df["function"] = df["function"].astype(str)
    bad = ~df["function"].str.fullmatch(r"[01]+")
    if bad.any():
        raise PfmapError(f"{path}: 'function' must hold truth-table strings of 0s and 1s; row {int(np.argmax(bad.values))} "
                         f"has {df['function'][bad].iloc[0]!r}")
    return df


def _integer_functions(df, path: Path, functions: str):
    """A table whose functions are integers (bit j: the output on input j): strings of 2^n characters, or kept."""
    from .truthtable import words_to_strings

    meta = df.attrs.get("pfmap", {})
    n = (meta.get("architecture") or {}).get("n") if isinstance(meta, dict) else None
    if not str(meta.get("function_format", "")).startswith("uint64") or not isinstance(n, int) or not 0 <= n <= 6:
        raise PfmapError(f"{path}: 'function' holds integers, but the file's pfmap metadata does not say how many "
                         f"inputs they cover (function_format, architecture.n <= 6); give a table of truth-table "
                         f"strings")
    values = df["function"].to_numpy()
    if values.min() < 0 or (n < 6 and int(values.max()) >> (1 << n)):
        raise PfmapError(f"{path}: a 'function' integer does not fit {1 << n} outputs")
    if functions == "integers":
        df["function"] = values.astype(np.uint64)
        return df
    df["function"] = words_to_strings(values.astype(np.uint64), 1 << n)
    return df


def check_volume_table(df: pd.DataFrame, source: str | os.PathLike, *, probabilities: bool = False) -> None:
    """Refuse a table that is not one volume table: no rows, truth tables of several lengths, or (with
    ``probabilities``) a ``probability`` column missing, not numeric, or outside [0, 1].

    Parameters
    ----------
    df : pandas.DataFrame
        A table read by :func:`read_table`.
    source : str or os.PathLike
        Where it came from, for messages.
    probabilities : bool
        Also check the probabilities.

    Raises
    ------
    PfmapError
        Saying what is wrong and where.

    Examples
    --------
    >>> import pandas as pd
    >>> check_volume_table(pd.DataFrame({"function": ["01", "0110"]}), "t.csv")
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: t.csv: every truth table must have one length; row 1 has 4 outputs, row 0 has 2
    """
    if not len(df):
        raise PfmapError(f"{source} has no rows; give a volume table with at least one function")
    lengths = df["function"].str.len().to_numpy()
    if (lengths != lengths[0]).any():
        row = int(np.argmax(lengths != lengths[0]))
        raise PfmapError(f"{source}: every truth table must have one length; row {row} has {int(lengths[row])} "
                         f"outputs, row 0 has {int(lengths[0])}")
    if not probabilities:
        return
    if "probability" not in df.columns:
        raise PfmapError(f"{source} has no 'probability' column; give a volume table (pfmap table or pfmap sample)")
    import pandas as pd

    p = pd.to_numeric(df["probability"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(p) | (p < 0) | (p > 1)
    if bad.any():
        row = int(np.argmax(bad))
        raise PfmapError(f"{source}: probabilities must be numbers in [0, 1]; row {row} has "
                         f"{df['probability'].iloc[row]!r}")
