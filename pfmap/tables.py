"""Volume tables: one row per function, the shape both engines return, and its five file formats.

Columns (DESIGN.md): ``function`` (truth-table string), ``probability``
(float), ``exact`` (Fraction / sympy expression when known), ``error`` (a
bound for numeric geometry) or ``ci_low``, ``ci_high``, ``count`` (Monte
Carlo), plus whatever the producer adds.  ``df.attrs["pfmap"]`` carries how
the table was obtained; it travels in Parquet and JSON.

Formats (:data:`FORMATS`): Markdown and LaTeX are for people: floats print
with the shortest text that reads back as the same double (``0.04878``,
``4``), and Markdown leaves out the columns a producer left empty.  CSV,
JSON and Parquet are for programs: every column, floats in full precision
(the shortest round-trip text, or binary).  :class:`TextFormat` lays out the
rows of the text formats, for whole tables here and for the batched writer
of the sampled engine, which streams rows too many to hold as text at once.
pandas is imported only by the functions that need it.

(Over 400 lines, for one concept: the table and its formats.  The text
layouts must stay next to the formatter, since the sampled engine's batched
writer reproduces its bytes; they could move to a ``pfmap/table_text.py``.)
"""

from __future__ import annotations

import json
import math
import os
from fractions import Fraction  # noqa: F401  (doctests)
from pathlib import Path

import numpy as np

from .errors import PfmapError

