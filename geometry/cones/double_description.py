"""Extreme rays of an integer polyhedral cone by the double description method, exactly.

The cone ``{u : G u >= 0}`` (integer ``G``, full column rank, so the cone is
pointed) is built one inequality at a time.  It starts as the simplicial
cone of ``d`` independent rows, whose rays are the columns of their inverse;
each further row keeps the rays on its non-negative side and adds one new
ray on its hyperplane for every *adjacent* pair of rays it separates.  Two
rays are adjacent when no third ray is tight on every row both are tight on
(the combinatorial test).  Rays are primitive integer vectors: every
combination ``(a.p) n - (a.n) p`` is exact and divided by its gcd, in
``int64`` while a bound on the entries proves that nothing overflows, in
Python integers beyond.  Nothing is ever rounded.

References
----------
T. S. Motzkin, H. Raiffa, G. L. Thompson, R. M. Thrall, "The double description method", 1953.
K. Fukuda, A. Prodon, "Double description method revisited", in *Combinatorics and Computer Science*,
LNCS 1120, 1996.
"""

from __future__ import annotations

import math

import numpy as np
from flint import fmpq_mat, fmpz_mat
from numpy.typing import ArrayLike

_SAFE = 1 << 62          # |entries| below this never overflow int64 in one step


def _independent_rows(rows: list[list[int]]) -> list[int]:
    """Indices of a maximal set of linearly independent rows, chosen greedily in order (exact)."""
    chosen: list[int] = []
    basis: list[list[int]] = []
    d = len(rows[0])
    for i, row in enumerate(rows):
        trial = fmpz_mat(basis + [row])
        if trial.rank() == len(basis) + 1:
            chosen.append(i)
            basis.append(row)
            if len(chosen) == d:
                break
    return chosen


def _primitive_rows(mat: np.ndarray) -> np.ndarray:
    """Divide each row by the gcd of its entries (rows are never zero)."""
    g = np.gcd.reduce(mat, axis=1)
    return mat // g[:, None]


def _set_bit(inc: np.ndarray, rows: np.ndarray, bit: int) -> None:
    inc[rows, bit // 64] |= np.uint64(1) << np.uint64(bit % 64)


def extreme_rays(G: ArrayLike) -> np.ndarray:
    """The extreme rays of the pointed cone ``{u : G u >= 0}`` as primitive integer vectors (rows).

    Parameters
    ----------
    G : array_like of int, shape (m, d)
        Integer inequalities; redundant and repeated rows are allowed.

    Returns
    -------
    numpy.ndarray
        ``(r, d)`` array (``int64``, or ``object`` holding Python integers when entries are too large for
        ``int64``), one extreme ray per row, in no particular order; ``(0, d)`` when the cone is ``{0}``.

    Raises
    ------
    ValueError
        If ``G`` does not have rank ``d`` (the cone contains a line, so it has no extreme rays that
        generate it).

    Examples
    --------
    >>> sorted(map(tuple, extreme_rays([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, -1]]).tolist()))
    [(0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 0, 1)]
    >>> extreme_rays([[1, 0], [-1, 0], [0, 1], [0, -1]]).shape     # the cone {0}
    (0, 2)

    References
    ----------
    K. Fukuda, A. Prodon, "Double description method revisited", LNCS 1120, 1996.
    """
    rows = [[int(v) for v in row] for row in np.asarray(G, dtype=object).tolist()]
    if not rows or not rows[0]:
        raise ValueError("G must be a non-empty 2-D array of integer inequalities")
    m, d = len(rows), len(rows[0])
    basis = _independent_rows(rows)
    if len(basis) < d:
        raise ValueError(f"the cone {{u : G u >= 0}} is not pointed: G has rank {len(basis)} < {d}")
    inverse = fmpq_mat(fmpz_mat([rows[i] for i in basis])).inv()
    start = []
    for j in range(d):               # column j: tight on every basis row but row j, positive there
        column = [inverse[i, j] for i in range(d)]
        scale = math.lcm(*(int(q.q) for q in column))
        start.append([int(q.p) * (scale // int(q.q)) for q in column])
    words = (m + 63) // 64
    big = max(max(abs(v) for v in row) for row in start) >= _SAFE
    ray = np.array(start, dtype=object if big else np.int64)
    ray = _primitive_rows(ray)
    inc = np.zeros((d, words), dtype=np.uint64)       # inc[r]: the rows processed so far that vanish on ray r
    for j, i in enumerate(basis):
        _set_bit(inc, np.array([k for k in range(d) if k != j], dtype=np.int64), i)
    in_basis = set(basis)
    norms = [sum(abs(v) for v in row) for row in rows]
    for i in range(m):
        if i in in_basis:
            continue
        if len(ray) == 0:
            break
        a = rows[i]
        if ray.dtype != object and int(np.abs(ray).max()) * norms[i] * 2 * int(np.abs(ray).max()) >= _SAFE:
            ray = ray.astype(object)
        vals = ray @ np.array(a, dtype=ray.dtype)
        pos, neg = vals > 0, vals < 0
        zero = ~(pos | neg)
        if not neg.any():
            _set_bit(inc, np.flatnonzero(zero), i)
            continue
        p_idx, n_idx = np.flatnonzero(pos), np.flatnonzero(neg)
        pairs_p, pairs_n, common = _adjacent_pairs(inc, p_idx, n_idx, d)
        if len(pairs_p):
            vp = vals[pairs_p][:, None]
            vn = vals[pairs_n][:, None]
            new = _primitive_rows(vp * ray[pairs_n] - vn * ray[pairs_p])
            _set_bit(common, np.arange(len(common)), i)
        else:
            new = np.zeros((0, d), dtype=ray.dtype)
        keep = pos | zero
        keep_inc = inc[keep]
        _set_bit(keep_inc, np.flatnonzero(zero[keep]), i)
        ray = np.concatenate([ray[keep], new.astype(ray.dtype)])
        inc = np.concatenate([keep_inc, common])
    return ray


def _adjacent_pairs(inc: np.ndarray, p_idx: np.ndarray, n_idx: np.ndarray, d: int):
    """The adjacent pairs (p, n) with p in ``p_idx``, n in ``n_idx``, and the rows both vanish on."""
    need = d - 2
    cp = inc[p_idx][:, None, :] & inc[n_idx][None, :, :]            # (P, N, W)
    count = np.bitwise_count(cp).sum(axis=2, dtype=np.int64)
    ip, jn = np.nonzero(count >= need)
    if len(ip) == 0:
        return ip, jn, np.zeros((0, inc.shape[1]), dtype=np.uint64)
    common = cp[ip, jn]                                                 # (K, W)
    # a pair is adjacent iff only its own two rays contain the common zero set
    block = max(1, (1 << 22) // max(1, len(inc) * inc.shape[1]))
    ok = np.empty(len(common), dtype=bool)
    for start in range(0, len(common), block):
        c = common[start:start + block]
        contains = np.all((inc[None, :, :] & c[:, None, :]) == c[:, None, :], axis=2)   # (k, R)
        ok[start:start + block] = contains.sum(axis=1) == 2
    return p_idx[ip[ok]], n_idx[jn[ok]], common[ok]
