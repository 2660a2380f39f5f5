"""Complexity measures of truth tables, vectorised over whole volume tables.

Every measure takes one truth-table string (and returns a float) or a
sequence of them (and returns a numpy array); :func:`complexity_table` and
:func:`add_complexity_columns` compute them all for a volume table.  A truth
table follows :mod:`pfmap.truthtable`: character ``j`` is the output on input
``j`` of ``{0,1}^n`` in MSB-first order, so ``"0001"`` is AND.

*Sequence measures* work for any length (e.g. labelings of image sets):
``k_lz``, ``entropy``, ``compressed_length``.  *Cube measures* need length
``2**n`` and read the string as a function on ``{0,1}^n``; for other lengths
they are NaN: ``critical_sample_ratio``, ``average_sensitivity``,
``fourier_l1``, and the formula sizes ``sop_literals``, ``sop_terms``,
``pos_literals``, ``pos_terms``, ``boolean_complexity`` (exact for
``n <= 4``, a heuristic upper bound for ``5 <= n <= 10`` with
``formula_heuristic`` True, NaN beyond; see :mod:`pfmap.formula`).

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

import lzma
import math
import zlib

import numba
import numpy as np
import pandas as pd

from .errors import PfmapError
from .formula import HEURISTIC_MAX_N, sop_literals_terms

SEQUENCE_MEASURES = ("k_lz", "entropy", "compressed_length")
FORMULA_MEASURES = ("sop_literals", "sop_terms", "pos_literals", "pos_terms", "boolean_complexity")
CUBE_MEASURES = FORMULA_MEASURES + ("critical_sample_ratio", "average_sensitivity", "fourier_l1")
MEASURES = SEQUENCE_MEASURES + CUBE_MEASURES
COMPRESSORS = ("zlib", "lzma")
_CHUNK_ROWS = 1 << 15  # keeps the (rows x 2**n) work arrays at a few tens of MB


def as_bit_matrix(functions) -> np.ndarray:
    """An ``(N, m)`` uint8 array of outputs from truth-table strings of one length (or a 0/1 array).

    Examples
    --------
    >>> as_bit_matrix(["0001", "0111"]).tolist()
    [[0, 0, 0, 1], [0, 1, 1, 1]]
    """
    if isinstance(functions, str):
        functions = [functions]
    if isinstance(functions, np.ndarray) and functions.dtype != object and functions.dtype.kind in "biu":
        bits = np.atleast_2d(functions)
        if bits.size and (bits.min() < 0 or bits.max() > 1):
            raise PfmapError("a bit array of truth tables must hold only 0s and 1s")
        return np.ascontiguousarray(bits, dtype=np.uint8)
    tables = [str(t) for t in functions]
    if not tables:
        return np.zeros((0, 0), dtype=np.uint8)
    m = len(tables[0])
    if m == 0 or any(len(t) != m for t in tables):
        raise PfmapError("truth tables passed together must be non-empty and of one length; "
                         "use complexity_table() for a table with several lengths")
    raw = np.frombuffer("".join(tables).encode("ascii", "replace"), dtype=np.uint8).reshape(len(tables), m)
    bits = raw - np.uint8(ord("0"))
    if bits.max() > 1:
        bad = tables[int(np.argmax((bits > 1).any(axis=1)))]
        raise PfmapError(f"a truth table is a string of 0s and 1s; got {bad!r}")
    return bits


def _finish(values, functions):
    return float(values[0]) if isinstance(functions, str) else values


def cube_dimension(length: int) -> int | None:
    """``n`` when ``length == 2**n`` (a function on the cube), else None.

    Examples
    --------
    >>> cube_dimension(128), cube_dimension(100)
    (7, None)
    """
    length = int(length)
    if length < 2 or length & (length - 1):
        return None
    return length.bit_length() - 1


# ---------------------------------------------------------------------------
# Lempel-Ziv (LZ76) complexity


@numba.njit(cache=True)
def _phrase_count(row, reverse):
    """LZ76 exhaustive-history phrase count of ``row`` (read backwards when ``reverse``)."""
    m = row.shape[0]
    s = row[::-1] if reverse else row
    phrases = 0
    start = 0
    while start < m:
        # longest copy of s[start:] from an earlier start (the copy may run into the phrase itself)
        longest = 0
        for source in range(start):
            k = 0
            while start + k < m and s[source + k] == s[start + k]:
                k += 1
            if k > longest:
                longest = k
                if start + k == m:
                    break
        phrases += 1
        start += longest + 1  # the copied part plus one innovative symbol (past the end: stop)
    return phrases


@numba.njit(cache=True, parallel=True)
def _phrase_counts(bits):
    out = np.empty((bits.shape[0], 2), dtype=np.int64)
    for r in numba.prange(bits.shape[0]):
        out[r, 0] = _phrase_count(bits[r], False)
        out[r, 1] = _phrase_count(bits[r], True)
    return out


def lz76_phrase_count(functions):
    """Lempel-Ziv (1976) complexity ``c(s)``: the number of phrases in the exhaustive parsing.

    The string is cut left to right into phrases; each phrase is the longest
    prefix of the rest that can be copied from a start position earlier in
    the string (the copy may overlap the phrase itself), plus one new symbol;
    the last phrase may end without one.  This is the count the Kaspar-Schuster
    (1987) algorithm computes.

    Examples
    --------
    >>> lz76_phrase_count("0001101001000101")   # 0 . 001 . 10 . 100 . 1000 . 101
    6.0
    >>> lz76_phrase_count(["01" * 64, "0" * 128]).tolist()
    [3, 2]

    References
    ----------
    Lempel & Ziv (1976); Kaspar & Schuster (1987).
    """
    bits = as_bit_matrix(functions)
    return _finish(_phrase_counts(bits)[:, 0], functions)


def k_lz(functions):
    """K_LZ of Dingle et al. (2018) and Valle-Pérez et al. (2019), in bits.

    ``K(s) = log2(N) * (c(s) + c(reverse(s))) / 2`` with ``c`` the LZ76 phrase
    count (:func:`lz76_phrase_count`) and ``N = len(s)``; ``K(s) = log2(N)``
    when ``s`` is constant.  Any length.

    Examples
    --------
    >>> k_lz("0" * 128), k_lz("01" * 64), k_lz("0001" * 32), k_lz("0011" * 32)
    (7.0, 21.0, 24.5, 28.0)

    References
    ----------
    Dingle, Camargo & Louis (2018), Methods; Valle-Pérez, Camargo & Louis (2019), App. E.
    """
    bits = as_bit_matrix(functions)
    m = bits.shape[1]
    counts = _phrase_counts(bits).astype(np.float64)
    log_m = math.log2(m) if m else 0.0
    values = log_m * counts.sum(axis=1) / 2.0
    constant = (bits.min(axis=1) == bits.max(axis=1)) if m else np.ones(len(bits), bool)
    values[constant] = log_m
    return _finish(values, functions)


# ---------------------------------------------------------------------------
# simple sequence measures


def binary_entropy(functions):
    """Binary entropy ``H(p) = -p log2 p - (1-p) log2 (1-p)`` of the fraction ``p`` of ones, in bits.

    Examples
    --------
    >>> binary_entropy("0001"), binary_entropy("0110"), binary_entropy("1111")
    (0.8112781244591328, 1.0, 0.0)
    """
    bits = as_bit_matrix(functions)
    p = bits.mean(axis=1) if bits.shape[1] else np.zeros(len(bits))
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return _finish(np.nan_to_num(h, nan=0.0) + 0.0, functions)


def compressed_length(functions, method: str = "zlib"):
    """Bytes of the compressed truth-table string (one ASCII ``0``/``1`` per output).

    ``zlib``: raw DEFLATE stream at level 9 (no zlib header or checksum, which
    would add a constant 6 bytes).  ``lzma``: raw LZMA2 stream, preset 9, with
    a 4 KiB dictionary (the minimum; tables are short).  Any length.

    Examples
    --------
    >>> int(compressed_length("0" * 128)) < int(compressed_length("0110100110010110" * 8))
    True

    References
    ----------
    P. Deutsch, RFC 1951 (DEFLATE); the use of lossless compressors as a
    complexity proxy follows Dingle et al. (2018).
    """
    method = str(method).lower()
    if method not in COMPRESSORS:
        raise PfmapError(f"unknown compressor {method!r}; use zlib or lzma")
    if isinstance(functions, str):
        tables = [functions]
    elif isinstance(functions, np.ndarray) and functions.dtype.kind in "biu":
        tables = ["".join("01"[b] for b in row) for row in as_bit_matrix(functions)]
    else:
        tables = [str(t) for t in functions]
    if method == "zlib":
        def size(data):
            engine = zlib.compressobj(9, zlib.DEFLATED, -15)
            return len(engine.compress(data)) + len(engine.flush())
    else:
        filters = [{"id": lzma.FILTER_LZMA2, "preset": 9, "dict_size": 4096}]

        def size(data):
            return len(lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters))
    values = np.fromiter((size(t.encode("ascii")) for t in tables), dtype=np.float64, count=len(tables))
    return _finish(values, functions)


# ---------------------------------------------------------------------------
# measures of a function on {0,1}^n


def _cube_bits(functions):
    bits = as_bit_matrix(functions)
    return bits, cube_dimension(bits.shape[1]) if bits.size else None


@numba.njit(cache=True, parallel=True)
def _sensitivity_kernel(bits, n):
    """Per row: total sensitive (input, coordinate) pairs and the number of critical inputs."""
    m = 1 << n
    out = np.zeros((bits.shape[0], 2), dtype=np.int64)
    for r in numba.prange(bits.shape[0]):
        pairs = 0
        critical = 0
        for j in range(m):
            sensitive = 0
            for i in range(n):
                if bits[r, j] != bits[r, j ^ (1 << i)]:
                    sensitive += 1
            pairs += sensitive
            if sensitive:
                critical += 1
        out[r, 0] = pairs
        out[r, 1] = critical
    return out


@numba.njit(cache=True, parallel=True)
def _walsh_hadamard_kernel(bits, n):
    m = 1 << n
    out = np.empty((bits.shape[0], m), dtype=np.int64)
    for r in numba.prange(bits.shape[0]):
        for j in range(m):
            out[r, j] = 1 - 2 * np.int64(bits[r, j])
        half = 1
        while half < m:  # in-place butterflies, one input coordinate per pass
            for block in range(0, m, 2 * half):
                for j in range(block, block + half):
                    a = out[r, j]
                    b = out[r, j + half]
                    out[r, j] = a + b
                    out[r, j + half] = a - b
            half *= 2
    return out


def average_sensitivity(functions):
    """Average sensitivity (total influence): the expected number of sensitive coordinates, in ``[0, n]``.

    ``AS(f) = 2**-n * sum_x #{i : f(x) != f(x xor e_i)}``.  NaN unless the
    length is ``2**n``.

    Examples
    --------
    >>> average_sensitivity("0110"), average_sensitivity("0001"), average_sensitivity("0011")
    (2.0, 1.0, 1.0)

    References
    ----------
    O'Donnell (2014), Def. 2.27 (total influence).
    """
    bits, n = _cube_bits(functions)
    if n is None:
        return _finish(np.full(len(bits), np.nan), functions)
    return _finish(_sensitivity_kernel(bits, n)[:, 0] / (1 << n), functions)


def critical_sample_ratio(functions):
    """Critical sample ratio for Boolean functions: the fraction of inputs with a Hamming neighbour of different output.

    An input ``x`` is critical when flipping some single bit changes ``f``;
    CSR is the number of critical inputs over ``2**n``, in ``[0, 1]``.  This is
    the Boolean version Valle-Pérez et al. (2019) use of the CSR of Arpit et
    al. (2017).  NaN unless the length is ``2**n``.

    Examples
    --------
    >>> critical_sample_ratio("0001"), critical_sample_ratio("0110"), critical_sample_ratio("1111")
    (0.75, 1.0, 0.0)

    References
    ----------
    Arpit et al. (2017); Valle-Pérez, Camargo & Louis (2019).
    """
    bits, n = _cube_bits(functions)
    if n is None:
        return _finish(np.full(len(bits), np.nan), functions)
    return _finish(_sensitivity_kernel(bits, n)[:, 1] / (1 << n), functions)


def walsh_hadamard(bits: np.ndarray, n: int) -> np.ndarray:
    """Unnormalised Walsh-Hadamard transform of the ±1 form ``F = (-1)**f`` of each row.

    Entry ``S`` (a subset of inputs as an index in MSB-first order) is
    ``sum_x F(x) (-1)**(x . S)``; dividing by ``2**n`` gives the Fourier
    coefficient.  Integer arithmetic, exact.

    Examples
    --------
    >>> walsh_hadamard(np.array([[0, 0, 0, 1]], dtype=np.uint8), 2).tolist()
    [[2, 2, 2, -2]]
    """
    bits = np.ascontiguousarray(np.atleast_2d(bits), dtype=np.uint8)
    return _walsh_hadamard_kernel(bits, n)


def fourier_l1(functions):
    """Fourier L1 norm ``sum_S |hat F(S)|`` of ``F = (-1)**f`` on ``{0,1}^n``, ``hat F(S) = 2**-n sum_x F(x) chi_S(x)``.

    With this normalisation Parseval gives ``sum_S hat F(S)**2 = 1``, so the
    norm is ``>= 1`` (equality exactly for constants, dictators and parities)
    and at most ``2**(n/2)``.  The value is a dyadic rational, exact in
    floating point.  NaN unless the length is ``2**n``.

    Examples
    --------
    >>> fourier_l1("0110"), fourier_l1("0001"), fourier_l1("0000")
    (1.0, 2.0, 1.0)

    References
    ----------
    O'Donnell (2014), ch. 1 and 3.2 (spectral norm); Valle-Pérez et al. (2019).
    """
    bits, n = _cube_bits(functions)
    if n is None:
        return _finish(np.full(len(bits), np.nan), functions)
    out = np.empty(len(bits))
    for lo in range(0, len(bits), _CHUNK_ROWS):
        coefficients = _walsh_hadamard_kernel(bits[lo:lo + _CHUNK_ROWS], n)
        out[lo:lo + _CHUNK_ROWS] = np.abs(coefficients).sum(axis=1) / (1 << n)
    return _finish(out, functions)


def formula_size(functions) -> pd.DataFrame:
    """Minimal SOP and POS sizes: columns ``sop_literals``, ``sop_terms``, ``pos_literals``, ``pos_terms``.

    Also ``boolean_complexity``, which is ``min(sop_literals, pos_literals)``.  Exact for
    ``n <= 4``; for ``5 <= n <= 10`` a heuristic upper bound and
    ``formula_heuristic`` is True; NaN for other lengths.  Definitions and
    algorithms: :mod:`pfmap.formula`.

    Examples
    --------
    >>> formula_size(["0110", "0001"])[["sop_literals", "sop_terms", "pos_literals", "pos_terms"]].values.tolist()
    [[4.0, 2.0, 4.0, 2.0], [2.0, 1.0, 2.0, 2.0]]

    References
    ----------
    Quine (1952); McCluskey (1956); see :mod:`pfmap.formula`.
    """
    bits, n = _cube_bits(functions)
    df = pd.DataFrame({c: np.full(len(bits), np.nan) for c in FORMULA_MEASURES})
    df["formula_heuristic"] = False
    if n is None or n > HEURISTIC_MAX_N or not len(bits):
        df["formula_heuristic"] = pd.array([pd.NA] * len(bits), dtype="boolean")
        return df
    sop_lit, sop_terms, heuristic = sop_literals_terms(bits, n)
    pos_lit, pos_terms, _ = sop_literals_terms(1 - bits, n)
    df["sop_literals"], df["sop_terms"] = sop_lit.astype(float), sop_terms.astype(float)
    df["pos_literals"], df["pos_terms"] = pos_lit.astype(float), pos_terms.astype(float)
    df["boolean_complexity"] = np.minimum(sop_lit, pos_lit).astype(float)
    df["formula_heuristic"] = heuristic
    return df


# ---------------------------------------------------------------------------
# whole tables


def complexity_table(functions, measures=None, compression: str = "zlib") -> pd.DataFrame:
    """One row per truth table, one column per measure (all of :data:`MEASURES` by default).

    Tables of different lengths may be mixed; cube measures are NaN for
    lengths that are not a power of two.

    Examples
    --------
    >>> df = complexity_table(["0001", "0110"], measures=["k_lz", "average_sensitivity"])
    >>> df.values.tolist()
    [['0001', 5.0, 1.0], ['0110', 6.0, 2.0]]
    """
    functions = [functions] if isinstance(functions, str) else [str(f) for f in functions]
    measures = list(MEASURES if measures is None else measures)
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise PfmapError(f"unknown complexity measure {unknown[0]!r}; choose from {', '.join(MEASURES)}")
    if compression not in COMPRESSORS:
        raise PfmapError(f"unknown compressor {compression!r}; use zlib or lzma")
    out = pd.DataFrame({"function": pd.Series(functions, dtype=object)})
    for name in measures:
        out[name] = np.full(len(out), np.nan)
    if any(m in FORMULA_MEASURES for m in measures):
        out["formula_heuristic"] = pd.array([pd.NA] * len(out), dtype="boolean")
    lengths = np.array([len(f) for f in functions], dtype=np.int64)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        group = [functions[i] for i in rows]
        for name, values in _group_measures(group, measures, compression).items():
            out.loc[rows, name] = values
    return out


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
        else:
            if formula is None:
                formula = formula_size(bits)
            values[name] = formula[name].to_numpy()
            values["formula_heuristic"] = formula["formula_heuristic"].to_numpy()
    return values


def add_complexity_columns(df: pd.DataFrame, measures=None, compression: str = "zlib",
                           overwrite: bool = False) -> pd.DataFrame:
    """A copy of a volume table with the measure columns added (the table needs only ``function``).

    Columns already present (e.g. geometry's ``n_conditions``, or a measure
    computed before) are kept unless ``overwrite``.

    Examples
    --------
    >>> df = pd.DataFrame({"function": ["0001", "1111"], "probability": [0.1, 0.9]})
    >>> add_complexity_columns(df, ["k_lz", "fourier_l1"]).values.tolist()
    [['0001', 0.1, 5.0, 2.0], ['1111', 0.9, 2.0, 1.0]]
    """
    if "function" not in df.columns:
        raise PfmapError("a volume table needs a 'function' column of truth-table strings")
    measures = list(MEASURES if measures is None else measures)
    wanted = [m for m in measures if overwrite or m not in df.columns]
    out = df.copy()
    if not wanted:
        return out
    computed = complexity_table(out["function"].astype(str).tolist(), wanted, compression)
    for name in computed.columns:
        if name == "function" or (name in out.columns and not overwrite):
            continue
        out[name] = computed[name].to_numpy()
    return out
