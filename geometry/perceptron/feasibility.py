"""Exact feasibility of a strict homogeneous system ``rows @ u > 0``: an integer witness or a Gordan certificate.

A linear program (HiGHS) proposes; exact arithmetic decides.  A feasible
system gets an integer ``u`` whose products with every row are checked
positive in integer arithmetic; an infeasible one gets a Gordan certificate
``l >= 0, sum l = 1, l @ rows = 0``, solved again on the LP's support in
exact rationals and checked.

References
----------
P. Gordan, "Ueber die Auflösung linearer Gleichungen mit reellen Coefficienten", Math. Ann. 6, 1873.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np


def strict_witness(rows: np.ndarray) -> np.ndarray | None:
    """Integer ``u`` with ``rows @ u > 0`` (verified exactly), or None after an exact proof that none exists.

    Parameters
    ----------
    rows : numpy.ndarray
        ``(h, d)`` integer matrix.

    Returns
    -------
    numpy.ndarray or None
        A primitive int64 witness, or None when the system is infeasible (Gordan certificate checked).

    Raises
    ------
    RuntimeError
        If the solver's answer cannot be confirmed exactly (never observed).

    Examples
    --------
    >>> rows = np.array([[1, 1], [1, -1]])
    >>> bool(np.all(rows @ strict_witness(rows) > 0))
    True
    >>> strict_witness(np.array([[1, 0], [-1, 0]])) is None
    True
    """
    from scipy.optimize import linprog

    h, d = rows.shape
    res = linprog(np.zeros(d), A_ub=-rows.astype(float), b_ub=-np.ones(h), bounds=[(None, None)] * d,
                  method="highs")
    if res.status == 0:
        u = np.asarray(res.x, dtype=float)
        # rows @ u >= 1 up to the solver tolerance; scaling by K and rounding moves each
        # product by at most ||row||_1 / 2, so K > max ||row||_1 keeps every sign.
        base = int(np.abs(rows).sum(axis=1).max()) + 1
        for scale in (base, 10 * base, 1000 * base):
            w = np.rint(u * scale).astype(np.int64)
            if np.all(rows @ w > 0):
                g = math.gcd(*(int(v) for v in w)) or 1
                return w // g
        raise RuntimeError("LP reported a feasible region but no integer witness verified")  # pragma: no cover
    if res.status == 2:
        verify_gordan(rows)
        return None
    raise RuntimeError(f"LP failed: {res.message}")  # pragma: no cover


def verify_gordan(rows: np.ndarray) -> None:
    """Exact proof that ``rows @ u > 0`` has no solution: ``l >= 0, sum l = 1, l @ rows = 0``.

    Parameters
    ----------
    rows : numpy.ndarray
        ``(h, d)`` integer matrix.

    Raises
    ------
    RuntimeError
        If no certificate is found or it fails the exact check.

    Examples
    --------
    >>> verify_gordan(np.array([[1, 0], [-1, 0], [0, 1]]))     # no error: certified infeasible
    """
    from scipy.optimize import linprog

    h, d = rows.shape
    a_eq = np.vstack([rows.T.astype(float), np.ones((1, h))])
    b_eq = np.zeros(d + 1)
    b_eq[-1] = 1.0
    res = linprog(np.zeros(h), A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * h, method="highs")
    if res.status != 0:
        raise RuntimeError("strict system infeasible but no Gordan certificate found")  # pragma: no cover
    support = [k for k in range(h) if res.x[k] > 1e-9]
    lam = exact_nullvector(rows[support])
    if lam is None or any(v < 0 for v in lam) or not any(v > 0 for v in lam):
        raise RuntimeError("Gordan certificate did not verify in exact arithmetic")  # pragma: no cover


def exact_nullvector(sub: np.ndarray) -> list[Fraction] | None:
    """A rational ``l`` with ``l @ sub = 0`` and ``sum l = 1`` (free variables at 0), checked exactly.

    Parameters
    ----------
    sub : numpy.ndarray
        ``(k, d)`` integer matrix.

    Returns
    -------
    list of Fraction or None
        None when no such ``l`` exists.

    Examples
    --------
    >>> exact_nullvector(np.array([[1, 0], [-1, 0]]))
    [Fraction(1, 2), Fraction(1, 2)]
    """
    k, d = sub.shape
    # unknowns l_1..l_k; equations: sub^T l = 0 (d rows) and sum l = 1
    mat = [[Fraction(int(sub[i, j])) for i in range(k)] + [Fraction(0)] for j in range(d)]
    mat.append([Fraction(1)] * k + [Fraction(1)])
    rows_n, cols = len(mat), k
    pivots, r = [], 0
    for c in range(cols):
        p = next((i for i in range(r, rows_n) if mat[i][c] != 0), None)
        if p is None:
            continue
        mat[r], mat[p] = mat[p], mat[r]
        inv = 1 / mat[r][c]
        mat[r] = [v * inv for v in mat[r]]
        for i in range(rows_n):
            if i != r and mat[i][c] != 0:
                f = mat[i][c]
                mat[i] = [a - f * b for a, b in zip(mat[i], mat[r])]
        pivots.append(c)
        r += 1
    if any(all(v == 0 for v in row[:-1]) and row[-1] != 0 for row in mat):
        return None
    lam = [Fraction(0)] * k  # free variables at 0
    for i, c in enumerate(pivots):
        lam[c] = mat[i][-1]
    total = [sum(lam[i] * int(sub[i, j]) for i in range(k)) for j in range(d)]
    return lam if all(t == 0 for t in total) and sum(lam) == 1 else None
