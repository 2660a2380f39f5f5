"""The formats of volume tables and their text layouts: Markdown, plain text, CSV, LaTeX and JSON.

:data:`FORMATS` names the six file formats and :func:`table_format` picks one from a
format name or a file's extension.  Markdown, plain text (aligned columns, ``.txt``) and
LaTeX are for people: floats print with the shortest text that reads back as the same
double (``0.04878``, ``4``), and Markdown and text leave out the columns a producer left empty.  CSV and JSON are for programs:
every column, floats in full precision (the shortest round-trip text).  :class:`TextFormat`
lays out the rows of the text formats, for whole tables (:func:`format_table`) and for
the batched writer of the sampled engine, which streams rows too many to hold as text at
once and must reproduce these bytes.  Reading and writing files is :mod:`pfmap.tables`.
pandas is imported only by the functions that need it.
"""

from __future__ import annotations

import json
import math
import os
import sys
from fractions import Fraction  # noqa: F401  (doctests)
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import PfmapError

if TYPE_CHECKING:  # pandas is imported by the functions that need it, not with this module
    import pandas as pd

FORMATS = ("md", "text", "csv", "latex", "json", "parquet")
TEXT_FORMATS = ("md", "text", "csv", "latex", "json")
HUMAN_FORMATS = ("md", "text", "latex")   # shortest floats
ALIGNED_FORMATS = ("md", "text")          # padded columns (widths from the cells), empty columns hidden
EXTENSIONS = {".md": "md", ".markdown": "md", ".txt": "text", ".csv": "csv", ".tex": "latex", ".latex": "latex",
              ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
_ALIASES = {"markdown": "md", "txt": "text", "tex": "latex", "pq": "parquet"}


def table_format(path: str | os.PathLike | None, fmt: str | None, *, parameter: str = "path") -> str:
    """The output format: ``fmt`` when given, else from the extension of ``path``, else Markdown.

    Parameters
    ----------
    path : str, os.PathLike or None
        The file to write, if any.
    fmt : str or None
        One of :data:`FORMATS` (``markdown``, ``txt``, ``tex`` and ``pq`` are accepted too).
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
    >>> table_format("out.csv", None), table_format(None, None), table_format("x.txt", None), table_format("x", "json")
    ('csv', 'md', 'text', 'json')
    >>> table_format("x.dat", None)
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: cannot tell the format of path='x.dat' from its extension; name it .md, .txt, .csv, .tex, .json or .parquet, or pass fmt=
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
                             f".txt, .csv, .tex, .json or .parquet, or pass fmt=")
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


def cell_text(value: object, *, human: bool = True) -> str:
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
    pd = sys.modules.get("pandas")      # a value can only be pandas' NA if pandas is loaded: never import it here
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return ""
    return str(value)


def json_value(value: object) -> int | float | str | bool | None:
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
        self.human = fmt in HUMAN_FORMATS
        if fmt in ALIGNED_FORMATS:
            widths = widths or [0] * len(self.columns)
            pad = 2 if fmt == "md" else 0
            self.widths = [max(len(c) + pad, int(w)) for c, w in zip(self.columns, widths)]
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
        if self.fmt == "text":
            return self._text_line(self.columns) + "  ".join("-" * w for w in self.widths) + "\n"
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
        if self.fmt == "text":
            return self._text_line(texts)
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

    def _text_line(self, texts) -> str:
        return "  ".join(t.ljust(w) for t, w in zip(texts, self.widths)).rstrip() + "\n"


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


def format_table(df: pd.DataFrame, fmt: str = "md") -> str:
    """Render a table as Markdown, plain text, CSV, LaTeX or JSON text.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    fmt : str
        ``"md"``, ``"text"``, ``"csv"``, ``"latex"`` or ``"json"``.

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
    >>> print(format_table(df, "text").strip())     # aligned columns, for a terminal or a .txt file
    function  probability           exact
    --------  --------------------  -----
    0001      0.020833333333333332  1/48
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
    if fmt in ALIGNED_FORMATS:
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


def jsonable(obj: object) -> object:
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


def exact_text(value: object) -> str:
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
