"""One compiled loop per output-layer kernel: hidden samples in, running sums of the conditional law out.

Each loop turns rows of uniforms into the output unit's normals
(:func:`pfmap.geometry.rao_blackwell.hidden.output_normals`), measures the
cells with one kernel, and adds the law to the sums.  There is one loop per
kernel so that a run compiles only the kernel its network needs (numba
compiles every function a loop can reach); :func:`accumulate` picks it:

* ``"girard"`` -- Gaussian, dimension 3 (Girard's formula);
* ``"box-3d"`` -- uniform box, dimension 3 (polygon clipping);
* ``"gaussian-4d"`` -- Gaussian, dimension 4 (the law given random directions of three output
  coordinates, the rest in closed form: :mod:`pfmap.geometry.rao_blackwell.directions_4d`);
* ``"cutting"`` -- everything else (simplex cutting: dimensions 1-2, the box in dimension 4).

The sums, per truth table ``f``: ``total[f] = sum_i P(f | theta_i)`` and
``support[f]`` (samples with ``P(f | theta_i) > 0``); per orbit ``o`` of
the prior's symmetry group (:mod:`pfmap.geometry.rao_blackwell.symmetry`),
``orbit_sq[o] = sum_i (sum_{f in o} P(f | theta_i))^2``, which gives the
variance of the symmetrised estimate.  A law value below ``NEGLIGIBLE`` is
rounding residue of a cell of measure zero and is dropped.
"""

from __future__ import annotations

import numba
import numpy as np

from pfmap.geometry.cones.cubature import STACK
from pfmap.geometry.rao_blackwell.cells_3d import box_cells, girard_cells
from pfmap.geometry.rao_blackwell.directions_4d import direction_cells, random_rotation
from pfmap.geometry.rao_blackwell.hidden import hidden_workspace, output_normals
from pfmap.geometry.rao_blackwell.simplices import sample_cells

NEGLIGIBLE = 1e-15
KERNELS = ("girard", "box-3d", "gaussian-4d", "cutting")
CAPACITY = 1 << 14          # pieces per sample the cutting kernels start with (quadrupled when short)


@numba.njit(cache=True, nogil=True)
def _flush(probs, touched, met, orbit, orbit_acc, orbit_list, orbit_seen, total, support, orbit_sq):
    """Move one sample's law (cells ``touched[:met]`` of ``probs``) into the sums and clear it."""
    n_orbits = 0
    for i in range(met):
        f = touched[i]
        p = probs[f]
        probs[f] = 0.0
        if abs(p) <= NEGLIGIBLE:
            continue
        total[f] += p
        support[f] += 1
        o = orbit[f]
        orbit_acc[o] += p
        orbit_list[n_orbits] = o
        n_orbits += 1 - orbit_seen[o]
        orbit_seen[o] = True
    for i in range(n_orbits):
        o = orbit_list[i]
        orbit_sq[o] += orbit_acc[o] * orbit_acc[o]
        orbit_acc[o] = 0.0
        orbit_seen[o] = False


@numba.njit(cache=True, nogil=True)
def _flush_space(m, n_orbits):
    return (np.zeros(1 << m), np.zeros(n_orbits), np.empty((1 << m) + 1, np.int64), np.zeros(n_orbits, np.bool_))


@numba.njit(cache=True, nogil=True)
def _plane_space(m, d):
    """raw, unit, plane, orient, through, angles, seen, pos_bits, neg_bits, touched."""
    return (np.empty((m, d)), np.empty((m, d)), np.empty(m, np.int64), np.empty(m, np.int64),
            np.empty(m, np.int64), np.empty(2 * m), np.zeros(1 << m, np.bool_), np.empty(m, np.int64),
            np.empty(m, np.int64), np.empty((1 << m) + 1, np.int64))


@numba.njit(cache=True, nogil=True)
def _girard_loop(draws, inputs, widths, weight_scales, bias_scales, act, out_scales, bias, orbit,
                 total, support, orbit_sq):
    """Gaussian prior, output layer of dimension 3: the exact law by Girard's formula.  Returns 0."""
    m = inputs.shape[0]
    features, nxt, weights, biases, g = hidden_workspace(m, inputs.shape[1], widths, 3)
    raw, unit, plane, orient, through, angles, seen, pos_bits, neg_bits, touched = _plane_space(m, 3)
    probs, orbit_acc, orbit_list, orbit_seen = _flush_space(m, len(orbit_sq))
    for s in range(draws.shape[0]):
        output_normals(draws[s], inputs, widths, weight_scales, bias_scales, True, act, out_scales, bias,
                       features, nxt, weights, biases, g)
        met = girard_cells(g, probs, seen, raw, unit, plane, orient, through, angles, pos_bits, neg_bits, touched)
        _flush(probs, touched, met, orbit, orbit_acc, orbit_list, orbit_seen, total, support, orbit_sq)
    return 0


