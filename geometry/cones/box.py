"""Exact volume of a region inside the uniform box prior, as a Fraction.

The region ``C = {u : G u > 0}`` cut by the box ``|u_i| <= s_i`` is a
polytope with rational vertices.  Homogenising it (``u = t v``) gives a
pointed cone in one more dimension whose rays are its vertices; a pulling
triangulation of that cone is a triangulation of the polytope, and a
simplex with homogeneous vertices ``(u_i, t_i)`` has volume
``|det[(u_i, t_i)]| / (d! * prod t_i)``.  All of it in integers and Fractions;
the rays come from the exact double description method
(:mod:`~pfmap.geometry.cones.double_description`).

References
----------
J. A. De Loera, J. Rambau, F. Santos, *Triangulations*, 2010.
B. Büeler, A. Enge, K. Fukuda, "Exact volume computation for polytopes: a practical study", 2000.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import factorial

import numpy as np
from numpy.typing import ArrayLike

from pfmap.errors import PfmapError

from pfmap.geometry.cones.polyhedra import integer_determinant, triangulate_cone

MAX_BOX_N = 5   # in memory, n = 5 with bias (dimension 6): 860 orbits in about 6-10 s on one core


def polytope_volume_in_box(G: ArrayLike, half_widths: Sequence[Fraction | int]) -> Fraction:
    """Exact volume of ``{u : G u >= 0, |u_i| <= half_widths[i]}``.

    Parameters
    ----------
    G : array_like of int, shape (k, d)
        Integer inequalities of a pointed cone (redundant rows allowed).
    half_widths : sequence of Fraction or int
        One positive half-width per coordinate.

    Returns
    -------
    Fraction

    Raises
    ------
    ValueError
        If there is not one half-width per coordinate, or the cone is not full-dimensional.

    Examples
    --------
    >>> polytope_volume_in_box([[1, 0], [0, 1]], [1, 1])    # a quarter of [-1,1]^2
    Fraction(1, 1)
    >>> polytope_volume_in_box([[1, -1], [0, 1]], [Fraction(1, 2), 1])   # 0 <= u2 <= u1 <= 1/2
    Fraction(1, 8)
    """
    G = [[int(v) for v in row] for row in np.asarray(G, dtype=object).tolist()]
    d = len(G[0])
    s = [Fraction(x) for x in half_widths]
    if len(s) != d:
        raise ValueError("one half-width per coordinate")
    rows = [row + [0] for row in G]
    for i, si in enumerate(s):
        for sign in (1, -1):  # sign*u_i <= s_i t  ->  -sign*den*u_i + num*t >= 0
            row = [0] * (d + 1)
            row[i] = -sign * si.denominator
            row[d] = si.numerator
            rows.append(row)
    rays, simplices = triangulate_cone(rows)
    total = Fraction(0)
    ray_list = rays.tolist()
    for simplex in simplices:
        mat = [ray_list[j] for j in simplex]
        t_prod = 1
        for j in simplex:
            t_prod *= ray_list[j][d]
        total += Fraction(abs(integer_determinant(mat)), t_prod)
    return total / factorial(d)


def cone_box_fraction(G: ArrayLike, half_widths: Sequence[Fraction | int]) -> Fraction:
    """Fraction of the box ``|u_i| <= half_widths[i]`` that lies in the cone ``{u : G u > 0}``.

    Parameters
    ----------
    G : array_like of int, shape (k, d)
        Integer facet normals of the cone.
    half_widths : sequence of Fraction or int
        One positive half-width per coordinate.

    Returns
    -------
    Fraction

    Raises
    ------
    ValueError
        As :func:`polytope_volume_in_box`.

    Examples
    --------
    >>> cone_box_fraction([[1, 1, 1], [-1, 0, -1], [0, -1, -1]], [1, 1, 1])   # AND on {0,1}^2
    Fraction(1, 48)
    """
    s = [Fraction(x) for x in half_widths]
    box = Fraction(1)
    for si in s:
        box *= 2 * si
    return polytope_volume_in_box(G, s) / box
