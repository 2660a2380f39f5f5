"""The conditional law of a network's function given its hidden features, as a library call (one dispatch).

Once the hidden features ``phi(x)`` are fixed, the output unit is a
perceptron on them: with ``u = (v, c)`` its parameters (``c`` only with a
bias), ``f(x) = [a_x . u > 0]`` with ``a_x = (phi(x), 1)``.  Each function
is a polyhedral cone of ``u``, a cell of the arrangement of the hyperplanes
``a_x . u = 0``, and its probability is the prior measure of that cone.
Write ``u = S z`` with ``S`` the prior's per-coordinate scales, so that
``z`` is standard normal or uniform on ``[-1, 1]^d`` and the normals become
``g_x = S a_x``.

:func:`conditional_function_law` takes such normals and returns every
cell's measure, choosing the kernel by dimension and prior:

* dimension 3: Girard's formula (Gaussian) or polygon clipping (box),
  :mod:`pfmap.geometry.rao_blackwell.cells_3d`;
* Gaussian dimension 4 with normals spanning three dimensions or four
  independent planes: the closed forms of :mod:`pfmap.geometry.rao_blackwell.cells_4d`;
* everything else: the simplex cutting of :mod:`pfmap.geometry.rao_blackwell.simplices`
  (``method="simplices"`` forces it: an independent check; its Gaussian
  cubature in dimension 4 is good to ~1e-5), or for the Gaussian in
  dimension 4, ``method="slices"``: the half-space slices of
  :mod:`pfmap.geometry.rao_blackwell.slices_4d`, converging to the exact law
  as ``slices`` grows (1e-8 at a few thousand).

The Rao-Blackwell estimate runs its kernels in compiled loops, one per
kernel (:mod:`pfmap.geometry.rao_blackwell.batch`); in dimension 4 it
samples directions instead (:mod:`pfmap.geometry.rao_blackwell.directions_4d`),
which these exact laws check.
"""

from __future__ import annotations

import numba
import numpy as np

from pfmap.errors import PfmapError
from pfmap.geometry.cones.cubature import STACK, cubature_rules
from pfmap.geometry.rao_blackwell.cells_3d import box_cells, girard_cells
from pfmap.geometry.rao_blackwell.planes import distinct_planes, plane_bits, truth_table
from pfmap.geometry.rao_blackwell.cells_4d import PLACKETT, gaussian_cells_4d
from pfmap.geometry.rao_blackwell.simplices import cross_polytope_facets, cube_facet_simplices, sample_cells
from pfmap.geometry.rao_blackwell.slices_4d import ROTATION, slice_cells

MAX_DIMENSION = 4
CAPACITY = 1 << 14
METHODS = ("auto", "simplices", "slices")
_NEGLIGIBLE = 1e-15


@numba.njit(cache=True)
def _laws(normals, gaussian, mode, init, init_axis, rule_points, rule_weights, capacity, nodes, weights,
          slices, offsets, rotation, total, total_sq, support, dense, keep_dense):
    """Sums of P, P^2 and support counts per function over samples of normals; -1 when out of room.

    ``mode``: 0 fast kernels with the cutting as fallback, 1 cutting only, 2 slices for every Gaussian
    dimension-4 sample.
    """
    n_samples, m, d = normals.shape
    nv = init.shape[1]
    buf_a, buf_b = np.empty((capacity, nv, d)), np.empty((capacity, nv, d))
    code_a, code_b = np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    axis_a, axis_b = np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    pts, side, vals = np.empty((nv + 4, d)), np.empty(3 * nv, np.int64), np.empty(max(nv, m + 4))
    stack = np.empty((STACK + 1, nv, d))
    raw, unit, rotated = np.empty((m, d)), np.empty((m, d)), np.empty((m, 4))
    plane, orient, through = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int64)
    angles, seen = np.empty(2 * m), np.zeros(1 << m, np.bool_)
    polys, tmp = np.empty((capacity, m + 4, 2)), np.empty((m + 4, 2))
    pos_bits, neg_bits, touched = np.empty(m, np.int64), np.empty(m, np.int64), np.empty((1 << m) + 1, np.int64)
    g3, corr, n3, keys, items = np.empty((m, 3)), np.empty((4, 4)), np.empty((m, 3)), np.empty(m + 1), \
        np.empty(m + 1, np.int64)
    probs = np.zeros(1 << m)
    for b in range(n_samples):
        g = normals[b]
        done = False
        if mode == 0 and d == 3:
            if gaussian:
                girard_cells(g, probs, seen, raw, unit, plane, orient, through, angles, pos_bits, neg_bits, touched)
            elif box_cells(g, probs, seen, touched, raw, unit, plane, orient, polys, code_a, axis_a, tmp, vals,
                           pos_bits, neg_bits) < 0:
                return -1
            done = True
        if mode == 0 and d == 4 and gaussian:
            done = gaussian_cells_4d(g, probs, seen, raw, unit, plane, orient, through, angles, pos_bits,
                                     neg_bits, touched, g3, corr, nodes, weights) >= 0
        if mode == 2 and d == 4 and gaussian:
            k = distinct_planes(g, raw, unit, plane, orient)
            plane_bits(plane, orient, k, pos_bits, neg_bits)
            sign_probs = np.zeros(1 << k)
            met = slice_cells(raw, k, offsets[b], slices, 2.0 * np.pi, sign_probs, seen, touched, rotated, n3, keys, items,
                              rotation)
            for i in range(met):
                probs[truth_table(touched[i], k, pos_bits, neg_bits)] += sign_probs[touched[i]]
            done = True
        if not done and sample_cells(g, gaussian, init, init_axis, rule_points, rule_weights, buf_a, code_a,
                                     axis_a, buf_b, code_b, axis_b, probs, pts, side, vals, stack) < 0:
            return -1
        for f in range(len(probs)):
            p = probs[f]
            if abs(p) > _NEGLIGIBLE:
                total[f] += p
                total_sq[f] += p * p
                support[f] += 1
                if keep_dense:
                    dense[b, f] = p
            probs[f] = 0.0
    return 0


