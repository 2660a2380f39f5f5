"""The Gaussian conditional law in dimension 4 along half-space slices: any number of planes, closed forms per slice.

A reference route, converging to the exact law as the number of slices
grows (``conditional_function_law(..., method="slices")``); the
Rao-Blackwell estimate itself uses :mod:`pfmap.geometry.rao_blackwell.directions_4d`,
cheaper per sample.

Write the standard normal ``z`` in ``R^4`` as
``z = rho (cos psi e_1 + sin psi e_2) + z_3 e_3 + z_4 e_4`` with
``rho >= 0``.  The angle ``psi`` is uniform on ``[0, 2 pi)`` and
independent of ``w = (rho, z_3, z_4)``, whose density on the half-space
``rho > 0`` is ``rho exp(-|w|^2 / 2) / (2 pi)``.  Given ``psi`` every cell
of the arrangement ``g_x . z = 0`` is a cone ``K`` in that half-space, and
integrating out the radius,

    P(K | psi) = (1 / pi) * integral over K ∩ S^2 of w_1 dA,

the integral of a linear function over a spherical polygon.  The
divergence theorem on the cone over the polygon turns it into a sum over
the polygon's edges,

    integral over P of w dA = (1/2) sum over edges e of theta_e n_e,

``theta_e`` the edge's arc length and ``n_e`` the unit normal of its great
circle pointing into ``P``: closed form, with one ``atan2`` per vertex.
So one pass over the great circles of the planes (and the rim
``rho = 0``) gives every cell's conditional probability for one ``psi``:
each arc between two vertices adds ``+- theta n_1 / 2`` to the cells on
its two sides (``theta / 2`` for arcs of the rim).

``P(f | theta)`` is the average over ``psi``; :func:`slice_cells` takes it
at ``K`` equally spaced angles from one uniform offset (systematic
sampling: unbiased, and since the law is continuous and piecewise smooth in
``psi`` its error falls fast with ``K``).  The coordinates are a fixed
generic rotation (:data:`ROTATION`) of the whitened output parameters, so
that the rim meets no structural coincidence of ReLU features.

References
----------
M. Spivak, *Calculus on Manifolds*, 1965 (the divergence theorem); W. G. Cochran, *Sampling Techniques*,
1977 (systematic sampling); the cells as in :mod:`pfmap.geometry.rao_blackwell.cells_3d` (A. Girard, 1629).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pfmap.geometry.rao_blackwell.directions_4d import upper_atan2


def _rotation() -> np.ndarray:
    """A fixed orthogonal 4x4 matrix with no zero entry and no special alignment (from a fixed seed)."""
    q, r = np.linalg.qr(np.random.default_rng(20261114).standard_normal((4, 4)))
    return np.ascontiguousarray(q * np.sign(np.diag(r)))


ROTATION = _rotation()


@numba.njit(cache=True, nogil=True, inline="always")
def _add(probs, seen, touched, n_touched, code, value):
    """``probs[code] += value``, listing ``code`` in ``touched`` the first time."""
    probs[code] += value
    touched[n_touched] = code
    n_touched += 1 - seen[code]
    seen[code] = True
    return n_touched


@numba.njit(cache=True, nogil=True)
def _sort(keys, items, count):
    """Insertion sort of ``keys[:count]`` carrying ``items`` (count <= 16)."""
    for i in range(1, count):
        key, item = keys[i], items[i]
        j = i - 1
        while j >= 0 and keys[j] > key:
            keys[j + 1] = keys[j]
            items[j + 1] = items[j]
            j -= 1
        keys[j + 1] = key
        items[j + 1] = item


@numba.njit(cache=True, nogil=True)
def one_slice(unit, k, c, s, weight, probs, seen, touched, n_touched, n3, keys, items):
    """Add ``weight * pi * P(sign pattern | psi)`` to ``probs``, for one slice angle ``psi``.

    Parameters
    ----------
    unit : numpy.ndarray
        ``(k, 4)`` unit normals of the distinct planes (rotated coordinates).
    k : int
        Number of planes.
    c, s : float
        ``cos psi`` and ``sin psi``.
    weight : float
        Factor on every contribution.
    probs : numpy.ndarray
        ``(2^k,)`` law over sign patterns ``sum 2^p [z on the + side of plane p]``, added to.
    seen, touched : numpy.ndarray
        Bool ``(2^k,)`` and int64 ``(2^k + 1,)``: the patterns met (``seen`` is left set).
    n_touched : int
        Entries of ``touched`` already used.
    n3, keys, items : numpy.ndarray
        Scratch ``(k, 3)``, ``(k + 1,)``, int64 ``(k + 1,)``.

    Returns
    -------
    int
        The new length of ``touched``.

    Examples
    --------
    >>> unit = np.eye(4)[[2, 3]]                         # two planes, both containing the slice's rho axis
    >>> probs, seen, touched = np.zeros(4), np.zeros(4, np.bool_), np.empty(5, np.int64)
    >>> one_slice(unit, 2, 1.0, 0.0, 1 / np.pi, probs, seen, touched, 0, np.empty((2, 3)), np.empty(3),
    ...           np.empty(3, np.int64))
    4
    >>> probs.round(12).tolist()                         # four quarters
    [0.25, 0.25, 0.25, 0.25]
    """
    for p in range(k):
        a = c * unit[p, 0] + s * unit[p, 1]
        b, d = unit[p, 2], unit[p, 3]
        norm = math.sqrt(a * a + b * b + d * d)
        if norm == 0.0:
            norm = 1.0
        n3[p, 0], n3[p, 1], n3[p, 2] = a / norm, b / norm, d / norm
    half = 0.5 * weight
    # the great circle of each plane, from b_p = e_1 x n_p (angle 0) over the top to -b_p (angle pi)
    for p in range(k):
        n0, n1, n2 = n3[p, 0], n3[p, 1], n3[p, 2]
        if n1 * n1 + n2 * n2 == 0.0:
            continue   # the plane is the rim itself: it bounds no cell inside the half-space
        code = 0
        count = 0
        for q in range(k):
            if q == p:
                continue
            m0, m1, m2 = n3[q, 0], n3[q, 1], n3[q, 2]
            l0 = n1 * m2 - n2 * m1                    # plane q's form at b_p, times |b_p|
            xx = n0 * (n0 * m0 + n1 * m1 + n2 * m2) - m0
            if l0 > 0.0:
                code |= 1 << q
                keys[count] = upper_atan2(l0, xx)
            elif l0 < 0.0:
                keys[count] = upper_atan2(-l0, -xx)
            else:                                     # plane q passes through b_p: no crossing inside
                if xx < 0.0:
                    code |= 1 << q
                keys[count] = math.pi
            items[count] = q
            count += 1
        _sort(keys, items, count)
        w = half * n0
        bit = 1 << p
        previous = 0.0
        for j in range(count + 1):
            angle = keys[j] if j < count else math.pi
            arc = angle - previous
            if arc > 0.0:
                n_touched = _add(probs, seen, touched, n_touched, code | bit, arc * w)
                n_touched = _add(probs, seen, touched, n_touched, code, -arc * w)
            if j < count:
                code ^= 1 << items[j]
            previous = angle
    # the rim rho = 0: u(beta) = (0, cos beta, sin beta); the half (pi, 2 pi] repeats (0, pi] with all signs flipped
    code = 0
    for q in range(k):
        m0, m1, m2 = n3[q, 0], n3[q, 1], n3[q, 2]
        if m1 > 0.0 or (m1 == 0.0 and (m2 > 0.0 or (m2 == 0.0 and m0 > 0.0))):
            code |= 1 << q
        keys[q] = upper_atan2(abs(m1), -m2 if m1 > 0.0 else m2) if m1 != 0.0 else math.pi
        items[q] = q
    _sort(keys, items, k)
    full = (1 << k) - 1
    previous = 0.0
    for j in range(k + 1):
        angle = keys[j] if j < k else math.pi
        arc = angle - previous
        if arc > 0.0:
            n_touched = _add(probs, seen, touched, n_touched, code, arc * half)
            n_touched = _add(probs, seen, touched, n_touched, code ^ full, arc * half)
        if j < k:
            code ^= 1 << items[j]
        previous = angle
    return n_touched


@numba.njit(cache=True, nogil=True)
def slice_cells(raw, k, offset, slices, span, probs, seen, touched, unit, n3, keys, items, rotation):
    """Average of the slice laws at ``psi_j = span (j + offset) / slices``, added to ``probs`` (sign patterns).

    An unbiased estimate of the exact law given the normals (of its complement average with ``span = pi``:
    with an output bias the slice at ``psi + pi`` holds the complements of the cells at ``psi``), with an
    error that falls fast with ``slices``; it sums to 1 up to rounding for every ``psi``.

    Parameters
    ----------
    raw : numpy.ndarray
        ``(k, 4)`` normals of the distinct planes (any length).
    k : int
        Number of planes.
    offset : float
        In [0, 1): the slices' common offset.
    slices : int
        Number of slices.
    span : float
        ``2 pi``, or ``pi`` when the caller averages every law with its complement.
    probs, seen, touched : numpy.ndarray
        As for :func:`one_slice`; ``seen`` is cleared on return.
    unit, n3, keys, items : numpy.ndarray
        Scratch ``(k, 4)``, ``(k, 3)``, ``(k + 1,)``, int64 ``(k + 1,)``.
    rotation : numpy.ndarray
        The coordinates' rotation (:data:`ROTATION`).

    Returns
    -------
    int
        How many sign patterns were met (listed in ``touched``).

    Examples
    --------
    >>> probs, seen, touched = np.zeros(16), np.zeros(16, np.bool_), np.empty(17, np.int64)
    >>> slice_cells(np.eye(4), 4, 0.5, 1001, 2 * np.pi, probs, seen, touched, np.empty((4, 4)), np.empty((4, 3)),
    ...             np.empty(5), np.empty(5, np.int64), ROTATION)
    16
    >>> bool(np.abs(probs - 1 / 16).max() < 1e-8)       # the 16 orthants, 1/16 each
    True
    """
    for p in range(k):
        norm = 0.0
        for i in range(4):
            v = 0.0
            for j in range(4):
                v += raw[p, j] * rotation[j, i]
            unit[p, i] = v
            norm += v * v
        norm = math.sqrt(norm)
        for i in range(4):
            unit[p, i] /= norm
    weight = 1.0 / (math.pi * slices)
    n_touched = 0
    for j in range(slices):
        psi = span * (j + offset) / slices
        n_touched = one_slice(unit, k, math.cos(psi), math.sin(psi), weight, probs, seen, touched, n_touched,
                              n3, keys, items)
    for q in range(n_touched):
        seen[touched[q]] = False
    return n_touched
