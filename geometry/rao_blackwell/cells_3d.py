"""Fast conditional laws for output layers in dimension 3 (two hidden features and a bias).

Same problem as :mod:`pfmap.geometry.rao_blackwell.cells`: the cells of the central
arrangement of the planes ``g_x . z = 0`` in ``R^3`` and their measures
under ``z`` standard normal or uniform on ``[-1, 1]^3``; here without
triangulating anything.

* Gaussian: Girard's theorem.  A cell meets the unit sphere in a spherical
  polygon of area ``2 pi - sum over its vertices of (pi - beta_v)``, with
  ``beta_v`` the dihedral angle of the cell along the line through vertex
  ``v``.  The vertices of all cells are the lines ``U_i x U_j`` where two
  planes meet; around each line the planes through it cut the space into
  wedges, and each wedge names one cell (its signs) and its angle there.
  So one pass over the pairs of planes gives every cell's measure:
  ``1/2 - sum (pi - beta_v) / (4 pi)``.  For two planes only (the generic
  case) the wedge angles are ``acos(+-U_i . U_j)``; three or more planes
  through one line (ReLU units that are off at several inputs) are sorted
  by angle around it.
* Uniform: each cube facet is clipped by every plane into convex polygons
  (Sutherland–Hodgman, both sides at once); a polygon of area ``A`` on a
  facet at distance 1 adds ``A / 3`` to its cell's volume (a pyramid from
  the origin), out of the cube's 8.

Parallel planes are recognised exactly (a zero cross product: the
positive-probability coincidences come from exact zeros of ReLU), zero
normals give output 0.

References
----------
A. Girard, *Invention nouvelle en l'algèbre*, 1629 (spherical excess).
I. E. Sutherland, G. W. Hodgman, "Reentrant polygon clipping", CACM 17, 1974.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pfmap.geometry.rao_blackwell.planes import distinct_planes, plane_bits, truth_table

_TOLERANCE = 1e-12   # a direction this close to a plane (unit vectors) lies on it


@numba.njit(cache=True, inline="always")
def _add(probs, seen, touched, n_touched, code, value):
    """``probs[code] += value``, listing ``code`` in ``touched`` the first time (branch-free: the cells come
    in random order)."""
    probs[code] += value
    touched[n_touched] = code
    n_touched += 1 - seen[code]
    seen[code] = True
    return n_touched


@numba.njit(cache=True)
def girard_cells(g, probs, seen, raw, unit, plane, orient, through, angles, pos_bits, neg_bits, touched):
    """Add the standard-normal measure of every cell of the planes ``g[x] . z = 0`` (R^3) to ``probs``.

    Parameters
    ----------
    g : numpy.ndarray
        ``(m, 3)`` normals.
    probs : numpy.ndarray
        ``(2^m,)``: each cell's measure is added at its truth table.
    seen : numpy.ndarray
        ``(2^m,)`` bool, all False on entry and on exit: marks the cells met.
    raw, unit, plane, orient, through, angles, pos_bits, neg_bits : numpy.ndarray
        Scratch (``(m, 3)``, ``(m, 3)``, then int64 ``(m,)`` three times, ``(2m,)``, int64 ``(m,)`` twice).
    touched : numpy.ndarray
        ``(2^m + 1,)`` int64: receives the truth tables of the cells met.

    Returns
    -------
    int
        How many cells were met (listed in ``touched``).

    Examples
    --------
    >>> g = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])        # two orthogonal planes: four quarters
    >>> probs, seen, touched = np.zeros(4), np.zeros(4, np.bool_), np.empty(5, np.int64)
    >>> ints = [np.empty(2, np.int64) for _ in range(5)]
    >>> girard_cells(g, probs, seen, np.empty((2, 3)), np.empty((2, 3)), *ints[:3], np.empty(4), *ints[3:],
    ...              touched)
    4
    >>> probs.round(12).tolist()
    [0.25, 0.25, 0.25, 0.25]

    References
    ----------
    A. Girard, *Invention nouvelle en l'algèbre*, 1629.
    """
    k = distinct_planes(g, raw, unit, plane, orient)
    plane_bits(plane, orient, k, pos_bits, neg_bits)
    if k <= 1:
        if k == 0:
            probs[0] += 1.0
            touched[0] = 0
            return 1
        probs[pos_bits[0]] += 0.5
        probs[neg_bits[0]] += 0.5
        touched[0], touched[1] = pos_bits[0], neg_bits[0]
        return 2
    n_touched = 0
    quarter = 1.0 / (4.0 * math.pi)
    for i in range(k):
        ui0, ui1, ui2 = unit[i, 0], unit[i, 1], unit[i, 2]
        for j in range(i + 1, k):
            uj0, uj1, uj2 = unit[j, 0], unit[j, 1], unit[j, 2]
            r0 = ui1 * uj2 - ui2 * uj1
            r1 = ui2 * uj0 - ui0 * uj2
            r2 = ui0 * uj1 - ui1 * uj0
            nr = math.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
            tol = _TOLERANCE * nr
            t = 2
            through[0], through[1] = i, j
            later = False
            plus = 0    # inputs that are 1 at +r, from the planes not through the line
            minus = 0   # the same at -r
            for p in range(k):
                if p == i or p == j:
                    continue
                dp = unit[p, 0] * r0 + unit[p, 1] * r1 + unit[p, 2] * r2
                if dp > tol:
                    plus |= pos_bits[p]
                    minus |= neg_bits[p]
                elif dp < -tol:
                    plus |= neg_bits[p]
                    minus |= pos_bits[p]
                else:
                    if p < j:
                        later = True   # this line was handled with its first pair of planes
                    through[t] = p
                    t += 1
            if later:
                continue
            if t == 2:
                c = ui0 * uj0 + ui1 * uj1 + ui2 * uj2
                same = math.acos(min(1.0, max(-1.0, c))) * quarter   # exterior angle, wedges with equal sides
                other = 0.25 - same                                  # (pi - acos(c)) / (4 pi): unequal sides
                pp, pn = pos_bits[i] | pos_bits[j], pos_bits[i] | neg_bits[j]
                np_, nn = neg_bits[i] | pos_bits[j], neg_bits[i] | neg_bits[j]
                n_touched = _add(probs, seen, touched, n_touched, plus | pp, -same)
                n_touched = _add(probs, seen, touched, n_touched, plus | nn, -same)
                n_touched = _add(probs, seen, touched, n_touched, plus | pn, -other)
                n_touched = _add(probs, seen, touched, n_touched, plus | np_, -other)
                n_touched = _add(probs, seen, touched, n_touched, minus | pp, -same)
                n_touched = _add(probs, seen, touched, n_touched, minus | nn, -same)
                n_touched = _add(probs, seen, touched, n_touched, minus | pn, -other)
                n_touched = _add(probs, seen, touched, n_touched, minus | np_, -other)
                continue
            if nr == 0.0:
                continue   # two normals equal after rounding: one plane, no wedge between them
            r0, r1, r2 = r0 / nr, r1 / nr, r2 / nr
            # three or more planes through the line: wedges in the plane orthogonal to it
            e2_0 = r1 * unit[i, 2] - r2 * unit[i, 1]
            e2_1 = r2 * unit[i, 0] - r0 * unit[i, 2]
            e2_2 = r0 * unit[i, 1] - r1 * unit[i, 0]
            n_angles = 0
            for q in range(t):
                p = through[q]
                theta = math.atan2(unit[p, 0] * e2_0 + unit[p, 1] * e2_1 + unit[p, 2] * e2_2,
                                   unit[p, 0] * unit[i, 0] + unit[p, 1] * unit[i, 1] + unit[p, 2] * unit[i, 2])
                for shift in (0.5 * math.pi, -0.5 * math.pi):
                    angles[n_angles] = (theta + shift) % (2.0 * math.pi)
                    n_angles += 1
            angles[:n_angles].sort()
            for q in range(n_angles):
                a = angles[q]
                b = angles[q + 1] if q + 1 < n_angles else angles[0] + 2.0 * math.pi
                beta = b - a
                if beta <= 0.0:
                    continue
                mid = 0.5 * (a + b)
                cm, sm = math.cos(mid), math.sin(mid)
                local = 0
                for qq in range(t):
                    p = through[qq]
                    w = (cm * (unit[p, 0] * unit[i, 0] + unit[p, 1] * unit[i, 1] + unit[p, 2] * unit[i, 2])
                         + sm * (unit[p, 0] * e2_0 + unit[p, 1] * e2_1 + unit[p, 2] * e2_2))
                    local |= pos_bits[p] if w > 0 else neg_bits[p]
                ext = (math.pi - beta) * quarter
                n_touched = _add(probs, seen, touched, n_touched, plus | local, -ext)
                n_touched = _add(probs, seen, touched, n_touched, minus | local, -ext)
    for q in range(n_touched):
        probs[touched[q]] += 0.5
        seen[touched[q]] = False
    return n_touched


@numba.njit(cache=True, inline="always")
def _clip(polys, counts, src, dst, vals, tol, tmp):
    """Split convex polygon ``src`` by the sign of ``vals``: the negative side goes to slot ``dst``, the
    positive side replaces ``src``."""
    n_in = counts[src]
    n_pos = n_neg = 0
    for a in range(n_in):
        b = a + 1 if a + 1 < n_in else 0
        va, vb = vals[a], vals[b]
        ua, wa = polys[src, a, 0], polys[src, a, 1]
        if va >= -tol:
            tmp[n_pos, 0], tmp[n_pos, 1] = ua, wa
            n_pos += 1
        if va <= tol:
            polys[dst, n_neg, 0], polys[dst, n_neg, 1] = ua, wa
            n_neg += 1
        if (va > tol and vb < -tol) or (va < -tol and vb > tol):
            t = va / (va - vb)
            u = ua + t * (polys[src, b, 0] - ua)
            w = wa + t * (polys[src, b, 1] - wa)
            tmp[n_pos, 0], tmp[n_pos, 1] = u, w
            polys[dst, n_neg, 0], polys[dst, n_neg, 1] = u, w
            n_pos += 1
            n_neg += 1
    for a in range(n_pos):
        polys[src, a, 0], polys[src, a, 1] = tmp[a, 0], tmp[a, 1]
    counts[src] = n_pos
    counts[dst] = n_neg


@numba.njit(cache=True)
def box_cells(g, probs, seen, touched, raw, unit, plane, orient, polys, counts, codes, tmp, vals, pos_bits,
              neg_bits):
    """Add the uniform-cube measure of every cell of the planes ``g[x] . z = 0`` (R^3) to ``probs``.

    Each facet's polygons live in ``polys`` (vertex ``counts``, plane-side ``codes``); a plane that
    crosses a polygon replaces it by its positive part and appends the negative one.

    Parameters
    ----------
    g : numpy.ndarray
        ``(m, 3)`` normals.
    probs, seen, touched : numpy.ndarray
        As for :func:`girard_cells`.
    raw, unit, plane, orient : numpy.ndarray
        Scratch for :func:`distinct_planes`.
    polys : numpy.ndarray
        ``(capacity, m + 4, 2)`` polygon store; ``counts``, ``codes`` int64 ``(capacity,)``.
    tmp, vals : numpy.ndarray
        ``(m + 4, 2)`` and ``(m + 4,)`` scratch.
    pos_bits, neg_bits : numpy.ndarray
        int64 ``(m,)`` scratch.

    Returns
    -------
    int
        The number of cells met, or -1 when ``polys`` was too small.

    Examples
    --------
    >>> g = np.array([[1.0, 0.0, 0.0]])                    # one plane halves the cube
    >>> probs, seen, touched = np.zeros(2), np.zeros(2, np.bool_), np.empty(3, np.int64)
    >>> i = lambda: np.empty(1, np.int64)
    >>> box_cells(g, probs, seen, touched, np.empty((1, 3)), np.empty((1, 3)), i(), i(), np.empty((64, 5, 2)),
    ...           np.empty(64, np.int64), np.empty(64, np.int64), np.empty((5, 2)), np.empty(5), i(), i())
    2
    >>> probs.tolist()
    [0.5, 0.5]

    References
    ----------
    I. E. Sutherland, G. W. Hodgman, "Reentrant polygon clipping", CACM 17, 1974.
    """
    k = distinct_planes(g, raw, unit, plane, orient)
    plane_bits(plane, orient, k, pos_bits, neg_bits)
    capacity = polys.shape[0]
    n_touched = 0
    for axis in range(3):
        u_axis = 1 if axis == 0 else 0
        v_axis = 1 if axis == 2 else 2
        for sign in (-1.0, 1.0):
            n_poly = 1
            counts[0] = 4
            codes[0] = 0
            polys[0, 0, 0], polys[0, 0, 1] = -1.0, -1.0
            polys[0, 1, 0], polys[0, 1, 1] = 1.0, -1.0
            polys[0, 2, 0], polys[0, 2, 1] = 1.0, 1.0
            polys[0, 3, 0], polys[0, 3, 1] = -1.0, 1.0
            for p in range(k):
                gc, gu, gv = raw[p, axis] * sign, raw[p, u_axis], raw[p, v_axis]
                tol = _TOLERANCE * (abs(gc) + abs(gu) + abs(gv))
                bit = np.int64(1) << p
                reach = abs(gu) + abs(gv)   # the plane misses the facet when |gc| exceeds the form's range
                if gc - reach >= -tol or gc + reach <= tol:
                    if gc - reach >= -tol:
                        for s in range(n_poly):
                            codes[s] |= bit
                    continue
                last = n_poly
                for s in range(last):
                    n_in = counts[s]
                    lo, hi = np.inf, -np.inf
                    for a in range(n_in):
                        v = gc + gu * polys[s, a, 0] + gv * polys[s, a, 1]
                        vals[a] = v
                        lo, hi = min(lo, v), max(hi, v)
                    if lo >= -tol:
                        codes[s] |= bit
                        continue
                    if hi <= tol:
                        continue
                    if n_poly >= capacity:
                        return -1
                    _clip(polys, counts, s, n_poly, vals, tol, tmp)
                    codes[n_poly] = codes[s]
                    codes[s] |= bit
                    n_poly += 1
            for s in range(n_poly):
                area = 0.0
                n_in = counts[s]
                for a in range(n_in):
                    b = a + 1 if a + 1 < n_in else 0
                    area += polys[s, a, 0] * polys[s, b, 1] - polys[s, b, 0] * polys[s, a, 1]
                n_touched = _add(probs, seen, touched, n_touched, truth_table(codes[s], k, pos_bits, neg_bits),
                                 abs(area) / 48.0)
    for q in range(n_touched):
        seen[touched[q]] = False
    return n_touched
