"""Gaussian orthant probabilities: the probability that ``z ~ N(0, K)`` has a given sign pattern.

pfmap's convention: label 1 iff the pre-activation is > 0.  So for labels
``y`` the event is ``z_i > 0`` where ``y_i = 1`` and ``z_i <= 0`` where
``y_i = 0``.  Flipping the signs of the 0-labelled coordinates turns it into
the positive orthant of ``D K D``.  One entry point,
:func:`log_orthant_probability`, with the methods: ``exact`` (closed forms,
``d <= 3``), ``ep`` (expectation propagation, :mod:`pfmap.learning.ep`),
``tilting`` (Botev's minimax tilting, :mod:`pfmap.learning.tilting`) and
``sampling`` (direct Cholesky draws, counted).

Jitter: a near-singular ``K`` (the linear kernel of a perceptron on the
``2**n`` cube points has rank ``n + 1``) gets ``jitter * mean(diag K)``
added to its diagonal before factoring (default ``1e-8``: the conditional
standard deviations it creates are ``1e-4`` of the prior ones, and the
probabilities move by about that relative amount).  A coordinate with
``K_ii = 0`` is identically 0, so its label is 0 with probability 1: it is
dropped when labelled 0 and makes the probability 0 when labelled 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import linalg

from pfmap.errors import PfmapError
from pfmap.intervals import Z95, wilson_interval
from pfmap.validation import check_seed, parse_count

from .ep import ep_positive_orthant
from .tilting import minimax_tilting, tilted_samples

METHODS = ("auto", "exact", "ep", "tilting", "sampling")
DEFAULT_SAMPLES = {"tilting": 10_000, "sampling": 100_000}
DEFAULT_JITTER = 1e-8
EP_BIAS_NOTE = ("EP is deterministic with no error bound; on equicorrelated orthants it is low by 0.03 / 0.19 nats "
                "at d = 100 and 0.05 / 0.24 nats at d = 1000 (rho = 0.5 / 0.9); see benchmarks/orthant.py")


@dataclass(frozen=True)
class OrthantEstimate:
    """A log orthant probability with its error.

    Attributes
    ----------
    log_p : float
        The estimate of ``log P``.
    error : float or None
        The standard error of ``log_p`` (sampling methods; delta method), 0
        for ``exact`` and None for ``ep`` (see ``note`` for its bias).
    method : str
        The method that computed it.
    dimension : int
        The orthant's dimension.
    samples : int, optional
        The draws used (sampling methods).
    converged : bool, optional
        Whether the method's iteration converged (EP, tilting's saddle point).
    iterations : int, optional
        The iterations the method took.
    relative_error : float, optional
        The relative standard error of ``p``.
    ci_low, ci_high : float, optional
        A 95% interval for ``p`` where sampled (Wilson for ``sampling``,
        normal for ``tilting``).
    upper_bound : float, optional
        A deterministic upper bound on ``log_p`` (tilting's ``psi*``).
    jitter : float
        The diagonal jitter added to the kernel.
    note : str
        A remark on the estimate (e.g. EP's bias).
    diagnostics : dict
        The method's own figures (iterations, residuals, counts, variable order).

    Examples
    --------
    >>> OrthantEstimate(math.log(0.25), 0.0, "exact", 2).probability
    0.25
    """

    log_p: float
    error: float | None
    method: str
    dimension: int
    samples: int | None = None
    converged: bool | None = None
    iterations: int | None = None
    relative_error: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    upper_bound: float | None = None
    jitter: float = 0.0
    note: str = ""
    diagnostics: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def probability(self) -> float:
        """``exp(log_p)``."""
        return math.exp(self.log_p) if self.log_p > -math.inf else 0.0


@dataclass(frozen=True)
class PreparedOrthant:
    """``P(w > 0)`` for ``w ~ N(0, sigma)``: the sign-flipped covariance of the coordinates that matter.

    Attributes
    ----------
    sigma : numpy.ndarray, shape (k, k)
        The sign-flipped covariance of the kept coordinates (jitter included).
    factor : numpy.ndarray or None
        The lower Cholesky factor of ``sigma``; None when unfactored.
    signs : numpy.ndarray, shape (k,)
        +1 / -1 per kept coordinate (``w = signs * z[kept]``).
    kept : numpy.ndarray of int, shape (k,)
        The indices of the coordinates with nonzero variance.
    impossible : bool
        True when a zero-variance coordinate is labelled 1 (probability 0).
    jitter : float
        The absolute jitter added to the diagonal of ``sigma``.

    Examples
    --------
    >>> prepare_orthant(np.eye(3), "101").signs.tolist()
    [1.0, -1.0, 1.0]
    """

    sigma: np.ndarray
    factor: np.ndarray | None
    signs: np.ndarray
    kept: np.ndarray
    impossible: bool
    jitter: float


def parse_labels(labels: str | ArrayLike, d: int | None = None, name: str = "labels") -> np.ndarray:
    """Labels as a 0/1 ``int8`` vector, from a ``"0110"`` string or a sequence of 0/1 (or bools).

    Parameters
    ----------
    labels : str or array_like
        The labels.
    d : int, optional
        Required length.
    name : str, optional
        Parameter name used in error messages.

    Returns
    -------
    numpy.ndarray
        ``int8`` vector of 0/1.

    Raises
    ------
    PfmapError
        If an entry is not 0/1 or the length is not ``d``.

    Examples
    --------
    >>> parse_labels("0110")
    array([0, 1, 1, 0], dtype=int8)
    >>> parse_labels([True, False], 2)
    array([1, 0], dtype=int8)
    """
    if isinstance(labels, str):
        if labels.strip("01") != "":
            raise PfmapError(f"{name} must be a string of 0/1 characters; got {labels[:40]!r}")
        arr = np.frombuffer(labels.encode(), dtype=np.uint8) - ord("0")
    else:
        try:
            raw = np.asarray(labels)
            arr = raw.astype(np.int64)
        except (TypeError, ValueError):
            raise PfmapError(f"{name} must be a sequence of 0/1 labels or a 0/1 string") from None
        if arr.ndim != 1 or not np.all((arr == 0) | (arr == 1)) or not np.array_equal(arr, raw):
            raise PfmapError(f"{name} must be a 1-D sequence of 0/1 labels (1 = pre-activation > 0)")
    if d is not None and arr.shape[0] != d:
        raise PfmapError(f"{name} has {arr.shape[0]} labels but the kernel has {d} points; give one per point")
    return arr.astype(np.int8)


def prepare_orthant(K: ArrayLike, labels: str | ArrayLike, *, jitter: float = DEFAULT_JITTER,
                    factorize: bool = True) -> PreparedOrthant:
    """Validate ``K`` and the labels, flip signs, drop zero-variance coordinates, add jitter, factor.

    Parameters
    ----------
    K : array_like, shape (d, d)
        Symmetric positive semidefinite covariance.
    labels : str or array_like
        ``d`` labels in {0, 1}.
    jitter : float, optional
        Added to the diagonal as ``jitter * mean(diag K)``.
    factorize : bool, optional
        False: no jitter and no Cholesky factor (``factor`` is None); the
        semidefiniteness is checked on the eigenvalues instead.

    Returns
    -------
    PreparedOrthant
        The positive-orthant problem.

    Raises
    ------
    PfmapError
        If ``K`` is not square, symmetric, finite, or not positive
        semidefinite even after the jitter.

    Examples
    --------
    >>> p = prepare_orthant([[1.0, 1.0], [1.0, 1.0]], [1, 0])    # rank 1: jitter makes it factorable
    >>> p.sigma.round(6).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    >>> p.signs.tolist()
    [1.0, -1.0]
    """
    K = validate_kernel(K)
    d = K.shape[0]
    y = parse_labels(labels, d)
    if not (isinstance(jitter, (int, float)) and math.isfinite(jitter) and jitter >= 0):
        raise PfmapError(f"jitter must be a finite number >= 0; got {jitter!r}")
    diag = np.diag(K)
    scale = float(np.max(diag)) if d else 0.0
    zero = diag <= 1e-14 * scale if scale > 0 else np.ones(d, bool)
    impossible = bool(np.any(zero & (y == 1)))
    kept = np.flatnonzero(~zero)
    signs = np.where(y[kept] == 1, 1.0, -1.0)
    sigma = K[np.ix_(kept, kept)] * signs[:, None] * signs[None, :]
    if not factorize:
        if kept.size and float(np.linalg.eigvalsh(sigma)[0]) < -1e-10 * scale * kept.size:
            raise PfmapError(f"K is not positive semidefinite (smallest eigenvalue "
                             f"{float(np.linalg.eigvalsh(sigma)[0]):.3g}); pass a valid kernel")
        return PreparedOrthant(sigma, None, signs, kept, impossible, 0.0)
    added = jitter * float(np.mean(np.diag(sigma))) if kept.size else 0.0
    sigma = sigma + added * np.eye(kept.size)
    try:
        factor = linalg.cholesky(sigma, lower=True, check_finite=False) if kept.size else np.zeros((0, 0))
    except linalg.LinAlgError:
        eig = float(np.linalg.eigvalsh(sigma)[0])
        raise PfmapError(f"K is not positive semidefinite (smallest eigenvalue {eig:.3g} after jitter={jitter}); "
                         "pass a valid kernel or a larger jitter") from None
    return PreparedOrthant(sigma, factor, signs, kept, impossible, added)


def validate_kernel(K: ArrayLike, name: str = "K") -> np.ndarray:
    """``K`` as a symmetric finite float matrix (symmetrised), or a one-line error naming ``name``.

    Parameters
    ----------
    K : array_like
        The kernel.
    name : str, optional
        The parameter name for messages.

    Returns
    -------
    numpy.ndarray
        ``(K + K.T) / 2`` as float64.

    Raises
    ------
    PfmapError
        If ``K`` is not a non-empty, square, finite, symmetric matrix.

    Examples
    --------
    >>> validate_kernel([[2, 1], [1, 2]]).tolist()
    [[2.0, 1.0], [1.0, 2.0]]
    """
    try:
        K = np.array(K, dtype=float)
    except (TypeError, ValueError):
        raise PfmapError(f"{name} must be a square numeric matrix (the kernel on the points)") from None
    if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] == 0:
        raise PfmapError(f"{name} must be a non-empty square matrix; got shape {K.shape}")
    if not np.isfinite(K).all():
        raise PfmapError(f"{name} contains NaN or infinite entries; pass a finite kernel")
    if not np.allclose(K, K.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(K).max()))):
        raise PfmapError(f"{name} must be symmetric; pass the kernel of the points with themselves")
    return 0.5 * (K + K.T)


def log_orthant_probability(K: ArrayLike, labels: str | ArrayLike, *, method: str = "auto",
                            samples: int | None = None, seed: int = 0, jitter: float = DEFAULT_JITTER,
                            damping: float | None = None, schedule: str = "parallel", tol: float = 1e-7,
                            max_iter: int = 1000) -> OrthantEstimate:
    """``log P(sign pattern of z = labels)`` for ``z ~ N(0, K)``; label 1 iff ``z_i > 0``.

    Parameters
    ----------
    K : array_like, shape (d, d)
        Covariance (the kernel on the points).
    labels : str or array_like
        ``d`` labels in {0, 1}.
    method : {"auto", "exact", "ep", "tilting", "sampling"}, optional
        ``auto`` is ``exact`` for ``d <= 3`` and ``tilting`` above.
    samples : int, optional
        Draws for ``tilting`` (default 10,000) and ``sampling`` (100,000).
    seed : int, optional
        Seed of the sampling methods (chunk ``k`` uses child ``k`` of
        ``SeedSequence(seed)``).
    jitter : float, optional
        Relative diagonal jitter (see the module docstring).
    damping, schedule, tol, max_iter : optional
        EP settings, see :func:`pfmap.learning.ep.ep_positive_orthant`.

    Returns
    -------
    OrthantEstimate
        ``log_p`` with its error and diagnostics.

    Raises
    ------
    PfmapError
        For bad input, an unknown method, ``exact`` above ``d = 3``, or EP
        that does not converge.

    Examples
    --------
    >>> K = [[1.0, 0.5], [0.5, 1.0]]
    >>> est = log_orthant_probability(K, "11")           # exact: 1/4 + asin(1/2)/(2 pi) = 1/3
    >>> round(est.probability, 12), est.method, est.error
    (0.333333333333, 'exact', 0.0)
    >>> est = log_orthant_probability(K, "10", method="tilting", samples=2000, seed=1)
    >>> abs(est.probability - 1 / 6) < 4 * est.relative_error * est.probability
    True

    References
    ----------
    Botev, JRSS B 79 (2017) (tilting); Minka, UAI 2001 (EP); Sheppard (1899)
    and Childs (1967) for the closed forms in ``d <= 3``.
    """
    key = str(method).strip().lower()
    if key not in METHODS:
        raise PfmapError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    K = validate_kernel(K)
    if key == "auto":
        diag = np.diag(K)
        key = "exact" if np.count_nonzero(diag > 1e-14 * max(float(diag.max()), 0.0)) <= 3 else "tilting"
    prep = prepare_orthant(K, labels, jitter=jitter, factorize=key != "exact")
    d = int(prep.kept.size)
    n = parse_count(samples, "samples") if samples is not None else DEFAULT_SAMPLES.get(key, 0)
    seed = check_seed(seed)
    if prep.impossible:
        return OrthantEstimate(-math.inf, 0.0, key, d, note="a zero-variance point is labelled 1 (z = 0 means 0)")
    if d == 0:
        return OrthantEstimate(0.0, 0.0, key, 0, note="every point has zero variance and label 0")
    if key == "exact":
        return _exact(prep)
    if key == "ep":
        res = ep_positive_orthant(prep.sigma, damping=damping, schedule=schedule, tol=tol, max_iter=max_iter)
        return OrthantEstimate(res.log_z, None, "ep", d, converged=True, iterations=res.iterations,
                               jitter=prep.jitter, note=EP_BIAS_NOTE,
                               diagnostics={"residual": res.residual, "log_z_change": res.log_z_change,
                                            "schedule": res.schedule, "damping": res.damping})
    if key == "tilting":
        return _tilting(prep, n, seed)
    return _sampling(prep, n, seed)


def _exact(prep: PreparedOrthant) -> OrthantEstimate:
    d = prep.sigma.shape[0]
    if d > 3:
        raise PfmapError(f"method='exact' has closed forms for d <= 3 only; got d = {d}: use 'tilting' or 'ep'")
    sd = np.sqrt(np.diag(prep.sigma))
    R = np.clip(prep.sigma / np.outer(sd, sd), -1.0, 1.0)
    if d == 1:
        p = 0.5
    elif d == 2:
        p = 0.25 + math.asin(R[0, 1]) / (2 * math.pi)
    else:
        p = 0.125 + (math.asin(R[0, 1]) + math.asin(R[0, 2]) + math.asin(R[1, 2])) / (4 * math.pi)
    p = max(p, 0.0)
    log_p = math.log(p) if p > 0 else -math.inf
    return OrthantEstimate(log_p, 0.0, "exact", d, jitter=prep.jitter,
                           note="closed form on the correlation matrix (float rounding only)")


def _tilting(prep: PreparedOrthant, samples: int, seed: int) -> OrthantEstimate:
    d = prep.sigma.shape[0]
    prop = minimax_tilting(prep.sigma, np.zeros(d), np.full(d, np.inf))
    _, logw = tilted_samples(prop, samples, seed=seed)
    bound = prop.log_bound if prop.converged else None  # psi* bounds log P only at the saddle point
    return estimate_from_log_weights(logw, "tilting", d, upper_bound=bound, jitter=prep.jitter,
                                     converged=prop.converged, iterations=prop.iterations,
                                     diagnostics={"saddle_residual": prop.residual, "order": prop.order})


def estimate_from_log_weights(logw: ArrayLike, method: str, dimension: int, **fields: object) -> OrthantEstimate:
    """An :class:`OrthantEstimate` from importance log-weights: ``log mean(w)`` and its delta-method error.

    Parameters
    ----------
    logw : array_like
        Log importance weights (one per draw).
    method : str
        Name recorded in the estimate.
    dimension : int
        The orthant's dimension.
    **fields
        Further :class:`OrthantEstimate` fields.

    Returns
    -------
    OrthantEstimate
        With ``relative_error = std(w) / (mean(w) sqrt(n))`` and a normal 95% interval.

    Examples
    --------
    >>> est = estimate_from_log_weights(np.log([0.2, 0.3, 0.25, 0.25]), "tilting", 2)
    >>> round(est.probability, 6), round(est.relative_error, 4)
    (0.25, 0.0707)
    """
    logw = np.asarray(logw, dtype=float)
    n = logw.size
    top = float(np.max(logw))
    if not np.isfinite(top):
        return OrthantEstimate(-math.inf, math.inf, method, dimension, samples=n, **fields)
    w = np.exp(logw - top)
    mean = float(w.mean())
    rel = float(w.std() / mean / math.sqrt(n))
    log_p = top + math.log(mean)
    p = math.exp(log_p)
    return OrthantEstimate(log_p, rel, method, dimension, samples=n, relative_error=rel,
                           ci_low=max(p * (1 - Z95 * rel), 0.0), ci_high=p * (1 + Z95 * rel), **fields)


def _sampling(prep: PreparedOrthant, samples: int, seed: int) -> OrthantEstimate:
    d = prep.sigma.shape[0]
    count = 0
    chunk = max(1, (1 << 22) // d)
    for k, start in enumerate(range(0, samples, chunk)):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
        g = rng.standard_normal((min(chunk, samples - start), d))
        count += int(np.count_nonzero(np.all(g @ prep.factor.T > 0, axis=1)))
    lo, hi = (float(v) for v in wilson_interval(count, samples))
    p = count / samples
    log_p = math.log(p) if count else -math.inf
    rel = math.sqrt((1 - p) / count) if count else math.inf
    return OrthantEstimate(log_p, rel, "sampling", d, samples=samples, relative_error=rel, ci_low=lo, ci_high=hi,
                           jitter=prep.jitter, diagnostics={"count": count})

