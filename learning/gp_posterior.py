"""The Gaussian-process posterior over labellings: ``P_B(f_E | S)`` from orthant probabilities of the NNGP.

With the kernel ``K`` on the training points ``S`` followed by the test
points ``E`` (pfmap's convention: label 1 iff the final pre-activation is
> 0), ``log P_B(f_E | S) = log P(labels S and f_E) - log P(labels S)``: two
orthant probabilities (method 1 of Valle-Pérez et al. 2019 and Mingard et
al. 2021, who use EP).  Either every labelling given (or all ``2**k`` for
``k <= 12`` test points) is evaluated, or labellings are *sampled*: the
tilted importance sampler (or plain rejection) draws ``z_S`` inside the
training orthant, ``z_E | z_S`` is Gaussian, and the weighted labellings of
``E`` estimate the posterior without enumerating it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import linalg

from pfmap.errors import PfmapError
from pfmap.intervals import Z95, wilson_interval
from pfmap.progress import progress_bar
from pfmap.validation import check_seed, parse_count
from pfmap.tables import sort_table

from .orthant import (DEFAULT_JITTER, DEFAULT_SAMPLES, OrthantEstimate, PreparedOrthant, estimate_from_log_weights,
                      log_orthant_probability, parse_labels, prepare_orthant, validate_kernel)
from .tilting import minimax_tilting, tilted_samples

POSTERIOR_METHODS = ("tilting", "ep", "exact", "sampling")
MAX_ENUMERATED = 12


def gp_log_p_train(K: ArrayLike, train_labels: str | ArrayLike, *, method: str = "tilting",
                   samples: int | None = None, seed: int = 0, jitter: float = DEFAULT_JITTER,
                   damping: float | None = None, schedule: str = "parallel", max_iter: int = 1000) -> OrthantEstimate:
    """``log P(S)``: the prior probability of the training labels (the GP marginal likelihood).

    Parameters
    ----------
    K : array_like, shape (d, d)
        Kernel on the training points first (any points after them are ignored).
    train_labels : str or array_like
        The ``m <= d`` training labels in {0, 1}.
    method, samples, seed, jitter, damping, schedule, max_iter : optional
        As in :func:`pfmap.learning.orthant.log_orthant_probability`.

    Returns
    -------
    OrthantEstimate
        The estimate with its error.

    Raises
    ------
    PfmapError
        For bad input (see :func:`gp_posterior`).

    Examples
    --------
    >>> K = [[1.0, 0.5, 0.2], [0.5, 1.0, 0.1], [0.2, 0.1, 1.0]]
    >>> round(gp_log_p_train(K, "11", method="exact").probability, 6)      # 1/3
    0.333333
    """
    K = validate_kernel(K)
    y = _train(train_labels, K.shape[0])
    _method(method)
    if y.size == 0:
        return OrthantEstimate(0.0, 0.0, method, 0, note="no training points")
    return log_orthant_probability(K[: y.size, : y.size], y, method=method, samples=samples, seed=seed,
                                   jitter=jitter, damping=damping, schedule=schedule, max_iter=max_iter)


def gp_posterior(K: ArrayLike, train_labels: str | ArrayLike, test_functions: str | list | None = None, *,
                 method: str = "tilting", test_labels: str | ArrayLike | None = None,
                 samples: int | None = None, seed: int = 0, jitter: float = DEFAULT_JITTER,
                 damping: float | None = None, schedule: str = "parallel", max_iter: int = 1000,
                 progress: bool | str = False) -> pd.DataFrame:
    """Posterior ``P_B(f_E | S)`` of labellings of the test points, one row per labelling.

    Parameters
    ----------
    K : array_like, shape (m + k, m + k)
        Kernel of the points ordered: the ``m`` training points, then the ``k`` test points.
    train_labels : str or array_like
        The ``m`` training labels in {0, 1} (1 = pre-activation > 0).
    test_functions : None, "sample", or list of str / sequences, optional
        Labellings of ``E`` (``k`` labels each, in order).  None: all ``2**k``
        (``k <= 12``).  ``"sample"``: labellings drawn by importance sampling
        (``tilting``) or rejection (``sampling``), one row per labelling seen.
    method : {"tilting", "ep", "exact", "sampling"}, optional
        How the orthant probabilities are computed (``exact``: ``m + k <= 3``).
        ``sampling`` draws ``z`` on ``S`` and ``E`` jointly and counts (rejection).
    test_labels : str or array_like, optional
        The true labels of ``E``; adds ``test_error`` (fraction of ``E`` where the labelling differs).
    samples : int, optional
        Draws per orthant (tilting, default 10,000) or in all (sampling, default 100,000).
    seed : int, optional
        Row ``j`` (0 = the training orthant) of an enumerated table uses child ``j``
        of ``SeedSequence(seed)``; a sampled table uses ``seed`` itself.
    jitter, damping, schedule, max_iter : optional
        As in :func:`pfmap.learning.orthant.log_orthant_probability`.
    progress : bool or "auto"
        A progress bar over the labellings (one orthant probability each), on stderr.

    Returns
    -------
    pandas.DataFrame
        Columns ``function``, ``probability``, ``log_p``, ``error`` (standard
        error of ``log_p``; 0 for exact, NaN for EP), ``ci_low`` / ``ci_high``
        (95%, sampled methods), ``count`` (sampled tables), ``test_error``
        (with ``test_labels``); sorted by probability.  ``df.attrs["pfmap"]``
        holds ``method``, ``mode``, ``log_p_train``, ``log_p_train_error``,
        ``train_size``, ``test_size``, ``samples``, ``seed``, ``jitter``.

    Raises
    ------
    PfmapError
        If ``K`` is not a valid kernel, the labels do not fit it, more than 12
        test points are to be enumerated, ``"sample"`` is asked of EP or exact,
        the training labels have probability 0, or EP does not converge.

    Examples
    --------
    >>> K = [[1.0, 0.9], [0.9, 1.0]]                # one training point, one test point
    >>> df = gp_posterior(K, "1", method="exact")
    >>> df[["function", "probability"]].round(4).values.tolist()   # 2 (1/4 + asin(0.9)/(2 pi))
    [['1', 0.8564], ['0', 0.1436]]

    References
    ----------
    Valle-Pérez, Camargo, Louis, ICLR 2019; Mingard, Valle-Pérez, Skalse,
    Louis, JMLR 22 (2021) (P_B(f|S) as a ratio of EP evidences).
    """
    K = validate_kernel(K)
    y = _train(train_labels, K.shape[0])
    key = _method(method)
    m, k = y.size, K.shape[0] - y.size
    if k < 1:
        raise PfmapError("K has no test points after the training points; order the kernel as S then E")
    truth = None if test_labels is None else parse_labels(test_labels, k, "test_labels")
    seed = check_seed(seed)
    settings = dict(jitter=jitter, damping=damping, schedule=schedule, max_iter=max_iter)
    if isinstance(test_functions, str) and test_functions.strip().lower() == "sample":
        if key not in ("tilting", "sampling"):
            raise PfmapError(f"test_functions='sample' needs method='tilting' or 'sampling'; got {method!r}")
        df, train = (_sampled_tilting if key == "tilting" else _sampled_rejection)(K, y, samples, seed, jitter)
        mode = "sampled"
    else:
        functions = _test_functions(test_functions, k)
        if key == "sampling":
            df, train = _sampled_rejection(K, y, samples, seed, jitter, functions)
        else:
            df, train = _enumerated(K, y, functions, key, samples, seed, settings, progress)
        mode = "enumerated"
    if truth is not None:
        bits = np.array([np.frombuffer(f.encode(), np.uint8) - 48 for f in df["function"]]).reshape(len(df), k)
        df["test_error"] = np.mean(bits != truth[None, :], axis=1) if len(df) else []
    df = sort_table(df)
    df.attrs["pfmap"] = {"producer": "pfmap.learning.gp_posterior", "method": key, "mode": mode,
                         "log_p_train": train.log_p, "log_p_train_error": train.error, "train_size": m,
                         "test_size": k, "samples": train.samples, "seed": seed, "jitter": jitter}
    return df


def _method(method) -> str:
    key = str(method).strip().lower()
    if key not in POSTERIOR_METHODS:
        raise PfmapError(f"method must be one of {', '.join(POSTERIOR_METHODS)}; got {method!r}")
    return key


def _train(train_labels, d: int) -> np.ndarray:
    y = parse_labels(train_labels, name="train_labels")
    if y.size > d:
        raise PfmapError(f"train_labels has {y.size} labels but K has only {d} points")
    return y


def _test_functions(test_functions, k: int) -> list[str]:
    if test_functions is None:
        if k > MAX_ENUMERATED:
            raise PfmapError(f"{k} test points have 2**{k} labellings; pass test_functions (a list) or 'sample'")
        return [format(j, f"0{k}b") for j in range(2**k)]
    if isinstance(test_functions, str):
        test_functions = [test_functions]
    out = []
    for f in test_functions:
        bits = parse_labels(f, k, "test_functions")
        out.append("".join("1" if b else "0" for b in bits))
    if not out:
        raise PfmapError("test_functions is empty; pass labellings of E, None (all of them) or 'sample'")
    return out


def _row_seed(seed: int, row: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=(row,)).generate_state(1, np.uint64)[0]) >> 1  # 63 bits


def _enumerated(K, y, functions, key, samples, seed, settings, progress=False):
    m = y.size

    def orthant(labels, row):
        if labels.size == 0:
            return OrthantEstimate(0.0, 0.0, key, 0)
        return log_orthant_probability(K[: labels.size, : labels.size], labels, method=key, samples=samples,
                                       seed=_row_seed(seed, row), **settings)

    train = orthant(y, 0)
    if not train.log_p > -math.inf:
        raise PfmapError("the training labels have probability 0 under this kernel; check train_labels and K")
    rows = []
    with progress_bar(len(functions), progress=progress, desc=f"P_B by {key}", unit="labelling",
                      unit_scale=False) as bar:
        for j, f in enumerate(functions, start=1):
            joint = orthant(np.concatenate([y, np.frombuffer(f.encode(), np.uint8) - 48]).astype(np.int8), j)
            log_p = joint.log_p - train.log_p
            if key == "ep":
                error = math.nan
            else:
                error = math.hypot(joint.error, train.error if m else 0.0)
            row = {"function": f, "probability": math.exp(log_p) if log_p > -math.inf else 0.0, "log_p": log_p,
                   "error": error}
            if key == "tilting":
                p = row["probability"]
                row["ci_low"], row["ci_high"] = p * math.exp(-Z95 * error), p * math.exp(Z95 * error)
            rows.append(row)
            bar.update(1)
    return pd.DataFrame(rows), train


def _sampled_rejection(K, y, samples, seed, jitter, functions=None):
    """Joint draws of ``z`` on S and E; keep those with the training labels; count the labellings of E."""
    m, d = y.size, K.shape[0]
    n = parse_count(samples, "samples") if samples is not None else DEFAULT_SAMPLES["sampling"]
    prep = prepare_orthant(K, np.zeros(d, np.int8), jitter=jitter)
    counts: dict[str, int] = {}
    accepted = 0
    chunk = max(1, (1 << 22) // d)
    for c, start in enumerate(range(0, n, chunk)):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(c,)))
        z = np.zeros((min(chunk, n - start), d))
        z[:, prep.kept] = rng.standard_normal((z.shape[0], prep.kept.size)) @ prep.factor.T
        bits = z > 0
        keep = np.all(bits[:, :m] == (y[None, :] == 1), axis=1)
        accepted += int(keep.sum())
        strings, inverse = _group(bits[keep, m:])
        for f, c_f in zip(strings, np.bincount(inverse, minlength=len(strings))):
            counts[f] = counts.get(f, 0) + int(c_f)
    lo, hi = (float(v) for v in wilson_interval(accepted, n))
    train = OrthantEstimate(math.log(accepted / n) if accepted else -math.inf,
                            math.sqrt((1 - accepted / n) / accepted) if accepted else math.inf, "sampling", m,
                            samples=n, ci_low=lo, ci_high=hi, diagnostics={"count": accepted})
    if not accepted:
        raise PfmapError(f"no draw of {n} matched the training labels; raise samples or use method='tilting'")
    keys = counts if functions is None else {f: counts.get(f, 0) for f in functions}
    rows = []
    for f, c in keys.items():
        p = c / accepted
        lo, hi = (float(v) for v in wilson_interval(int(c), accepted))
        rows.append({"function": f, "probability": p, "log_p": math.log(p) if c else -math.inf,
                     "error": math.sqrt((1 - p) / c) if c else math.inf, "ci_low": lo, "ci_high": hi,
                     "count": int(c)})
    return pd.DataFrame(rows), train


def _sampled_tilting(K, y, samples, seed, jitter):
    """Tilted draws of ``z_S`` in the training orthant, then ``z_E | z_S``; weighted labellings of E."""
    m = y.size
    n = parse_count(samples, "samples") if samples is not None else DEFAULT_SAMPLES["tilting"]
    if m == 0:
        raise PfmapError("test_functions='sample' with method='tilting' needs training points; use 'sampling'")
    z_s, logw, prep, bound, converged = tilted_training_draws(K, y, n, seed=seed, jitter=jitter)
    train = estimate_from_log_weights(logw, "tilting", int(prep.kept.size), upper_bound=bound if converged else None,
                                      converged=converged, jitter=prep.jitter)
    mean_e, chol_e = conditional_map(K, m, prep)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1 << 20,)))
    z_e = z_s[:, prep.kept] @ mean_e.T + rng.standard_normal((n, K.shape[0] - m)) @ chol_e.T
    w = np.exp(logw - np.max(logw))
    total = float(w.sum())
    functions, inverse = _group(z_e > 0)
    s1 = np.bincount(inverse, weights=w, minlength=len(functions))
    s2 = np.bincount(inverse, weights=w * w, minlength=len(functions))
    p = s1 / total
    # delta-method variance of the self-normalised estimate sum(w 1[f]) / sum(w)
    sd = np.sqrt(s2 * (1 - p) ** 2 + (float(np.sum(w * w)) - s2) * p**2) / total
    with np.errstate(divide="ignore"):
        df = pd.DataFrame({"function": functions, "probability": p, "log_p": np.log(p),
                           "error": np.where(p > 0, sd / np.where(p > 0, p, 1.0), np.inf),
                           "ci_low": np.maximum(p - Z95 * sd, 0.0), "ci_high": np.minimum(p + Z95 * sd, 1.0),
                           "count": np.bincount(inverse, minlength=len(functions))})
    return df, train


def tilted_training_draws(K: np.ndarray, y: np.ndarray, n: int, *, seed: int, jitter: float = DEFAULT_JITTER
                          ) -> tuple[np.ndarray, np.ndarray, PreparedOrthant, float, bool]:
    """Tilted draws of ``z_S`` inside the training orthant, with their importance log-weights.

    Parameters
    ----------
    K : numpy.ndarray
        Kernel with the ``m`` training points first.
    y : numpy.ndarray
        The ``m`` training labels (``int8`` 0/1).
    n : int
        Number of draws.
    seed : int
        Seed (see :func:`pfmap.learning.tilting.tilted_samples`).
    jitter : float, optional
        Relative diagonal jitter.

    Returns
    -------
    tuple
        ``(z_S, logw, prepared, log_bound, converged)``: draws of shape
        ``(n, m)`` in the original signs and order, log-weights, the
        :class:`~pfmap.learning.orthant.PreparedOrthant`, ``psi*`` and whether
        the saddle point was solved.

    Raises
    ------
    PfmapError
        If the training labels have probability 0.

    Examples
    --------
    >>> z, logw, prep, bound, ok = tilted_training_draws(np.eye(2), np.array([1, 0], np.int8), 100, seed=0)
    >>> bool(np.all(z[:, 0] > 0) and np.all(z[:, 1] < 0)), ok
    (True, True)
    """
    m = y.size
    prep = prepare_orthant(K[:m, :m], y, jitter=jitter)
    if prep.impossible:
        raise PfmapError("the training labels have probability 0 under this kernel; check train_labels and K")
    dim = prep.kept.size
    prop = minimax_tilting(prep.sigma, np.zeros(dim), np.full(dim, np.inf))
    Z, logw = tilted_samples(prop, n, seed=seed)
    w_flipped = np.empty_like(Z)
    w_flipped[:, prop.order] = (Z @ prop.factor.T) * prop.scale
    z_s = np.zeros((n, m))
    z_s[:, prep.kept] = w_flipped * prep.signs
    return z_s, logw, prep, prop.log_bound, prop.converged


def conditional_map(K: np.ndarray, m: int, prep: PreparedOrthant) -> tuple[np.ndarray, np.ndarray]:
    """``A`` with ``E[z_E | z_S] = A z_S[kept]``, and a Cholesky factor of ``Cov(z_E | z_S)`` (jittered).

    Parameters
    ----------
    K : numpy.ndarray
        Kernel ordered S then E.
    m : int
        Number of training points.
    prep : PreparedOrthant
        The training orthant (its ``kept`` coordinates and ``jitter``).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``A`` (k x kept) and the lower factor (k x k).

    Raises
    ------
    PfmapError
        If the conditional covariance is not positive semidefinite.

    Examples
    --------
    >>> from pfmap.learning.orthant import prepare_orthant
    >>> K = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> A, L = conditional_map(K, 1, prepare_orthant(K[:1, :1], "1", jitter=0.0))
    >>> A.tolist(), round(float(L[0, 0] ** 2), 6)                    # 0.5 z_S, variance 0.75
    ([[0.5]], 0.75)
    """
    kept = prep.kept
    K_kk = K[np.ix_(kept, kept)] + prep.jitter * np.eye(kept.size)
    K_ek = K[m:, kept]
    K_ee = K[m:, m:]
    cho = linalg.cho_factor(K_kk, lower=True)
    A = linalg.cho_solve(cho, K_ek.T).T
    cov = K_ee - A @ K_ek.T
    cov = 0.5 * (cov + cov.T) + max(prep.jitter, 1e-12) * max(float(np.mean(np.diag(K_ee))), 1e-300) * np.eye(
        K_ee.shape[0])
    try:
        chol = linalg.cholesky(cov, lower=True)
    except linalg.LinAlgError:
        raise PfmapError("the conditional covariance of the test points is not positive semidefinite; "
                         "check K or raise jitter") from None
    return A, chol


def _group(bits: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The distinct rows of a boolean matrix as 0/1 strings, and each row's index among them."""
    k = bits.shape[1]
    if bits.shape[0] == 0:
        return [], np.zeros(0, dtype=np.intp)
    packed = np.ascontiguousarray(np.packbits(bits, axis=1))
    uniq, inverse = np.unique(packed.view(np.dtype((np.void, packed.shape[1]))).ravel(), return_inverse=True)
    strings = ["".join("1" if b else "0" for b in np.unpackbits(np.frombuffer(u.tobytes(), np.uint8))[:k])
               for u in uniq]
    return strings, inverse.ravel()
