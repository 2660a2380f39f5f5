"""Rigorous midpoint-radius arithmetic on floats (compiled), and certified Gauss-Legendre rules.

A *ball* is a pair ``(m, r)`` of floats standing for the real interval
``[m - r, m + r]``.  Every operation returns a ball that contains the exact
result for every pair of real numbers in its argument balls.  Only IEEE 754
``+ - * /`` and ``sqrt`` are used (correctly rounded, round to nearest, no
fused or fast-math contraction), so with ``u = 2^-53`` each computed
midpoint is within ``u |m|`` of the exact operation on the midpoints; that
error is added to the radius, and radii are rounded outward by the factor
``1 + 2^-44`` plus ``2^-1000`` (a margin covering the few roundings of the
radius formula itself, and underflow).  The arcsine is not taken from the
C library: :func:`ball_asin` evaluates its Taylor series with a proven
truncation and rounding bound.  A failed precondition (a divisor ball
containing 0, a square root of a ball reaching 0, an arcsine argument
reaching +-1) returns the ball ``(0, inf)``; :func:`ball_ok` tests for it.

:data:`RULE_SIZES` and the arrays ``NODES``, ``NODE_RADII``, ``WEIGHTS``,
``WEIGHT_RADII`` hold Gauss-Legendre nodes and weights on ``[-1, 1]``
computed by python-flint's certified Legendre roots, each with a bound on
its rounding to float; :func:`gauss_legendre_error` is the error bound of an
``n``-point rule for a function analytic in a Bernstein ellipse.

References
----------
S. M. Rump, "Fast and parallel interval arithmetic", BIT 39, 1999 (midpoint-radius arithmetic in floating point).
L. N. Trefethen, *Approximation Theory and Approximation Practice*, SIAM 2013, Thms 8.1 and 19.3
(Chebyshev coefficients in a Bernstein ellipse; the Gauss quadrature error).
F. Johansson, M. Mezzarobba, "Fast and rigorous arbitrary-precision computation of Gauss-Legendre
quadrature nodes and weights", SIAM J. Sci. Comput. 40, 2018 (the nodes behind ``arb.legendre_p_root``).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numba
import numpy as np
from flint import arb, ctx

U = 2.0 ** -53                  # unit roundoff
_UP = 1.0 + 2.0 ** -44
_LOW = 1.0 - 2.0 ** -44
_TINY = 2.0 ** -1000
_PI_HALF = 1.5707963267948966
_PI_HALF_ERROR = 6.2e-17        # |fl(pi/2) - pi/2| = 6.12e-17
_ASIN_TERMS = 24
RULE_SIZES = np.array([4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 28, 32, 40, 48], dtype=np.int64)


def float_ball(ball: arb) -> tuple[float, float]:
    """The float midpoint of an ``arb`` ball and a float radius covering the whole ball.

    Parameters
    ----------
    ball : flint.arb
        A finite ball.

    Returns
    -------
    tuple of float
        ``(m, r)``: the midpoint rounded to a float and a radius with ``ball`` inside ``[m - r, m + r]``.

    Examples
    --------
    >>> m, r = float_ball(arb(1) / 3)
    >>> m == 1 / 3 and 0 < r < 1e-16
    True
    """
    value = float(ball.mid())
    bound = float((ball - arb(value)).abs_upper())
    return value, math.nextafter(bound, math.inf) if bound > 0 else 0.0


def _asin_coefficients() -> tuple[np.ndarray, float]:
    exact = [Fraction(math.factorial(2 * k), 4**k * math.factorial(k) ** 2 * (2 * k + 1))
             for k in range(_ASIN_TERMS + 2)]
    return np.array([float(c) for c in exact[:_ASIN_TERMS + 1]]), float(exact[_ASIN_TERMS + 1]) * (1 + 2.0**-50)


def _rules() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    size = int(RULE_SIZES.max())
    tables = [np.zeros((len(RULE_SIZES), size)) for _ in range(4)]
    old = ctx.prec
    ctx.prec = 128
    try:
        for a, n in enumerate(RULE_SIZES.tolist()):
            for k in range(n):
                x, w = arb.legendre_p_root(n, k, weight=True)
                tables[0][a, k], tables[1][a, k] = float_ball(x)
                tables[2][a, k], tables[3][a, k] = float_ball(w)
        inv_2pi = np.array(float_ball(1 / (2 * arb.pi())))
    finally:
        ctx.prec = old
    return tables[0], tables[1], tables[2], tables[3], inv_2pi


_ASIN_C, _ASIN_NEXT = _asin_coefficients()
NODES, NODE_RADII, WEIGHTS, WEIGHT_RADII, INV_2PI = _rules()


@numba.njit(cache=True)
def round_up(x):
    """An upper bound of a positive quantity computed with a few roundings.

    Parameters
    ----------
    x : float
        The computed quantity (non-negative).

    Returns
    -------
    float
        ``x (1 + 2^-44) + 2^-1000``.

    Examples
    --------
    >>> round_up(1.0) > 1.0
    True
    """
    return x * _UP + _TINY


@numba.njit(cache=True)
def round_down(x):
    """A lower bound of a positive quantity computed with a few roundings.

    Parameters
    ----------
    x : float
        The computed quantity (non-negative).

    Returns
    -------
    float
        ``x (1 - 2^-44) - 2^-1000``.

    Examples
    --------
    >>> round_down(1.0) < 1.0
    True
    """
    return x * _LOW - _TINY


@numba.njit(cache=True)
def ball_ok(a):
    """False for the failure ball ``(0, inf)`` (and for NaN radii).

    Parameters
    ----------
    a : tuple of float
        A ball ``(mid, rad)``.

    Returns
    -------
    bool
        Whether the radius is below ``1e300``.

    Examples
    --------
    >>> ball_ok((1.0, 0.0)), ball_ok(ball_inv((0.0, 1.0)))
    (True, False)
    """
    return a[1] < 1e300


@numba.njit(cache=True)
def ball_add(a, b):
    """``a + b``.

    Parameters
    ----------
    a, b : tuple of float
        Balls ``(mid, rad)``.

    Returns
    -------
    tuple of float
        A ball containing ``x + y`` for every ``x`` in ``a`` and ``y`` in ``b``.

    Examples
    --------
    >>> m, r = ball_add((0.1, 0.0), (0.2, 0.0))
    >>> abs(m - 0.3) < 1e-16 and r > 0
    True
    """
    m = a[0] + b[0]
    return (m, round_up(a[1] + b[1] + U * abs(m)))


@numba.njit(cache=True)
def ball_sub(a, b):
    """``a - b``.

    Parameters
    ----------
    a, b : tuple of float
        Balls ``(mid, rad)``.

    Returns
    -------
    tuple of float
        A ball containing ``x - y`` for every ``x`` in ``a`` and ``y`` in ``b``.

    Examples
    --------
    >>> ball_sub((1.0, 0.5), (1.0, 0.25))[0]
    0.0
    """
    m = a[0] - b[0]
    return (m, round_up(a[1] + b[1] + U * abs(m)))


@numba.njit(cache=True)
def ball_mul(a, b):
    """``a * b``.

    Parameters
    ----------
    a, b : tuple of float
        Balls ``(mid, rad)``.

    Returns
    -------
    tuple of float
        A ball containing ``x * y`` for every ``x`` in ``a`` and ``y`` in ``b``.

    Examples
    --------
    >>> m, r = ball_mul((2.0, 0.1), (3.0, 0.0))
    >>> m, r >= 0.3
    (6.0, True)
    """
    m = a[0] * b[0]
    return (m, round_up(abs(a[0]) * b[1] + abs(b[0]) * a[1] + a[1] * b[1] + U * abs(m)))


@numba.njit(cache=True)
def ball_scale(a, c):
    """``c * a`` for an exact float ``c``.

    Parameters
    ----------
    a : tuple of float
        A ball ``(mid, rad)``.
    c : float
        The exact factor.

    Returns
    -------
    tuple of float
        A ball containing ``c * x`` for every ``x`` in ``a``.

    Examples
    --------
    >>> ball_scale((1.5, 0.0), -2.0)[0]
    -3.0
    """
    m = a[0] * c
    return (m, round_up(abs(c) * a[1] + U * abs(m)))


@numba.njit(cache=True)
def ball_inv(a):
    """``1 / a``; the failure ball when ``a`` contains 0.

    Parameters
    ----------
    a : tuple of float
        A ball ``(mid, rad)``.

    Returns
    -------
    tuple of float
        A ball containing ``1 / x`` for every ``x`` in ``a``; ``(0, inf)`` when ``a`` contains 0.

    Examples
    --------
    >>> ball_inv((4.0, 0.0))[0]
    0.25
    """
    ax = abs(a[0])
    lo = round_down(ax - a[1])
    if not lo > 0.0:
        return (0.0, math.inf)
    m = 1.0 / a[0]
    return (m, round_up(a[1] / round_down(ax * lo) + U * abs(m)))


@numba.njit(cache=True)
def ball_sqrt(a):
    """``sqrt(a)``; the failure ball unless ``a`` is positive.

    Parameters
    ----------
    a : tuple of float
        A ball ``(mid, rad)``.

    Returns
    -------
    tuple of float
        A ball containing ``sqrt(x)`` for every ``x`` in ``a``; ``(0, inf)`` unless ``a`` is positive.

    Examples
    --------
    >>> ball_sqrt((4.0, 0.0))[0]
    2.0
    """
    lo = round_down(a[0] - a[1])
    if not lo > 0.0:
        return (0.0, math.inf)
    m = math.sqrt(a[0])
    return (m, round_up(a[1] / round_down(math.sqrt(lo) + m) + U * m))


@numba.njit(cache=True)
def ball_rsqrt(a):
    """``1 / sqrt(a)``: ``|w^-1/2 - x^-1/2| <= (r/2) m^3 (1 + 3 r/x)`` for ``|w - x| <= r <= x/4``.

    Parameters
    ----------
    a : tuple of float
        A ball ``(mid, rad)``.

    Returns
    -------
    tuple of float
        A ball containing ``1 / sqrt(x)`` for every ``x`` in ``a``; ``(0, inf)`` unless ``a`` is
        positive.

    Examples
    --------
    >>> ball_rsqrt((4.0, 0.0))[0]
    0.5
    """
    x, r = a
    if not x > 0.0:
        return (0.0, math.inf)
    m = 1.0 / math.sqrt(x)
    mu = m * (1.0 + 4 * U)
    e = r * mu * mu
    if not e <= 0.25:
        return ball_inv(ball_sqrt(a))
    return (m, round_up(0.5 * r * mu * mu * mu * (1.0 + 3.0 * e) + 3 * U * m))


@numba.njit(cache=True)
def _asin_series(y):
    """asin(y) for 0 <= y <= 1/2: 25 Taylor terms (Estrin's scheme), value and error bound.

    All terms are positive, so the rounding error is below (number of operations on any path) u v <= 100 u v;
    the tail sum_{k > 24} c_k y^(2k+1) is below c_25 y^51 / (1 - y^2).
    """
    z = y * y
    z2 = z * z
    z4 = z2 * z2
    z8 = z4 * z4
    z16 = z8 * z8
    c = _ASIN_C
    e0 = (c[0] + c[1] * z) + (c[2] + c[3] * z) * z2
    e1 = (c[4] + c[5] * z) + (c[6] + c[7] * z) * z2
    e2 = (c[8] + c[9] * z) + (c[10] + c[11] * z) * z2
    e3 = (c[12] + c[13] * z) + (c[14] + c[15] * z) * z2
    e4 = (c[16] + c[17] * z) + (c[18] + c[19] * z) * z2
    e5 = (c[20] + c[21] * z) + (c[22] + c[23] * z) * z2
    p = (e0 + e1 * z4) + (e2 + e3 * z4) * z8 + (e4 + e5 * z4 + c[24] * z8) * z16
    v = y * p
    tail = y * z * z8 * z16 * _ASIN_NEXT / round_down(1.0 - z)
    return v, round_up(100 * U * v + round_up(tail))


@numba.njit(cache=True)
def ball_asin(a):
    """``asin(a)``; the failure ball unless ``a`` lies inside ``(-1, 1)``.

    For ``|x| > 1/2`` it uses ``asin(x) = pi/2 - 2 asin(sqrt((1 - x) / 2))`` (``1 - x`` is exact there).

    Parameters
    ----------
    a : tuple of float
        A ball ``(mid, rad)``.

    Returns
    -------
    tuple of float
        A ball containing ``asin(x)`` for every ``x`` in ``a``; ``(0, inf)`` unless ``a`` lies inside ``(-1, 1)``.

    Examples
    --------
    >>> m, r = ball_asin((0.5, 0.0))
    >>> abs(m - math.pi / 6) <= r < 1e-14
    True
    """
    x, r = a
    ax = abs(x)
    lo = round_down((1.0 - ax) - r) - 2 * U
    if not lo > 0.0:
        return (0.0, math.inf)
    if ax <= 0.5:
        v, e = _asin_series(ax)
    else:
        y = math.sqrt((1.0 - ax) * 0.5)
        w, ew = _asin_series(y)
        v = _PI_HALF - 2.0 * w
        e = round_up(_PI_HALF_ERROR + 2.0 * (ew + 1.2 * U * y) + U * abs(v))
    slope = round_down(math.sqrt(round_down(lo * (1.0 + ax + r))))   # sup |asin'| = 1 / slope on the ball
    return ((v if x >= 0.0 else -v), round_up(e + r / slope))


@numba.njit(cache=True)
def _ball_abs_upper(a):
    """An upper bound of ``|x|`` over the ball.

    Examples
    --------
    >>> _ball_abs_upper((-2.0, 0.5)) >= 2.5
    True
    """
    return round_up(abs(a[0]) + a[1])


@numba.njit(cache=True)
def gauss_legendre_error(n, rho, bound):
    """Bound on ``|int_{-1}^1 f - G_n(f)|`` when ``|f| <= bound`` on the Bernstein ellipse ``E_rho``.

    With Chebyshev coefficients ``|a_k| <= 2 bound rho^-k`` (Trefethen, Thm 8.1), exactness of ``G_n``
    up to degree ``2n - 1``, ``G_n(T_k) = int T_k = 0`` for odd ``k``, ``|G_n(T_k)| <= 2`` and
    ``|int T_k| <= 2 / (k^2 - 1)``, the error is at most
    ``4 bound (1 + 1 / (4 n^2 - 1)) rho^-2n / (1 - rho^-2)``.

    Parameters
    ----------
    n : int
        Number of Gauss-Legendre nodes.
    rho : float
        The ellipse parameter (sum of its semi-axes), above 1.
    bound : float
        Upper bound of ``|f|`` on ``E_rho`` (and inside it).

    Returns
    -------
    float
        The error bound, rounded up.

    Examples
    --------
    >>> gauss_legendre_error(10, 3.0, 1.0) < 1e-8
    True

    References
    ----------
    L. N. Trefethen, *Approximation Theory and Approximation Practice*, SIAM 2013, Thms 8.1 and 19.3.
    """
    tail = rho ** (-2.0 * n) / (1.0 - rho ** -2.0)
    return 4.0 * bound * (1.0 + 1.0 / (4.0 * n * n - 1.0)) * tail * (1.0 + 2.0 ** -30)
