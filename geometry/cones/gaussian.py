"""Gaussian measure of polyhedral cones: the probability a perceptron's parameters realise each function.

For ``u ~ N(0, diag(variances))`` and a cone ``C = {u : G u > 0}``, the
substitution ``u = D^(1/2) v`` makes ``v`` standard normal, so ``P(u in C)``
is the normalised solid angle of the cone ``D^(-1/2) C``.  All inputs are
exact (integer normals, rational variances); every number below is either a
closed form or a certified ball.

* Dimension <= 3: Girard's theorem.  A pointed 3-dimensional cone cuts the
  sphere in a spherical polygon whose area is the sum of its angles minus
  ``(k - 2) pi``; the angle at each edge is ``pi - acos(c)`` with ``c`` the
  cosine between the two facet normals in whitened coordinates, so
  ``P = 1/2 - sum over edges acos(c_e) / (4 pi)`` (in the plane
  ``P = 1/2 - acos(c) / (2 pi)``), a closed form with
  ``c = g.D h / sqrt(g.D g h.D h)`` for facet normals ``g, h``.
* Any dimension up to 6: a triangulation into simplicial cones
  (:func:`pfmap.geometry.cones.polyhedra.triangulate_cone`).  A simplicial cone spanned
  by rays ``r_1..r_d`` is ``{R lambda : lambda >= 0}``; ``lambda = R^-1 u``
  is Gaussian with covariance ``(R^T D^-1 R)^-1``, a rational matrix, so its
  measure is an orthant probability (:mod:`pfmap.geometry.cones.orthant`).  Interiors
  are disjoint and boundaries have measure zero, so the measures add.

:func:`cone_gaussian_measures` measures many cones at once: in dimension 6
the simplicial cones of all of them go to one parallel batch of the
dimension-6 kernel, computed once per correlation pattern.  Timings are in
``benchmarks/gaussian.py``.

References
----------
A. Girard, *Invention nouvelle en l'algèbre*, 1629 (area of a spherical polygon).
A. Van Oosterom, J. Strackee, "The solid angle of a plane triangle", IEEE
Trans. Biomed. Eng. 30, 1983 (the solid angle of a simplicial 3-cone; here
the equivalent Girard/Sheppard forms are used).
R. L. Plackett, Biometrika 41, 1954 (the reduction behind dimensions 4 to 6,
see :mod:`pfmap.geometry.cones.orthant`); D. R. Childs, Biometrika 54, 1967.
A. Genz, "Numerical computation of multivariate normal probabilities", J.
Comput. Graph. Stat. 1, 1992 (scipy's method, the uncertified reference in tests).
C. Mingard et al., "Neural networks are a priori biased towards Boolean
functions with low entropy", arXiv:1909.11522, 2019.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from flint import arb, fmpq, fmpq_mat
from numpy.typing import ArrayLike

from pfmap.errors import PfmapError
from pfmap.priors import as_fraction

from pfmap.geometry.cones.orthant import (DEFAULT_TOLERANCE, MAX_ORTHANT_DIMENSION, ArcsineSum, CertifiedProbability,
                                          check_options, closed_form, orthant_probability_balls, with_precision)
from pfmap.geometry.cones.polyhedra import cone_rays, exact_rank, triangulate_cone

METHODS = ("auto", "girard", "triangulation")
_NOT_POINTED = ("the cone {u : G u > 0} must be non-empty, full-dimensional and pointed "
                "(its normals must span the space)")


def _integer_rows(G) -> list[list[int]]:
    arr = np.asarray(G, dtype=object)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise PfmapError("the cone needs a non-empty 2-D array of integer normals G (cone = {u : G u > 0})")
    rows = []
    for row in arr.tolist():
        out = []
        for v in row:
            if isinstance(v, bool) or int(v) != v:
                raise PfmapError(f"cone normals must be integers; got {v!r}")
            out.append(int(v))
        if not any(out):
            raise PfmapError("a cone normal is the zero vector; drop it (0 > 0 never holds)")
        rows.append(out)
    return rows


def _variances(variances, d: int) -> list[Fraction]:
    values = [as_fraction(v, "variance") for v in variances]
    if len(values) != d:
        raise PfmapError(f"one variance per coordinate: the cone lives in dimension {d}, got {len(values)} variances")
    return values


def _metric_dot(g, h, var) -> Fraction:
    return sum((Fraction(a * b) * s for a, b, s in zip(g, h, var)), Fraction(0))


def _girard(rows, var) -> ArcsineSum:
    """Solid angle of a pointed cone in dimension <= 3 as ``1/2 - sum acos(c_e)/(k pi)``, in arcsine form."""
    d = len(var)
    if d == 1:
        if len({row[0] > 0 for row in rows}) != 1:
            raise PfmapError(_NOT_POINTED)
        return ArcsineSum(Fraction(1, 2))
    rays, tight = cone_rays(rows)
    ray_list = rays.tolist()
    if len(ray_list) < d or exact_rank(ray_list) < d:
        raise PfmapError(_NOT_POINTED)
    facets = {}
    for i, row in enumerate(rows):
        on = np.flatnonzero(tight[i]).tolist()
        if len(on) >= d - 1 and exact_rank([ray_list[j] for j in on]) == d - 1:
            g = [int(x) for x in row]
            norm = math.gcd(*g)
            facets.setdefault(tuple(x // norm for x in g), i)  # parallel duplicates are one facet
    facet_rows = [rows[i] for i in facets.values()]
    # acos(c) = pi/2 - asin(c): each edge contributes -1/(2k) + asin(c)/(k pi), k = 2 (plane) or 4 (space)
    k = 2 if d == 2 else 4
    out = ArcsineSum(Fraction(1, 2))
    edges = [tuple(facet_rows)] if d == 2 else []
    if d == 3:
        for ray in ray_list:
            through = [g for g in facet_rows if sum(a * b for a, b in zip(g, ray)) == 0]
            if len(through) != 2:
                raise PfmapError(_NOT_POINTED)  # pragma: no cover
            edges.append(tuple(through))
    for g, h in edges:
        out.constant -= Fraction(1, 2 * k)
        out.add(Fraction(1, k), _metric_dot(g, h, var), _metric_dot(g, g, var) * _metric_dot(h, h, var))
    return out


def simplex_covariance(ray_rows: Sequence[Sequence[int]], var: Sequence[Fraction]) -> list[list[Fraction]]:
    """Covariance ``(R^T D^-1 R)^-1`` of the simplex coordinates ``lambda`` (rays as rows of ``ray_rows``).

    Parameters
    ----------
    ray_rows : sequence of d integer sequences of length d
        The linearly independent rays spanning the simplicial cone.
    var : sequence of d Fraction
        The variances (diagonal of ``D``).

    Returns
    -------
    list of lists of Fraction
        The exact d x d covariance of ``lambda = R^-1 u`` for ``u ~ N(0, D)``.

    Examples
    --------
    >>> simplex_covariance([[1, 0], [1, 1]], [Fraction(1), Fraction(1)])
    [[Fraction(2, 1), Fraction(-1, 1)], [Fraction(-1, 1), Fraction(1, 1)]]
    """
    d = len(var)
    gram = fmpq_mat(d, d, [sum((fmpq(int(a) * int(b)) / fmpq(s.numerator, s.denominator)
                                for a, b, s in zip(ri, rj, var)), fmpq(0))
                           for ri in ray_rows for rj in ray_rows])
    inv = gram.inv()
    return [[Fraction(int(inv[i, j].p), int(inv[i, j].q)) for j in range(d)] for i in range(d)]


def triangulated_measure(rows: Sequence[Sequence[int]], var: Sequence[Fraction], *, path: str = "identity",
                         tolerance: float = DEFAULT_TOLERANCE,
                         with_expression: bool = False) -> tuple[arb, ArcsineSum | None, int]:
    """Sum of the simplicial cones' orthant probabilities: ``(ball, closed form or None, number of simplices)``.

    Parameters
    ----------
    rows : sequence of integer sequences
        Normals ``G`` (rows) of a pointed, full-dimensional cone ``{u : G u > 0}`` in dimension ``d <= 6``.
    var : sequence of d Fraction
        The variances of the coordinates of ``u``.
    path, tolerance : as in :func:`cone_gaussian_measure`.
    with_expression : bool
        Also sum the simplices' closed forms (dimension <= 3 only).

    Returns
    -------
    ball : flint.arb
        Contains ``P(G u > 0)``.
    closed : ArcsineSum or None
        The exact sum of closed forms with ``with_expression``, else None.
    count : int
        The number of simplicial cones of the triangulation.

    Raises
    ------
    PfmapError
        If the cone is not pointed and full-dimensional.

    Examples
    --------
    >>> ball, closed, count = triangulated_measure([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, -1]], [1, 1, 1],
    ...                                            with_expression=True)
    >>> count, bool(ball.overlaps(closed.ball()))
    (2, True)
    """
    simplices = _simplex_covariances(rows, var)
    closed = ArcsineSum() if with_expression else None
    if closed is not None:
        for S in simplices:
            closed += closed_form(S)
    balls = orthant_probability_balls(simplices, path=path, tolerance=tolerance)
    return with_precision(tolerance, lambda: sum(balls, arb(0))), closed, len(simplices)


def _simplex_covariances(rows, var) -> list[list[list[Fraction]]]:
    try:
        rays, simplices = triangulate_cone(rows)
    except ValueError:
        raise PfmapError(_NOT_POINTED) from None
    ray_list = rays.tolist()
    return [simplex_covariance([ray_list[j] for j in simplex], var) for simplex in simplices]


def cone_gaussian_measures(cones: Sequence[ArrayLike], variances: Sequence[int | float | str | Fraction], *,
                           path: str = "identity", tolerance: float = DEFAULT_TOLERANCE,
                           workers: int | None = None) -> list[CertifiedProbability]:
    """:func:`cone_gaussian_measure` (by triangulation) of many cones in the same space at once.

    Every cone is triangulated, and all simplicial cones of dimension 6 are
    computed in one parallel batch (``workers`` threads, default: every core
    this process may use), once per correlation pattern.

    Parameters
    ----------
    cones : list of 2-D integer arrays
        Normals ``G`` (rows) of pointed, full-dimensional cones ``{u : G u > 0}``, one dimension ``d <= 6``.
    variances : sequence
        Exact positive variances, one per coordinate.
    path, tolerance : as in :func:`cone_gaussian_measure`.
    workers : int, optional
        Threads for the dimension-6 batch.

    Returns
    -------
    list of CertifiedProbability
        One per cone, in order; ``error`` bounds the sum over its simplicial cones.

    Raises
    ------
    PfmapError
        As :func:`cone_gaussian_measure`.

    Examples
    --------
    >>> eye = [[int(i == j) for j in range(6)] for i in range(6)]
    >>> flip = [[-v for v in row] for row in eye]
    >>> [abs(m.probability - 1 / 64) <= m.error < 1e-11 for m in cone_gaussian_measures([eye, flip], [1] * 6)]
    [True, True]
    """
    check_options(path, "auto", tolerance)
    all_rows = [_integer_rows(G) for G in cones]
    if not all_rows:
        return []
    d = len(all_rows[0][0])
    if any(len(rows[0]) != d for rows in all_rows):
        raise PfmapError("every cone must live in the same dimension (one row length for all cones)")
    var = _variances(variances, d)
    if d > MAX_ORTHANT_DIMENSION:
        raise PfmapError(f"certified Gaussian measures of cones run up to dimension {MAX_ORTHANT_DIMENSION}; "
                         f"got {d}: estimate it by sampling")
    per_cone = []
    for rows in all_rows:
        if exact_rank(rows) < d:
            raise PfmapError(_NOT_POINTED)
        per_cone.append(_simplex_covariances(rows, var))
    flat = [S for simplices in per_cone for S in simplices]
    balls = orthant_probability_balls(flat, path=path, tolerance=tolerance, workers=workers)
    out, at = [], 0
    for simplices in per_cone:
        part = balls[at:at + len(simplices)]
        at += len(simplices)
        out.append(CertifiedProbability.from_ball(with_precision(tolerance, lambda: sum(part, arb(0)))))
    return out


def cone_gaussian_measure(G: ArrayLike, variances: Sequence[int | float | str | Fraction], *, method: str = "auto",
                          path: str = "identity", tolerance: float = DEFAULT_TOLERANCE) -> CertifiedProbability:
    """Probability that ``u ~ N(0, diag(variances))`` satisfies ``G u > 0``.

    Parameters
    ----------
    G : 2-D integer array
        Normals (rows, redundant ones allowed) of a pointed, full-dimensional
        cone ``{u : G u > 0}`` in dimension ``d <= 6``.
    variances : sequence
        Exact positive numbers, one per coordinate.
    method : {"auto", "girard", "triangulation"}
        ``"girard"`` (d <= 3, the default there) or ``"triangulation"`` (any d;
        the default from d = 4).
    path : {"identity", "pairs"}
        Plackett path for simplicial cones of dimension 4 and 5.
    tolerance : float
        Target error per simplicial cone (at least 1e-12 in dimension 6).

    Returns
    -------
    CertifiedProbability
        In dimension <= 3 a simplified sympy closed form (``exact``; ``error``
        is 0), in dimensions 4 to 6 a certified value with ``error`` a rigorous
        bound (about ``tolerance`` per simplicial cone).

    Raises
    ------
    PfmapError
        For non-integer or zero normals, a cone that is not pointed and
        full-dimensional, wrong variances, dimension above 6 or unknown options.

    Examples
    --------
    >>> cone_gaussian_measure([[1, 0, 1], [0, 1, 1], [0, 0, -1]], [1, 1, 1]).exact    # OR on {0,1}^2
    1/24
    >>> cone_gaussian_measure([[1, 0], [0, 1]], [1, 4]).exact                         # a quadrant
    1/4
    >>> m = cone_gaussian_measure([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], [1, 2, 3, 4])
    >>> abs(m.probability - 1 / 16) <= m.error < 1e-15
    True
    >>> m = cone_gaussian_measure([[int(i == j) for j in range(6)] for i in range(6)], [1, 2, 3, 4, 5, 6])
    >>> abs(m.probability - 1 / 64) <= m.error < 1e-11
    True

    References
    ----------
    A. Girard, 1629; A. Van Oosterom, J. Strackee, IEEE Trans. Biomed. Eng. 30, 1983;
    R. L. Plackett, Biometrika 41, 1954.
    """
    if method not in METHODS:
        raise PfmapError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    check_options(path, "auto", tolerance)
    rows = _integer_rows(G)
    d = len(rows[0])
    var = _variances(variances, d)
    if d > MAX_ORTHANT_DIMENSION:
        raise PfmapError(f"certified Gaussian measures of cones run up to dimension {MAX_ORTHANT_DIMENSION}; "
                         f"got {d}: estimate it by sampling")
    if exact_rank(rows) < d:
        raise PfmapError(_NOT_POINTED)
    if method == "girard" and d > 3:
        raise PfmapError(f"Girard's formula is for cones in dimension <= 3; got {d}: use method='triangulation'")
    if d <= 3 and method != "triangulation":
        closed = _girard(rows, var)
        return CertifiedProbability.from_ball(with_precision(tolerance, closed.ball), closed.expression())
    ball, closed, _ = triangulated_measure(rows, var, path=path, tolerance=tolerance, with_expression=d <= 3)
    if closed is not None:
        return CertifiedProbability.from_ball(with_precision(tolerance, closed.ball), closed.expression())
    return CertifiedProbability.from_ball(ball)
