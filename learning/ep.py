"""Expectation propagation for Gaussian orthant probabilities (a GP with the noise-free Heaviside likelihood).

``P(z > 0)`` for ``z ~ N(0, Sigma)`` is the evidence of a Gaussian process
whose likelihood is ``prod_i [z_i > 0]``.  EP replaces every factor by a
Gaussian site ``N(z_i; nu_i / tau_i, 1 / tau_i)`` matched to the moments of
the tilted distribution (cavity times the step), and its evidence
approximation ``log Z_EP`` is the estimate (Minka 2001; Rasmussen and
Williams 2006, section 3.6, with the probit replaced by its noise-free
limit, as in the authors' GPy set-up).  EP is deterministic and biased (on
positively correlated orthants it underestimates ``log P``, by more as the
dimension and the correlation grow); it comes with no error bound.

Convergence is checked on the *undamped* fixed-point residual of the site
parameters (relative to the marginal precisions) and on the change of
``log Z_EP`` divided by the damping, so that a small damping (small steps)
cannot pass for convergence; a run that does not converge raises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy import linalg, special

from pfmap.errors import PfmapError

SCHEDULES = ("parallel", "sequential")
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclass(frozen=True)
class EPResult:
    """The converged EP approximation of ``N(0, Sigma)`` restricted to the positive orthant.

    Attributes
    ----------
    log_z : float
        ``log Z_EP``, the approximate log probability of the orthant.
    mean : numpy.ndarray, shape (d,)
        Mean of the Gaussian approximation of the restricted distribution.
    cov : numpy.ndarray, shape (d, d)
        Its covariance.
    tau, nu : numpy.ndarray, shape (d,)
        The site precisions and precision-weighted means.
    iterations : int
        The sweeps done.
    residual : float
        The last undamped site residual.
    log_z_change : float
        The last change of ``log_z``.
    schedule : str
        ``"parallel"`` or ``"sequential"``.
    damping : float
        The damping used.

    Examples
    --------
    >>> round(ep_positive_orthant(np.eye(3)).log_z, 6) == round(3 * math.log(0.5), 6)   # exact when independent
    True
    """

    log_z: float
    mean: np.ndarray
    cov: np.ndarray
    tau: np.ndarray
    nu: np.ndarray
    iterations: int
    residual: float
    log_z_change: float
    schedule: str
    damping: float


def ep_positive_orthant(sigma: np.ndarray, *, damping: float | None = None, schedule: str = "parallel",
                        tol: float = 1e-7, max_iter: int = 1000) -> EPResult:
    """EP approximation of ``P(z > 0)``, ``z ~ N(0, sigma)`` (every coordinate positive).

    Parameters
    ----------
    sigma : numpy.ndarray, shape (d, d)
        Positive definite covariance.
    damping : float, optional
        The fraction of each EP update that is applied (GPy's ``delta``; 1 is
        undamped, smaller is more damped). Defaults to 0.5 for the parallel
        schedule and 1 for the sequential one.
    schedule : {"parallel", "sequential"}, optional
        Update all sites from the same posterior, then refactor (fast, BLAS-3),
        or one site at a time with rank-one updates (Minka's and GPy's schedule,
        ``O(d**2)`` per site).  Both have the same fixed points.
    tol : float, optional
        Convergence threshold on the undamped site residual and on
        ``|change of log Z| / damping``.
    max_iter : int, optional
        Maximum number of sweeps.

    Returns
    -------
    EPResult
        The converged approximation.

    Raises
    ------
    PfmapError
        If the run does not converge within ``max_iter`` sweeps (the message
        gives the residual), the damping is not in ``(0, 1]``, ``tol`` or
        ``max_iter`` is not positive, or ``sigma`` is not positive definite.

    Examples
    --------
    >>> res = ep_positive_orthant(np.array([[1.0, 0.5], [0.5, 1.0]]))
    >>> round(res.log_z, 4), round(float(np.log(1 / 3)), 4)    # EP is close, not exact
    (-1.1004, -1.0986)

    References
    ----------
    T. P. Minka, "Expectation propagation for approximate Bayesian inference",
    UAI 2001; C. E. Rasmussen and C. K. I. Williams, "Gaussian Processes for
    Machine Learning", MIT Press 2006, Algorithm 3.5 and eq. (3.65).
    """
    sigma = np.asarray(sigma, dtype=float)
    if sigma.ndim != 2 or sigma.shape[0] != sigma.shape[1] or not np.isfinite(sigma).all():
        raise PfmapError(f"sigma must be a finite square covariance matrix; got shape {sigma.shape}")
    try:
        linalg.cholesky(sigma, lower=True, check_finite=False)
    except linalg.LinAlgError:
        raise PfmapError("sigma is not positive definite; add jitter (log_orthant_probability does)") from None
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise PfmapError(f"tol must be a positive number; got {tol!r}")
    if schedule not in SCHEDULES:
        raise PfmapError(f"schedule must be one of {', '.join(SCHEDULES)}; got {schedule!r}")
    if damping is None:
        damping = 0.5 if schedule == "parallel" else 1.0
    if not (isinstance(damping, (int, float)) and 0 < damping <= 1):
        raise PfmapError(f"damping must be in (0, 1] (the fraction of each EP update applied); got {damping!r}")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise PfmapError(f"max_iter must be a positive integer; got {max_iter!r}")
    d = sigma.shape[0]
    tau = np.zeros(d)
    nu = np.zeros(d)
    mean, var = np.zeros(d), np.diag(sigma).copy()
    cov = sigma.copy() if schedule == "sequential" else None
    log_z = -math.inf
    residual = change = math.inf
    for sweep in range(1, max_iter + 1):
        if schedule == "parallel":
            tau_new, nu_new = _site_updates(mean, var, tau, nu)
            residual = _residual(tau_new, nu_new, tau, nu, var)
            tau = np.maximum((1 - damping) * tau + damping * tau_new, 0.0)
            nu = (1 - damping) * nu + damping * nu_new
            mean, var, chol = _posterior(sigma, tau, nu)
        else:
            residual = _sequential_sweep(cov, tau, nu, float(damping))
            mean, var, chol = _posterior(sigma, tau, nu)
            cov = _posterior_cov(sigma, tau, chol)  # refactor once per sweep against drift
        new_log_z = _log_evidence(sigma, tau, nu, mean, var, chol)
        change = abs(new_log_z - log_z)
        log_z = new_log_z
        if sweep > 1 and residual < tol and change / damping < tol * max(1.0, abs(log_z)):
            full_cov = cov if cov is not None else _posterior_cov(sigma, tau, chol)
            return EPResult(float(log_z), mean, full_cov, tau, nu, sweep, float(residual), float(change),
                            schedule, float(damping))
    raise PfmapError(f"EP did not converge in max_iter={max_iter} sweeps (undamped site residual {residual:.2e}, "
                     f"log Z change {change:.2e} at damping={damping}); raise max_iter or damping, or use tilting")


def _tilted(cav_mean, cav_var):
    """Moments of the cavity ``N(m, v)`` times ``[z > 0]``: log Z, mean, variance."""
    sd = np.sqrt(cav_var)
    t = cav_mean / sd
    log_z = special.log_ndtr(t)
    ratio = np.exp(-0.5 * t * t - _LOG_SQRT_2PI - log_z)
    mean = cav_mean + sd * ratio
    var = cav_var * np.maximum(1.0 - ratio * (t + ratio), 1e-300)
    return log_z, mean, var


def _cavity(mean, var, tau, nu):
    cav_tau = 1.0 / var - tau
    if np.any(cav_tau <= 0):
        raise PfmapError("EP cavity precision <= 0 (the covariance is too ill-conditioned); add jitter")
    return (mean / var - nu) / cav_tau, 1.0 / cav_tau


def _site_updates(mean, var, tau, nu):
    cav_mean, cav_var = _cavity(mean, var, tau, nu)
    _, hat_mean, hat_var = _tilted(cav_mean, cav_var)
    tau_new = 1.0 / hat_var - 1.0 / cav_var
    nu_new = hat_mean / hat_var - cav_mean / cav_var
    return tau_new, nu_new


def _residual(tau_new, nu_new, tau, nu, var):
    """Undamped change of the sites, relative to the marginal precision and its square root."""
    return float(max(np.max(np.abs(tau_new - tau) * var), np.max(np.abs(nu_new - nu) * np.sqrt(var))))


def _posterior(sigma, tau, nu):
    """Mean and marginal variances of ``N(0, sigma)`` times the sites, via ``B = I + S^1/2 sigma S^1/2``."""
    s = np.sqrt(tau)
    B = np.eye(sigma.shape[0]) + s[:, None] * sigma * s[None, :]
    try:
        chol = linalg.cholesky(B, lower=True, check_finite=False)
    except linalg.LinAlgError:
        raise PfmapError("EP: I + S^1/2 K S^1/2 is not positive definite; add jitter to the kernel") from None
    V = linalg.solve_triangular(chol, s[:, None] * sigma, lower=True, check_finite=False)
    var = np.diag(sigma) - np.einsum("ij,ij->j", V, V)
    mean = sigma @ nu - V.T @ (V @ nu)
    return mean, var, chol


def _posterior_cov(sigma, tau, chol):
    s = np.sqrt(tau)
    V = linalg.solve_triangular(chol, s[:, None] * sigma, lower=True, check_finite=False)
    return sigma - V.T @ V


def _log_evidence(sigma, tau, nu, mean, var, chol):
    """``log Z_EP`` (Rasmussen and Williams eq. 3.65) in the stable form with ``B``'s Cholesky factor."""
    cav_mean, cav_var = _cavity(mean, var, tau, nu)
    log_zhat, _, _ = _tilted(cav_mean, cav_var)
    cav_tau = 1.0 / cav_var
    s = np.sqrt(tau)
    # -1/2 log|K + S^-1| + 1/2 sum log(cav_var + 1/tau) = -sum log L_ii + 1/2 sum log(1 + tau / cav_tau)
    logdet = -np.sum(np.log(np.diag(chol))) + 0.5 * np.sum(np.log1p(tau / cav_tau))
    # -1/2 mu~' (K + S^-1)^-1 mu~ with mu~ = nu / tau, written with b = S^-1/2 nu
    b = np.divide(nu, s, out=np.zeros_like(nu), where=s > 0)
    w = linalg.solve_triangular(chol, b, lower=True, check_finite=False)
    quad = -0.5 * float(w @ w)
    # + sum (cav_mean - mu~)^2 / (2 (cav_var + 1/tau)), written without dividing by tau
    cross = 0.5 * np.sum((cav_mean * tau - nu) ** 2 / (tau * (1.0 + cav_var * tau) + (tau == 0)))
    return float(np.sum(log_zhat) + logdet + quad + cross)


