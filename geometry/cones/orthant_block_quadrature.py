"""Certified nested Gauss-Legendre quadrature along the block path of dimension-6 orthant probabilities.

:func:`orthant6` computes ``P6(R) = P3(R_AA) P3(R_BB) + int_0^1 g(t) dt``
(:mod:`~pfmap.geometry.cones.orthant_block_path` holds the path and the
integrands): the outer integral over ``t`` and, at each outer node, the inner
integrals over ``s`` of the nine conditional ``P4`` run on panels graded
toward the singularity just beyond 1 (thin cones), each with the cheapest
Gauss-Legendre rule whose proven error fits the panel's share of the
tolerance.

Error bounds (all rigorous; midpoint-radius arithmetic of :mod:`~pfmap.geometry.cones.orthant_balls`):

* node values: every integrand value is a ball, nodes and weights are
  certified balls;
* quadrature: for a block path ``M(t) = M0 + t D`` let ``tau > 1`` be such
  that ``M(tau)`` is positive definite (checked by a Cholesky factorisation in
  ball arithmetic), so every whitened cross singular value is ``<= 1/tau``.
  For real ``c`` and ``|T - c| <= A < tau - c`` the matrix ``M(T)`` is
  ``M(c)^1/2 (I + (T - c) N) M(c)^1/2`` with ``N`` symmetric of spectral
  radius ``mu <= 1/(tau - c)``, so ``Re M(T)^-1 >= m M(c)^-1`` with
  ``m = (1 - A mu)/(1 + A mu)^2`` and ``|det M(T)| >= f^k det M(c)`` for
  ``k`` cross singular values, ``f = (1 - (c + A) s)(1 + (c - A) s) / (1 -
  c^2 s^2)`` and ``s = 1/tau`` (``f`` decreases in ``s``).  The conditional orthant
  integrals then converge for complex ``T`` and the integrand is analytic in
  the disc with ``|g(T)| <= sum_ij |rho_ij| / (2 pi sqrt(1 - c^2 rho_ij^2))
  f^-3/2 m^-2`` (``f^-1 m^-1`` inside), because ``|P_k(K)| <=
  |det K|^-1/2 det(Re K^-1)^-1/2``.  That bound on the Bernstein ellipse of
  a panel gives the Gauss-Legendre error of
  :func:`~pfmap.geometry.cones.orthant_balls.gauss_legendre_error`.

References
----------
R. L. Plackett, Biometrika 41, 1954; D. R. Childs, Biometrika 54, 1967.
L. N. Trefethen, *Approximation Theory and Approximation Practice*, SIAM 2013 (Thms 8.1, 19.3).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pfmap.geometry.cones.orthant_balls import (INV_2PI, NODE_RADII, NODES, RULE_SIZES, U, WEIGHT_RADII, WEIGHTS,
                                                ball_add, ball_asin, ball_mul, ball_ok, ball_rsqrt, ball_sub,
                                                gauss_legendre_error, round_down, round_up)
from pfmap.geometry.cones.orthant_block_path import (certify_tau, conditional_correlations, conditional_matrix,
                                                     conditional_polynomials, cross_sigma4, cross_sigma6,
                                                     inner_coefficients, inner_integrand)

GRADING = 3.0          # the panel next to t = 1 has width GRADING * (tau - 1); widths double away from it
STATS = 6              # counters: inner nodes, outer nodes, inner and outer bisections, inner Cholesky checks, failures
_SPLITS = np.array([[0, a, b] for a in range(1, 6) for b in range(a + 1, 6)], dtype=np.int64)
_HALF_INV_2PI = (0.5 * float(INV_2PI[0]), 0.5 * float(INV_2PI[1]))   # 1 / (4 pi): halving is exact
_INV_2PI = (float(INV_2PI[0]), float(INV_2PI[1]))
_INV_2PI_UP = float(INV_2PI[0] + INV_2PI[1]) * (1 + 2.0**-50)


@numba.njit(cache=True)
def _graded(eps, edges):
    """Panel edges on [0, 1] toward a singularity at 1 + eps; returns how many edges."""
    tmp = np.empty(edges.shape[0])
    width = GRADING * eps
    tmp[0] = 1.0
    count = 1
    right = 1.0
    done = False
    while not done:
        left = right - width
        if left <= 1.5 * width or count >= edges.shape[0] - 1:
            left = 0.0
            done = True
        tmp[count] = left
        count += 1
        right = left
        width *= 2.0
    for i in range(count):
        edges[i] = tmp[count - 1 - i]
    return count


@numba.njit(cache=True)
def _growth(c, A, sig, pairs, mpow):
    """``f^(-pairs/2) m^(-mpow)`` on the disc ``|T - c| <= A`` (0 <= c), or inf where it reaches a singularity."""
    if not sig > 0.0:
        return 1.0
    den = round_down(1.0 - round_up(c * sig))
    if not den > 0.0:
        return math.inf
    x = round_up(A * sig / den)
    if not x < 1.0:
        return math.inf
    m = round_down(round_down(1.0 - x) / round_up((1.0 + x) * (1.0 + x)))
    a1 = round_down(1.0 - round_up((c + A) * sig))
    a2 = round_down(1.0 - round_up((A - c) * sig)) if A > c else 1.0
    f = round_down(round_down(a1 * a2) / round_up(1.0 - round_down(c * c * sig * sig)))
    if not (m > 0.0 and f > 0.0 and a1 > 0.0 and a2 > 0.0):
        return math.inf
    return round_up(round_up(f ** (-0.5 * pairs)) * round_up(m ** (-mpow)))


@numba.njit(cache=True)
def _choose_rule(c, hw, tau, sig, weight, pairs, mpow, density):
    """(index into RULE_SIZES, error bound) of the cheapest certified rule on [c - hw, c + hw], or (-1, inf)."""
    x = round_down((tau - c) / hw)
    if not x > 1.0:
        return -1, math.inf
    rmax = x + math.sqrt(x * x - 1.0)
    best, best_err = -1, math.inf
    for beta in (0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25):
        rho = min(rmax ** beta, 60.0)
        if not rho > 1.02:
            continue
        A = round_up(hw * (1 + 2 * U) * 0.5 * (rho + 1.0 / rho) + 2 * U * abs(c))
        bound = round_up(weight * _growth(c, A, sig, pairs, mpow))
        if not bound < 1e300:
            continue
        for ni in range(RULE_SIZES.shape[0]):
            if best >= 0 and ni >= best:
                break
            err = round_up(hw * (1 + 2 * U) * gauss_legendre_error(RULE_SIZES[ni], rho, bound))
            if err <= density * 2.0 * hw:
                best, best_err = ni, err
                break
    return best, best_err


@numba.njit(cache=True)
def _node(c, hw, ni, k):
    """A ball around the exact k-th node of the rule on [c - hw, c + hw] (c, hw carry their own rounding)."""
    t = c + hw * NODES[ni, k]
    # |c - c_exact| <= u |c|, |hw - hw_exact| <= u hw, and the product and the sum are rounded once each
    return (t, round_up(hw * NODE_RADII[ni, k] + 2 * U * (abs(c) + hw * (abs(NODES[ni, k]) + NODE_RADII[ni, k])
                                                         + abs(t))))


@numba.njit(cache=True)
def _weight(values, count, c):
    """``sum |v| / (2 pi sqrt(1 - c^2 v^2))`` over balls ``values[q, 0, :]``-like rows, an upper bound."""
    total = 0.0
    for q in range(count):
        a = abs(values[q, 0]) + values[q, 1]
        if a == 0.0:
            continue
        d = round_down(1.0 - round_up(c * c * a * a))
        if not d > 0.0:
            return math.inf
        total += round_up(a / round_down(math.sqrt(d)))
    return round_up(total * _INV_2PI_UP)


@numba.njit(cache=True)
def _inner_integral(co, tau, sig, density, stats):
    """int_0^1 of the inner integrand as a ball, with error about ``density`` (absolute)."""
    edges = np.empty(64)
    ne = _graded(max(tau - 1.0, 1e-15), edges)
    stack = np.empty((256, 2))
    top = 0
    for i in range(ne - 1, 0, -1):
        stack[top, 0], stack[top, 1] = edges[i - 1], edges[i]
        top += 1
    weights = np.empty((4, 2))
    for q in range(4):
        weights[q, 0], weights[q, 1] = co[q, 0, 0], co[q, 0, 1]
    total = (0.0, 0.0)
    while top > 0:
        top -= 1
        a, b = stack[top, 0], stack[top, 1]
        c, hw = 0.5 * (a + b), 0.5 * (b - a)
        ni, err = _choose_rule(c, hw, tau, sig, _weight(weights, 4, c), 2, 1, density)
        if ni < 0:
            if b - a < 1e-12 or top + 2 > 256:
                return (0.0, math.inf)
            stack[top, 0], stack[top, 1] = c, b
            stack[top + 1, 0], stack[top + 1, 1] = a, c
            top += 2
            stats[2] += 1
            continue
        acc = (0.0, 0.0)
        for k in range(RULE_SIZES[ni]):
            f = inner_integrand(co, _node(c, hw, ni, k))
            acc = ball_add(acc, ball_mul((WEIGHTS[ni, k], WEIGHT_RADII[ni, k]), f))
        stats[0] += RULE_SIZES[ni]
        acc = ball_mul(acc, (hw, U * hw))
        total = ball_add(total, (acc[0], round_up(acc[1] + err)))
    return total


@numba.njit(cache=True)
def _p4(P, p, T, density, c, co, M, stats):
    """P4 of the conditional correlation given cross pair p at the real ball T: closed part + inner integral."""
    conditional_correlations(P, p, T, c)
    for q in range(6):
        if not c[q, 1] < 1e300:
            return (0.0, math.inf)
    p2a = ball_add((0.25, 0.0), ball_mul(ball_asin((c[0, 0], c[0, 1])), _INV_2PI))
    p2b = ball_add((0.25, 0.0), ball_mul(ball_asin((c[5, 0], c[5, 1])), _INV_2PI))
    closed = ball_mul(p2a, p2b)
    cross = False
    for q in range(1, 5):
        cross = cross or c[q, 0] != 0.0 or c[q, 1] != 0.0
    if not cross:
        return closed
    inner_coefficients(c, co)
    conditional_matrix(c, M)
    sig_est = cross_sigma4(c)
    tau = certify_tau(M, 4, 2, 1.0 / sig_est if sig_est > 0 else 1e6)
    stats[4] += 1
    if not tau > 1.0:
        return (0.0, math.inf)
    return ball_add(closed, _inner_integral(co, tau, round_up(1.0 / tau), density, stats))


@numba.njit(cache=True)
def _outer_integrand(P, rho, T, density, c, co, M, stats):
    """g(T) = sum_p rho_p phi_2(T rho_p) P4_p(T)."""
    total = (0.0, 0.0)
    for p in range(9):
        rp = (rho[p, 0], rho[p, 1])
        if rp[0] == 0.0 and rp[1] == 0.0:
            continue
        w = ball_mul(ball_mul(rp, _INV_2PI), ball_rsqrt(ball_sub((1.0, 0.0), ball_mul(ball_mul(T, T),
                                                                                    ball_mul(rp, rp)))))
        total = ball_add(total, ball_mul(w, _p4(P, p, T, density, c, co, M, stats)))
        if not ball_ok(total):
            return (0.0, math.inf)
    return total


@numba.njit(cache=True)
def _outer_integral(P, rho, tau, sig, density, inner_density, stats):
    edges = np.empty(64)
    ne = _graded(max(tau - 1.0, 1e-15), edges)
    stack = np.empty((256, 2))
    top = 0
    for i in range(ne - 1, 0, -1):
        stack[top, 0], stack[top, 1] = edges[i - 1], edges[i]
        top += 1
    c6, co, M = np.empty((6, 2)), np.empty((4, 7, 2)), np.empty((4, 4, 2))
    total = (0.0, 0.0)
    while top > 0:
        top -= 1
        a, b = stack[top, 0], stack[top, 1]
        c, hw = 0.5 * (a + b), 0.5 * (b - a)
        ni, err = _choose_rule(c, hw, tau, sig, _weight(rho, 9, c), 3, 2, density)
        if ni < 0:
            if b - a < 1e-12 or top + 2 > 256:
                return (0.0, math.inf)
            stack[top, 0], stack[top, 1] = c, b
            stack[top + 1, 0], stack[top + 1, 1] = a, c
            top += 2
            stats[3] += 1
            continue
        acc = (0.0, 0.0)
        for k in range(RULE_SIZES[ni]):
            f = _outer_integrand(P, rho, _node(c, hw, ni, k), inner_density, c6, co, M, stats)
            if not ball_ok(f):
                return (0.0, math.inf)
            acc = ball_add(acc, ball_mul((WEIGHTS[ni, k], WEIGHT_RADII[ni, k]), f))
        stats[1] += RULE_SIZES[ni]
        acc = ball_mul(acc, (hw, U * hw))
        total = ball_add(total, (acc[0], round_up(acc[1] + err)))
    return total


@numba.njit(cache=True, nogil=True)
def orthant6(Sm, Sr, tolerance, split, stats):
    """Certified ``P(Y > 0)``, ``Y ~ N(0, S)`` in dimension 6, as a ball ``(mid, rad)``.

    Parameters
    ----------
    Sm, Sr : numpy.ndarray, shape (6, 6)
        Float midpoints and radii enclosing the covariance.
    tolerance : float
        Target of the error bound (rounding keeps it above about 1e-13).
    split : numpy.ndarray of int64, shape (3,)
        Three coordinates for the block ``A``; ``split[0] < 0``: the 3 + 3 split with the smallest cross
        singular value.
    stats : numpy.ndarray of int64, shape (STATS,)
        Work counters, incremented in place.

    Returns
    -------
    tuple of float
        The ball ``(mid, rad)`` containing the probability; ``(0, inf)`` (or a non-finite radius) when the
        certification fails, counted in ``stats[5]``.

    Examples
    --------
    >>> S = np.full((6, 6), 0.5) + 0.5 * np.eye(6)            # equicorrelated 1/2: 1/7
    >>> m, r = orthant6(S, np.zeros((6, 6)), 1e-12, np.array([-1, 0, 0]), np.zeros(STATS, np.int64))
    >>> abs(m - 1 / 7) <= r < 1e-11
    True
    """
    R = np.empty((6, 6, 2))
    for i in range(6):
        for j in range(6):
            if i == j:
                R[i, j, 0], R[i, j, 1] = 1.0, 0.0
            else:
                R[i, j, 0], R[i, j, 1] = ball_mul((Sm[i, j], Sr[i, j]), ball_rsqrt(ball_mul((Sm[i, i], Sr[i, i]),
                                                                                              (Sm[j, j], Sr[j, j]))))
    best, best_sigma = 0, math.inf
    order = np.empty(6, dtype=np.int64)
    for s in range(_SPLITS.shape[0]):
        A = _SPLITS[s] if split[0] < 0 else split
        n = 0
        for x in range(6):
            if x != A[0] and x != A[1] and x != A[2]:
                order[3 + n] = x
                n += 1
        order[:3] = A
        sigma = cross_sigma6(R[:, :, 0], order[:3], order[3:])
        if sigma < best_sigma:
            best, best_sigma = s, sigma
        if split[0] >= 0:
            break
    A = _SPLITS[best] if split[0] < 0 else split
    n = 0
    for x in range(6):
        if x != A[0] and x != A[1] and x != A[2]:
            order[3 + n] = x
            n += 1
    order[:3] = A
    Rm, Rr, M = np.empty((6, 6)), np.empty((6, 6)), np.empty((6, 6, 2))
    for i in range(6):
        for j in range(6):
            Rm[i, j], Rr[i, j] = R[order[i], order[j], 0], R[order[i], order[j], 1]
            M[i, j, 0], M[i, j, 1] = Rm[i, j], Rr[i, j]
    closed = (1.0, 0.0)
    for blk in range(2):
        s3 = ball_add(ball_add(ball_asin((Rm[3 * blk, 3 * blk + 1], Rr[3 * blk, 3 * blk + 1])),
                               ball_asin((Rm[3 * blk, 3 * blk + 2], Rr[3 * blk, 3 * blk + 2]))),
                      ball_asin((Rm[3 * blk + 1, 3 * blk + 2], Rr[3 * blk + 1, 3 * blk + 2])))
        closed = ball_mul(closed, ball_add((0.125, 0.0), ball_mul(s3, _HALF_INV_2PI)))
    if best_sigma == 0.0 or not ball_ok(closed):
        stats[5] += 0 if ball_ok(closed) else 1
        return closed
    tau = certify_tau(M, 6, 3, 1.0 / best_sigma)
    if not tau > 1.0:
        stats[5] += 1
        return (0.0, math.inf)
    P, rho = conditional_polynomials(Rm, Rr)
    inner_density = 0.5 * tolerance / max(_weight(rho, 9, 1.0), 1e-300)
    value = ball_add(closed, _outer_integral(P, rho, tau, round_up(1.0 / tau), 0.5 * tolerance, inner_density,
                                             stats))
    if not ball_ok(value):
        stats[5] += 1
    return value


@numba.njit(cache=True, nogil=True)
def orthant6_many(Sm, Sr, tolerance, out, stats):
    """:func:`orthant6` for each of ``len(Sm)`` covariances: ``out[k] = (mid, rad)``, ``stats`` summed.

    Releases the GIL, so that chunks run in parallel threads.

    Parameters
    ----------
    Sm, Sr : numpy.ndarray, shape (k, 6, 6)
        Float midpoints and radii enclosing ``k`` covariances.
    tolerance : float
        Target of each error bound.
    out : numpy.ndarray, shape (k, 2)
        Output: the balls, one row per covariance.
    stats : numpy.ndarray of int64, shape (STATS,)
        Work counters, summed over the covariances.

    Returns
    -------
    None
        Fills ``out`` and ``stats`` in place.

    Examples
    --------
    >>> Sm = np.stack([np.eye(6), np.full((6, 6), 0.5) + 0.5 * np.eye(6)])
    >>> out, stats = np.empty((2, 2)), np.zeros(STATS, np.int64)
    >>> orthant6_many(Sm, np.zeros_like(Sm), 1e-12, out, stats)
    >>> bool(abs(out[0, 0] - 1 / 64) <= out[0, 1] and abs(out[1, 0] - 1 / 7) <= out[1, 1])
    True
    """
    split = np.array([-1, 0, 0], dtype=np.int64)
    for k in range(Sm.shape[0]):
        out[k, 0], out[k, 1] = orthant6(Sm[k], Sr[k], tolerance, split, stats)