def conditional_function_law(normals: np.ndarray, gaussian: bool, *, dense: bool = False, method: str = "auto",
                             slices: int = 64, offsets: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Conditional probability of every truth table given whitened output-layer normals.

    Parameters
    ----------
    normals : numpy.ndarray
        ``(samples, inputs, d)``, ``1 <= d <= 4``: for each sample and input
        ``x`` the vector ``g_x = S a_x`` (prior scales times ``(phi(x), 1)``),
        so that the output is ``[g_x . z > 0]``.
    gaussian : bool
        ``z`` standard normal (True) or uniform on ``[-1, 1]^d`` (False).
    dense : bool
        Also return the ``(samples, 2**inputs)`` array of conditional probabilities.
    method : {"auto", "simplices", "slices"}
        ``"auto"``: the fast exact kernels, the simplex cutting otherwise;
        ``"simplices"``: the cutting everywhere (an independent check);
        ``"slices"``: Gaussian dimension 4 by ``slices`` half-space slices
        (unbiased, converging to the exact law as ``slices`` grows).
    slices : int
        Slices per sample for ``method="slices"``.
    offsets : numpy.ndarray, optional
        Angular offset in [0, 1) of each sample's slices (default 0.5).

    Returns
    -------
    tuple
        ``(total, total_sq, support)``, the sums over samples of ``P(f)``, of
        ``P(f)^2`` and the number of samples with ``P(f) > 0``, per truth
        table ``f`` (bit ``x`` is the output on input ``x``); with ``dense``,
        the dense array as a fourth entry.

    Raises
    ------
    PfmapError
        For an unknown ``method``, ``d`` outside 1..4, or slices asked of a prior or dimension they do not apply to.

    Examples
    --------
    >>> x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    >>> g = np.hstack([x, np.ones((4, 1))])[None]       # a perceptron on {0,1}^2, box [-1,1]^3
    >>> total, _, _, law = conditional_function_law(g, False, dense=True)
    >>> round(float(law[0, 0b1000]) * 48, 12), round(float(law[0, 0b1110]) * 48, 12)   # AND 1/48, OR 2/48
    (1.0, 2.0)
    """
    if method not in METHODS:
        raise PfmapError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    normals = np.ascontiguousarray(normals, dtype=np.float64)
    n_samples, m, d = normals.shape
    if not 1 <= d <= MAX_DIMENSION:
        raise PfmapError(f"normals must have 1..{MAX_DIMENSION} columns (the output layer's dimension); got {d}")
    if method == "slices" and not (gaussian and d == 4):
        raise PfmapError("method='slices' is for the Gaussian prior in dimension 4; use method='auto'")
    offsets = np.full(n_samples, 0.5) if offsets is None else np.ascontiguousarray(offsets, dtype=np.float64)
    init, init_axis = cross_polytope_facets(d) if gaussian else cube_facet_simplices(d)
    rule_points, rule_weights = cubature_rules()
    total, total_sq = np.zeros(1 << m), np.zeros(1 << m)
    support = np.zeros(1 << m, dtype=np.int64)
    law = np.zeros((n_samples, 1 << m) if dense else (1, 1))
    capacity = CAPACITY
    mode = METHODS.index(method)
    while _laws(normals, bool(gaussian), mode, init, init_axis, rule_points, rule_weights, capacity, *PLACKETT,
                int(slices), offsets, ROTATION, total, total_sq, support, law, dense) < 0:
        capacity *= 4
        total[:], total_sq[:], support[:] = 0.0, 0.0, 0
    return (total, total_sq, support, law) if dense else (total, total_sq, support)
