"""Exact cones with integer data: extreme rays, rank, determinants and a pulling triangulation.

Everything is exact: Python integers and FLINT's integer matrices
(python-flint); the extreme rays come from the double description method
(:mod:`~pfmap.geometry.cones.double_description`).  Dimensions here are
small (up to 8), the number of constraints up to about 80.

References
----------
G. M. Ziegler, *Lectures on Polytopes*, 1995 (faces, pulling triangulations).
J. A. De Loera, J. Rambau, F. Santos, *Triangulations*, 2010, Sec. 4.3 (pulling refinements).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from flint import fmpz_mat
from numpy.typing import ArrayLike

from pfmap.geometry.cones.double_description import extreme_rays


def exact_rank(rows: ArrayLike) -> int:
    """Rank of an integer matrix, exactly.

    Parameters
    ----------
    rows : array_like of int, shape (k, d)
        The matrix, row by row (an empty sequence has rank 0).

    Returns
    -------
    int

    Examples
    --------
    >>> exact_rank([[1, 2, 3], [2, 4, 6], [0, 1, 1]])
    2
    """
    a = [[int(v) for v in row] for row in rows]
    if not a or not a[0]:
        return 0
    return int(fmpz_mat(a).rank())


def integer_determinant(mat: ArrayLike) -> int:
    """Exact determinant of a square integer matrix.

    Parameters
    ----------
    mat : array_like of int, shape (d, d)

    Returns
    -------
    int

    Examples
    --------
    >>> integer_determinant([[2, 1], [1, 3]])
    5
    """
    a = [[int(v) for v in row] for row in mat]
    if not a:
        return 1
    return int(fmpz_mat(a).det())


def cone_rays(G: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Extreme rays of the pointed cone ``{u : G u >= 0}`` and their incidence with the rows.

    Parameters
    ----------
    G : array_like of int, shape (k, d)
        Integer inequalities (redundant rows allowed) of rank ``d``.

    Returns
    -------
    rays : numpy.ndarray
        Object array ``(r, d)`` of primitive integer vectors (Python ints), sorted lexicographically.
    tight : numpy.ndarray
        ``(k, r)`` bool, ``tight[i, j]`` true when row ``i`` of ``G`` vanishes on ray ``j``.

    Raises
    ------
    ValueError
        If ``G`` has rank below ``d`` (the cone contains a line).

    Notes
    -----
    The rays come from the exact double description method
    (:func:`~pfmap.geometry.cones.double_description.extreme_rays`), in integers throughout.

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
        rays = sorted(tuple(int(v) for v in row) for row in extreme_rays(G).tolist())
    ray_arr = np.empty((len(rays), d), dtype=object)
    for j, r in enumerate(rays):
        ray_arr[j, :] = r
    tight = (np.array(G, dtype=object) @ ray_arr.T == 0) if rays else np.zeros((k, 0), dtype=bool)
    return ray_arr, np.asarray(tight, dtype=bool).reshape(k, len(rays))


def cone_facets(G: ArrayLike) -> np.ndarray:
    """Which rows of ``G`` define facets of the pointed cone ``{u : G u >= 0}`` (the irredundant ones).

    Row ``i`` defines a facet when the extreme rays on its hyperplane span a space of dimension ``d - 1``;
    parallel copies of a facet row are all flagged.

    Parameters
    ----------
    G : array_like of int, shape (k, d)
        Integer inequalities of rank ``d``.

    Returns
    -------
    numpy.ndarray
        ``(k,)`` bool.

    Raises
    ------
    ValueError
        If ``G`` has rank below ``d``.

    Examples
    --------
    >>> cone_facets([[1, 0], [0, 1], [1, 1]]).tolist()         # x + y >= 0 is implied
    [True, True, False]
    """
    rows = [[int(v) for v in row] for row in np.asarray(G, dtype=object).tolist()]
    d = len(rows[0])
    rays = extreme_rays(rows)
    if len(rays) == 0:
        return np.zeros(len(rows), dtype=bool)
    tight = np.asarray(np.array(rows, dtype=object) @ rays.astype(object).T == 0, dtype=bool)
    out = np.zeros(len(rows), dtype=bool)
    for i in range(len(rows)):
        on = rays[tight[i]]
        out[i] = len(on) >= d - 1 and exact_rank(on.tolist()) == d - 1
    return out


def triangulate_cone(G: ArrayLike) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Pulling triangulation of the pointed, full-dimensional cone ``{u : G u >= 0}``.

    Parameters
    ----------
    G : array_like of int, shape (k, d)
        Integer inequalities; redundant rows are allowed.

    Returns
    -------
    rays : numpy.ndarray
        The extreme rays (primitive integer vectors, an object array, as :func:`cone_rays` orders them).
    simplices : list of tuple of int
        ``d``-tuples of ray indices: simplicial cones whose union is the cone and whose interiors are
        disjoint (each ray set is pulled at its smallest index).

    Raises
    ------
    ValueError
        If the cone is not pointed and full-dimensional.

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
