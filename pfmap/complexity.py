"""Complexity measures of truth tables, vectorised over whole volume tables.

Every measure takes one truth-table string (and returns a float) or a
sequence of them (and returns a numpy array); :func:`complexity_table` and
:func:`add_complexity_columns` compute them all for a volume table.  A truth
table follows :mod:`pfmap.truthtable`: character ``j`` is the output on input
``j`` of ``{0,1}^n`` in MSB-first order, so ``"0001"`` is AND.  The
measures are defined in :mod:`pfmap.complexity_sequences` and
:mod:`pfmap.complexity_cube` (and :mod:`pfmap.formula_size`); this module
holds the table dispatch and re-exports every one of them.

*Sequence measures* work for any length (e.g. labelings of image sets):
``k_lz``, ``entropy``, ``compressed_length``.  *Cube measures* need length
``2**n`` and read the string as a function on ``{0,1}^n``; for other lengths
they are NaN: ``critical_sample_ratio``, ``average_sensitivity``,
``fourier_l1``; the two-level formula sizes ``sop_literals``, ``sop_terms``,
``pos_literals``, ``pos_terms``, ``boolean_complexity`` (exact for
``n <= 4``, a heuristic upper bound for ``5 <= n <= 10`` with
``formula_heuristic`` True, NaN beyond; see :mod:`pfmap.formula`); and the
exact minimal formula sizes ``formula_andor`` and ``formula_andorxor`` (the
least number of AND/OR, or AND/OR/XOR, gates in a formula over the literals;
exact, for ``n <= 4`` only, see :mod:`pfmap.formula_size`).

Lengths a measure does not cover.  In a table (:func:`complexity_table`,
:func:`add_complexity_columns`) a cube measure is NaN for rows whose length
is not ``2**n``, and ``formula_andor``/``formula_andorxor`` are NaN for
``n >= 5``; but naming ``formula_andor`` or ``formula_andorxor`` explicitly
in ``measures`` for a table where *no* row has ``n <= 4`` is refused with one
line (the measure does not exist there), as :func:`pfmap.formula_size.formula_sizes`
refuses ``n >= 5``.  :data:`MEASURE_NOTES` says, per measure, whether its
values are exact.

References
----------
A. Lempel, J. Ziv, "On the complexity of finite sequences", IEEE Trans. Inf.
Theory 22 (1976); F. Kaspar, H. G. Schuster, "Easily calculable measure for
the complexity of spatiotemporal patterns", Phys. Rev. A 36 (1987);
K. Dingle, C. Q. Camargo, A. A. Louis, "Input-output maps are strongly biased
towards simple outputs", Nat. Commun. 9 (2018); G. Valle-Pérez, C. Q.
Camargo, A. A. Louis, "Deep learning generalizes because the
parameter-function map is biased towards simple functions", ICLR 2019;
D. Arpit et al., "A closer look at memorization in deep networks", ICML 2017
(critical sample ratio); R. O'Donnell, *Analysis of Boolean Functions* (2014).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .complexity_cube import (CUBE_MEASURES, FORMULA_MEASURES, average_sensitivity,  # noqa: F401 (re-exported)
                              critical_sample_ratio, cube_dimension, formula_size, fourier_l1, walsh_hadamard)
from .complexity_sequences import (COMPRESSORS, SEQUENCE_MEASURES, as_bit_matrix,  # noqa: F401 (re-exported)
                                   binary_entropy, compressed_length, k_lz, lz76_phrase_count, one_or_many)
from .errors import PfmapError
from .formula import HEURISTIC_MAX_N, sop_literals_terms  # noqa: F401 (importable from here as before)
from .formula_size import FORMULA_SIZE_MAX_N, FORMULA_SIZE_MEASURES, formula_size_columns

MEASURES = SEQUENCE_MEASURES + CUBE_MEASURES
#: Per measure: what its values are (exact, heuristic, any length or the cube only).
MEASURE_NOTES = {
    "k_lz": "exact; any length", "entropy": "exact; any length",
    "compressed_length": "exact for the compressor; any length",
    **{m: "exact for n <= 4, heuristic upper bound for 5 <= n <= 10 (formula_heuristic), NaN beyond"
       for m in FORMULA_MEASURES},
    "critical_sample_ratio": "exact; length 2**n", "average_sensitivity": "exact; length 2**n",
    "fourier_l1": "exact; length 2**n",
    **{m: f"exact minimum for n <= {FORMULA_SIZE_MAX_N}; NaN in a table for n >= {FORMULA_SIZE_MAX_N + 1}"
       for m in FORMULA_SIZE_MEASURES},
}


# ---------------------------------------------------------------------------
# whole tables


def complexity_table(functions: str | Sequence[str], measures: Sequence[str] | None = None,
                     compression: str = "zlib") -> pd.DataFrame:
    """One row per truth table, one column per measure (all of :data:`MEASURES` by default).

    Tables of different lengths may be mixed; cube measures are NaN for
    lengths that are not a power of two, and the exact formula sizes NaN for
    ``n >= 5`` (see the module docstring for when they are refused instead).

    Parameters
    ----------
    functions : str or sequence of str
        Truth-table strings.
    measures : sequence of str, optional
        Names from :data:`MEASURES` (default: all).
    compression : {"zlib", "lzma"}
        The compressor of ``compressed_length``.

    Returns
    -------
    pandas.DataFrame
        ``function``, then one float column per measure; ``formula_heuristic`` (nullable boolean) when a
        two-level formula measure is asked for.

    Raises
    ------
    PfmapError
        For an unknown measure or compressor, a table string that is not 0s and 1s, or
        ``formula_andor``/``formula_andorxor`` named in ``measures`` when no function has ``n <= 4`` inputs.

    Examples
    --------
    >>> df = complexity_table(["0001", "0110"], measures=["k_lz", "average_sensitivity", "formula_andor"])
    >>> df.values.tolist()
    [['0001', 5.0, 1.0, 1.0], ['0110', 6.0, 2.0, 3.0]]
    >>> complexity_table(["0" * 32], measures=["k_lz", "formula_andorxor"])
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: measures: formula_andorxor is exact for functions of n <= 4 inputs only (tables of length 2, 4, 8 or 16); these tables have length 32: leave it out
    """
    return _measure_table(functions, measures, compression, explicit=measures is not None)


def _measure_table(functions, measures, compression, *, explicit):
    functions = [functions] if isinstance(functions, str) else [str(f) for f in functions]
    measures = list(MEASURES if measures is None else measures)
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise PfmapError(f"measures: unknown complexity measure {unknown[0]!r}; choose from {', '.join(MEASURES)}")
    if compression not in COMPRESSORS:
        raise PfmapError(f"compression: unknown compressor {compression!r}; use zlib or lzma")
    lengths = np.array([len(f) for f in functions], dtype=np.int64)
    distinct = np.unique(lengths)
    exact_sizes = [m for m in measures if m in FORMULA_SIZE_MEASURES]
    covered = [int(v) for v in distinct if _formula_size_n(int(v)) is not None]
    if explicit and exact_sizes and functions and not covered:
        shown = ", ".join(str(int(v)) for v in distinct[:3]) + (", ..." if len(distinct) > 3 else "")
        raise PfmapError(f"measures: {exact_sizes[0]} is exact for functions of n <= {FORMULA_SIZE_MAX_N} inputs "
                         f"only (tables of length 2, 4, 8 or 16); these tables have length {shown}: leave it out")
    out = pd.DataFrame({"function": pd.Series(functions, dtype=object)})
    for name in measures:
        out[name] = np.full(len(out), np.nan)
    if any(m in FORMULA_MEASURES for m in measures):
        out["formula_heuristic"] = pd.array([pd.NA] * len(out), dtype="boolean")
    for length in distinct:
        rows = np.flatnonzero(lengths == length)
        group = [functions[i] for i in rows]
        for name, values in _group_measures(group, measures, compression).items():
            out.loc[rows, name] = values
    return out


def _formula_size_n(length: int) -> int | None:
    """``n`` when tables of this length have exact formula sizes (a cube of ``1 <= n <= 4``), else None."""
    n = cube_dimension(length)
    return n if n is not None and n <= FORMULA_SIZE_MAX_N else None


def _group_measures(group, measures, compression):
    bits = as_bit_matrix(group)
    values = {}
    simple = {"k_lz": k_lz, "entropy": binary_entropy, "critical_sample_ratio": critical_sample_ratio,
              "average_sensitivity": average_sensitivity, "fourier_l1": fourier_l1}
    formula = None
    for name in measures:
        if name in simple:
            values[name] = simple[name](bits)
        elif name == "compressed_length":
            values[name] = compressed_length(group, compression)
        elif name in FORMULA_SIZE_MEASURES:
            if _formula_size_n(bits.shape[1]) is not None:
                values.update({k: v.astype(float) for k, v in formula_size_columns(bits).items() if k in measures})
        else:
            if formula is None:
                formula = formula_size(bits)
            values[name] = formula[name].to_numpy()
            values["formula_heuristic"] = formula["formula_heuristic"].to_numpy()
    return values


def add_complexity_columns(df: pd.DataFrame, measures: Sequence[str] | None = None, compression: str = "zlib",
                           *, overwrite: bool = False) -> pd.DataFrame:
    """A copy of a volume table with the measure columns added (the table needs only ``function``).

    Columns already present (e.g. geometry's ``n_conditions``, or a measure
    computed before) are kept unless ``overwrite``.

    Parameters
    ----------
    df : pandas.DataFrame
        A table with a ``function`` column of truth-table strings.
    measures : sequence of str, optional
        Names from :data:`MEASURES` (default: all).
    compression : {"zlib", "lzma"}
        The compressor of ``compressed_length``.
    overwrite : bool
        Recompute columns that are already there.

    Returns
    -------
    pandas.DataFrame
        A copy of ``df`` with the new columns (and its ``attrs``).

    Raises
    ------
    PfmapError
        If ``df`` has no ``function`` column, and as :func:`complexity_table`.

    Examples
    --------
    >>> df = pd.DataFrame({"function": ["0001", "1111"], "probability": [0.1, 0.9]})
    >>> add_complexity_columns(df, ["k_lz", "fourier_l1"]).values.tolist()
    [['0001', 0.1, 5.0, 2.0], ['1111', 0.9, 2.0, 1.0]]
    """
    if "function" not in df.columns:
        raise PfmapError("df: a volume table needs a 'function' column of truth-table strings")
    explicit = measures is not None
    measures = list(MEASURES if measures is None else measures)
    wanted = [m for m in measures if overwrite or m not in df.columns]
    out = df.copy()
    if not wanted:
        return out
    computed = _measure_table(out["function"].astype(str).tolist(), wanted, compression, explicit=explicit)
    for name in computed.columns:
        if name == "function" or (name in out.columns and not overwrite):
            continue
        out[name] = computed[name].to_numpy()
    return out
