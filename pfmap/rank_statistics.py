"""Rank statistics of weighted points: Spearman and Kendall, bootstrap intervals, two dependent correlations compared.

:func:`rank_correlations` computes Spearman's rho and Kendall's tau-b of
points with whole multiplicities in ``O(N log N)`` (numba), which makes a
bootstrap resample cheap; :func:`bootstrap_correlations` gives percentile
intervals, :func:`compare_correlations` a paired bootstrap of two measures
against one target, and :func:`steiger_test` Steiger's z test beside it.
Resamples come in chunks of 64, chunk ``k`` from child ``k`` of
``numpy.random.SeedSequence(seed)``.  :mod:`pfmap.bias` re-exports every
name here.

References
----------
C. Spearman (1904); M. G. Kendall, "The treatment of ties in ranking
problems", Biometrika 33 (1945); W. R. Knight, JASA 61 (1966); B. Efron,
R. J. Tibshirani, *An Introduction to the Bootstrap* (1993); J. H. Steiger,
Psychol. Bull. 87 (1980).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .errors import PfmapError
from .progress import progress_bar
from .validation import check_probability, check_seed, check_whole

_CHUNK = 64  # bootstrap resamples per chunk (one SeedSequence child each)


@numba.njit(cache=True)
def _weighted_pair(order, starts, y_level, n_levels, w):
    """Spearman's rho and Kendall's tau-b of the multiset with ``w[i]`` copies of point ``i``."""
    total = 0.0
    for i in range(w.shape[0]):
        total += w[i]
    # average ranks: below + (equal + 1) / 2, in x (groups of ``order``) and in y (levels)
    rank_x = np.empty(w.shape[0])
    pairs_x = 0.0
    below = 0.0
    for g in range(starts.shape[0] - 1):
        equal = 0.0
        for p in range(starts[g], starts[g + 1]):
            equal += w[order[p]]
        for p in range(starts[g], starts[g + 1]):
            rank_x[order[p]] = below + (equal + 1.0) / 2.0
        pairs_x += equal * (equal - 1.0) / 2.0
        below += equal
    level_weight = np.zeros(n_levels)
    for i in range(w.shape[0]):
        level_weight[y_level[i]] += w[i]
    level_rank = np.empty(n_levels)
    pairs_y = 0.0
    below = 0.0
    for v in range(n_levels):
        level_rank[v] = below + (level_weight[v] + 1.0) / 2.0
        pairs_y += level_weight[v] * (level_weight[v] - 1.0) / 2.0
        below += level_weight[v]
    mean = (total + 1.0) / 2.0
    sxy = 0.0
    sxx = 0.0
    syy = 0.0
    for i in range(w.shape[0]):
        if w[i]:
            dx = rank_x[i] - mean
            dy = level_rank[y_level[i]] - mean
            sxy += w[i] * dx * dy
            sxx += w[i] * dx * dx
            syy += w[i] * dy * dy
    rho = sxy / np.sqrt(sxx * syy) if sxx > 0 and syy > 0 else np.nan
    # Kendall: x groups in increasing order, a Fenwick tree of the y levels of the points of earlier groups
    tree = np.zeros(n_levels + 1)
    added = 0.0
    score = 0.0
    for g in range(starts.shape[0] - 1):
        for p in range(starts[g], starts[g + 1]):
            i = order[p]
            if w[i] == 0:
                continue
            less = 0.0
            k = y_level[i]
            while k > 0:
                less += tree[k]
                k -= k & (-k)
            k = y_level[i] + 1
            upto = 0.0
            while k > 0:
                upto += tree[k]
                k -= k & (-k)
            score += w[i] * (less - (added - upto))
        for p in range(starts[g], starts[g + 1]):
            i = order[p]
            k = y_level[i] + 1
            while k <= n_levels:
                tree[k] += w[i]
                k += k & (-k)
            added += w[i]
    pairs = total * (total - 1.0) / 2.0
    denominator = np.sqrt((pairs - pairs_x) * (pairs - pairs_y))
    tau = score / denominator if denominator > 0 else np.nan
    return rho, tau


@numba.njit(cache=True, parallel=True)
def _resampled_pairs(order, starts, y_level, n_levels, weights):
    out = np.empty((weights.shape[0], 2))
    for b in numba.prange(weights.shape[0]):
        out[b, 0], out[b, 1] = _weighted_pair(order, starts, y_level, n_levels, weights[b])
    return out


def _rank_structure(x, y):
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]]) if len(xs) else np.zeros(0, np.int64)
    levels, y_level = np.unique(y, return_inverse=True)
    return order, np.r_[starts, len(x)].astype(np.int64), y_level.astype(np.int64), len(levels)


def rank_correlations(x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None) -> tuple[float, float]:
    """Spearman's rho and Kendall's tau-b of points ``(x_i, y_i)``, point ``i`` counted ``weights[i]`` times.

    With whole-number weights this equals the correlations of the repeated data (what a bootstrap
    resample is), in ``O(N log N)`` without repeating anything (average ranks for ties; Kendall by a
    Fenwick tree, Knight's method).

    Parameters
    ----------
    x, y : array_like
        Finite values, one per point.
    weights : array_like, optional
        Non-negative whole multiplicities (default 1 each).

    Returns
    -------
    tuple of float
        ``(rho, tau)``; NaN when either coordinate is constant.

    Raises
    ------
    PfmapError
        If the arrays differ in length, hold NaN, or a weight is negative.

    Examples
    --------
    >>> rank_correlations([1, 2, 3, 4], [1, 3, 2, 4])
    (0.8, 0.6666666666666666)
    >>> rank_correlations([1, 2, 3], [1, 3, 2], weights=[2, 0, 1]) == rank_correlations([1, 1, 3], [1, 1, 2])
    True

    References
    ----------
    W. R. Knight, "A computer method for calculating Kendall's tau with ungrouped data", JASA 61 (1966).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or w.shape != x.shape:
        raise PfmapError("x, y and weights must be 1-D arrays of one length")
    if not (np.isfinite(x).all() and np.isfinite(y).all()) or (w < 0).any():
        raise PfmapError("x and y must be finite and weights >= 0")
    rho, tau = _weighted_pair(*_rank_structure(x, y), w)
    return float(rho), float(tau)


def _bootstrap_weights(count: int, resamples: int, seed: int):
    """Bootstrap multiplicities, ``_CHUNK`` resamples at a time; chunk k draws from child k of SeedSequence(seed)."""
    children = np.random.SeedSequence(seed).spawn((resamples + _CHUNK - 1) // _CHUNK)
    for k, child in enumerate(children):
        size = min(_CHUNK, resamples - k * _CHUNK)
        draws = np.random.default_rng(child).integers(0, count, size=(size, count))
        flat = (draws + count * np.arange(size)[:, None]).ravel()
        yield np.bincount(flat, minlength=size * count).reshape(size, count).astype(float)


def bootstrap_correlations(data: pd.DataFrame, measures: Sequence[str], *, resamples: int = 1000,
                           confidence: float = 0.95, seed: int = 0, y: str = "log2_p",
                           progress: bool | str = False) -> pd.DataFrame:
    """Percentile bootstrap intervals of Spearman's rho and Kendall's tau between ``y`` and each measure.

    Every measure sees the same resamples of the table's rows (so intervals of different measures are
    paired); a measure uses the resampled rows where it is finite.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per function, with ``y`` and the measure columns.
    measures : sequence of str
        Column names.
    resamples : int
        Bootstrap resamples.
    confidence : float
        Coverage of the intervals, in (0, 1).
    seed : int
        Chunk ``k`` of 64 resamples draws from child ``k`` of ``numpy.random.SeedSequence(seed)``.
    y : str
        The column correlated with each measure.
    progress : bool or "auto"
        A progress bar over the resamples (:func:`pfmap.progress.progress_bar`).

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``spearman_low``, ``spearman_high``, ``kendall_low``, ``kendall_high``.

    Raises
    ------
    PfmapError
        For a missing column, ``resamples < 2``, a bad ``confidence`` or ``seed``.

    Examples
    --------
    >>> data = pd.DataFrame({"log2_p": np.arange(30.0), "k": np.arange(30.0) ** 2})
    >>> bootstrap_correlations(data, ["k"], resamples=50).iloc[0, 1:].tolist()
    [1.0, 1.0, 1.0, 1.0]

    References
    ----------
    B. Efron, R. J. Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13 (percentile intervals).
    """
    resamples, confidence, seed = _check_bootstrap(resamples, confidence, seed)
    missing = [c for c in [y, *measures] if c not in data.columns]
    if missing:
        raise PfmapError(f"data has no column {missing[0]!r}")
    target = pd.to_numeric(data[y], errors="coerce").to_numpy(dtype=float)
    columns = {m: pd.to_numeric(data[m], errors="coerce").to_numpy(dtype=float) for m in measures}
    ok = {m: np.isfinite(x) & np.isfinite(target) for m, x in columns.items()}
    structure = {m: _rank_structure(columns[m][ok[m]], target[ok[m]]) for m in measures}
    values = {m: [] for m in measures}
    with progress_bar(resamples, progress=progress, desc="bootstrap", unit="resample") as bar:
        for weights in _bootstrap_weights(len(data), resamples, seed):
            for m in measures:
                values[m].append(_resampled_pairs(*structure[m], np.ascontiguousarray(weights[:, ok[m]])))
            bar.update(weights.shape[0])
    tail = (1 - confidence) / 2
    rows = []
    for m in measures:
        v = np.vstack(values[m]) if values[m] else np.full((0, 2), np.nan)
        low = [np.nanquantile(v[:, j], tail) if np.isfinite(v[:, j]).any() else np.nan for j in (0, 1)]
        high = [np.nanquantile(v[:, j], 1 - tail) if np.isfinite(v[:, j]).any() else np.nan for j in (0, 1)]
        rows.append({"measure": m, "spearman_low": low[0], "spearman_high": high[0],
                     "kendall_low": low[1], "kendall_high": high[1]})
    return pd.DataFrame(rows)


def steiger_test(r_y1: float, r_y2: float, r_12: float, *, n: int, rank: bool = True) -> tuple[float, float]:
    """Steiger's (1980) z test that two dependent correlations with a shared variable are equal.

    ``r_y1 = corr(y, x1)`` and ``r_y2 = corr(y, x2)`` on the same ``n`` points, ``r_12 = corr(x1, x2)``:
    ``z = (atanh r_y1 - atanh r_y2) sqrt((n - 3) / (f (2 - 2 c)))`` with the pooled ``r = (r_y1 + r_y2)/2``,
    ``c = (r_12 (1 - 2 r^2) - r^2 (1 - 2 r^2 - r_12^2) / 2) / (1 - r^2)^2`` and ``f = 1`` for Pearson
    correlations, ``f = 1.06`` (Fieller et al. 1957: the variance of Fisher's z of Spearman's rho) for rank
    correlations (``rank=True``).  A normal approximation; the paired bootstrap of
    :func:`compare_correlations` needs none.

    Parameters
    ----------
    r_y1, r_y2, r_12 : float
        The three correlations, each in (-1, 1).
    n : int
        The number of points (> 3).
    rank : bool
        Spearman correlations (the 1.06 factor) rather than Pearson.

    Returns
    -------
    tuple of float
        ``(z, p)``, ``p`` two-sided.

    Raises
    ------
    PfmapError
        If a correlation is outside (-1, 1) or ``n <= 3``.

    Examples
    --------
    >>> z, p = steiger_test(0.5, 0.5, 0.3, n=100)
    >>> z, p
    (0.0, 1.0)
    >>> round(steiger_test(0.6, 0.4, 0.5, n=100, rank=False)[0], 3)   # c = 0.21875 / 0.5625
    2.401

    References
    ----------
    J. H. Steiger, "Tests for comparing elements of a correlation matrix", Psychol. Bull. 87 (1980),
    eq. (14)-(15); E. C. Fieller, H. O. Hartley, E. S. Pearson, Biometrika 44 (1957).
    """
    from scipy import stats

    for name, r in (("r_y1", r_y1), ("r_y2", r_y2), ("r_12", r_12)):
        if not -1 < r < 1:
            raise PfmapError(f"{name} must be in (-1, 1); got {r}")
    if int(n) <= 3:
        raise PfmapError(f"n must be > 3; got {n}")
    r = (r_y1 + r_y2) / 2
    psi = r_12 * (1 - 2 * r * r) - 0.5 * r * r * (1 - 2 * r * r - r_12 * r_12)
    c = psi / (1 - r * r) ** 2
    factor = 1.06 if rank else 1.0
    z = (math.atanh(r_y1) - math.atanh(r_y2)) * math.sqrt((int(n) - 3) / (factor * (2 - 2 * c)))
    return float(z), float(2 * stats.norm.sf(abs(z)))


def compare_correlations(data: pd.DataFrame, first: str, second: str, *, resamples: int = 1000,
                         confidence: float = 0.95, seed: int = 0, y: str = "log2_p") -> dict:
    """Is ``first`` a better predictor of ``y`` than ``second``?  Paired bootstrap of ``|rho_1| - |rho_2|``.

    On the rows where both are finite, each resample recomputes both Spearman correlations (the same
    rows for both: paired); the statistic is the difference of their absolute values.  The p-value is
    the two-sided bootstrap one, ``min(1, 2 (min(#{d* <= 0}, #{d* >= 0}) + 1) / (B + 1))``; Steiger's z
    (:func:`steiger_test`, rank version) is given beside it.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per function, with ``y`` and both columns.
    first, second : str
        The measures compared (e.g. the best and the second best).
    resamples, confidence, seed, y
        As :func:`bootstrap_correlations`.

    Returns
    -------
    dict
        ``best``, ``second``, ``functions``, ``difference``, ``low``, ``high``, ``p_value``, ``steiger_z``,
        ``steiger_p``, ``resamples``, ``confidence``.

    Raises
    ------
    PfmapError
        For a missing column, fewer than 4 common rows, or bad bootstrap settings.

    Examples
    --------
    >>> t = np.arange(40.0)
    >>> data = pd.DataFrame({"log2_p": t, "a": t, "b": t * (t % 3 - 1)})
    >>> c = compare_correlations(data, "a", "b", resamples=200)
    >>> c["difference"] > 0, c["p_value"] < 0.01
    (True, True)

    References
    ----------
    Efron & Tibshirani (1993), ch. 15-16; Steiger (1980).
    """
    resamples, confidence, seed = _check_bootstrap(resamples, confidence, seed)
    for c in (y, first, second):
        if c not in data.columns:
            raise PfmapError(f"data has no column {c!r}")
    cols = [pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float) for c in (y, first, second)]
    ok = np.isfinite(cols[0]) & np.isfinite(cols[1]) & np.isfinite(cols[2])
    if ok.sum() < 4:
        raise PfmapError(f"{first} and {second} are both finite on {int(ok.sum())} functions; need at least 4")
    target, x1, x2 = (c[ok] for c in cols)
    s1, s2 = _rank_structure(x1, target), _rank_structure(x2, target)
    r1, r2 = _weighted_pair(*s1, np.ones(len(target)))[0], _weighted_pair(*s2, np.ones(len(target)))[0]
    diffs = []
    for weights in _bootstrap_weights(len(target), resamples, seed):
        diffs.append(np.abs(_resampled_pairs(*s1, weights)[:, 0]) - np.abs(_resampled_pairs(*s2, weights)[:, 0]))
    d = np.concatenate(diffs)
    d = d[np.isfinite(d)]
    tail = (1 - confidence) / 2
    p = min(1.0, 2 * (min(int((d <= 0).sum()), int((d >= 0).sum())) + 1) / (len(d) + 1))
    r12 = _weighted_pair(*_rank_structure(x1, x2), np.ones(len(target)))[0]
    sign = np.sign(r1) * np.sign(r2) if r1 and r2 else 1.0
    clip = 1 - 1e-12
    z, z_p = steiger_test(min(abs(r1), clip), min(abs(r2), clip), float(np.clip(sign * r12, -clip, clip)),
                          n=len(target))
    return {"best": first, "second": second, "functions": int(ok.sum()), "difference": float(abs(r1) - abs(r2)),
            "low": float(np.quantile(d, tail)), "high": float(np.quantile(d, 1 - tail)), "p_value": float(p),
            "steiger_z": z, "steiger_p": z_p, "resamples": resamples, "confidence": confidence}


def _check_bootstrap(resamples, confidence, seed):
    resamples = check_whole(resamples, "resamples", minimum=2)
    confidence = check_probability(confidence, "confidence")
    return resamples, confidence, check_seed(seed)
