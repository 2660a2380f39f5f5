"""Hyperplanes of the output layer's arrangement: grouping inputs by plane, and truth tables of sign patterns.

Inputs whose normals ``g_x`` are parallel give one hyperplane ``g_x . z = 0``
(ReLU units that are off at several inputs make this common, exactly);
a cell of the arrangement is a sign pattern over the distinct planes, and
its truth table follows from which inputs lie on which side.  Shared by
the cell kernels of every dimension.
"""

from __future__ import annotations

import math

import numba
import numpy as np

PARALLEL = 1e-14    # unit normals this close to parallel are one plane


@numba.njit(cache=True, inline="always")
def distinct_planes(g, raw, unit, plane, orient):
    """Group the inputs by hyperplane.

    Two normals give the same hyperplane when every 2x2 minor of their directions is below ``PARALLEL``
    (exactly zero for the coincidences ReLU zeros create; a hair above zero after rounding).

    Parameters
    ----------
    g : numpy.ndarray
        ``(m, d)`` normals, one per input.
    raw, unit : numpy.ndarray
        ``(m, d)`` scratch: receive each distinct plane's first normal and its unit vector.
    plane, orient : numpy.ndarray
        ``(m,)`` int64: receive each input's plane (-1 for a zero normal) and orientation (+-1) against it.

    Returns
    -------
    int
        ``k``, the number of distinct planes.

    Examples
    --------
    >>> g = np.array([[1.0, 0.0, 1.0], [2.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    >>> raw, unit, plane, orient = np.empty((3, 3)), np.empty((3, 3)), np.empty(3, np.int64), np.empty(3, np.int64)
    >>> distinct_planes(g, raw, unit, plane, orient), plane.tolist(), orient.tolist()
    (2, [0, 0, 1], [1, 1, 1])
    """
    m, d = g.shape
    k = 0
    # with a bias every normal ends in the same positive number: planes coincide only when equal
    biased = g[0, d - 1] > 0.0
    for x in range(m):
        biased = biased and g[x, d - 1] == g[0, d - 1]
    if biased:
        for x in range(m):
            found = -1
            for y in range(x):
                same = True
                for j in range(d - 1):
                    same = same and g[y, j] == g[x, j]
                if same:
                    found = plane[y]
                    break
            orient[x] = 1
            if found >= 0:
                plane[x] = found
                continue
            norm2 = 0.0
            for j in range(d):
                norm2 += g[x, j] * g[x, j]
            norm = math.sqrt(norm2)
            for j in range(d):
                raw[k, j] = g[x, j]
                unit[k, j] = g[x, j] / norm
            plane[x] = k
            k += 1
        return k
    for x in range(m):
        norm2 = 0.0
        for j in range(d):
            norm2 += g[x, j] * g[x, j]
        if norm2 == 0.0:
            plane[x] = -1
            orient[x] = 0
            continue
        found = -1
        norm = math.sqrt(norm2)
        for p in range(k):
            parallel = True
            for a in range(d):
                for b in range(a + 1, d):
                    if abs(unit[p, a] * g[x, b] - unit[p, b] * g[x, a]) > PARALLEL * norm:
                        parallel = False
            if parallel:
                found = p
                break
        if found >= 0:
            dot = 0.0
            for j in range(d):
                dot += raw[found, j] * g[x, j]
            plane[x] = found
            orient[x] = 1 if dot > 0 else -1
            continue
        for j in range(d):
            raw[k, j] = g[x, j]
            unit[k, j] = g[x, j] / norm
        plane[x] = k
        orient[x] = 1
        k += 1
    return k


@numba.njit(cache=True, inline="always")
def plane_bits(plane, orient, k, pos_bits, neg_bits):
    """Bit masks of the inputs that are 1 when a cell is on the + side of plane ``p`` (``pos_bits[p]``) and on
    its - side (``neg_bits[p]``).

    Parameters
    ----------
    plane, orient : numpy.ndarray
        From :func:`distinct_planes`.
    k : int
        Number of planes.
    pos_bits, neg_bits : numpy.ndarray
        ``(>= k,)`` int64: receive the masks.

    Returns
    -------
    None

    Examples
    --------
    >>> pos, neg = np.empty(2, np.int64), np.empty(2, np.int64)
    >>> plane_bits(np.array([0, 0, 1]), np.array([1, -1, 1]), 2, pos, neg)
    >>> pos.tolist(), neg.tolist()           # inputs 0 and 1 share plane 0 with opposite orientations
    ([1, 4], [2, 0])
    """
    for p in range(k):
        pos_bits[p] = 0
        neg_bits[p] = 0
    for x in range(len(plane)):
        p = plane[x]
        if p >= 0:
            if orient[x] > 0:
                pos_bits[p] |= np.int64(1) << x
            else:
                neg_bits[p] |= np.int64(1) << x


@numba.njit(cache=True, inline="always")
def truth_table(signs, k, pos_bits, neg_bits):
    """Truth table of the cell on the + side of the planes in ``signs`` and the - side of the others.

    Parameters
    ----------
    signs : int
        Bit ``p`` set: the cell is on the + side of plane ``p``.
    k : int
        Number of planes.
    pos_bits, neg_bits : numpy.ndarray
        From :func:`plane_bits`.

    Returns
    -------
    int
        The truth table: bit ``x`` is 1 iff input ``x``'s pre-activation is positive in the cell.

    Examples
    --------
    >>> truth_table(0b01, 2, np.array([1, 4]), np.array([2, 0]))    # + side of plane 0, - side of plane 1
    1
    """
    code = 0
    for p in range(k):
        code |= pos_bits[p] if (signs >> p) & 1 else neg_bits[p]
    return code
