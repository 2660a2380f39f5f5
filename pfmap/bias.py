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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .complexity import MEASURES, add_complexity_columns
from .errors import PfmapError

EXTRA_MEASURES = ("n_conditions",)  # produced by geometry, used when present
RESULT_COLUMNS = ["rank", "measure", "functions", "spearman", "spearman_p", "kendall", "kendall_p",
                  "bound_a", "bound_b", "bound_violations", "bound_b_strict"]


@dataclass
class BiasReport:
    """The result of :func:`bias_analysis`: the ranking table and what the plots need."""

    ranking: pd.DataFrame
    data: pd.DataFrame
    envelopes: dict = field(default_factory=dict)
    dropped: int = 0
    min_count: int = 1

    def summary(self) -> str:
        """Plain-text summary: what was analysed, then the ranking as a Markdown table."""
        lines = [f"functions analysed: {len(self.data)} (dropped {self.dropped}: P <= 0 or count < {self.min_count})",
                 "log P against each measure; ranking by |Spearman rho| (ties: |Kendall tau|); "
                 "bound: log2 P <= -a*K + b fitted to the upper envelope"]
        shown = self.ranking.copy()
        for col in ("spearman", "kendall", "bound_a", "bound_b", "bound_violations", "bound_b_strict"):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.4g}")
        for col in ("spearman_p", "kendall_p"):
            shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.2g}")
        lines.append(shown.to_markdown(index=False, disable_numparse=True))
        return "\n".join(lines) + "\n"


def measure_columns(df: pd.DataFrame) -> list[str]:
    """The complexity columns of a table that an analysis can use, in the standard order.

    Examples
    --------
    >>> measure_columns(pd.DataFrame({"function": ["01"], "k_lz": [2.0], "n_conditions": [2], "x": [1]}))
    ['k_lz', 'n_conditions']
    """
    return [c for c in MEASURES + EXTRA_MEASURES if c in df.columns]


def upper_bound_fit(measure, log2_p, bins: int = 20) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Fit ``log2 P <= -a * K + b`` to the upper envelope; returns ``(a, b, envelope_k, envelope_log2_p)``.

    See the module docstring for the envelope: ``-a`` and ``b`` are the
    least-squares slope and intercept through the bin maxima.  Both are NaN
    when fewer than two distinct envelope abscissae exist.

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
        raise PfmapError("bias analysis needs a 'probability' column (a volume table from pfmap table or sample)")
    duplicated = df["function"].duplicated()
    if duplicated.any():
        raise PfmapError(f"function {df['function'][duplicated].iloc[0]} appears in more than one row; "
                         "a volume table has one row per function")
    p = pd.to_numeric(df["probability"], errors="coerce")
    keep = (p > 0).to_numpy().copy()
    if "count" in df.columns and min_count > 1:
        keep &= (pd.to_numeric(df["count"], errors="coerce") >= min_count).to_numpy()
    data = df.loc[keep].copy()
    data["log2_p"] = np.log2(p[keep].to_numpy(dtype=float))
    return data.reset_index(drop=True), int((~keep).sum())


def bias_analysis(df: pd.DataFrame, measures=None, min_count: int = 1, bins: int = 20,
                  compression: str = "zlib") -> BiasReport:
    """Correlations of log P with each measure, the upper-bound fit, and a ranking of the measures.

    ``measures`` defaults to every measure of :data:`pfmap.complexity.MEASURES`
    (computed when missing) plus ``n_conditions`` when the table has it.

    Examples
    --------
    >>> funcs = ["0000", "0001", "0110"]   # average sensitivity 0, 1, 2
    >>> df = pd.DataFrame({"function": funcs, "probability": [0.5, 0.25, 0.125]})
    >>> report = bias_analysis(df, measures=["average_sensitivity"])
    >>> report.ranking[["measure", "spearman", "bound_a", "bound_b"]].values.tolist()
    [['average_sensitivity', -1.0, 1.0, -1.0]]

    References
    ----------
    Dingle et al. (2018); Valle-Pérez et al. (2019); scipy.stats.spearmanr, kendalltau.
    """
    from scipy import stats

    if int(min_count) < 1:
        raise PfmapError(f"min_count must be >= 1; got {min_count}")
    if int(bins) < 2:
        raise PfmapError(f"bins must be >= 2; got {bins}")
    if measures is None:
        wanted = list(MEASURES) + [m for m in EXTRA_MEASURES if m in df.columns]
    else:
        wanted = list(measures)
        unknown = [m for m in wanted if m not in MEASURES and m not in df.columns]
        if unknown:
            raise PfmapError(f"unknown measure {unknown[0]!r}: not a column of the table and not one of "
                             f"{', '.join(MEASURES)}")
    data, dropped = _prepare(df, int(min_count))
    if len(data) < 3:
        raise PfmapError(f"only {len(data)} functions left to analyse; need at least 3 (lower min_count?)")
    computable = [m for m in wanted if m in MEASURES]
    data = add_complexity_columns(data, computable, compression)
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
    return BiasReport(ranking, data, envelopes, dropped, int(min_count))


def plot_bias(report: BiasReport, directory) -> list[Path]:
    """PNG plots: log10 P against each ranked measure (with the fitted bound) and P against rank.

    Returns the paths written, ``logp_vs_<measure>.png`` and ``p_vs_rank.png``.

    Examples
    --------
    >>> import tempfile
    >>> df = pd.DataFrame({"function": ["00", "01", "11"], "probability": [0.6, 0.3, 0.1]})
    >>> paths = plot_bias(bias_analysis(df, ["k_lz"]), tempfile.mkdtemp())
    >>> sorted(p.name for p in paths)
    ['logp_vs_k_lz.png', 'p_vs_rank.png']

    References
    ----------
    Valle-Pérez et al. (2019), Fig. 1 (P against rank, P against K_LZ).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PfmapError(f"cannot create plot folder {directory}: {exc.strerror or exc}") from None
    log10_p = report.data["log2_p"].to_numpy() * math.log10(2)
    written = []
    for name in report.ranking["measure"]:
        x = pd.to_numeric(report.data[name], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(x)
        if not ok.any():
            continue
        fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
        ax.scatter(x[ok], log10_p[ok], s=4, alpha=0.5, linewidths=0, rasterized=True)
        if name in report.envelopes and math.isfinite(report.envelopes[name][0]):
            a, b, env_x, env_y = report.envelopes[name]
            grid = np.linspace(x[ok].min(), x[ok].max(), 50)
            ax.plot(grid, (-a * grid + b) * math.log10(2), "r-", lw=1,
                    label=f"log2 P <= {-a:.3g} K {'+' if b >= 0 else '-'} {abs(b):.3g}")
            ax.plot(env_x, env_y * math.log10(2), "r.", ms=5)
            ax.legend(fontsize=8)
        ax.set_xlabel(name)
        ax.set_ylabel("log10 P")
        written.append(_save(fig, directory / f"logp_vs_{name}.png", plt))
    p = np.sort(report.data["probability"].to_numpy(dtype=float))[::-1]
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    ax.loglog(np.arange(1, len(p) + 1), p, ".", ms=3)
    ax.set_xlabel("rank")
    ax.set_ylabel("P")
    written.append(_save(fig, directory / "p_vs_rank.png", plt))
    return written


def _save(fig, path: Path, plt) -> Path:
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
