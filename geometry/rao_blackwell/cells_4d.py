"""Exact Gaussian conditional laws in dimension 4 for normals that allow them: four planes, or a 3-dimensional span.

The cells of the central arrangement of the planes ``g_x . z = 0`` in
``R^4`` and their standard-normal measures, without cutting simplices,
when the normals allow a closed form (the exact law of
``conditional_function_law``; the estimate samples directions instead,
:mod:`pfmap.geometry.rao_blackwell.directions_4d`, cheaper per sample):

* Four independent planes (the generic case with four inputs): with unit
  normals ``u_p`` and ``y = U z``, the cells are the 16 sign patterns ``s``
  of ``y``, and expanding the indicator of a sign pattern in the characters
  ``prod_{p in S} s_p`` gives

      P(s) = 1/16 [1 + (2/pi) sum_{p<q} s_p s_q asin(rho_pq) + s_1 s_2 s_3 s_4 M4],

  since the odd moments of the signs vanish, ``E[sign y_p sign y_q] =
  (2/pi) asin(rho_pq)`` (Sheppard) and ``M4 = E[prod sign y_p]`` is the one
  quantity without a closed form.  Plackett's reduction along
  ``R(t) = I + t (R - I)`` gives

      M4 = (4/pi^2) sum_{p<q} rho_pq  int_0^1 asin(rho_rs.pq(t)) / sqrt(1 - t^2 rho_pq^2) dt,

  with ``{r, s}`` the other two planes and ``rho_rs.pq(t)`` their partial
  correlation given ``p, q`` under ``R(t)``: a smooth integrand, taken by
  Gauss-Legendre quadrature after the substitution ``t = 1 - v^2``
  (graded panels, :func:`plackett_rule`: the integrands are nearly
  singular at ``t = 1`` when ``R`` is); the sample goes back to the caller
  (another kernel) when ``det R < _MIN_DET``.
* Planes spanning at most three dimensions: ``z``'s projection on the span
  is standard normal there, so the normals go to Girard's formula
  (:func:`pfmap.geometry.rao_blackwell.cells_3d.girard_cells`) in three coordinates.  A
  feature that vanishes at every input (a ReLU unit always off, the common
  case) is dropped exactly; otherwise the normals are rotated into an
  orthonormal basis of their span, and since the rotation can blur the
  exact coincidences Girard's kernel relies on, a law that does not sum to
  1 sends the sample back to the caller.

References
----------
W. F. Sheppard, Phil. Trans. R. Soc. A 192, 1899; R. L. Plackett, Biometrika 41, 1954;
A. Girard, 1629.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pfmap.geometry.rao_blackwell.cells_3d import girard_cells
from pfmap.geometry.rao_blackwell.planes import distinct_planes, plane_bits, truth_table

_MIN_DET = 1e-13      # Gram determinant of the four unit normals below which the quadrature is not trusted
_SPAN = 1e-12         # a normal this close to the span of the earlier ones lies in it


def plackett_rule(levels: int = 10, orders: tuple[int, ...] = (20, 14, 10, 8)) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights in ``t`` for the Plackett integrals over ``t`` in [0, 1] (see the module docstring).

    ``t = 1 - v^2`` and Gauss-Legendre panels in ``v`` graded towards ``v = 0`` (``[1/2, 1]``, ``[1/4, 1/2]``,
    ..., ``[0, 2^-levels]``).  The integrands have a square-root singularity just beyond ``t = 1`` when the
    four normals are nearly dependent; on 681 generic ReLU samples (``det R`` down to 4e-12) the default
    108-node rule is within 2e-11 of a 1,000-node one.

    Parameters
    ----------
    levels : int
        Graded panels below ``v = 1/2``.
    orders : tuple of int
        Gauss-Legendre orders of the panels from ``v = 1`` down, the last repeated.

    Returns
    -------
    tuple of numpy.ndarray
        ``(nodes, weights)`` in ``t``.

    Examples
    --------
    >>> nodes, weights = plackett_rule()
    >>> len(nodes), round(float(weights.sum()), 12), round(float((weights * nodes).sum()), 12)   # int 1, int t
    (108, 1.0, 0.5)

    References
    ----------
    R. L. Plackett, "A reduction formula for normal multivariate integrals", Biometrika 41, 1954.
    """
    v, w = [], []
    edges = [0.0] + [2.0 ** -j for j in range(levels, -1, -1)]
    panels = list(zip(edges[:-1], edges[1:]))[::-1]
    for i, (a, b) in enumerate(panels):
        x, wx = np.polynomial.legendre.leggauss(orders[min(i, len(orders) - 1)])
        v.extend(a + (b - a) * (x + 1) / 2)
        w.extend((b - a) * wx / 2)
    v, w = np.array(v), np.array(w)
    return 1.0 - v * v, 2.0 * v * w