@numba.njit(cache=True, nogil=True)
def _box_3d_loop(draws, inputs, widths, weight_scales, bias_scales, act, out_scales, bias, capacity, orbit,
                 total, support, orbit_sq):
    """Uniform box prior, dimension 3: exact cell volumes by polygon clipping.  Returns 0, or -1 when
    ``capacity`` polygons were too few (the caller retries with more)."""
    m = inputs.shape[0]
    features, nxt, weights, biases, g = hidden_workspace(m, inputs.shape[1], widths, 3)
    raw, unit, plane, orient, through, angles, seen, pos_bits, neg_bits, touched = _plane_space(m, 3)
    probs, orbit_acc, orbit_list, orbit_seen = _flush_space(m, len(orbit_sq))
    polys, counts, codes = np.empty((capacity, m + 4, 2)), np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    tmp, vals = np.empty((m + 4, 2)), np.empty(m + 4)
    for s in range(draws.shape[0]):
        output_normals(draws[s], inputs, widths, weight_scales, bias_scales, False, act, out_scales, bias,
                       features, nxt, weights, biases, g)
        met = box_cells(g, probs, seen, touched, raw, unit, plane, orient, polys, counts, codes, tmp, vals,
                        pos_bits, neg_bits)
        if met < 0:
            return -1
        _flush(probs, touched, met, orbit, orbit_acc, orbit_list, orbit_seen, total, support, orbit_sq)
    return 0


@numba.njit(cache=True, nogil=True)
def _cutting_loop(draws, inputs, widths, weight_scales, bias_scales, gaussian, act, out_scales, bias, init,
                  init_axis, rule_points, rule_weights, capacity, orbit, total, support, orbit_sq):
    """Any prior and dimension by simplex cutting (:mod:`~pfmap.geometry.rao_blackwell.simplices`).  Returns 0,
    or -1 when ``capacity`` simplices were too few."""
    m = inputs.shape[0]
    d = init.shape[2]
    nv = init.shape[1]
    features, nxt, weights, biases, g = hidden_workspace(m, inputs.shape[1], widths, d)
    probs, orbit_acc, orbit_list, orbit_seen = _flush_space(m, len(orbit_sq))
    buf_a, buf_b = np.empty((capacity, nv, d)), np.empty((capacity, nv, d))
    code_a, code_b = np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    axis_a, axis_b = np.empty(capacity, np.int64), np.empty(capacity, np.int64)
    pts, side, vals = np.empty((nv + 4, d)), np.empty(3 * nv, np.int64), np.empty(max(nv, m + 4))
    stack = np.empty((STACK + 1, nv, d))
    touched = np.arange(1 << m)
    for s in range(draws.shape[0]):
        output_normals(draws[s], inputs, widths, weight_scales, bias_scales, gaussian, act, out_scales, bias,
                       features, nxt, weights, biases, g)
        if sample_cells(g, gaussian, init, init_axis, rule_points, rule_weights, buf_a, code_a, axis_a, buf_b,
                        code_b, axis_b, probs, pts, side, vals, stack) < 0:
            return -1
        _flush(probs, touched, 1 << m, orbit, orbit_acc, orbit_list, orbit_seen, total, support, orbit_sq)
    return 0


