"""The Gaussian conditional law in dimension 4 given the direction of three output coordinates: closed form on a line.

Write the whitened output parameters ``z`` in ``R^4`` as ``z = (r omega, s)``
with ``omega`` uniform on the sphere ``S^2``, ``r`` chi-distributed with 3
degrees of freedom and ``s`` standard normal, all independent (``s`` is
the output bias, or the fourth output weight without one).  Given
``omega``, input ``x`` gives ``y_x = r a_x + s b_x`` with
``a_x = omega . g_x[:3]`` and ``b_x = g_x[3]``, so the function depends on
``(r, s)`` only through ``tau = s / r``, and

* ``b_x > 0``: ``f(x) = [tau > t_x]``, ``t_x = -a_x / b_x``;
* ``b_x < 0``: ``f(x) = [tau < t_x]``;
* ``b_x = 0``: ``f(x) = [a_x > 0]``, whatever ``tau``.

``tau sqrt(3)`` is Student's ``t`` with 3 degrees of freedom, whose
distribution function is elementary:

    P(tau <= t) = 1/2 + (atan t + t / (1 + t^2)) / pi.

So sorting the thresholds ``t_x`` splits the line into ``m + 1``
intervals, one function each, with probability the difference of that
function at the ends: the exact law given ``omega``, in ``m`` dot products,
a sort and ``m`` arctangents.  :func:`direction_cells` averages it over the
points of a spherical design turned by a uniformly random rotation
(:func:`random_rotation`), an unbiased estimate of the law given the
normals whose error falls fast with the design's size since the law is
continuous in ``omega``.  With an output bias, the law at ``-omega`` is the
complement's law at ``omega``; the designs hold one point of each
antipodal pair (:data:`DESIGNS`), and averaging over the output complement
supplies the other.

References
----------
W. S. Gosset ("Student"), "The probable error of a mean", Biometrika 6, 1908 (the t distribution);
K. Shoemake, "Uniform random rotations", Graphics Gems III, 1992;
P. Delsarte, J. M. Goethals, J. J. Seidel, "Spherical codes and designs", Geom. Dedicata 6, 1977.
"""

from __future__ import annotations

import math

import numba
import numpy as np


def _designs() -> dict[int, np.ndarray]:
    """Antipodal spherical designs, one point per pair: octahedron (3), cube (4), icosahedron (6),
    dodecahedron (10); keys are the number of points kept."""
    octahedron = np.eye(3)
    cube = np.array([[1, 1, 1], [1, 1, -1], [1, -1, 1], [-1, 1, 1]], float) / math.sqrt(3)
    phi = (1 + math.sqrt(5)) / 2
    ico = np.array([[0, 1, phi], [0, 1, -phi], [1, phi, 0], [1, -phi, 0], [phi, 0, 1], [-phi, 0, 1]], float)
    ico /= np.linalg.norm(ico, axis=1, keepdims=True)
    inv = 1 / phi
    dodeca = np.array([[1, 1, 1], [1, 1, -1], [1, -1, 1], [-1, 1, 1], [0, inv, phi], [0, inv, -phi],
                       [inv, phi, 0], [inv, -phi, 0], [phi, 0, inv], [-phi, 0, inv]], float)
    dodeca /= np.linalg.norm(dodeca, axis=1, keepdims=True)
    return {3: octahedron, 4: cube, 6: ico, 10: dodeca}


DESIGNS = _designs()


def _arctan_coefficients(degree: int = 10) -> np.ndarray:
    """``atan(t) / t`` as a polynomial in ``t^2`` on ``|t| <= tan(pi/8)`` (Chebyshev fit, error ~3e-16)."""
    top = math.tan(math.pi / 8) ** 2
    s = (np.cos(np.linspace(0.0, math.pi, 4001)) + 1.0) * top / 2
    t = np.sqrt(s)
    ratio = np.where(t > 0, np.arctan(t) / np.where(t > 0, t, 1.0), 1.0)
    return np.polynomial.chebyshev.Chebyshev.fit(s, ratio, degree).convert(kind=np.polynomial.Polynomial).coef


_ATAN = _arctan_coefficients()


@numba.njit(cache=True, nogil=True, inline="always")
def upper_atan2(y, x):
    """``atan2(y, x)`` for ``y >= 0`` (an angle in [0, pi]), branch-free, within 5e-16 of ``math.atan2``.

    Parameters
    ----------
    y : float
        At least 0.
    x : float

    Returns
    -------
    float

    Examples
    --------
    >>> round(upper_atan2(1.0, -1.0), 15), upper_atan2(0.0, 0.0)
    (2.356194490192345, 0.0)
    """
    ax = abs(x)
    small, large = min(ax, y), max(ax, y)
    q = small / large if large > 0.0 else 0.0
    big = q > 0.41421356237309503
    r = (q - 1.0) / (q + 1.0) if big else q
    r2 = r * r
    p = _ATAN[10]
    for i in range(9, -1, -1):
        p = p * r2 + _ATAN[i]
    a = r * p + (0.7853981633974483 if big else 0.0)
    a = 1.5707963267948966 - a if y > ax else a
    return math.pi - a if x < 0.0 else a


@numba.njit(cache=True, nogil=True, inline="always")
def arctan(t):
    """``atan(t)`` by :func:`upper_atan2`, within 5e-16.

    Parameters
    ----------
    t : float

    Returns
    -------
    float

    Examples
    --------
    >>> round(arctan(-1.0) * 4, 15)
    -3.141592653589793
    """
    a = upper_atan2(abs(t), 1.0)
    return a if t >= 0.0 else -a


