"""Plots of a simplicity-bias analysis: log P against each measure, P against rank, rankings, correlation maps.

PNG files through matplotlib's Agg backend (imported when a plot is made).
The analysis itself is :func:`pfmap.bias.bias_analysis`; :mod:`pfmap.bias`
re-exports every name here.

References
----------
G. Valle-Pérez, C. Q. Camargo, A. A. Louis, ICLR 2019, Fig. 1.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import PfmapError

if TYPE_CHECKING:  # the analysis imports these plots; at run time they need only its result
    from .bias import BiasReport


def plot_bias(report: BiasReport, directory: str | os.PathLike) -> list[Path]:
    """PNG plots: log10 P against each ranked measure (with the fitted bound) and P against rank.

    Parameters
    ----------
    report : BiasReport
        From :func:`bias_analysis`.
    directory : str or os.PathLike
        The folder (created when missing).

    Returns
    -------
    list of pathlib.Path
        The paths written, ``logp_vs_<measure>.png`` and ``p_vs_rank.png``.

    Raises
    ------
    PfmapError
        If the folder cannot be created.

    Examples
    --------
    >>> import tempfile
    >>> from pfmap.bias import bias_analysis
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


def plot_ranking(rankings: dict, path: str | os.PathLike) -> Path:
    """A rank plot: for each table, its measures ordered by ``|rho|`` with their bootstrap intervals.

    Parameters
    ----------
    rankings : dict of str to pandas.DataFrame
        A label per table and its :class:`BiasReport` ranking (with :data:`INTERVAL_COLUMNS` for whiskers).
    path : str or os.PathLike
        The PNG file.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    PfmapError
        If ``rankings`` is empty or the folder cannot be created.

    Examples
    --------
    >>> import tempfile, os
    >>> from pfmap.bias import bias_analysis
    >>> df = pd.DataFrame({"function": ["00", "01", "11", "10"], "probability": [0.5, 0.3, 0.15, 0.05]})
    >>> r = bias_analysis(df, ["k_lz", "entropy"], bootstrap=20).ranking
    >>> plot_ranking({"demo": r}, os.path.join(tempfile.mkdtemp(), "ranking.png")).name
    'ranking.png'
    """
    plt = _pyplot()
    if not rankings:
        raise PfmapError("rankings must hold at least one table's ranking")
    path = _folder_for(path)
    columns = min(3, len(rankings))
    rows = (len(rankings) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.6 * rows), dpi=100, squeeze=False)
    for ax, (label, ranking) in zip(axes.ravel(), rankings.items()):
        r = ranking.dropna(subset=["spearman"]).iloc[::-1]
        y = np.arange(len(r))
        strength = r["spearman"].abs().to_numpy()
        ax.plot(strength, y, "o", ms=4, color="C0")
        if "spearman_low" in r.columns:
            low, high = r["spearman_low"].to_numpy(), r["spearman_high"].to_numpy()
            # the interval of |rho|: flip it when rho < 0
            a, b = np.where(r["spearman"] < 0, -high, low), np.where(r["spearman"] < 0, -low, high)
            ax.hlines(y, a, b, color="C0", lw=1.5)
        ax.set_yticks(y, [f"{m} ({'-' if s < 0 else '+'})" for m, s in zip(r["measure"], r["spearman"])], fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("|Spearman rho| with log P", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    for ax in axes.ravel()[len(rankings):]:
        ax.axis("off")
    return _save(fig, path, plt)


def plot_correlation_matrix(matrix: pd.DataFrame, path: str | os.PathLike, *, title: str = "") -> Path:
    """A heat map of a :func:`correlation_matrix` (Spearman, -1 blue to +1 red), values printed.

    Parameters
    ----------
    matrix : pandas.DataFrame
        A square correlation matrix.
    path : str or os.PathLike
        The PNG file.
    title : str
        The figure's title.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    PfmapError
        If the folder cannot be created.

    Examples
    --------
    >>> import tempfile, os
    >>> from pfmap.bias import correlation_matrix
    >>> data = pd.DataFrame({"log2_p": [-1.0, -2, -3, -4], "k_lz": [1.0, 2, 3, 5]})
    >>> plot_correlation_matrix(correlation_matrix(data), os.path.join(tempfile.mkdtemp(), "m.png")).name
    'm.png'
    """
    plt = _pyplot()
    path = _folder_for(path)
    k = len(matrix)
    fig, ax = plt.subplots(figsize=(1.0 + 0.45 * k, 0.6 + 0.45 * k), dpi=100)
    image = ax.imshow(matrix.to_numpy(dtype=float), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(k), matrix.columns, rotation=90, fontsize=7)
    ax.set_yticks(range(k), matrix.index, fontsize=7)
    for i in range(k):
        for j in range(k):
            v = matrix.iat[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=5,
                        color="white" if abs(v) > 0.6 else "black")
    fig.colorbar(image, ax=ax, shrink=0.8, label="Spearman")
    if title:
        ax.set_title(title, fontsize=9)
    return _save(fig, path, plt)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _folder_for(path) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PfmapError(f"cannot create plot folder {path.parent}: {exc.strerror or exc}") from None
    return path


def _save(fig, path: Path, plt) -> Path:
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
