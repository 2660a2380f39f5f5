"""The exact conditional law of a network's function given its hidden features: cells of the output layer.

Once the hidden features ``phi(x)`` are fixed, the output unit is a
perceptron on them: with ``u = (v, c)`` its parameters (``c`` only with a
bias), ``f(x) = [a_x . u > 0]`` with ``a_x = (phi(x), 1)``.  Each function
is a polyhedral cone of ``u``, a cell of the arrangement of the hyperplanes
``a_x . u = 0``, and its probability is the prior measure of that cone.

Write ``u = S z`` with ``S`` the prior's per-coordinate scales (standard
deviations, or half-widths of the box), so that ``z`` is standard normal or
uniform on the cube ``[-1, 1]^d`` and the normals become ``g_x = S a_x``.
Every cone from the origin meets the boundary of a polytope around it, so
both measures reduce to that boundary:

* uniform: on the cube's ``2d`` facets (distance 1),
  ``vol(C ∩ cube) = sum over facets F of vol(C ∩ F) / d`` (pyramids from
  the origin), out of ``2^d``;
* Gaussian: on the cross-polytope's ``2^d`` facets (small, close to the
  sphere), the cone over a piece has the probability computed by
  :mod:`pfmap.geometry.cones.cubature` (closed forms up to ``d = 3``, cubature for
  ``d = 4``).

Each facet, a simplex (Kuhn triangulation for the cube), is cut by every
hyperplane in turn; a simplex cut by a hyperplane is split into simplices on
either side (a tetrahedron into a tetrahedron and a prism of three, or two
prisms), and each simplex carries the bits of the sides it lies on: the
truth table.  Hyperplanes that coincide (ReLU units that are off at several
inputs give identical or parallel feature vectors: their 2x2 minors vanish,
up to ``PARALLEL`` after rounding) cost no cut; a zero normal (no bias and
``phi(x) = 0``) means ``f(x) = 0``.  Dimension 3, the common case, has
faster dedicated kernels (:mod:`pfmap.geometry.rao_blackwell.cells_3d`); the cutting
here is the general route and their independent check.

The cells are exact up to float rounding, and so are the measures for
``d <= 3`` and the box for ``d = 4``; the Gaussian ``d = 4`` cubature error
is far below the Monte Carlo error it feeds (tests measure it against
certified perceptron measures; the Rao–Blackwell table reports the mean
deviation of the conditional laws' sums from 1).  Dimensions ``d = 1..4``:
up to 3 hidden features with a bias, 4 without.

References
----------
A. Van Oosterom, J. Strackee, "The solid angle of a plane triangle", IEEE Trans. Biomed. Eng. 30, 1983.
H. W. Kuhn, "Some combinatorial lemmas in topology", IBM J. Res. Dev. 4, 1960 (the cube triangulation).
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numba
import numpy as np

from pfmap.geometry.rao_blackwell.cells_3d import PARALLEL, box_cells, girard_cells
from pfmap.geometry.rao_blackwell.cells_4d import gaussian_cells_4d, plackett_rule
from pfmap.geometry.cones.cubature import STACK, cubature_rules, det3, simplex_cone_cubature

MAX_DIMENSION = 4
CAPACITY = 1 << 14
_TOLERANCE = 1e-12            # relative: a vertex this close to a hyperplane lies on it
PLACKETT = plackett_rule()     # nodes and weights for the dimension-4 Gaussian kernel
NEGLIGIBLE = 1e-15           # a cell measure below this is rounding residue of a measure-zero piece


@lru_cache(maxsize=None)
def cube_facet_simplices(d: int) -> tuple[np.ndarray, np.ndarray]:
    """Kuhn triangulation of the ``2d`` facets of ``[-1, 1]^d``: vertices ``(S, d, d)`` and facet axis ``(S,)``.

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
    """The ``2^d`` facets of the cross-polytope ``|z|_1 <= 1``, each a simplex ``(sigma_i e_i)``; axes are -1.

    Its facets are small and close to the unit sphere, so the Gaussian's
    facet density varies less on each than on the cube's.

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

    Returns the number of simplices used, or -1 when the buffers are too small.
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


@numba.njit(cache=True)
def workspace(m, d, nv, capacity):
    """Work arrays for :func:`measure_sample` with ``m`` inputs in dimension ``d``."""
    return (np.empty((capacity, nv, d)), np.empty((capacity, nv, d)), np.empty(capacity, np.int64),
            np.empty(capacity, np.int64), np.empty(capacity, np.int64), np.empty(capacity, np.int64),
            np.empty((nv + 4, d)), np.empty(3 * nv, np.int64), np.empty(max(nv, m + 4)),
            np.empty((STACK + 1, nv, d)), np.empty((m, d)), np.empty((m, d)), np.empty(m, np.int64),
            np.empty(m, np.int64), np.empty(m, np.int64), np.empty(2 * m), np.zeros(1 << m, np.bool_),
            np.empty((capacity, m + 4, 2)), np.empty((capacity, m + 4, 2)), np.empty(m, np.int64),
            np.empty(m, np.int64), np.empty((1 << m) + 1, np.int64), np.empty((m, 3)), np.empty((4, 4)))


@numba.njit(cache=True)
def measure_sample(g, gaussian, ws, init, init_axis, rule_points, rule_weights, probs, fast=True,
                   plackett_nodes=None, plackett_weights=None):
    """Add the conditional law of the function given normals ``g`` (m, d) to ``probs``.

    Dimension 3 goes to the fast kernels of :mod:`pfmap.geometry.rao_blackwell.cells_3d`, Gaussian dimension 4 with at
    most four distinct planes to :mod:`pfmap.geometry.rao_blackwell.cells_4d` (given the Plackett rule), the others to
    the simplex cutting here.  Returns the number of pieces used, or -1 when the workspace is too small.
    """
    (buf_a, buf_b, code_a, code_b, axis_a, axis_b, pts, side, vals, stack, raw, unit, plane, orient,
     through, angles, seen, poly_a, poly_b, pos_bits, neg_bits, touched, g3, corr) = ws
    d = g.shape[1]
    if d == 3 and gaussian and fast:
        return girard_cells(g, probs, seen, raw, unit, plane, orient, through, angles, pos_bits, neg_bits, touched)
    if d == 3 and fast:
        return box_cells(g, probs, seen, touched, raw, unit, plane, orient, poly_a, code_a, axis_a, poly_b[0],
                         vals, pos_bits, neg_bits)
    if d == 4 and gaussian and fast and plackett_nodes is not None:
        used = gaussian_cells_4d(g, probs, seen, raw, unit, plane, orient, through, angles, pos_bits, neg_bits,
                                 touched, g3, corr, plackett_nodes, plackett_weights)
        if used >= 0:
            return used
    return sample_cells(g, gaussian, init, init_axis, rule_points, rule_weights,
                         buf_a, code_a, axis_a, buf_b, code_b, axis_b, probs, pts, side, vals, stack)


@numba.njit(cache=True)
def flush_sample(probs, ws, total, total_sq, support, dense, row, keep_dense):
    """Move one sample's law into the running sums (cells below ``NEGLIGIBLE``, rounding residue of
    measure-zero pieces, are dropped) and clear it."""
    seen = ws[16]
    for f in range(len(probs)):
        p = probs[f]
        if abs(p) > NEGLIGIBLE:
            total[f] += p
            total_sq[f] += p * p
            support[f] += 1
            if keep_dense:
                dense[row, f] = p
        probs[f] = 0.0
        seen[f] = False


@numba.njit(cache=True)
def _accumulate(normals, gaussian, init, init_axis, rule_points, rule_weights, capacity,
                total, total_sq, support, dense, keep_dense, fast, plackett_nodes, plackett_weights):
    """Sums of P, P^2 and support counts per function over samples of normals; -1 when out of room."""
    n_samples, m, d = normals.shape
    ws = workspace(m, d, init.shape[1], capacity)
    probs = np.zeros(len(total))
    most = 0
    for b in range(n_samples):
        used = measure_sample(normals[b], gaussian, ws, init, init_axis, rule_points, rule_weights, probs, fast,
                              plackett_nodes, plackett_weights)
        if used < 0:
            return -1
        most = max(most, used)
        flush_sample(probs, ws, total, total_sq, support, dense, b, keep_dense)
    return most


def conditional_function_law(normals: np.ndarray, gaussian: bool, *, dense: bool = False, method: str = "auto"):
    """Conditional probability of every truth table given whitened output-layer normals.

    ``normals`` is ``(samples, inputs, d)``: for each sample and input ``x``
    the vector ``g_x = S a_x`` (prior scales times ``(phi(x), 1)``), so that
    the output is ``[g_x . z > 0]`` with ``z`` standard normal
    (``gaussian``) or uniform on ``[-1, 1]^d``.  Returns the per-function
    sums ``(total, total_sq, support)`` over samples and, with ``dense``, the
    ``(samples, 2**inputs)`` array of conditional probabilities.
    ``method="simplices"`` uses the simplex cutting in dimension 3 too
    (instead of Girard's formula / polygon clipping): an independent check.

    Examples
    --------
    >>> x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    >>> g = np.hstack([x, np.ones((4, 1))])[None]       # a perceptron on {0,1}^2, box [-1,1]^3
    >>> total, _, _, law = conditional_function_law(g, False, dense=True)
    >>> round(float(law[0, 0b1000]) * 48, 12), round(float(law[0, 0b1110]) * 48, 12)   # AND 1/48, OR 2/48
    (1.0, 2.0)
    """
    if method not in ("auto", "simplices"):
        raise ValueError(f"method is 'auto' or 'simplices'; got {method!r}")
    normals = np.ascontiguousarray(normals, dtype=np.float64)
    n_samples, m, d = normals.shape
    if not 1 <= d <= MAX_DIMENSION:
        raise ValueError(f"output layers of dimension 1..{MAX_DIMENSION} only; got {d}")
    init, init_axis = cross_polytope_facets(d) if gaussian else cube_facet_simplices(d)
    rule_points, rule_weights = cubature_rules()
    total = np.zeros(1 << m)
    total_sq = np.zeros(1 << m)
    support = np.zeros(1 << m, dtype=np.int64)
    law = np.zeros((n_samples, 1 << m) if dense else (1, 1))
    capacity = CAPACITY
    while True:
        used = _accumulate(normals, bool(gaussian), init, init_axis, rule_points, rule_weights, capacity,
                           total, total_sq, support, law, dense, method == "auto", *PLACKETT)
        if used >= 0:
            break
        capacity *= 4
        total[:], total_sq[:], support[:] = 0.0, 0.0, 0
    return (total, total_sq, support, law) if dense else (total, total_sq, support)
