"""Method 1 against method 2: P_SGD(f|S) (what training finds) beside P_B(f|S) (the posterior), function by function.

Both tables are volume tables over the same functions: strings of labels on
the test set E.  :func:`compare_posteriors` joins them and reports how
closely SGD follows the posterior: correlations of log probabilities on the
functions both sides resolve, the mass on each side's top functions, mean
test errors, and the functions one side finds and the other never does.

References
----------
C. Mingard, G. Valle-Pérez, J. Skalse, A. A. Louis, "Is SGD a Bayesian sampler? Well, almost",
JMLR 22 (2021), Figs. 1-3 (the log-log scatter of P_SGD against P_B).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import PfmapError

TOPS = (1, 10, 100)


@dataclass
class PosteriorComparison:
    """What :func:`compare_posteriors` found (``summary()`` prints it).

    Attributes
    ----------
    joined : pandas.DataFrame
        One row per function of either table: ``function``, ``p_sgd``, ``n_sgd``, ``p_bayes``, ``n_bayes``
        (counts; infinite for a listed function of an unsampled table), ``in_sgd``, ``in_bayes``, and
        ``ci_low_<side>`` / ``ci_high_<side>`` where a table has intervals.
    pearson, spearman : float
        Correlations of the log probabilities on the functions both sides saw ``min_count`` times (NaN if
        fewer than two).
    n_correlated : int
        The number of those functions.
    top_mass : dict
        Per side (``"sgd"``, ``"bayes"``), the probability mass on its top 1, 10 and 100 functions.
    mean_test_error : dict
        Per side with a ``test_error`` column, the probability-weighted mean test error.
    only_sgd, only_bayes : list of str
        The functions with positive probability on one side only.
    min_count : int
        The ``min_count`` used.

    Examples
    --------
    >>> sgd = pd.DataFrame({"function": ["00", "01"], "probability": [0.7, 0.3], "count": [70, 30]})
    >>> bayes = pd.DataFrame({"function": ["00", "10"], "probability": [0.6, 0.4], "count": [60, 40]})
    >>> print(compare_posteriors(sgd, bayes).summary().splitlines()[0])
    functions: 2 found by SGD, 2 in the posterior table, 1 in both
    """

    joined: pd.DataFrame
    pearson: float
    spearman: float
    n_correlated: int
    top_mass: dict = field(default_factory=dict)
    mean_test_error: dict = field(default_factory=dict)
    only_sgd: list = field(default_factory=list)
    only_bayes: list = field(default_factory=list)
    min_count: int = 10

    def summary(self) -> str:
        """A short text report."""
        lines = [f"functions: {int(self.joined['in_sgd'].sum())} found by SGD, {int(self.joined['in_bayes'].sum())} "
                 f"in the posterior table, {int((self.joined['in_sgd'] & self.joined['in_bayes']).sum())} in both",
                 f"log P_SGD vs log P_B on {self.n_correlated} functions seen >= {self.min_count} times by both: "
                 f"Pearson {self.pearson:.3f}, Spearman {self.spearman:.3f}"]
        for side in ("sgd", "bayes"):
            shares = ", ".join(f"top {k}: {self.top_mass[side][k]:.3g}" for k in TOPS)
            lines.append(f"mass of P_{side.upper() if side == 'sgd' else 'B'} on its top functions: {shares}")
        errors = ", ".join(f"{'P_SGD' if k == 'sgd' else 'P_B'} {v:.4f}" for k, v in self.mean_test_error.items()
                           if v is not None)
        if errors:
            lines.append(f"mean test error: {errors}")
        lines.append(f"found by SGD only: {len(self.only_sgd)} functions (mass {self._mass('sgd', self.only_sgd):.3g}); "
                     f"in the posterior only: {len(self.only_bayes)} (mass {self._mass('bayes', self.only_bayes):.3g})")
        return "\n".join(lines)

    def _mass(self, side: str, functions: list) -> float:
        rows = self.joined.set_index("function").loc[functions] if functions else None
        return float(rows[f"p_{side}"].sum()) if rows is not None else 0.0


def _check_table(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame) or "function" not in df.columns or "probability" not in df.columns:
        raise PfmapError(f"{name} must be a volume table with 'function' and 'probability' columns")
    functions = df["function"].astype(str)
    lengths = functions.str.len().unique()
    if len(lengths) > 1:
        raise PfmapError(f"{name} mixes functions of lengths {sorted(lengths.tolist())[:4]}; one test set per table")
    if not functions.str.fullmatch("[01]+").all():
        raise PfmapError(f"{name}: functions must be strings of 0/1 labels on the test set")
    p = pd.to_numeric(df["probability"], errors="coerce")
    if p.isna().any() or (p < 0).any() or (p > 1 + 1e-9).any():
        raise PfmapError(f"{name}: probabilities must be numbers in [0, 1]")
    if functions.duplicated().any():
        raise PfmapError(f"{name} lists function {functions[functions.duplicated()].iloc[0]} twice")
    return df


def compare_posteriors(sgd: pd.DataFrame, bayes: pd.DataFrame, *, min_count: int = 10) -> PosteriorComparison:
    """Join P_SGD(f|S) and P_B(f|S) tables on ``function`` and compare them.

    Parameters
    ----------
    sgd : pandas.DataFrame
        The training table (``pfmap train``): ``function, probability, count, ...``.
    bayes : pandas.DataFrame
        The posterior table (``pfmap posterior``): ``function, probability`` and ``count`` where sampled.
    min_count : int
        Correlations use the functions that each sampled side saw at least this many times (a GP table,
        which has no counts, counts every listed function with a positive probability).

    Returns
    -------
    PosteriorComparison
        With the joined table (``function, p_sgd, p_bayes, ...``), Pearson and Spearman correlations of the
        log probabilities, the mass on the top 1, 10, 100 functions, mean test errors, one-sided functions.

    Raises
    ------
    PfmapError
        If a table is not a volume table over one test set, or the two test sets differ in length.

    Examples
    --------
    >>> sgd = pd.DataFrame({"function": ["00", "01", "11"], "probability": [0.7, 0.2, 0.1], "count": [70, 20, 10]})
    >>> bayes = pd.DataFrame({"function": ["00", "01", "10"], "probability": [0.6, 0.3, 0.1], "count": [60, 30, 10]})
    >>> c = compare_posteriors(sgd, bayes, min_count=10)
    >>> c.n_correlated, round(c.spearman, 3), c.only_sgd, c.only_bayes
    (2, 1.0, ['11'], ['10'])
    >>> c.top_mass["sgd"][1], c.top_mass["bayes"][10]
    (0.7, 1.0)

    References
    ----------
    Mingard et al., JMLR 22 (2021).
    """
    from scipy import stats

    sgd, bayes = _check_table(sgd, "the SGD table"), _check_table(bayes, "the posterior table")
    if len(sgd) and len(bayes) and len(sgd["function"].iloc[0]) != len(bayes["function"].iloc[0]):
        raise PfmapError(f"the tables are over test sets of {len(sgd['function'].iloc[0])} and "
                         f"{len(bayes['function'].iloc[0])} points; compare tables of the same data set")
    left = _side(sgd, "sgd")
    right = _side(bayes, "bayes")
    joined = left.merge(right, on="function", how="outer")
    for side in ("sgd", "bayes"):
        joined[f"in_{side}"] = joined[f"p_{side}"].notna() & (joined[f"p_{side}"] > 0)
        joined[f"p_{side}"] = joined[f"p_{side}"].fillna(0.0)
        joined[f"n_{side}"] = joined[f"n_{side}"].fillna(0)
    both = joined[(joined["n_sgd"] >= min_count) & (joined["n_bayes"] >= min_count) & joined["in_sgd"]
                  & joined["in_bayes"]]
    if len(both) >= 3:
        x, y = np.log(both["p_bayes"].to_numpy()), np.log(both["p_sgd"].to_numpy())
        pearson = float(stats.pearsonr(x, y)[0])
        spearman = float(stats.spearmanr(x, y)[0])
    elif len(both) == 2:
        x, y = both["p_bayes"].to_numpy(), both["p_sgd"].to_numpy()
        same = float(np.sign(x[0] - x[1]) * np.sign(y[0] - y[1]))
        pearson = spearman = same
    else:
        pearson = spearman = math.nan
    top = {side: {k: float(joined[f"p_{side}"].nlargest(k).sum()) for k in TOPS} for side in ("sgd", "bayes")}
    errors = {}
    for side, table in (("sgd", sgd), ("bayes", bayes)):
        if "test_error" in table.columns:
            p = table["probability"].to_numpy(dtype=float)
            errors[side] = float(np.dot(p, table["test_error"].to_numpy(dtype=float)) / p.sum()) if p.sum() else None
    only_sgd = joined.loc[joined["in_sgd"] & ~joined["in_bayes"], "function"].tolist()
    only_bayes = joined.loc[joined["in_bayes"] & ~joined["in_sgd"], "function"].tolist()
    joined = joined.sort_values(["p_sgd", "p_bayes", "function"], ascending=[False, False, True],
                                kind="mergesort").reset_index(drop=True)
    return PosteriorComparison(joined, pearson, spearman, len(both), top, errors, only_sgd, only_bayes, min_count)


def _side(df: pd.DataFrame, side: str) -> pd.DataFrame:
    out = pd.DataFrame({"function": df["function"].astype(str), f"p_{side}": df["probability"].astype(float)})
    if "count" in df.columns:
        out[f"n_{side}"] = pd.to_numeric(df["count"], errors="coerce").fillna(0).to_numpy()
    else:
        out[f"n_{side}"] = np.where(out[f"p_{side}"] > 0, np.inf, 0)
    for column in ("ci_low", "ci_high"):
        if column in df.columns:
            out[f"{column}_{side}"] = df[column].astype(float).to_numpy()
    return out


def comparison_plot(comparison: PosteriorComparison, path: str | os.PathLike, *, title: str = "") -> None:
    """The log-log scatter of P_SGD against P_B with the y = x line and the intervals as error bars (PNG).

    Parameters
    ----------
    comparison : PosteriorComparison
        From :func:`compare_posteriors`.
    path : str or os.PathLike
        The PNG file.
    title : str
        A title.

    Examples
    --------
    >>> import tempfile, os
    >>> sgd = pd.DataFrame({"function": ["0", "1"], "probability": [0.8, 0.2], "count": [80, 20]})
    >>> c = compare_posteriors(sgd, sgd)
    >>> p = os.path.join(tempfile.mkdtemp(), "scatter.png"); comparison_plot(c, p); os.path.getsize(p) > 0
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .files import atomic_write

    both = comparison.joined[comparison.joined["in_sgd"] & comparison.joined["in_bayes"]]
    fig, ax = plt.subplots(figsize=(5.5, 5))
    x, y = both["p_bayes"].to_numpy(), both["p_sgd"].to_numpy()

    def bars(side, values):
        low, high = f"ci_low_{side}", f"ci_high_{side}"
        if low not in both.columns:
            return None
        return np.vstack([values - both[low].fillna(0).to_numpy(), both[high].fillna(0).to_numpy() - values]).clip(0)

    ax.errorbar(x, y, xerr=bars("bayes", x), yerr=bars("sgd", y), fmt="o", ms=3, alpha=0.6, lw=0.6)
    if len(both):
        lo = max(min(x.min(), y.min()) / 2, 1e-12)
        ax.plot([lo, 1], [lo, 1], "k--", lw=0.8, label="y = x")
        ax.legend(loc="upper left")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("P_B(f | S)")
    ax.set_ylabel("P_SGD(f | S)")
    ax.set_title(title or f"Pearson {comparison.pearson:.2f}, Spearman {comparison.spearman:.2f} (log P)")
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))
    plt.close(fig)