PLACKETT = plackett_rule()     # nodes and weights of the Plackett integrals


@numba.njit(cache=True, inline="always")
def _plackett_m4(r, nodes, weights):
    """M4 = E[prod_p sign y_p] for y ~ N(0, r), r a 4x4 correlation matrix (see the module docstring);
    ``nodes``, ``weights``: a rule for integrals over t in [0, 1] (:func:`plackett_rule`)."""
    total = 0.0
    for p in range(4):
        for q in range(p + 1, 4):
            rho = r[p, q]
            if rho == 0.0:
                continue
            a_, b_ = -1, -1
            for v in range(4):
                if v != p and v != q:
                    if a_ < 0:
                        a_ = v
                    else:
                        b_ = v
            acc = 0.0
            for k in range(len(nodes)):
                t = nodes[k]
                c = t * rho
                inv = 1.0 / (1.0 - c * c)
                ap, aq = t * r[a_, p], t * r[a_, q]
                bp, bq = t * r[b_, p], t * r[b_, q]
                caa = 1.0 - (ap * ap - 2.0 * c * ap * aq + aq * aq) * inv
                cbb = 1.0 - (bp * bp - 2.0 * c * bp * bq + bq * bq) * inv
                cab = t * r[a_, b_] - (ap * bp - c * (ap * bq + aq * bp) + aq * bq) * inv
                den = caa * cbb
                pc = cab / math.sqrt(den) if den > 0.0 else 0.0
                pc = min(1.0, max(-1.0, pc))
                acc += weights[k] * math.asin(pc) * math.sqrt(inv)
            total += rho * acc
    return 4.0 / (math.pi * math.pi) * total


