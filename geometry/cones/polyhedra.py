"""Exact cones and polytopes with integer data: extreme rays, faces and a pulling triangulation.

Everything that decides the answer is exact (Python integers): floating
point only proposes candidate rays, which are then recomputed and checked
in integer arithmetic.  Dimensions here are small (at most 6 or 7), the
number of constraints a few dozen.

References
----------
G. M. Ziegler, *Lectures on Polytopes*, 1995 (faces, pulling triangulations).
J. A. De Loera, J. Rambau, F. Santos, *Triangulations*, 2010, Sec. 4.3 (pulling refinements).
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np


def _bareiss_det(mat: list[list[int]]) -> int:
    """Exact determinant of a square integer matrix (fraction-free elimination)."""
    a = [row[:] for row in mat]
    n = len(a)
    if n == 0:
        return 1
    sign, prev = 1, 1
    for k in range(n - 1):
        if a[k][k] == 0:
            swap = next((i for i in range(k + 1, n) if a[i][k] != 0), None)
            if swap is None:
                return 0
            a[k], a[swap] = a[swap], a[k]
            sign = -sign
        for i in range(k + 1, n):
            for j in range(k + 1, n):
                a[i][j] = (a[i][j] * a[k][k] - a[i][k] * a[k][j]) // prev
        prev = a[k][k]
    return sign * a[n - 1][n - 1]


def exact_rank(rows) -> int:
    """Rank of an integer matrix, exactly.

    Examples
    --------
    >>> exact_rank([[1, 2, 3], [2, 4, 6], [0, 1, 1]])
    2
    """
    a = [[int(v) for v in row] for row in rows]
    if not a:
        return 0
    rank, cols = 0, len(a[0])
    for c in range(cols):
        p = next((i for i in range(rank, len(a)) if a[i][c] != 0), None)
        if p is None:
            continue
        a[rank], a[p] = a[p], a[rank]
        for i in range(len(a)):
            if i != rank and a[i][c] != 0:
                f, g = a[i][c], a[rank][c]
                a[i] = [x * g - y * f for x, y in zip(a[i], a[rank])]
        rank += 1
        if rank == len(a):
            break
    return rank


def integer_determinant(mat) -> int:
    """Exact determinant of a square integer matrix.

    Examples
    --------
    >>> integer_determinant([[2, 1], [1, 3]])
    5
    """
    return _bareiss_det([[int(v) for v in row] for row in mat])


def _null_vector(rows: list[list[int]]) -> list[int]:
    """Generalised cross product of ``d-1`` integer rows in ``R^d`` (signed maximal minors)."""
    d = len(rows[0])
    out = []
    for j in range(d):
        minor = [row[:j] + row[j + 1:] for row in rows]
        out.append((-1) ** j * _bareiss_det(minor))
    return out


def _primitive(vec: list[int]) -> tuple[int, ...]:
    from math import gcd

    g = 0
    for v in vec:
        g = gcd(g, v)
    return tuple(v // g for v in vec) if g else tuple(vec)


def cone_rays(G) -> tuple[np.ndarray, np.ndarray]:
    """Extreme rays of the pointed cone ``{u : G u >= 0}`` and their incidence with the rows.

    Returns ``(rays, tight)``: ``rays`` an object array ``(r, d)`` of
    primitive integer vectors, ``tight[i, j]`` true when row ``i`` of ``G``
    vanishes on ray ``j``.  Candidates come from floating point; every ray
    and every incidence is recomputed and checked with integers.

    Examples
    --------
    >>> rays, tight = cone_rays([[1, 0], [0, 1]])
    >>> sorted(map(tuple, rays.tolist()))
    [(0, 1), (1, 0)]
    """
    G = [[int(v) for v in row] for row in np.asarray(G, dtype=object).tolist()]
    k, d = len(G), len(G[0])
    if d == 1:
        signs = {1 if row[0] > 0 else -1 for row in G if row[0] != 0}
        rays = [] if len(signs) != 1 else [(signs.pop(),)]
    else:
        gf = np.array(G, dtype=float)
        subsets = np.array(list(itertools.combinations(range(k), d - 1)), dtype=np.int64)
        mats = gf[subsets]                                   # (S, d-1, d)
        minors = np.empty((len(subsets), d))
        for j in range(d):
            sub = np.delete(mats, j, axis=2)
            minors[:, j] = (-1) ** j * np.linalg.det(sub) if d > 1 else 1.0
        scale = np.abs(minors).max(axis=1)
        ok = scale > 1e-9
        vals = gf @ (minors[ok] / scale[ok, None]).T        # (k, S')
        tol = 1e-7 * (np.abs(gf).sum(axis=1)[:, None] + 1)
        feasible_pos = np.all(vals >= -tol, axis=0)
        feasible_neg = np.all(vals <= tol, axis=0)
        cand = np.flatnonzero(ok)
        # a degenerate vertex is the null vector of many subsets: recompute each distinct one once
        unit = minors[ok] / scale[ok, None]
        unit = unit * np.where(feasible_neg & ~feasible_pos, -1.0, 1.0)[:, None]
        keep = feasible_pos | feasible_neg
        _, first = np.unique(np.round(unit[keep], 9), axis=0, return_index=True)
        found = set()
        for idx in cand[np.flatnonzero(keep)[first]]:
            vec = _null_vector([G[i] for i in subsets[idx]])
            if not any(vec):
                continue
            for sgn in (1, -1):
                v = [sgn * x for x in vec]
                if all(sum(a * b for a, b in zip(row, v)) >= 0 for row in G):
                    found.add(_primitive(v))
        rays = sorted(found)
    ray_arr = np.empty((len(rays), d), dtype=object)
    for j, r in enumerate(rays):
        ray_arr[j, :] = r
    tight = np.array([[sum(a * b for a, b in zip(row, r)) == 0 for r in rays] for row in G], dtype=bool)
    return ray_arr, tight.reshape(k, len(rays))


def triangulate_cone(G) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Pulling triangulation of the pointed, full-dimensional cone ``{u : G u >= 0}``.

    Returns ``(rays, simplices)``: the extreme rays (primitive integer
    vectors, an object array) and a list of ``d``-tuples of ray indices,
    simplicial cones whose union is the cone and whose interiors are disjoint.
    Rows of ``G`` may be redundant.

    Examples
    --------
    >>> rays, simplices = triangulate_cone([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, -1]])
    >>> len(rays), len(simplices)
    (4, 2)

    References
    ----------
    J. A. De Loera, J. Rambau, F. Santos, *Triangulations*, 2010, Sec. 4.3.
    """
    rays, tight = cone_rays(G)
    d = rays.shape[1]
    if len(rays) < d or exact_rank(rays.tolist()) < d:
        raise ValueError("the cone is not full-dimensional and pointed")
    zero_sets = [frozenset(np.flatnonzero(row).tolist()) for row in tight]
    ray_list = rays.tolist()

    @lru_cache(maxsize=None)
    def facets_of(face: frozenset, dim: int) -> tuple[frozenset, ...]:
        subs = set()
        for z in zero_sets:
            sub = face & z
            if len(sub) >= dim - 1 and sub != face and sub not in subs:
                if exact_rank([ray_list[i] for i in sub]) == dim - 1:
                    subs.add(sub)
        return tuple(sorted(subs, key=sorted))

    @lru_cache(maxsize=None)
    def pull(face: frozenset, dim: int) -> tuple[tuple[int, ...], ...]:
        if len(face) == dim:
            return (tuple(sorted(face)),)
        apex = min(face)
        out = []
        for sub in facets_of(face, dim):
            if apex in sub:
                continue
            out.extend(tuple(sorted(s + (apex,))) for s in pull(sub, dim - 1))
        return tuple(out)

    simplices = list(pull(frozenset(range(len(ray_list))), d))
    return rays, simplices
