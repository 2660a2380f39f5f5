"""Geometric measures of perceptron regions, combined: every region's measures, and a volume table's.

:func:`region_measures` computes, for every region of a perceptron on
``n <= 5`` inputs, the largest inscribed cone and the max-margin weights
(:mod:`pfmap.geometry.perceptron.inscribed`) and the degree and betweenness
in the region adjacency graph (:mod:`pfmap.geometry.perceptron.region_graph`);
:func:`add_region_measures` adds them to a volume table.  This module
re-exports every public name of those two modules.
"""

from __future__ import annotations

import pandas as pd

from pfmap.errors import PfmapError
from pfmap.priors import Prior
from pfmap.geometry.perceptron import perceptron_regions
from pfmap.geometry.perceptron.inscribed import (ROUNDING_SLACK, InscribedCone,  # noqa: F401 (re-exported)
                                                 inscribed_cone, prior_scales, region_geometry)
from pfmap.geometry.perceptron.region_graph import (region_graph, region_graph_measures,  # noqa: F401 (re-exported)
                                                    write_region_graph)

GEOMETRIC_MEASURES = ("inscribed_radius", "region_degree", "region_betweenness")


def region_measures(n: int, *, encoding: str = "01", bias: bool = True, prior: Prior | None = None,
                    betweenness: bool = False, progress: bool | str = False) -> pd.DataFrame:
    """Every geometric measure of every region of a perceptron on ``n <= 5`` inputs, one row per function.

    Parameters
    ----------
    n : int
        Number of inputs (``n <= 5``: the enumerable arrangements).
    encoding : {"01", "pm1"}
        The input cube.
    bias : bool
        Whether the perceptron has a bias.
    prior : GaussianPrior, UniformPrior or None
        The metric of the inscribed cones (see :mod:`pfmap.geometry.perceptron.inscribed`).
    betweenness : bool
        Also the exact betweenness (slow for n = 5).
    progress : bool or "auto"
        A progress bar.

    Returns
    -------
    pandas.DataFrame
        :func:`region_geometry`'s columns plus ``region_degree`` (and ``region_betweenness``).

    Raises
    ------
    PfmapError
        As :func:`perceptron_regions` (e.g. ``n`` too large) and :func:`region_geometry`.

    Examples
    --------
    >>> m = region_measures(2).set_index("function")
    >>> m.loc[["0000", "0001"], ["n_conditions", "region_degree"]].values.tolist()
    [[4, 4], [3, 3]]
    """
    reg = perceptron_regions(n, encoding, bias)
    geo = region_geometry(reg, prior=prior, progress=progress)
    graph = region_graph(reg)
    return geo.merge(region_graph_measures(graph, betweenness=betweenness), on="function", how="left")


def add_region_measures(df: pd.DataFrame, *, encoding: str = "01", bias: bool = True, prior: Prior | None = None,
                        betweenness: bool = False, progress: bool | str = False) -> pd.DataFrame:
    """A copy of a volume table with the geometric measures of each function's perceptron region.

    Works for any architecture's table on ``{0,1}^n`` or ``{-1,1}^n`` (a property of the function): rows
    that are not threshold functions get NaN.  Columns already present are kept.

    Parameters
    ----------
    df : pandas.DataFrame
        A table with a ``function`` column of truth tables of one length ``2**n``, ``n <= 5``.
    encoding, bias, prior, betweenness, progress
        As :func:`region_measures`.

    Returns
    -------
    pandas.DataFrame
        ``df`` with ``inscribed_radius``, ``inscribed_radius_error``, ``region_degree`` (and
        ``region_betweenness``) added, and ``n_conditions`` when absent.

    Raises
    ------
    PfmapError
        If ``df`` has no ``function`` column or its functions are not of one length ``2**n``, ``n <= 5``.

    Examples
    --------
    >>> t = add_region_measures(pd.DataFrame({"function": ["0001", "0110"]}))
    >>> t[["function", "region_degree"]].values.tolist()        # XOR is no threshold function
    [['0001', 3.0], ['0110', nan]]
    """
    if "function" not in df.columns:
        raise PfmapError("df needs a 'function' column of truth-table strings")
    lengths = df["function"].astype(str).str.len().unique()
    n = int(lengths[0]).bit_length() - 1 if len(lengths) == 1 else -1
    if n < 1 or 2**n != int(lengths[0]):
        raise PfmapError("df: geometric measures need functions of one length 2**n (a function on the cube)")
    measures = region_measures(n, encoding=encoding, bias=bias, prior=prior, betweenness=betweenness,
                               progress=progress)
    keep = ["function", "n_conditions", "inscribed_radius", "inscribed_radius_error", "region_degree"]
    keep += ["region_betweenness"] if betweenness else []
    keep = [c for c in keep if c == "function" or c not in df.columns]
    out = df.merge(measures[keep], on="function", how="left")
    for column in keep[1:]:
        out[column] = out[column].astype(float)
    out.attrs = dict(df.attrs)
    return out
