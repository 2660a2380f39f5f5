"""The PAC-Bayes generalisation bound of Valle-Pérez et al. (2019) from the marginal likelihood ``P(S)``.

For a training set ``S`` of ``m`` points and the Bayesian learner that
samples the prior conditioned on zero training error, with probability at
least ``1 - delta`` over ``S`` its expected error satisfies
``epsilon <= 1 - exp(-(ln(1/P(S)) + 2 ln m + 1 - ln delta) / m)``
(their Corollary 1, a variant of McAllester's realisable bound), with
``delta = 2**-10`` as in the paper.  :func:`generalization_bound` computes
``log P(S)`` from the NNGP kernel and, given test labels, the test error of
the GP posterior-mean labelling next to it (:func:`gp_posterior_mean`: the
sign of ``E[z_E | S]``, from EP's Gaussian approximation or the tilted draws).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from pfmap.errors import PfmapError
from pfmap.validation import parse_count

from .ep import ep_positive_orthant
from .gp_posterior import conditional_map, gp_log_p_train, tilted_training_draws
from .orthant import DEFAULT_JITTER, DEFAULT_SAMPLES, parse_labels, prepare_orthant, validate_kernel

DEFAULT_DELTA = 2.0**-10


def pac_bayes_bound(log_p_train: float, m: int, *, delta: float = DEFAULT_DELTA) -> float:
    """``1 - exp(-(ln(1/P(S)) + 2 ln m + 1 - ln delta) / m)``: the bound on the expected error.

    Parameters
    ----------
    log_p_train : float
        ``ln P(S)`` (<= 0; ``-inf`` gives the trivial bound 1).
    m : int
        Number of training points (>= 1).
    delta : float, optional
        Confidence parameter in (0, 1); default ``2**-10``.

    Returns
    -------
    float
        The bound, in ``[0, 1]``.

    Raises
    ------
    PfmapError
        If ``log_p_train > 0`` or NaN, ``m < 1`` or ``delta`` is outside (0, 1).

    Examples
    --------
    >>> round(pac_bayes_bound(-1.0, 2, delta=0.25), 6)      # 1 - exp(-(1 + 4 ln 2 + 1) / 2) = 1 - 1/(4e)
    0.908030

    References
    ----------
    G. Valle-Pérez, C. Q. Camargo, A. A. Louis, "Deep learning generalizes
    because the parameter-function map is biased towards simple functions",
    ICLR 2019, Corollary 1; D. McAllester, "PAC-Bayesian model averaging", COLT 1999.
    """
    try:
        log_p = float(log_p_train)
    except (TypeError, ValueError):
        raise PfmapError(f"log_p_train must be a number <= 0 (ln P(S)); got {log_p_train!r}") from None
    if math.isnan(log_p) or log_p > 1e-12:
        raise PfmapError(f"log_p_train must be <= 0 (it is ln P(S)); got {log_p_train!r}")
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise PfmapError(f"m must be a positive whole number of training points; got {m!r}")
    if not (isinstance(delta, (int, float)) and 0 < delta < 1):
        raise PfmapError(f"delta must be in (0, 1); got {delta!r}")
    if log_p == -math.inf:
        return 1.0
    exponent = (-min(log_p, 0.0) + 2.0 * math.log(m) + 1.0 - math.log(delta)) / m
    return float(-math.expm1(-exponent))


@dataclass(frozen=True)
class PosteriorMean:
    """The posterior mean of the test pre-activations and the labelling it gives.

    Attributes
    ----------
    mean : numpy.ndarray, shape (k,)
        ``E[z_E | labels S]``.
    function : str
        The labels ``[mean > 0]`` of E, as a 0/1 string.
    test_error : float or None
        The fraction of E where they differ from the given test labels (None without them).
    method : str
        How the training posterior was approximated (``ep`` or ``tilting``).

    Examples
    --------
    >>> gp_posterior_mean([[1.0, 0.9], [0.9, 1.0]], "0").function
    '0'
    """

    mean: np.ndarray
    function: str
    test_error: float | None
    method: str


def gp_posterior_mean(K: ArrayLike, train_labels: str | ArrayLike, *, method: str = "ep",
                      test_labels: str | ArrayLike | None = None, samples: int | None = None,
                      seed: int = 0, jitter: float = DEFAULT_JITTER, damping: float | None = None,
                      schedule: str = "parallel", max_iter: int = 1000) -> PosteriorMean:
    """The labelling of E by the sign of the posterior mean ``E[z_E | S]`` (the GP classifier's prediction).

    ``z_E | z_S`` is Gaussian with mean ``K_ES K_SS^-1 z_S``, so
    ``E[z_E | S] = K_ES K_SS^-1 E[z_S | S]``; ``E[z_S | S]`` is EP's mean
    (``ep``) or the weighted mean of the tilted draws (``tilting``).

    Parameters
    ----------
    K : array_like, shape (m + k, m + k)
        Kernel ordered S then E.
    train_labels : str or array_like
        The ``m`` training labels.
    method : {"ep", "tilting"}, optional
        How ``E[z_S | S]`` is computed.
    test_labels : str or array_like, optional
        The true labels of E, for ``test_error``.
    samples, seed, jitter, damping, schedule, max_iter : optional
        As in :func:`gp_posterior`.

    Returns
    -------
    PosteriorMean
        The mean, the labelling and its test error.

    Raises
    ------
    PfmapError
        For bad input, another method, or EP that does not converge.

    Examples
    --------
    >>> K = [[1.0, 0.8, -0.5], [0.8, 1.0, -0.4], [-0.5, -0.4, 1.0]]
    >>> gp_posterior_mean(K, "1", test_labels="10").function
    '10'
    """
    K = validate_kernel(K)
    y = parse_labels(train_labels, name="train_labels")
    m, k = y.size, K.shape[0] - y.size
    if k < 1 or m < 1:
        raise PfmapError("K must hold at least one training point and one test point (S first, then E)")
    key = str(method).strip().lower()
    if key == "ep":
        prep = prepare_orthant(K[:m, :m], y, jitter=jitter)
        res = ep_positive_orthant(prep.sigma, damping=damping, schedule=schedule, max_iter=max_iter)
        mean_s = res.mean * prep.signs
    elif key == "tilting":
        n = parse_count(samples, "samples") if samples is not None else DEFAULT_SAMPLES["tilting"]
        z_s, logw, prep, _, _ = tilted_training_draws(K, y, n, seed=seed, jitter=jitter)
        w = np.exp(logw - np.max(logw))
        mean_s = (w @ z_s[:, prep.kept]) / w.sum()
    else:
        raise PfmapError(f"method must be 'ep' or 'tilting' for the posterior mean; got {method!r}")
    A, _ = conditional_map(K, m, prep)
    mean_e = A @ mean_s
    function = "".join("1" if v > 0 else "0" for v in mean_e)
    error = None
    if test_labels is not None:
        truth = parse_labels(test_labels, k, "test_labels")
        error = float(np.mean((mean_e > 0).astype(np.int8) != truth))
    return PosteriorMean(mean_e, function, error, key)


@dataclass(frozen=True)
class BoundReport:
    """``log P(S)`` with its standard error, the PAC-Bayes bound, and the posterior-mean test error.

    Attributes
    ----------
    m : int
        The number of training points.
    log_p_train : float
        ``ln P(S)``.
    log_p_train_error : float or None
        Its standard error (None for EP, whose error is not known).
    method : str
        How ``log P(S)`` was computed.
    delta : float
        The confidence parameter.
    bound : float
        The PAC-Bayes bound on the expected error at ``log_p_train``.
    bound_low, bound_high : float
        The bound at ``log_p_train`` plus / minus twice its standard error
        (equal to ``bound`` for EP).
    mean_test_error : float or None
        The test error of the posterior-mean labelling; None without test labels.
    mean_function : str or None
        That labelling of the test points; None without test labels.

    Examples
    --------
    >>> generalization_bound([[1.0]], "1", method="exact").bound == pac_bayes_bound(math.log(0.5), 1)
    True
    """

    m: int
    log_p_train: float
    log_p_train_error: float | None
    method: str
    delta: float
    bound: float
    bound_low: float
    bound_high: float
    mean_test_error: float | None
    mean_function: str | None


def generalization_bound(K: ArrayLike, train_labels: str | ArrayLike, *, test_labels: str | ArrayLike | None = None,
                         method: str = "tilting", mean_method: str = "ep", delta: float = DEFAULT_DELTA,
                         samples: int | None = None, seed: int = 0, jitter: float = DEFAULT_JITTER) -> BoundReport:
    """PAC-Bayes bound from the NNGP kernel, and the test error of the GP posterior-mean labelling.

    Parameters
    ----------
    K : array_like
        Kernel on the training points (then the test points, if ``test_labels`` is given).
    train_labels : str or array_like
        The ``m`` training labels.
    test_labels : str or array_like, optional
        Labels of the points after the training ones in ``K``.
    method : {"tilting", "ep", "exact", "sampling"}, optional
        How ``log P(S)`` is computed.
    mean_method : {"ep", "tilting"}, optional
        How the posterior mean is computed.
    delta : float, optional
        Confidence parameter.
    samples, seed, jitter : optional
        As in :func:`pfmap.learning.gp_posterior.gp_posterior`.

    Returns
    -------
    BoundReport
        The figures.

    Raises
    ------
    PfmapError
        For bad input (see :func:`pac_bayes_bound` and :func:`gp_posterior`).

    Examples
    --------
    >>> K = [[1.0, 0.5, 0.9], [0.5, 1.0, 0.4], [0.9, 0.4, 1.0]]
    >>> r = generalization_bound(K, "11", test_labels="1", method="exact")
    >>> round(r.log_p_train, 4), round(r.bound, 4), r.mean_test_error
    (-1.0986, 0.9945, 0.0)
    """
    est = gp_log_p_train(K, train_labels, method=method, samples=samples, seed=seed, jitter=jitter)
    m = int(parse_labels(train_labels, name="train_labels").size)
    bound = pac_bayes_bound(est.log_p, m, delta=delta)
    err = est.error if est.error is not None and math.isfinite(est.error) else 0.0
    low = pac_bayes_bound(min(est.log_p + 2 * err, 0.0), m, delta=delta)
    high = pac_bayes_bound(est.log_p - 2 * err, m, delta=delta)
    mean_error, mean_function = None, None
    if test_labels is not None:
        pm = gp_posterior_mean(K, train_labels, method=mean_method, test_labels=test_labels, samples=samples,
                               seed=seed, jitter=jitter)
        mean_error, mean_function = pm.test_error, pm.function
    return BoundReport(m, est.log_p, est.error, est.method, float(delta), bound, low, high, mean_error,
                       mean_function)
