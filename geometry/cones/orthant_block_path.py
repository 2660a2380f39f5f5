"""The compiled kernel behind certified orthant probabilities in dimension 6 (Plackett's block path).

For ``Y ~ N(0, R)`` in dimension 6, ``R`` a correlation matrix, split the
coordinates into ``A = {0, 1, 2}`` and ``B = {3, 4, 5}`` and walk from the
block-diagonal ``R0`` (its orthant probability is ``P3(R_AA) P3(R_BB)``, two
Sheppard closed forms) to ``R`` along ``R(t) = R0 + t (R - R0)``.  Plackett's
identity ``dP/drho_ij = phi_2(0, 0; rho_ij) P_4(conditional orthant)`` leaves
only the nine cross pairs ``i in A, j in B``:

    P6(R) = P3(R_AA) P3(R_BB) + int_0^1 g(t) dt,
    g(t)  = sum_ij rho_ij phi_2(t rho_ij) P4(C_ij(t)),

with ``C_ij(t)`` the partial correlations of the other four coordinates given
``i, j`` (two in ``A``, two in ``B``).  Each ``P4`` is walked the same way
from its 2 + 2 block-diagonal part: ``P4(C) = P2(c01) P2(c23) + int_0^1
sum_kl c_kl phi_2(s c_kl) P2(q_kl(s)) ds`` over the four cross pairs, where
``q_kl(s)`` is a closed-form partial correlation.  So ``P6`` is a double
integral of elementary functions, evaluated by nested Gauss-Legendre rules
on panels graded toward the singularity just beyond ``t = 1`` (thin cones).

This module holds the path: the conditional covariances as cubic polynomials
in ``t``, the partial correlations, the inner coefficients and integrands,
and the certified positive-definiteness checks; the quadrature and its error
bounds are in :mod:`~pfmap.geometry.cones.orthant_block_quadrature`.

References
----------
R. L. Plackett, "A reduction formula for normal multivariate integrals", Biometrika 41, 1954.
D. R. Childs, "Reduction of the multivariate normal integral to characteristic form", Biometrika 54, 1967.
W. F. Sheppard, Phil. Trans. R. Soc. A 192, 1899 (the closed forms in dimensions 2 and 3).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pfmap.geometry.cones.orthant_balls import (INV_2PI, ball_add, ball_asin, ball_inv, ball_mul, ball_ok, ball_rsqrt,
                                                ball_scale, ball_sqrt, ball_sub, round_down)

_IX4 = np.array([[-1, 0, 1, 2], [0, -1, 3, 4], [1, 3, -1, 5], [2, 4, 5, -1]], dtype=np.int64)
_E4 = np.array([[0, 1, 2, 3], [1, 4, 5, 6], [2, 5, 7, 8], [3, 6, 8, 9]], dtype=np.int64)
_INV_2PI = (float(INV_2PI[0]), float(INV_2PI[1]))


@numba.njit(cache=True)
def _is_positive_definite(M, d):
    """True when every symmetric matrix within the balls ``M[i, j] = (mid, rad)`` is positive definite.

    A Cholesky factorisation in ball arithmetic whose pivots are all certified positive.

    Parameters
    ----------
    M : numpy.ndarray, shape (d, d, 2)
        Midpoints ``M[..., 0]`` and radii ``M[..., 1]`` of a symmetric matrix.
    d : int
        The dimension (the leading ``d`` rows and columns of ``M`` are used).

    Returns
    -------
    bool
        True when positive definiteness is certified.

    Examples
    --------
    >>> M = np.zeros((2, 2, 2))
    >>> M[:, :, 0] = [[1.0, 0.9], [0.9, 1.0]]
    >>> wide = M.copy(); wide[0, 1, 1] = wide[1, 0, 1] = 0.2    # off-diagonal 0.9 +- 0.2 reaches 1.1
    >>> _is_positive_definite(M, 2), _is_positive_definite(wide, 2)
    (True, False)
    """
    L = np.zeros((d, d, 2))
    for k in range(d):
        s = (M[k, k, 0], M[k, k, 1])
        for j in range(k):
            s = ball_sub(s, ball_mul((L[k, j, 0], L[k, j, 1]), (L[k, j, 0], L[k, j, 1])))
        if not round_down(s[0] - s[1]) > 0.0:
            return False
        lk = ball_sqrt(s)
        il = ball_inv(lk)
        if not (ball_ok(lk) and ball_ok(il)):
            return False
        L[k, k, 0], L[k, k, 1] = lk
        for i in range(k + 1, d):
            s = (M[i, k, 0], M[i, k, 1])
            for j in range(k):
                s = ball_sub(s, ball_mul((L[i, j, 0], L[i, j, 1]), (L[k, j, 0], L[k, j, 1])))
            L[i, k, 0], L[i, k, 1] = ball_mul(s, il)
    return True


@numba.njit(cache=True)
def certify_tau(M, d, na, tau_est):
    """A ``tau > 1`` with ``M0 + tau (M - M0)`` certified positive definite, or 0.

    ``M0`` keeps the diagonal blocks of ``M`` (the first ``na`` coordinates and the others) and zeroes
    the cross block; candidates are tried at fractions of ``tau_est - 1`` beyond 1.

    Parameters
    ----------
    M : numpy.ndarray, shape (d, d, 2)
        Balls (midpoints, radii) of a correlation matrix.
    d : int
        The dimension.
    na : int
        Size of the first block.
    tau_est : float
        Estimate of the ``tau`` at which ``M0 + tau (M - M0)`` becomes singular (capped at 1e6).

    Returns
    -------
    float
        The largest certified candidate ``tau > 1``, or 0.0 when none is certified.

    Examples
    --------
    >>> M = np.zeros((2, 2, 2))
    >>> M[:, :, 0] = [[1.0, 0.5], [0.5, 1.0]]                   # singular at tau = 2
    >>> 1.9 < certify_tau(M, 2, 1, 2.0) < 2.0
    True
    """
    tau_est = min(tau_est, 1e6)
    W = np.empty((d, d, 2))
    for frac in (0.999, 0.99, 0.9, 0.6, 0.3, 0.1):
        tau = 1.0 + (tau_est - 1.0) * frac
        if not tau > 1.0:
            continue
        for a in range(d):
            for b in range(d):
                v = (M[a, b, 0], M[a, b, 1])
                if (a < na) != (b < na):
                    v = ball_mul(v, (tau, 0.0))
                W[a, b, 0], W[a, b, 1] = v
        if _is_positive_definite(W, d):
            return tau
    return 0.0


@numba.njit(cache=True)
def conditional_polynomials(Rm, Rr):
    """Cubic balls ``P[p, e, deg]`` of ``(1 - t^2 rho_p^2)`` times the conditional covariance of the four others
    given cross pair ``p = 3 i + (j - 3)`` (entry ``e`` of the upper triangle) along the block path, and ``rho[p]``.

    Parameters
    ----------
    Rm, Rr : numpy.ndarray, shape (6, 6)
        Midpoints and radii of the correlation matrix, blocks ``A = 0, 1, 2`` and ``B = 3, 4, 5``.

    Returns
    -------
    P : numpy.ndarray, shape (9, 10, 4, 2)
        Ball coefficients ``P[p, e, deg]`` (midpoint, radius) of the cubics in ``t``, ``e`` indexing the upper
        triangle of the 4x4 conditional covariance row by row.
    rho : numpy.ndarray, shape (9, 2)
        The balls of the cross correlations ``rho_p = R[i, j]``.

    Examples
    --------
    >>> P, rho = conditional_polynomials(np.eye(6), np.zeros((6, 6)))
    >>> P[0, 0, :, 0].tolist(), rho.shape                      # independent coordinates: 1 - 0 t^2
    ([1.0, 0.0, 0.0, 0.0], (9, 2))
    """
    P = np.zeros((9, 10, 4, 2))
    rho = np.zeros((9, 2))
    others = np.empty(4, dtype=np.int64)
    for i in range(3):
        for j in range(3, 6):
            p = 3 * i + (j - 3)
            rij = (Rm[i, j], Rr[i, j])
            rho[p, 0], rho[p, 1] = rij
            q = 0
            for x in range(6):
                if x != i and x != j:
                    others[q] = x
                    q += 1
            for xa in range(4):
                for ya in range(xa, 4):
                    x, y = others[xa], others[ya]
                    e = _E4[xa, ya]
                    xb, yb = (1 if x >= 3 else 0), (1 if y >= 3 else 0)
                    exy = 1 if xb != yb else 0
                    rxy = (Rm[x, y], Rr[x, y])
                    rxi, ryi = (Rm[x, i], Rr[x, i]), (Rm[y, i], Rr[y, i])
                    rxj, ryj = (Rm[x, j], Rr[x, j]), (Rm[y, j], Rr[y, j])
                    # R(t)_xy (1 - t^2 rho^2) - a_x a_y + t rho (a_x b_y + b_x a_y) - b_x b_y, a = R(t)_.i, b = R(t)_.j
                    degs = (exy, exy + 2, xb + yb, 2 - xb - yb, 2 + xb - yb, 2 - xb + yb)
                    vals = (rxy, ball_scale(ball_mul(rxy, ball_mul(rij, rij)), -1.0),
                            ball_scale(ball_mul(rxi, ryi), -1.0), ball_scale(ball_mul(rxj, ryj), -1.0),
                            ball_mul(rij, ball_mul(rxi, ryj)),
                            ball_mul(rij, ball_mul(rxj, ryi)))
                    for k in range(6):
                        P[p, e, degs[k], 0], P[p, e, degs[k], 1] = ball_add((P[p, e, degs[k], 0],
                                                                              P[p, e, degs[k], 1]), vals[k])
    return P, rho


@numba.njit(cache=True)
def _cubic_value(P, p, e, T):
    """The cubic ``P[p, e]`` at the ball ``T`` (Horner's rule), as a ball.

    Examples
    --------
    >>> P = np.zeros((1, 1, 4, 2))
    >>> P[0, 0, :, 0] = [1.0, 2.0, 0.0, 1.0]                 # 1 + 2 t + t^3
    >>> _cubic_value(P, 0, 0, (2.0, 0.0))[0]
    13.0
    """
    v = (P[p, e, 3, 0], P[p, e, 3, 1])
    for d in range(2, -1, -1):
        v = ball_add(ball_mul(v, T), (P[p, e, d, 0], P[p, e, d, 1]))
    return v


@numba.njit(cache=True)
def conditional_correlations(P, p, T, c):
    """``c[q]`` = the partial correlations 01 02 03 12 13 23 of the four others given cross pair p, at T.

    Parameters
    ----------
    P : numpy.ndarray, shape (9, 10, 4, 2)
        The cubics of :func:`conditional_polynomials`.
    p : int
        The cross pair, ``3 i + (j - 3)``.
    T : tuple of float
        A ball ``(mid, rad)`` of the path parameter ``t``.
    c : numpy.ndarray, shape (6, 2)
        Output: the balls of the six partial correlations.

    Returns
    -------
    None
        Fills ``c`` in place (radius not finite where a conditional variance is not certified
        positive).

    Examples
    --------
    >>> P, rho = conditional_polynomials(np.eye(6), np.zeros((6, 6)))
    >>> c = np.empty((6, 2))
    >>> conditional_correlations(P, 0, (0.5, 0.0), c)
    >>> c[:, 0].tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    k0, k1 = _cubic_value(P, p, 0, T), _cubic_value(P, p, 4, T)
    k2, k3 = _cubic_value(P, p, 7, T), _cubic_value(P, p, 9, T)
    ks = ((k0, k1, 1), (k0, k2, 2), (k0, k3, 3), (k1, k2, 5), (k1, k3, 6), (k2, k3, 8))
    for q in range(6):
        a, b, e = ks[q]
        c[q, 0], c[q, 1] = ball_mul(_cubic_value(P, p, e, T), ball_rsqrt(ball_mul(a, b)))


@numba.njit(cache=True)
def cross_sigma4(c):
    """Float estimate of the largest whitened cross singular value of a 4x4 correlation (``c`` as above).

    Used only to place panels and to propose a ``tau`` (:func:`certify_tau` checks it).

    Parameters
    ----------
    c : numpy.ndarray, shape (6, 2)
        Balls of the correlations 01 02 03 12 13 23 (only the midpoints are used); blocks ``{0, 1}`` and
        ``{2, 3}``.

    Returns
    -------
    float
        The estimate; 1.0 when a block correlation is not below 1 in absolute value.

    Examples
    --------
    >>> c = np.zeros((6, 2)); c[1, 0] = 0.5                   # only c02 = 1/2
    >>> cross_sigma4(c)
    0.5
    """
    a, b = c[0, 0], c[5, 0]
    if not (abs(a) < 1.0 and abs(b) < 1.0):
        return 1.0
    x00, x01, x10, x11 = c[1, 0], c[2, 0], c[3, 0], c[4, 0]
    ia, ib = 1.0 / (1.0 - a * a), 1.0 / (1.0 - b * b)
    y00, y01 = (x00 - a * x10) * ia, (x01 - a * x11) * ia
    y10, y11 = (x10 - a * x00) * ia, (x11 - a * x01) * ia
    z00, z01 = (y00 - b * y01) * ib, (y01 - b * y00) * ib
    z10, z11 = (y10 - b * y11) * ib, (y11 - b * y10) * ib
    m00, m01 = z00 * x00 + z01 * x01, z00 * x10 + z01 * x11
    m10, m11 = z10 * x00 + z11 * x01, z10 * x10 + z11 * x11
    tr, det = m00 + m11, m00 * m11 - m01 * m10
    disc = tr * tr / 4 - det
    lam = tr / 2 + math.sqrt(disc if disc > 0 else 0.0)
    return math.sqrt(lam) if lam > 0 else 0.0


@numba.njit(cache=True)
def inner_coefficients(c, co):
    """``co[q]`` = c_kl, alpha, beta, gamma, delta, gamma', delta' for (k, l) = (0,2) (0,3) (1,2) (1,3).

    Along the inner path the partial correlation of the other two, ``m = 1 - k`` and ``n = 5 - l``, given
    ``k, l`` is ``q_kl(s) = s (alpha + beta s^2) / sqrt((gamma + delta s^2)(gamma' + delta' s^2))``
    (Sylvester's identity for the 3x3 minors).

    Parameters
    ----------
    c : numpy.ndarray, shape (6, 2)
        Balls of the correlations 01 02 03 12 13 23 of the 4x4 matrix.
    co : numpy.ndarray, shape (4, 7, 2)
        Output: the seven coefficient balls of each of the four cross pairs.

    Returns
    -------
    None
        Fills ``co`` in place.

    Examples
    --------
    >>> c = np.zeros((6, 2)); c[1, 0] = 0.5
    >>> co = np.empty((4, 7, 2))
    >>> inner_coefficients(c, co)
    >>> co[0, :, 0].tolist()                                   # c02 = 1/2, alone: q = 0
    [0.5, 0.0, -0.0, 1.0, -0.25, 1.0, -0.25]
    """
    q = 0
    one = (1.0, 0.0)
    cmk, cln = (c[0, 0], c[0, 1]), (c[5, 0], c[5, 1])
    for k in range(2):
        m = 1 - k
        for l in range(2, 4):
            n = 5 - l
            ckl, cmn = (c[_IX4[k, l], 0], c[_IX4[k, l], 1]), (c[_IX4[m, n], 0], c[_IX4[m, n], 1])
            cml, ckn = (c[_IX4[m, l], 0], c[_IX4[m, l], 1]), (c[_IX4[k, n], 0], c[_IX4[k, n], 1])
            alpha = ball_add(ball_sub(ball_sub(cmn, ball_mul(cmk, ckn)), ball_mul(cml, cln)),
                             ball_mul(ckl, ball_mul(cmk, cln)))
            beta = ball_mul(ckl, ball_sub(ball_mul(cml, ckn), ball_mul(cmn, ckl)))
            gam = ball_sub(one, ball_mul(cmk, cmk))
            dlt = ball_sub(ball_sub(ball_scale(ball_mul(ckl, ball_mul(cmk, cml)), 2.0), ball_mul(ckl, ckl)),
                           ball_mul(cml, cml))
            gam2 = ball_sub(one, ball_mul(cln, cln))
            dlt2 = ball_sub(ball_sub(ball_scale(ball_mul(ckl, ball_mul(ckn, cln)), 2.0), ball_mul(ckl, ckl)),
                            ball_mul(ckn, ckn))
            vals = (ckl, alpha, beta, gam, dlt, gam2, dlt2)
            for v in range(7):
                co[q, v, 0], co[q, v, 1] = vals[v]
            q += 1


@numba.njit(cache=True)
def inner_integrand(co, S):
    """``sum_kl c_kl phi_2(S c_kl) P2(q_kl(S))``: d/ds of P4 along the inner path, as a ball.

    Parameters
    ----------
    co : numpy.ndarray, shape (4, 7, 2)
        The coefficients of :func:`inner_coefficients`.
    S : tuple of float
        A ball ``(mid, rad)`` of the inner path parameter ``s``.

    Returns
    -------
    tuple of float
        A ball containing the integrand at every ``s`` in ``S`` (radius not finite when not certified).

    Examples
    --------
    >>> c = np.zeros((6, 2)); c[1, 0] = 0.5
    >>> co = np.empty((4, 7, 2)); inner_coefficients(c, co)
    >>> m, r = inner_integrand(co, (0.0, 0.0))                # 0.5 / (2 pi) / 4
    >>> abs(m - 0.5 / (8 * math.pi)) <= r + 1e-17
    True
    """
    S2 = ball_mul(S, S)
    total = (0.0, 0.0)
    for q in range(4):
        ckl = (co[q, 0, 0], co[q, 0, 1])
        if ckl[0] == 0.0 and ckl[1] == 0.0:
            continue
        num = ball_mul(S, ball_add((co[q, 1, 0], co[q, 1, 1]), ball_mul((co[q, 2, 0], co[q, 2, 1]), S2)))
        den = ball_mul(ball_add((co[q, 3, 0], co[q, 3, 1]), ball_mul((co[q, 4, 0], co[q, 4, 1]), S2)),
                       ball_add((co[q, 5, 0], co[q, 5, 1]), ball_mul((co[q, 6, 0], co[q, 6, 1]), S2)))
        p2 = ball_add((0.25, 0.0), ball_mul(ball_asin(ball_mul(num, ball_rsqrt(den))), _INV_2PI))
        w = ball_mul(ball_mul(ckl, _INV_2PI), ball_rsqrt(ball_sub((1.0, 0.0), ball_mul(S2, ball_mul(ckl, ckl)))))
        total = ball_add(total, ball_mul(w, p2))
    return total


@numba.njit(cache=True)
def cross_sigma6(R, A, B):
    """Float estimate of the largest singular value of ``R_AA^-1/2 R_AB R_BB^-1/2`` (blocks ``A``, ``B``).

    Parameters
    ----------
    R : numpy.ndarray, shape (6, 6)
        A float correlation matrix.
    A, B : numpy.ndarray of int64, shape (3,)
        The coordinates of the two blocks.

    Returns
    -------
    float
        The largest cross singular value (below 1 for a positive definite ``R``).

    Examples
    --------
    >>> R = np.eye(6); R[0, 3] = R[3, 0] = 0.5
    >>> round(cross_sigma6(R, np.array([0, 1, 2]), np.array([3, 4, 5])), 12)
    0.5
    """
    ra, rb, x = np.empty((3, 3)), np.empty((3, 3)), np.empty((3, 3))
    for u in range(3):
        for v in range(3):
            ra[u, v], rb[u, v], x[u, v] = R[A[u], A[v]], R[B[u], B[v]], R[A[u], B[v]]
    la, lb = np.linalg.cholesky(ra), np.linalg.cholesky(rb)
    z = np.linalg.solve(lb, np.linalg.solve(la, x).T).T
    return np.linalg.svd(z)[1][0]


@numba.njit(cache=True)
def conditional_matrix(c, M):
    """Fill ``M`` (4, 4, 2) with the unit-diagonal correlation balls whose off-diagonal entries are ``c``.

    Parameters
    ----------
    c : numpy.ndarray, shape (6, 2)
        Balls of the correlations 01 02 03 12 13 23.
    M : numpy.ndarray, shape (4, 4, 2)
        Output: the symmetric matrix of balls.

    Returns
    -------
    None
        Fills ``M`` in place.

    Examples
    --------
    >>> c = np.zeros((6, 2)); c[5, 0] = 0.25
    >>> M = np.empty((4, 4, 2)); conditional_matrix(c, M)
    >>> float(M[2, 3, 0]), float(M[1, 1, 0])
    (0.25, 1.0)
    """
    for x in range(4):
        for y in range(4):
            if x == y:
                M[x, y, 0], M[x, y, 1] = 1.0, 0.0
            else:
                M[x, y, 0], M[x, y, 1] = c[_IX4[x, y], 0], c[_IX4[x, y], 1]