@numba.njit(cache=True)
def _sequential_sweep(cov, tau, nu, damping):  # pragma: no cover - compiled
    """One sweep of site-by-site EP with in-place rank-one updates of ``cov``; returns the largest residual."""
    d = cov.shape[0]
    residual = 0.0
    mean = cov @ nu
    for i in range(d):
        v = cov[i, i]
        m = mean[i]
        cav_tau = 1.0 / v - tau[i]
        if cav_tau <= 0.0:
            return np.inf
        cav_var = 1.0 / cav_tau
        cav_mean = (m / v - nu[i]) * cav_var
        sd = math.sqrt(cav_var)
        t = cav_mean / sd
        if t > -37.0:
            log_z = math.log(0.5 * math.erfc(-t / math.sqrt(2.0)))
        else:  # asymptotic series of the Mills ratio (relative error < 1e-10 here)
            t2 = 1.0 / (t * t)
            log_z = -0.5 * t * t - math.log(-t) - 0.5 * math.log(2.0 * math.pi) + \
                math.log(1.0 - t2 + 3.0 * t2 * t2 - 15.0 * t2 * t2 * t2)
        ratio = math.exp(-0.5 * t * t - 0.5 * math.log(2.0 * math.pi) - log_z)
        hat_mean = cav_mean + sd * ratio
        hat_var = cav_var * max(1.0 - ratio * (t + ratio), 1e-300)
        tau_new = 1.0 / hat_var - cav_tau
        nu_new = hat_mean / hat_var - cav_mean * cav_tau
        r = max(abs(tau_new - tau[i]) * v, abs(nu_new - nu[i]) * math.sqrt(v))
        residual = max(residual, r)
        d_tau = damping * (tau_new - tau[i])
        tau_i = max(tau[i] + d_tau, 0.0)
        d_tau = tau_i - tau[i]
        tau[i] = tau_i
        nu[i] = nu[i] + damping * (nu_new - nu[i])
        coef = d_tau / (1.0 + d_tau * v)
        col = cov[:, i].copy()
        for a in range(d):
            ca = coef * col[a]
            for b in range(d):
                cov[a, b] -= ca * col[b]
        mean = cov @ nu
    return residual