FORMATS = ("md", "csv", "latex", "json", "parquet")
TEXT_FORMATS = ("md", "csv", "latex", "json")
EXTENSIONS = {".md": "md", ".markdown": "md", ".csv": "csv", ".tex": "latex", ".latex": "latex",
              ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
FIRST_COLUMNS = ["function", "probability", "exact", "error", "count", "ci_low", "ci_high"]
_ALIASES = {"markdown": "md", "tex": "latex", "pq": "parquet"}


def sort_table(df):
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


def table_format(path: str | os.PathLike | None, fmt: str | None, *, parameter: str = "path") -> str:
    """The output format: ``fmt`` when given, else from the extension of ``path``, else Markdown.

    Parameters
    ----------
    path : str, os.PathLike or None
        The file to write, if any.
    fmt : str or None
        One of :data:`FORMATS` (``markdown``, ``tex`` and ``pq`` are accepted too).
    parameter : str
        The caller's name for ``path``, for messages.

    Returns
    -------
    str

    Raises
    ------
    PfmapError
        For an unknown ``fmt``, or a ``path`` whose extension names no format (it is never guessed).

    Examples
    --------
    >>> table_format("out.csv", None), table_format(None, None), table_format("x.txt", "json")
    ('csv', 'md', 'json')
    >>> table_format("x.txt", None)
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: cannot tell the format of path='x.txt' from its extension; name it .md, .csv, .tex, .json or .parquet, or pass format=
    """
    if fmt is not None:
        key = _ALIASES.get(str(fmt).strip().lower(), str(fmt).strip().lower())
        if key not in FORMATS:
            raise PfmapError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return key
    if path is not None:
        key = EXTENSIONS.get(Path(path).suffix.lower())
        if key is None:
            raise PfmapError(f"cannot tell the format of {parameter}={str(path)!r} from its extension; name it .md, "
                             f".csv, .tex, .json or .parquet, or pass format=")
        return key
    return "md"


def float_text(value: float, *, human: bool = True) -> str:
    """The shortest text that reads back as the same double; ``""`` for NaN.

    ``human`` drops a trailing ``.0`` (``4`` rather than ``4.0``), as Markdown
    and LaTeX print it; CSV and JSON keep Python's ``repr``.

    Parameters
    ----------
    value : float
    human : bool
        Drop a trailing ``.0``.

    Returns
    -------
    str

    Examples
    --------
    >>> float_text(0.04878), float_text(4.0), float_text(4.0, human=False), float_text(float("nan"))
    ('0.04878', '4', '4.0', '')
    """
    value = float(value)
    if math.isnan(value):
        return ""
    text = repr(value)
    return text[:-2] if human and text.endswith(".0") else text


def cell_text(value, *, human: bool = True) -> str:
    """The text of one table cell: floats by :func:`float_text`, exact values as ``13/48``, lists joined, None empty.

    Parameters
    ----------
    value : object
        A cell.
    human : bool
        As for :func:`float_text`.

    Returns
    -------
    str

    Examples
    --------
    >>> cell_text(Fraction(13, 48)), cell_text(None), cell_text([1, 2]), cell_text(np.float64(0.1))
    ('13/48', '', '1; 2', '0.1')
    """
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return float_text(value, human=human)
    if isinstance(value, (list, tuple)):
        return "; ".join(cell_text(v, human=human) for v in value)
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return str(value)


def json_value(value):
    """A cell as a JSON value: numbers stay numbers (NaN becomes null), exact values and the rest become text.

    Parameters
    ----------
    value : object
        A cell.

    Returns
    -------
    int, float, str, bool or None

    Examples
    --------
    >>> json_value(np.int64(3)), json_value(float("nan")), json_value(Fraction(1, 3)), json_value(True)
    (3, None, '1/3', True)
    """
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        return value
    return cell_text(value, human=False) or None


class TextFormat:
    """How one text format lays out a table: a header, one line (or block) per row, a footer.

    Parameters
    ----------
    fmt : str
        ``"md"``, ``"csv"``, ``"latex"`` or ``"json"``.
    columns : list of str
        The column names, in order.
    widths : list of int, optional
        Markdown only: the widest cell of each column (the header is padded too).
    metadata : dict, optional
        JSON only: the table's ``attrs["pfmap"]``.

    Examples
    --------
    >>> f = TextFormat("csv", ["function", "probability"])
    >>> f.header() + f.row(["0001", 0.1]) + f.footer()
    'function,probability\\n0001,0.1\\n'
    """

    def __init__(self, fmt: str, columns, *, widths=None, metadata: dict | None = None):
        if fmt not in TEXT_FORMATS:
            raise PfmapError(f"{fmt} is not a text format; use one of {', '.join(TEXT_FORMATS)}")
        self.fmt, self.columns = fmt, [str(c) for c in columns]
        self.human = fmt in ("md", "latex")
        if fmt == "md":
            widths = widths or [0] * len(self.columns)
            self.widths = [max(len(c) + 2, int(w)) for c, w in zip(self.columns, widths)]
        self.metadata = metadata or {}
        self.separator = ",\n" if fmt == "json" else ""  # between rows (JSON's array)

    def texts(self, values) -> list[str]:
        """The cells of a row as text (CSV quoted where needed, LaTeX escaped)."""
        texts = [cell_text(v, human=self.human) for v in values]
        if self.fmt == "csv":
            return [_csv_quote(t) for t in texts]
        if self.fmt == "latex":
            return [latex_escape(t) for t in texts]
        return texts

    def header(self, empty: bool = False) -> str:
        """Everything before the first row (``empty``: the table has no rows)."""
        if self.fmt == "csv":
            return ",".join(_csv_quote(c) for c in self.columns) + "\n"
        if self.fmt == "md":
            rule = "|".join(("-" * (w + 2)) if empty else (":" + "-" * (w + 1)) for w in self.widths)
            return self._md_line(self.columns) + "|" + rule + "|\n"
        if self.fmt == "latex":
            return ("\\begin{tabular}{" + "l" * len(self.columns) + "}\n\\hline\n"
                    + " & ".join(latex_escape(c) for c in self.columns) + " \\\\\n\\hline\n")
        text = json.dumps({"metadata": jsonable(self.metadata), "rows": []}, indent=1)
        return text[: text.rindex("[]") + 1] + ("" if empty else "\n")

    def row(self, values) -> str:
        """One row's text (JSON: without the separator between rows)."""
        if self.fmt == "json":
            obj = {c: json_value(v) for c, v in zip(self.columns, values)}
            return "\n".join("  " + line for line in json.dumps(obj, indent=1).splitlines())
        texts = self.texts(values)
        if self.fmt == "csv":
            return ",".join(texts) + "\n"
        if self.fmt == "md":
            return self._md_line(texts)
        return " & ".join(texts) + " \\\\\n"

    def footer(self, empty: bool = False) -> str:
        """Everything after the last row."""
        if self.fmt == "latex":
            return "\\hline\n\\end{tabular}\n"
        if self.fmt == "json":
            return "]\n}\n" if empty else "\n ]\n}\n"
        return ""

    def _md_line(self, texts) -> str:
        return "| " + " | ".join(t.ljust(w) for t, w in zip(texts, self.widths)) + " |\n"


def _csv_quote(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in a cell.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> latex_escape("n_conditions & 50%")
    'n\\\\_conditions \\\\& 50\\\\%'
    """
    for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&"), ("#", r"\#"),
                 ("{", r"\{"), ("}", r"\}"), ("^", r"\^{}"), ("~", r"\~{}"), ("$", r"\$")):
        text = text.replace(a, b)
    return text


def format_table(df, fmt: str = "md") -> str:
    """Render a table as Markdown, CSV, LaTeX or JSON text.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    fmt : str
        ``"md"``, ``"csv"``, ``"latex"`` or ``"json"``.

    Returns
    -------
    str

    Raises
    ------
    PfmapError
        For an unknown format, or Parquet (binary: write it to a file).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"function": ["0001"], "probability": [1 / 48], "exact": [Fraction(1, 48)],
    ...                    "error": [float("nan")]})
    >>> print(format_table(df, "csv").strip())
    function,probability,exact,error
    0001,0.020833333333333332,1/48,
    >>> print(format_table(df, "md").strip())      # shortest round-trip floats; the empty column is left out
    | function   | probability          | exact   |
    |:-----------|:---------------------|:--------|
    | 0001       | 0.020833333333333332 | 1/48    |
    """
    fmt = table_format(None, fmt)
    if fmt == "parquet":
        raise PfmapError("parquet is a binary format: write it to a file (path=FILE.parquet)")
    if fmt == "csv":  # pandas writes the same text as TextFormat("csv"), faster
        text = df.copy()
        for col in text.columns:
            if text[col].dtype == object:
                text[col] = text[col].map(lambda v: cell_text(v, human=False))
        return text.to_csv(index=False, lineterminator="\n")
    columns = list(df.columns)
    rows = list(df.itertuples(index=False, name=None))
    if fmt == "md":
        cells = [[cell_text(v) for v in row] for row in rows]
        keep = [j for j in range(len(columns)) if not rows or any(r[j] != "" for r in cells)]
        columns = [columns[j] for j in keep]
        rows = [[r[j] for j in keep] for r in cells]
        widths = [max([len(str(columns[i]))] + [len(r[i]) for r in rows]) for i in range(len(columns))]
        layout = TextFormat(fmt, columns, widths=widths)
    else:
        layout = TextFormat(fmt, columns, metadata=df.attrs.get("pfmap", {}))
    body = layout.separator.join(layout.row(row) for row in rows)
    return layout.header(empty=not rows) + body + layout.footer(empty=not rows)


def jsonable(obj):
    """``obj`` with numpy scalars and other objects turned into JSON types (metadata of a table).

    Parameters
    ----------
    obj : object
        Nested dicts, lists and scalars.

    Returns
    -------
    object

    Examples
    --------
    >>> jsonable({"n": np.int64(3), "p": (Fraction(1, 2),)})
    {'n': 3, 'p': ['1/2']}
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def write_table(df, path: str | os.PathLike | None = None, fmt: str | None = None) -> str | None:
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


def read_table(path: str | os.PathLike, top: int | None = None, *, columns=None, functions: str = "strings"):
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


def check_volume_table(df, source, *, probabilities: bool = False) -> None:
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


def exact_text(value) -> str:
    """Text of an exact value for a table cell: ``13/48``, a sympy expression, or ``""``.

    Parameters
    ----------
    value : object
        A Fraction, a sympy expression or None.

    Returns
    -------
    str

    Examples
    --------
    >>> exact_text(Fraction(13, 48)), exact_text(None)
    ('13/48', '')
    """
    if value is None:
        return ""
    return str(value)
