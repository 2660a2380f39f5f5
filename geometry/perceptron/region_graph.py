"""The region adjacency graph of a perceptron's hyperplane arrangement: its edges, degree, betweenness, GraphML.

**The region adjacency graph** (:func:`region_graph`): one node per
function, an edge when two regions share a facet, i.e. their sign vectors
differ on exactly one hyperplane (with bias: the two functions differ on
exactly one input and both are threshold functions).  A region's degree is
its number of facets, ``n_conditions``; the graph distance of two regions
is the number of hyperplanes separating them (for a central arrangement),
so with bias it is the Hamming distance of the truth tables.
:func:`region_graph_measures` gives degree and, on request, betweenness;
:func:`write_region_graph` exports GraphML.

References
----------
T. Zaslavsky, "Facing up to arrangements", Mem. AMS 154 (1975); P. Edelman,
"A partial order on the regions of R^n dissected by hyperplanes", Trans. AMS
283 (1984) (region graph distance = number of separating hyperplanes);
L. C. Freeman, "A set of measures of centrality based on betweenness",
Sociometry 40 (1977).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pfmap.errors import PfmapError
from pfmap.files import atomic_write
from pfmap.geometry.perceptron import PerceptronRegions, perceptron_regions  # noqa: F401 (used by the examples)

if TYPE_CHECKING:
    import networkx as nx


def region_graph(regions: PerceptronRegions, *, attributes: pd.DataFrame | None = None) -> nx.Graph:
    """The region adjacency graph: functions as nodes, an edge for every shared facet.

    Parameters
    ----------
    regions : PerceptronRegions
        From :func:`pfmap.geometry.perceptron.perceptron_regions`.
    attributes : pandas.DataFrame, optional
        A table with a ``function`` column (e.g. :func:`region_geometry`'s); its numeric columns become
        node attributes.

    Returns
    -------
    networkx.Graph
        Nodes: truth-table strings, with ``n_conditions`` (and ``attributes``); edges: ``hyperplane`` (the
        index of the shared facet's hyperplane) and ``inputs`` (the inputs whose outputs differ, as text).

    Raises
    ------
    PfmapError
        If ``regions`` is not a PerceptronRegions.

    Examples
    --------
    >>> g = region_graph(perceptron_regions(2))
    >>> g.number_of_nodes(), g.number_of_edges(), sorted(g["0001"])     # AND's neighbours
    (14, 24, ['0000', '0011', '0101'])
    """
    import networkx as nx

    if not isinstance(regions, PerceptronRegions):
        raise PfmapError("regions must be a PerceptronRegions (from perceptron_regions)")
    reg = regions
    functions = reg.functions
    signs = np.asarray(reg.signs) > 0
    h = signs.shape[1]
    if h > 63:  # pragma: no cover - enumeration stops at n = 5 (32 hyperplanes)
        raise PfmapError("regions: more than 63 hyperplanes; the region graph is built for n <= 5")
    weights = np.int64(1) << np.arange(h, dtype=np.int64)
    codes = signs.astype(np.int64) @ weights
    order = np.argsort(codes)
    sorted_codes = codes[order]
    flipped = codes[:, None] ^ weights[None, :]
    pos = np.clip(np.searchsorted(sorted_codes, flipped), 0, len(codes) - 1)
    hit = sorted_codes[pos] == flipped
    graph = nx.Graph()
    for i, f in enumerate(functions):
        graph.add_node(f, n_conditions=int(reg.n_conditions[i]))
    bits = np.asarray(reg.outputs)
    for i, k in zip(*np.nonzero(hit)):
        j = int(order[pos[i, k]])
        if i < j:
            differ = np.flatnonzero(bits[i] != bits[j])
            graph.add_edge(functions[i], functions[j], hyperplane=int(k),
                           inputs=",".join(str(int(x)) for x in differ))
    if attributes is not None:
        _add_node_attributes(graph, attributes)
    return graph


def _add_node_attributes(graph, attributes: pd.DataFrame) -> None:
    if "function" not in attributes.columns:
        raise PfmapError("attributes needs a 'function' column")
    columns = [c for c in attributes.columns if c != "function" and pd.api.types.is_numeric_dtype(attributes[c])]
    for row in attributes[["function"] + columns].itertuples(index=False):
        if row[0] in graph:
            for name, value in zip(columns, row[1:]):
                graph.nodes[row[0]][name] = float(value)


def region_graph_measures(graph: nx.Graph, *, betweenness: bool = False) -> pd.DataFrame:
    """Degree (and, on request, betweenness centrality) of every node of a region graph.

    Parameters
    ----------
    graph : networkx.Graph
        From :func:`region_graph`.
    betweenness : bool
        Also compute the exact normalised betweenness (Brandes' algorithm, ``O(V E)``: seconds at n = 4,
        hours at n = 5 with 94,572 nodes).

    Returns
    -------
    pandas.DataFrame
        ``function``, ``region_degree`` and, with ``betweenness``, ``region_betweenness`` (the fraction of
        shortest paths between other pairs that pass through the node, normalised by ``(V-1)(V-2)/2``).

    Examples
    --------
    >>> m = region_graph_measures(region_graph(perceptron_regions(1)), betweenness=True)   # a 4-cycle
    >>> m.sort_values("function").values.tolist()
    [['00', 2, 0.1666...], ['01', 2, 0.1666...], ['10', 2, 0.1666...], ['11', 2, 0.1666...]]

    References
    ----------
    Freeman (1977); U. Brandes, "A faster algorithm for betweenness centrality", J. Math. Sociol. 25 (2001).
    """
    import networkx as nx

    nodes = list(graph.nodes)
    out = pd.DataFrame({"function": nodes, "region_degree": [int(graph.degree[v]) for v in nodes]})
    if betweenness:
        values = nx.betweenness_centrality(graph, normalized=True)
        out["region_betweenness"] = [float(values[v]) for v in nodes]
    return out


def write_region_graph(graph: nx.Graph, path: str | os.PathLike) -> Path:
    """Write a region graph as GraphML (atomically).

    Parameters
    ----------
    graph : networkx.Graph
        From :func:`region_graph`.
    path : str or os.PathLike
        The ``.graphml`` file.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    PfmapError
        If the file cannot be written.

    Examples
    --------
    >>> import tempfile, networkx
    >>> p = write_region_graph(region_graph(perceptron_regions(2)), os.path.join(tempfile.mkdtemp(), "g.graphml"))
    >>> networkx.read_graphml(p).number_of_edges()
    24
    """
    import networkx as nx

    return atomic_write(path, lambda tmp: nx.write_graphml(graph, tmp))
