"""Complexity measures of a function on the cube ``{0,1}^n`` (truth tables of length ``2**n``).

Average sensitivity, critical sample ratio, the Walsh-Hadamard transform and
the Fourier L1 norm (exact, integer arithmetic), and the two-level formula
sizes of :mod:`pfmap.formula` (:func:`formula_size`).  Each measure takes
one truth-table string (a float) or a sequence of them (an array) and is NaN
for lengths that are not ``2**n``.  :mod:`pfmap.complexity` re-exports every
name here.

References
----------
D. Arpit et al., "A closer look at memorization in deep networks", ICML 2017
(critical sample ratio); G. Valle-Pérez, C. Q. Camargo, A. A. Louis, ICLR 2019;
R. O'Donnell, *Analysis of Boolean Functions* (2014).
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import pandas as pd

from .complexity_sequences import as_bit_matrix, one_or_many
from .formula import HEURISTIC_MAX_N, sop_literals_terms
from .formula_size import FORMULA_SIZE_MEASURES

FORMULA_MEASURES = ("sop_literals", "sop_terms", "pos_literals", "pos_terms", "boolean_complexity")
CUBE_MEASURES = FORMULA_MEASURES + ("critical_sample_ratio", "average_sensitivity", "fourier_l1") \
    + FORMULA_SIZE_MEASURES
_CHUNK_ROWS = 1 << 15  # keeps the (rows x 2**n) work arrays at a few tens of MB


def cube_dimension(length: int) -> int | None:
    """``n`` when ``length == 2**n`` (a function on the cube), else None.

    Parameters
    ----------
    length : int
        A truth table's length.

    Returns
    -------
    int or None
        ``n`` for ``length = 2**n >= 2``, else None.

    Examples
    --------
    >>> cube_dimension(128), cube_dimension(100)
    (7, None)
    """
    length = int(length)
    if length < 2 or length & (length - 1):
        return None
    return length.bit_length() - 1


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


def average_sensitivity(functions: str | Sequence[str] | np.ndarray) -> float | np.ndarray:
    """Average sensitivity (total influence): the expected number of sensitive coordinates, in ``[0, n]``.

    ``AS(f) = 2**-n * sum_x #{i : f(x) != f(x xor e_i)}``.  NaN unless the
    length is ``2**n``.

    Parameters
    ----------
    functions : str, sequence of str, or (N, m) array of 0/1
        Truth tables of one length ``2**n``.

    Returns
    -------
    float or numpy.ndarray
        A float for one string, else one value per table, in [0, n].

    Raises
    ------
    PfmapError
        If the tables are not strings of 0s and 1s of one length.

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
        return one_or_many(np.full(len(bits), np.nan), functions)
    return one_or_many(_sensitivity_kernel(bits, n)[:, 0] / (1 << n), functions)


def critical_sample_ratio(functions: str | Sequence[str] | np.ndarray) -> float | np.ndarray:
    """Critical sample ratio for Boolean functions: the fraction of inputs with a Hamming neighbour of different output.

    An input ``x`` is critical when flipping some single bit changes ``f``;
    CSR is the number of critical inputs over ``2**n``, in ``[0, 1]``.  This is
    the Boolean version Valle-Pérez et al. (2019) use of the CSR of Arpit et
    al. (2017).  NaN unless the length is ``2**n``.

    Parameters
    ----------
    functions : str, sequence of str, or (N, m) array of 0/1
        Truth tables of one length ``2**n``.

    Returns
    -------
    float or numpy.ndarray
        A float for one string, else one value per table, in [0, 1].

    Raises
    ------
    PfmapError
        If the tables are not strings of 0s and 1s of one length.

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
        return one_or_many(np.full(len(bits), np.nan), functions)
    return one_or_many(_sensitivity_kernel(bits, n)[:, 1] / (1 << n), functions)


def walsh_hadamard(bits: np.ndarray, n: int) -> np.ndarray:
    """Unnormalised Walsh-Hadamard transform of the ±1 form ``F = (-1)**f`` of each row.

    Entry ``S`` (a subset of inputs as an index in MSB-first order) is
    ``sum_x F(x) (-1)**(x . S)``; dividing by ``2**n`` gives the Fourier
    coefficient.  Integer arithmetic, exact.

    Parameters
    ----------
    bits : (N, 2**n) array of 0/1
        Truth tables as rows.
    n : int
        Number of inputs.

    Returns
    -------
    numpy.ndarray
        ``(N, 2**n)`` int64 coefficients.

    Examples
    --------
    >>> walsh_hadamard(np.array([[0, 0, 0, 1]], dtype=np.uint8), 2).tolist()
    [[2, 2, 2, -2]]
    """
    bits = np.ascontiguousarray(np.atleast_2d(bits), dtype=np.uint8)
    return _walsh_hadamard_kernel(bits, n)


def fourier_l1(functions: str | Sequence[str] | np.ndarray) -> float | np.ndarray:
    """Fourier L1 norm ``sum_S |hat F(S)|`` of ``F = (-1)**f`` on ``{0,1}^n``, ``hat F(S) = 2**-n sum_x F(x) chi_S(x)``.

    With this normalisation Parseval gives ``sum_S hat F(S)**2 = 1``, so the
    norm is ``>= 1`` (equality exactly for constants, dictators and parities)
    and at most ``2**(n/2)``.  The value is a dyadic rational, exact in
    floating point.  NaN unless the length is ``2**n``.

    Parameters
    ----------
    functions : str, sequence of str, or (N, m) array of 0/1
        Truth tables of one length ``2**n``.

    Returns
    -------
    float or numpy.ndarray
        A float for one string, else one value per table, at least 1.

    Raises
    ------
    PfmapError
        If the tables are not strings of 0s and 1s of one length.

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
        return one_or_many(np.full(len(bits), np.nan), functions)
    out = np.empty(len(bits))
    for lo in range(0, len(bits), _CHUNK_ROWS):
        coefficients = _walsh_hadamard_kernel(bits[lo:lo + _CHUNK_ROWS], n)
        out[lo:lo + _CHUNK_ROWS] = np.abs(coefficients).sum(axis=1) / (1 << n)
    return one_or_many(out, functions)


def formula_size(functions: str | Sequence[str] | np.ndarray) -> pd.DataFrame:
    """Minimal SOP and POS sizes: columns ``sop_literals``, ``sop_terms``, ``pos_literals``, ``pos_terms``.

    Also ``boolean_complexity``, which is ``min(sop_literals, pos_literals)``.  Exact for
    ``n <= 4``; for ``5 <= n <= 10`` a heuristic upper bound and
    ``formula_heuristic`` is True; NaN for other lengths.  Definitions and
    algorithms: :mod:`pfmap.formula`.

    Parameters
    ----------
    functions : str, sequence of str, or (N, m) array of 0/1
        Truth tables of one length.

    Returns
    -------
    pandas.DataFrame
        One row per table: the five columns as floats and ``formula_heuristic`` (boolean; NA where
        the values are NaN).

    Raises
    ------
    PfmapError
        If the tables are not strings of 0s and 1s of one length.

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
