"""Simplicity bias: does log P(f) fall with the complexity of f, and by which measure best?

Given a volume table (exact or sampled) with complexity columns (see
:mod:`pfmap.complexity`; missing ones are computed), :func:`bias_analysis`
returns, for every measure:

* Spearman's rho and Kendall's tau-b between log P and the measure (scipy),
  over the distinct functions of the table, each function one point;
* the simplicity-bias upper bound ``log2 P <= -a * K + b`` (Dingle et al.
  2018), fitted to the *upper envelope*: the values of the measure are cut
  into ``bins`` equal-width bins (or taken one by one when there are at most
  ``bins`` distinct values), the point of largest log2 P is kept in each,
  and the least-squares line through those maxima gives ``-a`` and ``b``
  (a fit to the upper bound, as drawn by Dingle et al. and Valle-Pérez et
  al., not a strict bound: a single very probable function such as a
  constant would otherwise set ``b`` alone).  ``bound_violations`` is the
  fraction of all points above the line, and ``bound_b_strict`` the smallest
  intercept that makes the fitted slope a true bound on every point;
* a ranking of the measures by ``|rho|`` (ties by ``|tau|``): the measure
  whose order best predicts the order of volumes comes first.  The sign
  matters for interpretation: simplicity bias means rho < 0.

The rank statistics (weighted Spearman and Kendall, the bootstrap, Steiger's
test) are in :mod:`pfmap.rank_statistics` and the plots in
:mod:`pfmap.bias_plots`; this module re-exports both.

Sampling error.  In a sampled table a function seen ``c`` times has
P = c / samples, and the rare ones (c = 1, 2) sit on a floor set by the
sample size rather than by their volume.  No weighting is applied;
``min_count`` drops functions seen fewer than that many times (tables without
a ``count`` column are exact and are not filtered).  Rows with P <= 0 have no
logarithm and are dropped.

References
----------
K. Dingle, C. Q. Camargo, A. A. Louis, "Input-output maps are strongly biased
towards simple outputs", Nat. Commun. 9, 761 (2018); G. Valle-Pérez,
C. Q. Camargo, A. A. Louis, ICLR 2019; C. Spearman (1904); M. G. Kendall,
"The treatment of ties in ranking problems", Biometrika 33 (1945).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .bias_plots import plot_bias, plot_correlation_matrix, plot_ranking  # noqa: F401 (re-exported)
from .complexity import MEASURES, add_complexity_columns
from .errors import PfmapError
from .rank_statistics import (bootstrap_correlations, compare_correlations, rank_correlations,  # noqa: F401
                              steiger_test)
from .validation import check_probability, check_seed, check_whole

#: Produced by the exact engine (a function's perceptron region), used when the table has them.
EXTRA_MEASURES = ("n_conditions", "inscribed_radius", "region_degree", "region_betweenness")
RESULT_COLUMNS = ["rank", "measure", "functions", "spearman", "spearman_p", "kendall", "kendall_p",
                  "bound_a", "bound_b", "bound_violations", "bound_b_strict"]
INTERVAL_COLUMNS = ("spearman_low", "spearman_high", "kendall_low", "kendall_high")


@dataclass
class BiasReport:
    """The result of :func:`bias_analysis`: the ranking table and what the plots need.

    Attributes
    ----------
    ranking : pandas.DataFrame
        One row per measure, best first (columns :data:`RESULT_COLUMNS`, plus :data:`INTERVAL_COLUMNS` with
        a bootstrap).
    data : pandas.DataFrame
        The functions analysed, with ``log2_p`` and every measure column.
    envelopes : dict
        Per measure ``(a, b, envelope_k, envelope_log2_p)`` of the upper-bound fit.
    dropped : int
        Rows dropped (P <= 0 or count < ``min_count``).
    min_count : int
        The ``min_count`` used.
    comparison : dict or None
        With a bootstrap: the best measure against the second (:func:`compare_correlations`), where the
        second is the best-ranked measure that orders the functions differently from the best (those that
        do not are listed under ``same_order_as_best``).

    Examples
    --------
    >>> df = pd.DataFrame({"function": ["0000", "0001", "0110"], "probability": [0.5, 0.25, 0.125]})
    >>> print(bias_analysis(df, ["average_sensitivity"]).summary().splitlines()[0])
    functions analysed: 3 (dropped 0: P <= 0 or count < 1)
    """

    ranking: pd.DataFrame
    data: pd.DataFrame
    envelopes: dict = field(default_factory=dict)
    dropped: int = 0
    min_count: int = 1
    comparison: dict | None = None

    def summary(self) -> str:
        """Plain-text summary: what was analysed, the ranking as a Markdown table, the top-two test.

        Returns
        -------
        str
            Lines ending in a newline.

        Examples
        --------
        >>> df = pd.DataFrame({"function": ["00", "01", "11"], "probability": [0.6, 0.3, 0.1]})
        >>> bias_analysis(df, ["k_lz"]).summary().splitlines()[2].split("|")[1:4]
        ['   rank ', ' measure   ', '   functions ']
        """
        lines = [f"functions analysed: {len(self.data)} (dropped {self.dropped}: P <= 0 or count < {self.min_count})",
                 "log P against each measure; ranking by |Spearman rho| (ties: |Kendall tau|); "
                 "bound: log2 P <= -a*K + b fitted to the upper envelope"]
        shown = self.ranking.copy()
        for col in ("spearman", "kendall", "bound_a", "bound_b", "bound_violations", "bound_b_strict") + \
                INTERVAL_COLUMNS:
            if col in shown.columns:
                shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.4g}")
        for col in ("spearman_p", "kendall_p"):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.2g}")
        lines.append(shown.to_markdown(index=False, disable_numparse=True))
        if self.comparison:
            c = self.comparison
            if c.get("same_order_as_best"):
                lines.append(f"passed over for the comparison (the same order of the functions as "
                             f"{c['best']}): {', '.join(c['same_order_as_best'])}")
            lines.append(f"best against second: |rho({c['best']})| - |rho({c['second']})| = {c['difference']:.4g}, "
                         f"{c['confidence']:.0%} interval [{c['low']:.4g}, {c['high']:.4g}] (paired bootstrap, "
                         f"{c['resamples']} resamples, p = {c['p_value']:.2g}); Steiger z = {c['steiger_z']:.3g}, "
                         f"p = {c['steiger_p']:.2g} (on {c['functions']} functions)")
        return "\n".join(lines) + "\n"


def measure_columns(df: pd.DataFrame) -> list[str]:
    """The complexity columns of a table that an analysis can use, in the standard order.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table.

    Returns
    -------
    list of str
        The columns of :data:`pfmap.complexity.MEASURES` and :data:`EXTRA_MEASURES` that ``df`` has.

    Examples
    --------
    >>> measure_columns(pd.DataFrame({"function": ["01"], "k_lz": [2.0], "n_conditions": [2], "x": [1]}))
    ['k_lz', 'n_conditions']
    """
    return [c for c in MEASURES + EXTRA_MEASURES if c in df.columns]


def upper_bound_fit(measure: ArrayLike, log2_p: ArrayLike,
                    bins: int = 20) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Fit ``log2 P <= -a * K + b`` to the upper envelope; returns ``(a, b, envelope_k, envelope_log2_p)``.

    See the module docstring for the envelope: ``-a`` and ``b`` are the
    least-squares slope and intercept through the bin maxima.  Both are NaN
    when fewer than two distinct envelope abscissae exist.

    Parameters
    ----------
    measure, log2_p : array_like
        The measure and ``log2 P`` of each function (non-finite pairs are ignored).
    bins : int
        Equal-width bins of the measure (its distinct values when there are at most ``bins``).

    Returns
    -------
    tuple
        ``(a, b, envelope_k, envelope_log2_p)``.

    Examples
    --------
    >>> k = np.array([1, 1, 2, 2, 3, 3.0])
    >>> a, b, _, _ = upper_bound_fit(k, np.array([-1, -5, -2, -9, -3, -4.0]))
    >>> float(a), float(b)
    (1.0, 0.0)

    References
    ----------
    Dingle, Camargo & Louis (2018), Eq. (1) and Fig. 2.
    """
    x = np.asarray(measure, dtype=float)
    y = np.asarray(log2_p, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if not len(x):
        return math.nan, math.nan, np.array([]), np.array([])
    distinct = np.unique(x)
    if len(distinct) <= bins:
        labels = np.searchsorted(distinct, x)
    else:
        edges = np.linspace(x.min(), x.max(), bins + 1)
        labels = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    order = np.lexsort((-y, labels))  # within each bin, the largest log P first
    first = np.ones(len(order), dtype=bool)
    first[1:] = labels[order][1:] != labels[order][:-1]
    env_x, env_y = x[order][first], y[order][first]
    if len(np.unique(env_x)) < 2:
        return math.nan, math.nan, env_x, env_y
    slope, intercept = np.polyfit(env_x, env_y, 1)
    return float(-slope), float(intercept), env_x, env_y


def _prepare(df: pd.DataFrame, min_count: int):
    if "probability" not in df.columns:
        raise PfmapError("df: bias analysis needs a 'probability' column (a volume table from pfmap table or sample)")
    duplicated = df["function"].duplicated()
    if duplicated.any():
        raise PfmapError(f"df: function {df['function'][duplicated].iloc[0]} appears in more than one row; "
                         "a volume table has one row per function")
    p = pd.to_numeric(df["probability"], errors="coerce")
    keep = (p > 0).to_numpy().copy()
    if "count" in df.columns and min_count > 1:
        keep &= (pd.to_numeric(df["count"], errors="coerce") >= min_count).to_numpy()
    data = df.loc[keep].copy()
    data["log2_p"] = np.log2(p[keep].to_numpy(dtype=float))
    return data.reset_index(drop=True), int((~keep).sum())


def bias_analysis(df: pd.DataFrame, measures: Sequence[str] | None = None, *, min_count: int = 1, bins: int = 20,
                  compression: str = "zlib", bootstrap: int = 0, confidence: float = 0.95,
                  seed: int = 0, progress: bool | str = False) -> BiasReport:
    """Correlations of log P with each measure, the upper-bound fit, and a ranking of the measures.

    Parameters
    ----------
    df : pandas.DataFrame
        A volume table: ``function`` and ``probability`` (``count`` for a sampled one).
    measures : sequence of str, optional
        Measures of :data:`pfmap.complexity.MEASURES` (computed when missing) or columns of ``df``.
        Default: every measure of :data:`pfmap.complexity.MEASURES` that has a value on some function, plus
        the :data:`EXTRA_MEASURES` the table has.
    min_count : int
        Sampled tables: drop functions seen fewer times.
    bins : int
        Bins of the measure for the upper envelope.
    compression : {"zlib", "lzma"}
        The compressor of ``compressed_length``.
    bootstrap : int
        Bootstrap resamples for intervals of every correlation and the best-against-second test (0: none).
    confidence : float
        Coverage of the bootstrap intervals.
    seed : int
        The bootstrap's seed (chunk ``k`` draws from child ``k`` of ``SeedSequence(seed)``).
    progress : bool or "auto"
        A progress bar over the bootstrap resamples.

    Returns
    -------
    BiasReport
        ``ranking`` (one row per measure, best first), ``data``, ``envelopes``, and with a bootstrap
        the :data:`INTERVAL_COLUMNS` and ``comparison`` (:func:`compare_correlations` of the best measure
        and the best one that orders the functions differently).

    Raises
    ------
    PfmapError
        For a table without ``probability``, a repeated function, an unknown measure, fewer than 3
        functions left, ``min_count < 1``, ``bins < 2`` or bad bootstrap settings.

    Examples
    --------
    >>> funcs = ["0000", "0001", "0110"]   # average sensitivity 0, 1, 2
    >>> df = pd.DataFrame({"function": funcs, "probability": [0.5, 0.25, 0.125]})
    >>> report = bias_analysis(df, measures=["average_sensitivity"])
    >>> report.ranking[["measure", "spearman", "bound_a", "bound_b"]].values.tolist()
    [['average_sensitivity', -1.0, 1.0, -1.0]]

    References
    ----------
    Dingle et al. (2018); Valle-Pérez et al. (2019); scipy.stats.spearmanr, kendalltau; Efron & Tibshirani
    (1993) for the bootstrap; Steiger (1980).
    """
    from scipy import stats

    if int(min_count) < 1:
        raise PfmapError(f"min_count must be >= 1; got {min_count}")
    if int(bins) < 2:
        raise PfmapError(f"bins must be >= 2; got {bins}")
    bootstrap = check_whole(bootstrap, "bootstrap", minimum=0)
    if bootstrap:  # the checks of bootstrap_correlations, before any work
        check_whole(bootstrap, "resamples", minimum=2)
        check_probability(confidence, "confidence")
        check_seed(seed)
    if measures is None:
        wanted = list(MEASURES) + [m for m in EXTRA_MEASURES if m in df.columns]
    else:
        wanted = list(measures)
        unknown = [m for m in wanted if m not in MEASURES and m not in df.columns]
        if unknown:
            raise PfmapError(f"measures: unknown measure {unknown[0]!r}: not a column of the table and not one of "
                             f"{', '.join(MEASURES)}")
    data, dropped = _prepare(df, int(min_count))
    if len(data) < 3:
        raise PfmapError(f"df: only {len(data)} functions left to analyse; need at least 3 (lower min_count?)")
    computable = [m for m in wanted if m in MEASURES]
    data = add_complexity_columns(data, computable if measures is not None else None, compression)
    if measures is None:  # the default set: leave out measures that do not exist for these functions
        wanted = [m for m in wanted if pd.to_numeric(data[m], errors="coerce").notna().any()]
    rows, envelopes = [], {}
    for name in wanted:
        x = pd.to_numeric(data[name], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(x)
        row = {"measure": name, "functions": int(ok.sum())}
        y = data["log2_p"].to_numpy()[ok]
        if ok.sum() >= 3 and np.ptp(x[ok]) > 0 and np.ptp(y) > 0:
            rho, rho_p = stats.spearmanr(x[ok], y)
            tau, tau_p = stats.kendalltau(x[ok], y)
            a, b, env_x, env_y = upper_bound_fit(x[ok], y, bins)
            violations = float(np.mean(y > -a * x[ok] + b + 1e-9)) if math.isfinite(a) else math.nan
            # the smallest intercept that makes the fitted slope a true bound over every point
            strict = float(np.max(y + a * x[ok])) if math.isfinite(a) else math.nan
            row.update(spearman=float(rho), spearman_p=float(rho_p), kendall=float(tau), kendall_p=float(tau_p),
                       bound_a=a, bound_b=b, bound_violations=violations, bound_b_strict=strict)
            envelopes[name] = (a, b, env_x, env_y)
        rows.append(row)
    ranking = pd.DataFrame(rows).reindex(columns=RESULT_COLUMNS[1:])
    ranking["strength"] = ranking["spearman"].abs()
    ranking["tie_break"] = ranking["kendall"].abs()
    ranking = ranking.sort_values(["strength", "tie_break"], ascending=False, na_position="last", kind="mergesort")
    ranking = ranking.drop(columns=["strength", "tie_break"]).reset_index(drop=True)
    ranking.insert(0, "rank", np.arange(1, len(ranking) + 1))
    comparison = None
    if bootstrap:
        intervals = bootstrap_correlations(data, list(ranking["measure"]), resamples=bootstrap,
                                           confidence=confidence, seed=seed, progress=progress)
        ranking = ranking.merge(intervals, on="measure", how="left")
        ranked = list(ranking.dropna(subset=["spearman"])["measure"])
        if len(ranked) >= 2:
            second, same = _second_measure(data, ranked)
            if second is not None:
                comparison = compare_correlations(data, ranked[0], second, resamples=bootstrap,
                                                  confidence=confidence, seed=seed)
                comparison["same_order_as_best"] = same
    return BiasReport(ranking, data, envelopes, dropped, int(min_count), comparison)


def _second_measure(data: pd.DataFrame, ranked: list) -> tuple[str | None, list]:
    """The best-ranked measure after ``ranked[0]`` that orders the functions differently from it.

    A measure that is a monotone function of the best one on these functions (|Spearman| = 1 between
    them, e.g. ``pos_literals`` and ``sop_literals`` on a complement-symmetric table) has the same
    correlation in every resample; comparing with it tests nothing, so it is passed over and listed.
    """
    best = pd.to_numeric(data[ranked[0]], errors="coerce")
    same = []
    for name in ranked[1:]:
        other = pd.to_numeric(data[name], errors="coerce")
        ok = best.notna() & other.notna()
        r = best[ok].corr(other[ok], method="spearman") if ok.sum() >= 3 else math.nan
        if math.isfinite(r) and abs(r) >= 1 - 1e-12:
            same.append(name)
            continue
        return name, same
    return None, same


def correlation_matrix(data: pd.DataFrame, measures: Sequence[str] | None = None) -> pd.DataFrame:
    """Spearman correlations between ``log2_p`` and the measures, and among the measures (pairwise complete).

    Parameters
    ----------
    data : pandas.DataFrame
        A :class:`BiasReport`'s ``data`` (or any table with ``log2_p`` and measure columns).
    measures : sequence of str, optional
        Default: :func:`measure_columns` of ``data``.

    Returns
    -------
    pandas.DataFrame
        A symmetric matrix indexed by ``["log2_p", *measures]``.

    Raises
    ------
    PfmapError
        For a missing column.

    Examples
    --------
    >>> data = pd.DataFrame({"log2_p": [-1.0, -2, -3, -4], "k_lz": [1.0, 2, 3, 5], "entropy": [0.0, 1, 1, 0.5]})
    >>> correlation_matrix(data).round(3).values.tolist()
    [[1.0, -1.0, -0.316], [-1.0, 1.0, 0.316], [-0.316, 0.316, 1.0]]
    """
    measures = measure_columns(data) if measures is None else list(measures)
    missing = [c for c in ["log2_p", *measures] if c not in data.columns]
    if missing:
        raise PfmapError(f"data has no column {missing[0]!r}")
    numeric = data[["log2_p", *measures]].apply(pd.to_numeric, errors="coerce").astype(float)
    return numeric.corr(method="spearman")