@numba.njit(cache=True, nogil=True, inline="always")
def t3_centred(t):
    """``P(tau <= t) - 1/2`` for ``tau sqrt(3)`` Student-t with 3 degrees of freedom.

    Parameters
    ----------
    t : float

    Returns
    -------
    float
        In (-1/2, 1/2).

    Examples
    --------
    >>> from scipy.stats import t as student
    >>> round(t3_centred(0.7), 12) == round(float(student.cdf(0.7 * 3 ** 0.5, 3)) - 0.5, 12)
    True
    """
    return (arctan(t) + t / (1.0 + t * t)) / math.pi


@numba.njit(cache=True, nogil=True)
def random_rotation(u0, u1, u2, out):
    """A uniformly random rotation of ``R^3`` from three uniforms (Shoemake's unit quaternion), into ``out``.

    Parameters
    ----------
    u0, u1, u2 : float
        Uniforms in [0, 1].
    out : numpy.ndarray
        ``(3, 3)``: receives the rotation matrix.

    Returns
    -------
    None

    Examples
    --------
    >>> out = np.empty((3, 3))
    >>> random_rotation(0.3, 0.6, 0.9, out)
    >>> bool(np.allclose(out @ out.T, np.eye(3))), round(float(np.linalg.det(out)), 12)
    (True, 1.0)

    References
    ----------
    K. Shoemake, "Uniform random rotations", Graphics Gems III, 1992.
    """
    a, b = math.sqrt(1.0 - u0), math.sqrt(u0)
    t1, t2 = 2.0 * math.pi * u1, 2.0 * math.pi * u2
    w, x, y, z = a * math.sin(t1), a * math.cos(t1), b * math.sin(t2), b * math.cos(t2)
    out[0, 0], out[0, 1], out[0, 2] = 1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)
    out[1, 0], out[1, 1], out[1, 2] = 2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)
    out[2, 0], out[2, 1], out[2, 2] = 2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)


@numba.njit(cache=True, nogil=True)
def direction_cells(g, design, rotation, weight, probs, seen, touched, n_touched, keys, items):
    """Add ``weight`` times the law given each direction ``rotation @ design[j]`` to ``probs`` (truth tables).

    Parameters
    ----------
    g : numpy.ndarray
        ``(m, 4)`` whitened normals (the fourth coordinate is the one integrated with the radius).
    design : numpy.ndarray
        ``(K, 3)`` unit directions (:data:`DESIGNS`).
    rotation : numpy.ndarray
        ``(3, 3)`` rotation applied to the design (:func:`random_rotation`).
    weight : float
        Factor on every direction's law (``1 / K`` for the average).
    probs : numpy.ndarray
        ``(2^m,)`` law over truth tables, added to.
    seen, touched : numpy.ndarray
        Bool ``(2^m,)`` and int64 ``(2^m + 1,)``: the truth tables met (``seen`` is left set: the caller
        clears it).
    n_touched : int
        Entries of ``touched`` already used.
    keys, items : numpy.ndarray
        Scratch ``(m + 1,)`` and int64 ``(m + 1,)``.

    Returns
    -------
    int
        The new length of ``touched``.

    Examples
    --------
    >>> g = np.array([[0.0, 0.0, 0.0, 1.0]])              # one input whose output is the bias alone
    >>> probs, seen, touched = np.zeros(2), np.zeros(2, np.bool_), np.empty(3, np.int64)
    >>> direction_cells(g, DESIGNS[3], np.eye(3), 1 / 3, probs, seen, touched, 0, np.empty(2),
    ...                 np.empty(2, np.int64))
    2
    >>> probs.round(12).tolist()                           # f = [bias > 0]: 1/2 each way
    [0.5, 0.5]
    """
    m = g.shape[0]
    for j in range(design.shape[0]):
        o0 = rotation[0, 0] * design[j, 0] + rotation[0, 1] * design[j, 1] + rotation[0, 2] * design[j, 2]
        o1 = rotation[1, 0] * design[j, 0] + rotation[1, 1] * design[j, 1] + rotation[1, 2] * design[j, 2]
        o2 = rotation[2, 0] * design[j, 0] + rotation[2, 1] * design[j, 1] + rotation[2, 2] * design[j, 2]
        code = 0
        count = 0
        for x in range(m):
            a = o0 * g[x, 0] + o1 * g[x, 1] + o2 * g[x, 2]
            b = g[x, 3]
            if b == 0.0:
                if a > 0.0:
                    code |= 1 << x
                continue
            if b < 0.0:
                code |= 1 << x                      # on for tau below its threshold
            keys[count] = -a / b
            items[count] = x
            count += 1
        for i in range(1, count):                   # insertion sort of the thresholds
            key, item = keys[i], items[i]
            k = i - 1
            while k >= 0 and keys[k] > key:
                keys[k + 1] = keys[k]
                items[k + 1] = items[k]
                k -= 1
            keys[k + 1] = key
            items[k + 1] = item
        below = -0.5
        for i in range(count + 1):
            above = t3_centred(keys[i]) if i < count else 0.5
            value = (above - below) * weight
            below = above
            probs[code] += value
            touched[n_touched] = code
            n_touched += 1 - seen[code]
            seen[code] = True
            if i < count:
                code ^= 1 << items[i]
    return n_touched