@numba.njit(cache=True, nogil=True)
def _gaussian_4d_loop(draws, inputs, widths, weight_scales, bias_scales, act, out_scales, bias, design, orbit,
                        total, support, orbit_sq):
    """Gaussian prior, dimension 4 (:mod:`~pfmap.geometry.rao_blackwell.directions_4d`): the law given each
    direction of ``design`` turned by a random rotation (from the row's three entries after the hidden
    parameters), averaged.  Returns 0."""
    m = inputs.shape[0]
    features, nxt, weights, biases, g = hidden_workspace(m, inputs.shape[1], widths, 4)
    probs, orbit_acc, orbit_list, orbit_seen = _flush_space(m, len(orbit_sq))
    seen, touched = np.zeros(1 << m, np.bool_), np.empty((1 << m) + 1, np.int64)
    keys, items, rotation = np.empty(m + 1), np.empty(m + 1, np.int64), np.empty((3, 3))
    weight = 1.0 / design.shape[0]
    for s in range(draws.shape[0]):
        used = output_normals(draws[s], inputs, widths, weight_scales, bias_scales, True, act, out_scales, bias,
                              features, nxt, weights, biases, g)
        random_rotation(draws[s, used], draws[s, used + 1], draws[s, used + 2], rotation)
        met = direction_cells(g, design, rotation, weight, probs, seen, touched, 0, keys, items)
        for i in range(met):
            seen[touched[i]] = False
        _flush(probs, touched, met, orbit, orbit_acc, orbit_list, orbit_seen, total, support, orbit_sq)
    return 0


def accumulate(kernel: str, rows: np.ndarray, inputs: np.ndarray, *, scales: tuple, orbit: np.ndarray, sums: tuple,
               design: np.ndarray | None = None, gaussian: bool = True, facets: tuple | None = None,
               rules: tuple | None = None) -> None:
    """Add the conditional laws of the hidden samples ``rows`` to ``sums``, with the compiled loop of ``kernel``.

    Parameters
    ----------
    kernel : {"girard", "box-3d", "gaussian-4d", "cutting"}
        The output-layer kernel (:func:`pfmap.geometry.rao_blackwell.run.output_kernel` chooses it).
    rows : numpy.ndarray
        ``(samples, dims)`` uniforms: the hidden parameters, then the kernel's own entries (three for the
        random rotation of ``"gaussian-4d"``).
    inputs : numpy.ndarray
        ``(m, n)`` input points.
    scales : tuple
        ``(widths, weight_scales, bias_scales, activation_code, out_scales, bias)``, as
        :func:`pfmap.geometry.rao_blackwell.hidden.output_normals` takes them.
    orbit : numpy.ndarray
        Orbit label of each truth table (``arange`` for none).
    sums : tuple
        ``(total, support, orbit_sq)``, added to in place (see the module docstring).
    design : numpy.ndarray, optional
        ``"gaussian-4d"``: the directions (:data:`pfmap.geometry.rao_blackwell.directions_4d.DESIGNS`).
    gaussian : bool
        ``"cutting"``: Gaussian or box prior.
    facets : tuple, optional
        ``"cutting"``: the starting simplices and their facet axes
        (:mod:`pfmap.geometry.rao_blackwell.simplices`).
    rules : tuple, optional
        ``"cutting"``, Gaussian: the cubature rules (:func:`pfmap.geometry.cones.cubature.cubature_rules`).

    Returns
    -------
    None

    Raises
    ------
    PfmapError
        For an unknown ``kernel``.

    Examples
    --------
    >>> from pfmap import boolean_inputs
    >>> x = boolean_inputs(2).astype(float)
    >>> scales = (np.array([2]), np.array([1.0]), np.array([1.0]), 0, np.ones(3), True)   # 2-2-1 relu
    >>> sums = (np.zeros(16), np.zeros(16, np.int64), np.zeros(16))
    >>> accumulate("girard", np.full((1, 6), 0.6), x, scales=scales, orbit=np.arange(16), sums=sums)
    >>> round(float(sums[0].sum()), 12), int(sums[1].sum())      # one law, summing to 1, over 6 cells
    (1.0, 6)
    """
    from pfmap.errors import PfmapError

    if kernel == "girard":
        _girard_loop(rows, inputs, *scales, orbit, *sums)
        return
    if kernel == "gaussian-4d":
        _gaussian_4d_loop(rows, inputs, *scales, design, orbit, *sums)
        return
    if kernel not in KERNELS:
        raise PfmapError(f"kernel must be one of {', '.join(KERNELS)}; got {kernel!r}")
    capacity = CAPACITY
    while True:
        trial = tuple(np.zeros_like(a) for a in sums)
        if kernel == "box-3d":
            status = _box_3d_loop(rows, inputs, *scales, capacity, orbit, *trial)
        else:
            widths, weight_scales, bias_scales, act, out_scales, bias = scales
            status = _cutting_loop(rows, inputs, widths, weight_scales, bias_scales, gaussian, act, out_scales, bias,
                                   *facets, *rules, capacity, orbit, *trial)
        if status == 0:
            for a, b in zip(sums, trial):
                a += b
            return
        capacity *= 4

