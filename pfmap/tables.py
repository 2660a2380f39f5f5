"""Volume tables: one row per function, the shape both engines return.

Columns (DESIGN.md): ``function`` (truth-table string), ``probability``
(float), ``exact`` (Fraction / sympy expression when known), ``error`` (a
bound for numeric geometry) or ``ci_low``, ``ci_high``, ``count`` (Monte
Carlo), plus whatever the producer adds.  ``df.attrs["pfmap"]`` carries how
the table was obtained; it travels in Parquet and JSON.
"""

from __future__ import annotations

import io
import json
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import PfmapError

FORMATS = ("md", "csv", "latex", "json", "parquet")
_EXTENSIONS = {".md": "md", ".markdown": "md", ".csv": "csv", ".tex": "latex", ".latex": "latex",
               ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
FIRST_COLUMNS = ["function", "probability", "exact", "error", "count", "ci_low", "ci_high"]


def sort_table(df: pd.DataFrame) -> pd.DataFrame:
    """Sort by probability (largest first), ties by truth table; put the standard columns first.

    Examples
    --------
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


def table_format(path: str | os.PathLike | None, fmt: str | None) -> str:
    """Choose the output format from ``fmt`` or the file extension (default Markdown).

    Examples
    --------
    >>> table_format("out.csv", None), table_format(None, None), table_format("x.txt", "json")
    ('csv', 'md', 'json')
    """
    if fmt is not None:
        key = str(fmt).lower()
        key = {"markdown": "md", "tex": "latex", "pq": "parquet"}.get(key, key)
        if key not in FORMATS:
            raise PfmapError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return key
    if path is not None:
        return _EXTENSIONS.get(Path(path).suffix.lower(), "csv")
    return "md"


def _text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Columns of exact objects (Fraction, sympy) become text; floats keep full precision."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(_cell_text)
    return out


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell_text(v) for v in value)
    return str(value)


def _float_text(df: pd.DataFrame, digits: int = 17) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else format(v, f".{digits}g"))
    return out


def format_table(df: pd.DataFrame, fmt: str = "md") -> str:
    """Render a table as Markdown, CSV, LaTeX or JSON text.

    Examples
    --------
    >>> df = pd.DataFrame({"function": ["0001"], "probability": [1 / 48], "exact": [Fraction(1, 48)]})
    >>> print(format_table(df, "csv").strip())
    function,probability,exact
    0001,0.020833333333333332,1/48
    """
    fmt = table_format(None, fmt)
    text = _text_frame(df)
    if fmt == "csv":
        buf = io.StringIO()
        text.to_csv(buf, index=False, float_format="%.17g", lineterminator="\n")
        return buf.getvalue()
    if fmt == "md":
        return _float_text(text).to_markdown(index=False, disable_numparse=True) + "\n"
    if fmt == "latex":
        return _latex(_float_text(text))
    if fmt == "json":
        return json.dumps({"metadata": _jsonable(df.attrs.get("pfmap", {})),
                           "rows": json.loads(text.to_json(orient="records", double_precision=15))},
                          indent=1) + "\n"
    raise PfmapError("parquet is a binary format: write it to a file (path=FILE.parquet)")


def _latex(df: pd.DataFrame) -> str:
    def esc(s):
        s = str(s)
        for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&"), ("#", r"\#"),
                     ("{", r"\{"), ("}", r"\}"), ("^", r"\^{}"), ("~", r"\~{}"), ("$", r"\$")):
            s = s.replace(a, b)
        return s
    lines = [r"\begin{tabular}{" + "l" * len(df.columns) + "}", r"\hline",
             " & ".join(esc(c) for c in df.columns) + r" \\", r"\hline"]
    for row in df.itertuples(index=False):
        lines.append(" & ".join(esc(v) for v in row) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


def write_table(df: pd.DataFrame, path: str | os.PathLike | None = None, fmt: str | None = None) -> str | None:
    """Write a table to ``path`` (atomically) or return it as text when ``path`` is None.

    Examples
    --------
    >>> import tempfile, os
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


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = df.copy()
    for col in text.columns:
        if text[col].dtype == object:
            text[col] = text[col].map(_cell_text)
    table = pa.Table.from_pandas(text, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta.update(parquet_metadata(df.attrs.get("pfmap", {})))
    pq.write_table(table.replace_schema_metadata(meta), path)


def parquet_metadata(attrs: dict) -> dict:
    """The Parquet schema metadata that carries a table's ``attrs["pfmap"]`` (read back by :func:`read_table`)."""
    return {b"pfmap": json.dumps(_jsonable(attrs)).encode()}


def _read_parquet(path: Path, top: int | None):
    """A Parquet table with its pfmap metadata; ``top``: only the first ``top`` rows, read batch by batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if top is None:
        table = pq.read_table(path)
    else:
        handle = pq.ParquetFile(path)
        batches, rows = [], 0
        for batch in handle.iter_batches(batch_size=max(1, min(top, 1 << 16))):
            if rows >= top:
                break
            batches.append(batch.slice(0, top - rows))
            rows += len(batches[-1])
        table = pa.Table.from_batches(batches, schema=handle.schema_arrow)
    df = table.to_pandas()
    raw = (table.schema.metadata or {}).get(b"pfmap")
    if raw:
        df.attrs["pfmap"] = json.loads(raw)
    return df


def read_table(path: str | os.PathLike, top: int | None = None) -> pd.DataFrame:
    """Read a table written by pfmap (CSV, Parquet or JSON); ``function`` stays a string.

    ``top`` (Parquet only): the first ``top`` rows, without reading the rest.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> write_table(pd.DataFrame({"function": ["0001"], "probability": [0.5]}), p)
    >>> read_table(p)["function"].tolist()
    ['0001']
    """
    path = Path(path)
    if not path.is_file():
        raise PfmapError(f"no such table file: {path}")
    fmt = table_format(path, None)
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 0:
            raise PfmapError(f"top must be a whole number >= 0; got {top!r}")
        if fmt != "parquet":
            raise PfmapError(f"reading the first rows only works for Parquet tables; {path} is {fmt}")
    try:
        if fmt == "parquet":
            df = _read_parquet(path, None if top is None else int(top))
        elif fmt == "json":
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = data["rows"] if isinstance(data, dict) else data
            df = pd.DataFrame(rows, dtype=object if not rows else None)
            if isinstance(data, dict):
                df.attrs["pfmap"] = data.get("metadata", {})
        elif fmt == "csv":
            df = pd.read_csv(path, dtype={"function": str, "exact": str, "conditions": str},
                             keep_default_na=False, na_values=[""])
        else:
            raise PfmapError(f"cannot read {fmt} tables; give a .csv, .parquet or .json file")
    except PfmapError:
        raise
    except Exception as exc:  # malformed file of any kind: one line, not a traceback
        raise PfmapError(f"cannot read table {path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    if "function" not in df.columns:
        raise PfmapError(f"{path} has no 'function' column; a volume table needs truth-table strings there")
    df["function"] = df["function"].astype(str)
    bad = ~df["function"].str.fullmatch(r"[01]+")
    if bad.any():
        raise PfmapError(f"{path}: 'function' must hold truth-table strings of 0s and 1s; row {int(np.argmax(bad.values))} "
                         f"has {df['function'][bad].iloc[0]!r}")
    return df


def exact_text(value) -> str:
    """Text of an exact value for a table cell: ``13/48``, a sympy expression, or ``""``.

    Examples
    --------
    >>> exact_text(Fraction(13, 48)), exact_text(None)
    ('13/48', '')
    """
    if value is None:
        return ""
    return str(value)
