"""Exact cells of a hyperplane arrangement by cutting simplices: the general route for any dimension and prior.

The output unit's normals ``g_x`` (whitened: ``z`` standard normal or
uniform on the cube ``[-1, 1]^d``) cut space into cones, one per truth
table.  Every cone from the origin meets the boundary of a polytope around
it, so both measures reduce to that boundary:

* uniform: on the cube's ``2d`` facets (distance 1),
  ``vol(C ∩ cube) = sum over facets F of vol(C ∩ F) / d`` (pyramids from
  the origin), out of ``2^d``;
* Gaussian: on the cross-polytope's ``2^d`` facets (small, close to the
  sphere), the cone over a piece has the probability computed by
  :mod:`pfmap.geometry.cones.cubature` (closed forms up to ``d = 3``,
  cubature for ``d = 4``).

Each facet, a simplex (Kuhn triangulation for the cube), is cut by every
hyperplane in turn; a simplex cut by a hyperplane is split into simplices on
either side (a tetrahedron into a tetrahedron and a prism of three, or two
prisms), and each simplex carries the bits of the sides it lies on: the
truth table.  Hyperplanes that coincide (ReLU units that are off at several
inputs give identical or parallel feature vectors: their 2x2 minors vanish,
up to ``PARALLEL`` after rounding) cost no cut; a zero normal (no bias and
``phi(x) = 0``) means ``f(x) = 0``.

The cells are exact up to float rounding, and so are the measures of the
box and of the Gaussian for ``d <= 3``; the Gaussian ``d = 4`` cubature is
good to about 1e-5 and takes milliseconds (the Rao-Blackwell estimate uses
:mod:`pfmap.geometry.rao_blackwell.slices_4d` there; this route is its
independent check).

References
----------
H. W. Kuhn, "Some combinatorial lemmas in topology", IBM J. Res. Dev. 4, 1960 (the cube triangulation).
A. Grundmann, H. M. Möller, SIAM J. Numer. Anal. 15, 1978 (the cubature).
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numba
import numpy as np

from pfmap.geometry.cones.cubature import det3, simplex_cone_cubature
from pfmap.geometry.rao_blackwell.planes import PARALLEL

_TOLERANCE = 1e-12            # relative: a vertex this close to a hyperplane lies on it


@lru_cache(maxsize=None)
def cube_facet_simplices(d: int) -> tuple[np.ndarray, np.ndarray]:
    """Kuhn triangulation of the ``2d`` facets of ``[-1, 1]^d``.

    Parameters
    ----------
    d : int
        The dimension.

    Returns
    -------
    tuple of numpy.ndarray
        Vertices ``(S, d, d)`` of the ``S = 2d (d-1)!`` simplices and each one's facet axis ``(S,)``.

    Examples
    --------
    >>> verts, axis = cube_facet_simplices(3)
    >>> verts.shape, sorted(set(axis.tolist()))
    ((12, 3, 3), [0, 1, 2])
    """
    D = d - 1
    simplices, axes = [], []
    for axis in range(d):
        others = [i for i in range(d) if i != axis]
        for sign in (-1.0, 1.0):
            for perm in itertools.permutations(range(D)):
                point = np.full(d, -1.0)
                point[axis] = sign
                verts = [point.copy()]
                for j in perm:
                    point[others[j]] = 1.0
                    verts.append(point.copy())
                simplices.append(verts)
                axes.append(axis)
    return np.array(simplices, dtype=np.float64), np.array(axes, dtype=np.int64)


@lru_cache(maxsize=None)
def cross_polytope_facets(d: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``2^d`` facets of the cross-polytope ``|z|_1 <= 1``, each a simplex ``(sigma_i e_i)``.

    Its facets are small and close to the unit sphere, so the Gaussian's
    facet density varies less on each than on the cube's.

    Parameters
    ----------
    d : int
        The dimension.

    Returns
    -------
    tuple of numpy.ndarray
        Vertices ``(2^d, d, d)`` and axes (all -1: no cube facet).

    Examples
    --------
    >>> verts, _ = cross_polytope_facets(3)
    >>> verts.shape
    (8, 3, 3)
    """
    simplices = [np.diag(np.array(signs, dtype=np.float64)) for signs in itertools.product((1, -1), repeat=d)]
    return np.array(simplices), np.full(len(simplices), -1, dtype=np.int64)


