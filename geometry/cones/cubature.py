"""Standard-normal probability of the cone from the origin over a simplex (the output cells' pieces).

A piece of a cell is a simplex ``T`` lying on a hyperplane that misses the
origin; the cone over it has probability ``∫_T c_d h |z|^-d dA`` (the
central projection of the standard normal, ``c_d = Gamma(d/2) / (2
pi^(d/2))``, ``h`` the hyperplane's distance from the origin):

* ``d = 1``: a point, 1/2;  ``d = 2``: the angle of a segment over ``2 pi``;
* ``d = 3``: the solid angle of a triangle (Van Oosterom–Strackee) over ``4 pi``;
* ``d = 4``: no elementary form (an orthant probability in four
  dimensions); the integrand is smooth and bounded on the piece, so the
  degree-9 Grundmann–Möller rule is used where it agrees with the degree-7
  rule to ``_CUBATURE_TOLERANCE``, the tetrahedron is bisected otherwise.

References
----------
A. Van Oosterom, J. Strackee, "The solid angle of a plane triangle", IEEE Trans. Biomed. Eng. 30, 1983.
A. Grundmann, H. M. Möller, "Invariant integration formulas for the n-simplex by combinatorial
methods", SIAM J. Numer. Anal. 15, 1978.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from functools import lru_cache

import numba
import numpy as np

_CUBATURE_TOLERANCE = 1e-7    # absolute, per tetrahedron: |degree-9 - degree-7| accepted
STACK = 64                   # bisection depth of one tetrahedron
_LOW_POINTS = 35              # the degree-7 rule comes first in the cubature arrays


@lru_cache(maxsize=None)
def grundmann_moller(n: int = 3, s: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Barycentric points and weights (summing to 1) of the Grundmann–Möller rule of degree ``2s+1``.

    Exact for polynomials of degree ``<= 2s+1`` on an ``n``-simplex, as the
    average over the simplex: ``∫_T f ≈ vol(T) * sum w_q f(x_q)``.

    Parameters
    ----------
    n : int
        Dimension of the simplex.
    s : int
        The rule has degree ``2s + 1``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(points, weights)``: barycentric coordinates ``(Q, n + 1)`` and weights ``(Q,)``.

    Examples
    --------
    >>> points, weights = grundmann_moller(3, 4)
    >>> points.shape, round(float(weights.sum()), 12)
    ((70, 4), 1.0)

    References
    ----------
    A. Grundmann, H. M. Möller, SIAM J. Numer. Anal. 15, 1978.
    """
    degree = 2 * s + 1
    points, weights = [], []
    for i in range(s + 1):
        coefficient = Fraction((-1) ** i * (degree + n - 2 * i) ** degree,
                               2 ** (2 * s) * math.factorial(i) * math.factorial(degree + n - i)) * math.factorial(n)
        for beta in itertools.product(range(s - i + 1), repeat=n + 1):
            if sum(beta) == s - i:
                points.append([(2 * b + 1) / (degree + n - 2 * i) for b in beta])
                weights.append(float(coefficient))
    return np.array(points), np.array(weights)


@lru_cache(maxsize=None)
def cubature_rules() -> tuple[np.ndarray, np.ndarray]:
    """The degree-7 and degree-9 Grundmann–Möller rules on a tetrahedron, stacked (35 + 70 points).

    Returns
    -------
    tuple of numpy.ndarray
        ``(points, weights)``: the degree-7 rule's 35 points first, then the degree-9 rule's 70.

    Examples
    --------
    >>> points, weights = cubature_rules()
    >>> points.shape, round(float(weights[:35].sum()), 12), round(float(weights[35:].sum()), 12)
    ((105, 4), 1.0, 1.0)

    References
    ----------
    A. Grundmann, H. M. Möller, SIAM J. Numer. Anal. 15, 1978.
    """
    low, high = grundmann_moller(3, 3), grundmann_moller(3, 4)
    assert len(low[0]) == _LOW_POINTS
    return np.vstack([low[0], high[0]]), np.concatenate([low[1], high[1]])