@numba.njit(cache=True)
def gaussian_cells_4d(g, probs, seen, raw, unit, plane, orient, through, angles, pos_bits, neg_bits, touched,
                      g3, r, nodes, weights):
    """Add the standard-normal measure of every cell of the planes ``g[x] . z = 0`` (R^4) to ``probs``, exactly.

    Parameters
    ----------
    g : numpy.ndarray
        ``(m, 4)`` normals.
    probs : numpy.ndarray
        ``(2^m,)``, all zeros on entry: each cell's measure is added at its truth table.
    seen, raw, unit, plane, orient, through, angles, pos_bits, neg_bits, touched : numpy.ndarray
        As for :func:`pfmap.geometry.rao_blackwell.cells_3d.girard_cells` (``raw``, ``unit`` ``(m, 4)``).
    g3, r : numpy.ndarray
        ``(m, 3)`` and ``(4, 4)`` scratch.
    nodes, weights : numpy.ndarray
        The Plackett rule (:func:`plackett_rule`); empty arrays send four independent planes back (-1).

    Returns
    -------
    int
        The number of cells (truth tables in ``touched``, ``seen`` cleared), or -1 with ``probs`` untouched
        when another kernel must measure the sample: five or more distinct planes, nearly dependent normals,
        or a rotated law that fails its check.

    Examples
    --------
    >>> g = np.eye(4)                                      # four orthogonal planes: 16 orthants of 1/16
    >>> probs, seen, touched = np.zeros(16), np.zeros(16, np.bool_), np.empty(17, np.int64)
    >>> i = lambda: np.empty(4, np.int64)
    >>> gaussian_cells_4d(g, probs, seen, np.empty((4, 4)), np.empty((4, 4)), i(), i(), i(), np.empty(8), i(),
    ...                   i(), touched, np.empty((4, 3)), np.empty((4, 4)), *PLACKETT)
    16
    >>> bool(np.allclose(probs, 1 / 16, atol=1e-14))
    True

    References
    ----------
    W. F. Sheppard, Phil. Trans. R. Soc. A 192, 1899; R. L. Plackett, Biometrika 41, 1954.
    """
    m = g.shape[0]
    # a feature that is 0 at every input (a ReLU unit that is always off) leaves the normals in a coordinate
    # subspace: drop it exactly, which keeps every exact zero and coincidence that Girard's kernel relies on
    kept = 0
    for j in range(4):
        nonzero = False
        for x in range(m):
            nonzero = nonzero or g[x, j] != 0.0
        if nonzero:
            if kept == 3:
                kept = 4
                break
            for x in range(m):
                g3[x, kept] = g[x, j]
            kept += 1
    if kept <= 3:
        for c in range(kept, 3):
            for x in range(m):
                g3[x, c] = 0.0
        return girard_cells(g3, probs, seen, raw, unit, plane, orient, through, angles, pos_bits, neg_bits,
                            touched)
    k = distinct_planes(g, raw, unit, plane, orient)
    if k > 4:
        return -1
    # orthonormal basis of the span of the normals (Gram-Schmidt), in the rows of r
    rank = 0
    for p in range(k):
        for j in range(4):
            r[rank, j] = unit[p, j]
        for q in range(rank):
            dot = 0.0
            for j in range(4):
                dot += r[rank, j] * r[q, j]
            for j in range(4):
                r[rank, j] -= dot * r[q, j]
        norm = 0.0
        for j in range(4):
            norm += r[rank, j] * r[rank, j]
        norm = math.sqrt(norm)
        if norm > _SPAN:
            for j in range(4):
                r[rank, j] /= norm
            rank += 1
    if rank <= 3:
        # dependent features (units active at every input): rotate into an orthonormal basis of the span; the
        # rotation blurs exact coincidences by rounding, so a law that does not sum to 1 goes to the simplex
        # cutting instead (``probs`` is all zeros on entry)
        for x in range(m):
            for c in range(3):
                v = 0.0
                if c < rank:
                    for j in range(4):
                        v += g[x, j] * r[c, j]
                g3[x, c] = v
        met = girard_cells(g3, probs, seen, raw, unit, plane, orient, through, angles, pos_bits, neg_bits,
                           touched)
        total = 0.0
        low = 0.0
        for q in range(met):
            total += probs[touched[q]]
            low = min(low, probs[touched[q]])
        if abs(total - 1.0) <= 1e-12 and low >= -1e-15:
            return met
        for q in range(met):
            probs[touched[q]] = 0.0
        return -1
    # four independent planes: correlations of y = U z
    for p in range(4):
        for q in range(4):
            v = 0.0
            for j in range(4):
                v += unit[p, j] * unit[q, j]
            r[p, q] = v
    if len(nodes) == 0:
        return -1                      # an empty rule: the caller measures four planes otherwise
    det = np.linalg.det(r)
    if det < _MIN_DET:
        return -1
    m4 = _plackett_m4(r, nodes, weights)
    plane_bits(plane, orient, 4, pos_bits, neg_bits)
    c = 2.0 / math.pi
    a01, a02, a03 = (c * math.asin(min(1.0, max(-1.0, r[0, 1]))), c * math.asin(min(1.0, max(-1.0, r[0, 2]))),
                     c * math.asin(min(1.0, max(-1.0, r[0, 3]))))
    a12, a13, a23 = (c * math.asin(min(1.0, max(-1.0, r[1, 2]))), c * math.asin(min(1.0, max(-1.0, r[1, 3]))),
                     c * math.asin(min(1.0, max(-1.0, r[2, 3]))))
    for signs in range(16):
        s0, s1 = 1.0 if signs & 1 else -1.0, 1.0 if signs & 2 else -1.0
        s2, s3 = 1.0 if signs & 4 else -1.0, 1.0 if signs & 8 else -1.0
        value = (1.0 + s0 * (s1 * a01 + s2 * a02 + s3 * a03) + s1 * (s2 * a12 + s3 * a13) + s2 * s3 * a23
                 + s0 * s1 * s2 * s3 * m4)
        code = truth_table(signs, 4, pos_bits, neg_bits)
        probs[code] += value / 16.0
        touched[signs] = code
    return 16
