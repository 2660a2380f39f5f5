"""Sequence complexity measures of truth tables (any length): Lempel-Ziv, binary entropy, compressed length.

Every measure takes one truth-table string (and returns a float) or a
sequence of them (and returns a numpy array).  :func:`as_bit_matrix` turns
truth tables into the ``(N, m)`` 0/1 array all measures of
:mod:`pfmap.complexity` work on, and :func:`one_or_many` gives a float for
one string.  The whole-table entry points are in :mod:`pfmap.complexity`,
which re-exports every name here.

References
----------
A. Lempel, J. Ziv, "On the complexity of finite sequences", IEEE Trans. Inf.
Theory 22 (1976); F. Kaspar, H. G. Schuster, "Easily calculable measure for
the complexity of spatiotemporal patterns", Phys. Rev. A 36 (1987);
K. Dingle, C. Q. Camargo, A. A. Louis, "Input-output maps are strongly biased
towards simple outputs", Nat. Commun. 9 (2018); G. Valle-Pérez, C. Q.
Camargo, A. A. Louis, "Deep learning generalizes because the
parameter-function map is biased towards simple functions", ICLR 2019.
"""

from __future__ import annotations

import lzma
import math
import zlib
from collections.abc import Sequence

import numba
import numpy as np

from .errors import PfmapError

SEQUENCE_MEASURES = ("k_lz", "entropy", "compressed_length")
COMPRESSORS = ("zlib", "lzma")


def as_bit_matrix(functions: str | Sequence[str] | np.ndarray) -> np.ndarray:
    """An ``(N, m)`` uint8 array of outputs from truth-table strings of one length (or a 0/1 array).

    Parameters
    ----------
    functions : str, sequence of str, or array of 0/1
        Truth tables of one length ``m`` (character ``j`` is the output on input ``j``).

    Returns
    -------
    numpy.ndarray
        ``(N, m)`` uint8 of 0s and 1s.

    Raises
    ------
    PfmapError
        If a table holds other characters, or the tables differ in length.

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
            raise PfmapError("functions: a bit array of truth tables must hold only 0s and 1s")
        return np.ascontiguousarray(bits, dtype=np.uint8)
    tables = [str(t) for t in functions]
    if not tables:
        return np.zeros((0, 0), dtype=np.uint8)
    m = len(tables[0])
    if m == 0 or any(len(t) != m for t in tables):
        raise PfmapError("functions: truth tables passed together must be non-empty and of one length; "
                         "use complexity_table() for a table with several lengths")
    raw = np.frombuffer("".join(tables).encode("ascii", "replace"), dtype=np.uint8).reshape(len(tables), m)
    bits = raw - np.uint8(ord("0"))
    if bits.max() > 1:
        bad = tables[int(np.argmax((bits > 1).any(axis=1)))]
        raise PfmapError(f"functions: a truth table is a string of 0s and 1s; got {bad!r}")
    return bits


def one_or_many(values: np.ndarray, functions: str | Sequence[str] | np.ndarray) -> float | np.ndarray:
    """A float when ``functions`` is one string, else ``values`` (one per table) as they are.

    Parameters
    ----------
    values : numpy.ndarray
        One value per truth table.
    functions : str or sequence
        What the measure was given.

    Returns
    -------
    float or numpy.ndarray
        ``float(values[0])`` for a single string, else ``values``.

    Examples
    --------
    >>> one_or_many(np.array([3.0]), "0110"), one_or_many(np.array([3.0]), ["0110"]).tolist()
    (3.0, [3.0])
    """
    return float(values[0]) if isinstance(functions, str) else values


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


def lz76_phrase_count(functions: str | Sequence[str] | np.ndarray) -> float | np.ndarray:
    """Lempel-Ziv (1976) complexity ``c(s)``: the number of phrases in the exhaustive parsing.

    The string is cut left to right into phrases; each phrase is the longest
    prefix of the rest that can be copied from a start position earlier in
    the string (the copy may overlap the phrase itself), plus one new symbol;
    the last phrase may end without one.  This is the count the Kaspar-Schuster
    (1987) algorithm computes.

    Parameters
    ----------
    functions : str, sequence of str, or (N, m) array of 0/1
        Truth tables of one length (any length).

    Returns
    -------
    float or numpy.ndarray
        A float for one string, else one value per table: the phrase count c(s).

    Raises
    ------
    PfmapError
        If the tables are not strings of 0s and 1s of one length.

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
    return one_or_many(_phrase_counts(bits)[:, 0], functions)


def k_lz(functions: str | Sequence[str] | np.ndarray) -> float | np.ndarray:
    """K_LZ of Dingle et al. (2018) and Valle-Pérez et al. (2019), in bits.

    ``K(s) = log2(N) * (c(s) + c(reverse(s))) / 2`` with ``c`` the LZ76 phrase
    count (:func:`lz76_phrase_count`) and ``N = len(s)``; ``K(s) = log2(N)``
    when ``s`` is constant.  Any length.

    Parameters
    ----------
    functions : str, sequence of str, or (N, m) array of 0/1
        Truth tables of one length (any length).

    Returns
    -------
    float or numpy.ndarray
        A float for one string, else one value per table, in bits.

    Raises
    ------
    PfmapError
        If the tables are not strings of 0s and 1s of one length.

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
    return one_or_many(values, functions)


# ---------------------------------------------------------------------------
# simple sequence measures


def binary_entropy(functions: str | Sequence[str] | np.ndarray) -> float | np.ndarray:
    """Binary entropy ``H(p) = -p log2 p - (1-p) log2 (1-p)`` of the fraction ``p`` of ones, in bits.

    Parameters
    ----------
    functions : str, sequence of str, or (N, m) array of 0/1
        Truth tables of one length (any length).

    Returns
    -------
    float or numpy.ndarray
        A float for one string, else one value per table, in bits, in [0, 1].

    Raises
    ------
    PfmapError
        If the tables are not strings of 0s and 1s of one length.

    Examples
    --------
    >>> binary_entropy("0001"), binary_entropy("0110"), binary_entropy("1111")
    (0.8112781244591328, 1.0, 0.0)
    """
    bits = as_bit_matrix(functions)
    p = bits.mean(axis=1) if bits.shape[1] else np.zeros(len(bits))
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return one_or_many(np.nan_to_num(h, nan=0.0) + 0.0, functions)


def compressed_length(functions: str | Sequence[str] | np.ndarray, method: str = "zlib") -> float | np.ndarray:
    """Bytes of the compressed truth-table string (one ASCII ``0``/``1`` per output).

    ``zlib``: raw DEFLATE stream at level 9 (no zlib header or checksum, which
    would add a constant 6 bytes).  ``lzma``: raw LZMA2 stream, preset 9, with
    a 4 KiB dictionary (the minimum; tables are short).  Any length.

    Parameters
    ----------
    functions : str, sequence of str, or (N, m) array of 0/1
        Truth tables (any lengths).
    method : {"zlib", "lzma"}
        The compressor.

    Returns
    -------
    float or numpy.ndarray
        Bytes, a float for one string, else one value per table.

    Raises
    ------
    PfmapError
        For an unknown ``method``.

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
        raise PfmapError(f"method: unknown compressor {method!r}; use zlib or lzma")
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
    return one_or_many(values, functions)