@numba.njit(cache=True)
def simplex_cone_cubature(verts, rule_points, rule_weights, stack):
    """Standard-normal probability of the cone from the origin over a simplex (vertices as rows).

    Parameters
    ----------
    verts : numpy.ndarray
        ``(d, d)``: the simplex's vertices, ``1 <= d <= 4``.
    rule_points, rule_weights : numpy.ndarray
        From :func:`cubature_rules` (used for ``d = 4``).
    stack : numpy.ndarray
        Scratch of ``STACK + 1`` simplices, ``(STACK + 1, d, d)``.

    Returns
    -------
    float
        The probability: closed forms up to ``d = 3``, the adaptive cubature (~1e-7 per tetrahedron) for 4.

    Examples
    --------
    >>> rules = cubature_rules()
    >>> round(simplex_cone_cubature(np.eye(3), *rules, np.empty((STACK + 1, 3, 3))), 12)   # an octant
    0.125
    >>> round(simplex_cone_cubature(np.eye(4), *rules, np.empty((STACK + 1, 4, 4))), 7)   # an orthant: 1/16
    0.0625

    References
    ----------
    A. Van Oosterom, J. Strackee, IEEE Trans. Biomed. Eng. 30, 1983; A. Grundmann, H. M. Möller, 1978.
    """
    nv, d = verts.shape
    if nv == 1:
        return 0.5
    if nv == 2:
        a, b = verts[0], verts[1]
        cross = a[0] * b[1] - a[1] * b[0]
        return math.atan2(abs(cross), a[0] * b[0] + a[1] * b[1]) / (2.0 * math.pi)
    if nv == 3:
        a, b, c = verts[0], verts[1], verts[2]
        la = math.sqrt(a[0] ** 2 + a[1] ** 2 + a[2] ** 2)
        lb = math.sqrt(b[0] ** 2 + b[1] ** 2 + b[2] ** 2)
        lc = math.sqrt(c[0] ** 2 + c[1] ** 2 + c[2] ** 2)
        triple = (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
                  + a[2] * (b[0] * c[1] - b[1] * c[0]))
        ab = a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
        ac = a[0] * c[0] + a[1] * c[1] + a[2] * c[2]
        bc = b[0] * c[0] + b[1] * c[1] + b[2] * c[2]
        den = la * lb * lc + ab * lc + ac * lb + bc * la
        return 2.0 * math.atan2(abs(triple), den) / (4.0 * math.pi)
    return _adaptive_cubature(verts, rule_points, rule_weights, stack)


@numba.njit(cache=True)
def det3(a00, a01, a02, a10, a11, a12, a20, a21, a22):
    """Determinant of the 3x3 matrix with rows ``(a00, a01, a02)``, ``(a10, ...)``, ``(a20, ...)``.

    Parameters
    ----------
    a00, a01, a02, a10, a11, a12, a20, a21, a22 : float
        The entries, row by row.

    Returns
    -------
    float

    Examples
    --------
    >>> det3(2.0, 0.0, 0.0, 0.0, 3.0, 0.0, 1.0, 0.0, 4.0)
    24.0
    """
    return a00 * (a11 * a22 - a12 * a21) - a01 * (a10 * a22 - a12 * a20) + a02 * (a10 * a21 - a11 * a20)


@numba.njit(cache=True)
def _det4(m):
    return (m[0, 0] * det3(m[1, 1], m[1, 2], m[1, 3], m[2, 1], m[2, 2], m[2, 3], m[3, 1], m[3, 2], m[3, 3])
            - m[0, 1] * det3(m[1, 0], m[1, 2], m[1, 3], m[2, 0], m[2, 2], m[2, 3], m[3, 0], m[3, 2], m[3, 3])
            + m[0, 2] * det3(m[1, 0], m[1, 1], m[1, 3], m[2, 0], m[2, 1], m[2, 3], m[3, 0], m[3, 1], m[3, 3])
            - m[0, 3] * det3(m[1, 0], m[1, 1], m[1, 2], m[2, 0], m[2, 1], m[2, 2], m[3, 0], m[3, 1], m[3, 2]))


@numba.njit(cache=True)
def _rule(verts, points, weights):
    """Average of ``|z|^-4`` over a tetrahedron by one rule (barycentric points)."""
    nv, d = verts.shape
    total = 0.0
    for q in range(len(weights)):
        r2 = 0.0
        for j in range(d):
            z = 0.0
            for k in range(nv):
                z += points[q, k] * verts[k, j]
            r2 += z * z
        total += weights[q] / (r2 * r2)
    return total


@numba.njit(cache=True)
def _adaptive_cubature(verts, rule_points, rule_weights, stack):
    """Probability of the cone over a tetrahedron ``T`` in R^4: ``∫_T h |z|^-4 dA / (2 pi^2)``.

    ``h`` is the distance of T's hyperplane from the origin, and ``h vol(T) = |det T| / 3!``.  The degree-9
    rule is taken where it agrees with the degree-7 one to ``_CUBATURE_TOLERANCE``, else the tetrahedron is
    bisected at its longest edge.
    """
    n_low = _LOW_POINTS
    stack[0] = verts
    top = 1
    total = 0.0
    scale = 1.0 / (2.0 * math.pi * math.pi)
    tet = stack[STACK]   # scratch row: the tetrahedron being examined
    while top > 0:
        top -= 1
        tet[:] = stack[top]
        vol = abs(_det4(tet)) / 6.0 * scale
        high = vol * _rule(tet, rule_points[n_low:], rule_weights[n_low:])
        low = vol * _rule(tet, rule_points[:n_low], rule_weights[:n_low])
        if abs(high - low) <= _CUBATURE_TOLERANCE or top + 2 > STACK:
            total += high
            continue
        best, bi, bj = -1.0, 0, 1
        for i in range(4):
            for j in range(i + 1, 4):
                e = 0.0
                for c in range(tet.shape[1]):
                    e += (tet[i, c] - tet[j, c]) ** 2
                if e > best:
                    best, bi, bj = e, i, j
        stack[top + 1] = tet
        for c in range(tet.shape[1]):
            mid = 0.5 * (tet[bi, c] + tet[bj, c])
            stack[top, bi, c] = mid
            stack[top + 1, bj, c] = mid
        top += 2
    return total