@numba.njit(cache=True)
def _put(out, out_code, out_axis, count, pts, i0, i1, i2, i3, nv, code, axis):
    """Append the simplex with vertices ``pts[i0..]`` (its first ``nv``) and its truth table."""
    out[count, 0, :] = pts[i0]
    out[count, 1, :] = pts[i1]
    if nv > 2:
        out[count, 2, :] = pts[i2]
    if nv > 3:
        out[count, 3, :] = pts[i3]
    out_code[count] = code
    out_axis[count] = axis
    return count + 1


@numba.njit(cache=True)
def _prism(out, out_code, out_axis, count, pts, a0, a1, a2, b0, b1, b2, code, axis):
    """A triangular prism with edges a_i-b_i as three tetrahedra (staircase triangulation)."""
    count = _put(out, out_code, out_axis, count, pts, a0, a1, a2, b2, 4, code, axis)
    count = _put(out, out_code, out_axis, count, pts, a0, a1, b1, b2, 4, code, axis)
    return _put(out, out_code, out_axis, count, pts, a0, b0, b1, b2, 4, code, axis)


@numba.njit(cache=True)
def _split(verts, vals, tol, code, bit, axis, out, out_code, out_axis, count, pts, side):
    """Append the pieces of one simplex cut by a hyperplane (``vals``: the form at its vertices).

    ``pts`` and ``side`` are work arrays of at least ``nv + 4`` rows and ``3 * nv`` entries.
    """
    nv, d = verts.shape
    n_p = n_n = n_z = 0
    for k in range(nv):   # side[0:nv] positive, side[nv:2nv] negative, side[2nv:3nv] on the hyperplane
        if vals[k] > tol:
            side[n_p] = k
            n_p += 1
        elif vals[k] < -tol:
            side[nv + n_n] = k
            n_n += 1
        else:
            side[2 * nv + n_z] = k
            n_z += 1
    if n_n == 0 or n_p == 0:
        for k in range(nv):
            out[count, k, :] = verts[k]
        out_code[count] = code | bit if n_n == 0 else code
        out_axis[count] = axis
        return count + 1
    # point table: the vertices, then the edge points e(p_i, n_j) at nv + i * n_n + j
    for k in range(nv):
        pts[k] = verts[k]
    for i in range(n_p):
        for j in range(n_n):
            p, q = side[i], side[nv + j]
            t = vals[p] / (vals[p] - vals[q])
            pts[nv + i * n_n + j] = verts[p] + t * (verts[q] - verts[p])
    P0, P1, N0, N1 = side[0], side[1], side[nv], side[nv + 1]
    Z0, Z1 = side[2 * nv], side[2 * nv + 1]
    hi, lo = code | bit, code
    e0, e1, e2, e3 = nv, nv + 1, nv + 2, nv + 3
    if nv == 2:
        count = _put(out, out_code, out_axis, count, pts, P0, e0, 0, 0, 2, hi, axis)
        return _put(out, out_code, out_axis, count, pts, N0, e0, 0, 0, 2, lo, axis)
    if nv == 3:
        if n_z == 1:
            count = _put(out, out_code, out_axis, count, pts, P0, Z0, e0, 0, 3, hi, axis)
            return _put(out, out_code, out_axis, count, pts, N0, Z0, e0, 0, 3, lo, axis)
        if n_p == 1:   # e0 = e(P0, N0), e1 = e(P0, N1)
            count = _put(out, out_code, out_axis, count, pts, P0, e0, e1, 0, 3, hi, axis)
            count = _put(out, out_code, out_axis, count, pts, N0, N1, e1, 0, 3, lo, axis)
            return _put(out, out_code, out_axis, count, pts, N0, e1, e0, 0, 3, lo, axis)
        # e0 = e(P0, N0), e1 = e(P1, N0)
        count = _put(out, out_code, out_axis, count, pts, N0, e0, e1, 0, 3, lo, axis)
        count = _put(out, out_code, out_axis, count, pts, P0, P1, e1, 0, 3, hi, axis)
        return _put(out, out_code, out_axis, count, pts, P0, e1, e0, 0, 3, hi, axis)
    # tetrahedra
    if n_z == 2:
        count = _put(out, out_code, out_axis, count, pts, P0, Z0, Z1, e0, 4, hi, axis)
        return _put(out, out_code, out_axis, count, pts, N0, Z0, Z1, e0, 4, lo, axis)
    if n_z == 1:
        if n_p == 1:   # e(P0, N0), e(P0, N1): a tetrahedron and a pyramid over a quadrilateral
            count = _put(out, out_code, out_axis, count, pts, P0, Z0, e0, e1, 4, hi, axis)
            count = _put(out, out_code, out_axis, count, pts, Z0, N0, N1, e1, 4, lo, axis)
            return _put(out, out_code, out_axis, count, pts, Z0, N0, e1, e0, 4, lo, axis)
        # e(P0, N0), e(P1, N0)
        count = _put(out, out_code, out_axis, count, pts, N0, Z0, e0, e1, 4, lo, axis)
        count = _put(out, out_code, out_axis, count, pts, Z0, P0, P1, e1, 4, hi, axis)
        return _put(out, out_code, out_axis, count, pts, Z0, P0, e1, e0, 4, hi, axis)
    if n_p == 1:   # a tetrahedron and a prism (N0 N1 N2 | e0 e1 e2)
        count = _put(out, out_code, out_axis, count, pts, P0, e0, e1, e2, 4, hi, axis)
        return _prism(out, out_code, out_axis, count, pts, N0, N1, side[nv + 2], e0, e1, e2, lo, axis)
    if n_n == 1:
        count = _put(out, out_code, out_axis, count, pts, N0, e0, e1, e2, 4, lo, axis)
        return _prism(out, out_code, out_axis, count, pts, P0, P1, side[2], e0, e1, e2, hi, axis)
    # two prisms; e(Pi, Nj) at nv + 2i + j
    count = _prism(out, out_code, out_axis, count, pts, P0, e0, e1, P1, e2, e3, hi, axis)
    return _prism(out, out_code, out_axis, count, pts, N0, e0, e2, N1, e1, e3, lo, axis)


@numba.njit(cache=True)
def _facet_volume(verts, axis):
    """(d-1)-volume of a simplex lying in a facet of the cube (the facet's coordinate dropped)."""
    nv, d = verts.shape
    if nv == 1:
        return 1.0
    c0, c1, c2 = -1, -1, -1   # the coordinates other than `axis`
    for j in range(d):
        if j != axis:
            if c0 < 0:
                c0 = j
            elif c1 < 0:
                c1 = j
            else:
                c2 = j
    if nv == 2:
        return abs(verts[1, c0] - verts[0, c0])
    if nv == 3:
        return abs((verts[1, c0] - verts[0, c0]) * (verts[2, c1] - verts[0, c1])
                   - (verts[1, c1] - verts[0, c1]) * (verts[2, c0] - verts[0, c0])) / 2.0
    v = verts
    return abs(det3(v[1, c0] - v[0, c0], v[1, c1] - v[0, c1], v[1, c2] - v[0, c2],
                     v[2, c0] - v[0, c0], v[2, c1] - v[0, c1], v[2, c2] - v[0, c2],
                     v[3, c0] - v[0, c0], v[3, c1] - v[0, c1], v[3, c2] - v[0, c2])) / 6.0


@numba.njit(cache=True)
def sample_cells(g, gaussian, init, init_axis, rule_points, rule_weights, buf_a, code_a, axis_a,
                  buf_b, code_b, axis_b, probs, pts, side, vals, stack):
    """Add the measure of every cell of the hyperplanes ``g[x] . z = 0`` to ``probs[truth table]``.

    Parameters
    ----------
    g : numpy.ndarray
        ``(m, d)`` normals.
    gaussian : bool
        Standard normal (cross-polytope facets, cubature) or uniform on the cube (its facets, exact volumes).
    init, init_axis : numpy.ndarray
        The starting simplices and facet axes (:func:`cross_polytope_facets` or :func:`cube_facet_simplices`).
    rule_points, rule_weights : numpy.ndarray
        :func:`pfmap.geometry.cones.cubature.cubature_rules` (Gaussian, ``d = 4``).
    buf_a, code_a, axis_a, buf_b, code_b, axis_b : numpy.ndarray
        Two simplex stores ``(capacity, d, d)`` with int64 codes and axes ``(capacity,)``.
    probs : numpy.ndarray
        ``(2^m,)``, added to.
    pts, side, vals, stack : numpy.ndarray
        Scratch ``(d + 4, d)``, int64 ``(3 d,)``, ``(max(d, m + 4),)``, ``(STACK + 1, d, d)``.

    Returns
    -------
    int
        The number of simplices used, or -1 when the stores are too small.

    Examples
    --------
    >>> from pfmap.geometry.cones.cubature import STACK, cubature_rules
    >>> g = np.array([[1.0, 1.0]])                          # one line through the square [-1, 1]^2
    >>> init, axis = cube_facet_simplices(2)
    >>> probs, c = np.zeros(2), 64
    >>> sample_cells(g, False, init, axis, *cubature_rules(), np.empty((c, 2, 2)), np.empty(c, np.int64),
    ...              np.empty(c, np.int64), np.empty((c, 2, 2)), np.empty(c, np.int64), np.empty(c, np.int64),
    ...              probs, np.empty((6, 2)), np.empty(6, np.int64), np.empty(5), np.empty((STACK + 1, 2, 2)))
    4
    >>> probs.round(12).tolist()
    [0.5, 0.5]
    """
    m, d = g.shape
    count = len(init)
    for s in range(count):
        buf_a[s] = init[s]
        code_a[s] = 0
        axis_a[s] = init_axis[s]
    for x in range(m):
        norm = 0.0
        norm2 = 0.0
        for j in range(d):
            norm += abs(g[x, j])
            norm2 += g[x, j] * g[x, j]
        if norm == 0.0:
            continue   # pre-activation 0 at x: the output is 0 there, whatever the output weights
        norm2 = math.sqrt(norm2)
        twin, flip = -1, False
        for y in range(x):   # the same hyperplane as an earlier input: every 2x2 minor (nearly) vanishes
            parallel = True
            dot = 0.0
            scale = 0.0
            for a in range(d):
                dot += g[y, a] * g[x, a]
                scale += g[y, a] * g[y, a]
            scale = PARALLEL * math.sqrt(scale) * norm2
            for a in range(d):
                for c in range(a + 1, d):
                    if abs(g[y, a] * g[x, c] - g[y, c] * g[x, a]) > scale:
                        parallel = False
            if parallel and dot != 0.0:
                twin, flip = y, dot < 0.0
                break
        if twin >= 0:   # the same hyperplane as input `twin`'s: no cut, the same (or opposite) side
            for s in range(count):
                same_side = (code_a[s] >> twin) & 1
                if flip:
                    same_side = 1 - same_side
                code_a[s] |= same_side << x
            continue
        tol = _TOLERANCE * norm
        bit = np.int64(1) << x
        new = 0
        for s in range(count):
            if new + 6 > len(buf_b):
                return -1
            for k in range(buf_a.shape[1]):
                v = 0.0
                for j in range(d):
                    v += g[x, j] * buf_a[s, k, j]
                vals[k] = v
            new = _split(buf_a[s], vals, tol, code_a[s], bit, axis_a[s], buf_b, code_b, axis_b, new, pts, side)
        buf_a, buf_b = buf_b, buf_a
        code_a, code_b = code_b, code_a
        axis_a, axis_b = axis_b, axis_a
        count = new
    box_scale = 1.0 / (d * 2.0 ** d)
    for s in range(count):
        if gaussian:
            mu = simplex_cone_cubature(buf_a[s], rule_points, rule_weights, stack)
        else:
            mu = _facet_volume(buf_a[s], axis_a[s]) * box_scale
        probs[code_a[s]] += mu
    return count
