"""``pfmap complexity --geometric | --graph``: geometry's measures of each function's perceptron region.

``--geometric`` adds the largest inscribed cone (``inscribed_radius`` in
radians, its certified ``inscribed_radius_error``), the max-margin weights
(``margin_w1`` ... ``margin_b``) and ``n_conditions`` (the region's facets);
``--graph`` adds ``region_degree`` in the region adjacency graph (and
``region_betweenness`` with ``--betweenness``), and ``--graphml FILE`` writes
that graph.  They are properties of the function, so any table on the cube
``{0,1}^n`` or ``{-1,1}^n`` with ``n <= 5`` qualifies; functions that are not
threshold functions get empty cells.  The metric of the cones is the prior of
the table's metadata when it names one, else the parameters as they are.
"""

from __future__ import annotations

import sys

from ..errors import PfmapError

GEOMETRY_MAX_N = 5  # geometry enumerates the arrangements up to n = 5


def add_geometry_options(parser) -> None:
    """Add ``--geometric``, ``--graph``, ``--betweenness``, ``--graphml`` and ``--quiet`` to ``pfmap complexity``.

    Parameters
    ----------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_geometry_options(p)
    >>> p.parse_args(["--graph", "--graphml", "g.graphml"]).graphml
    'g.graphml'
    """
    g = parser.add_argument_group(f"geometry of the perceptron regions (tables on the cube, n <= {GEOMETRY_MAX_N})")
    g.add_argument("--geometric", action="store_true",
                   help="add inscribed_radius (largest inscribed cone, radians), inscribed_radius_error, the "
                        "max-margin weights margin_w1..margin_b and n_conditions (facets)")
    g.add_argument("--graph", action="store_true",
                   help="add region_degree: neighbours in the region adjacency graph (regions sharing a facet)")
    g.add_argument("--betweenness", action="store_true",
                   help="with --graph: also region_betweenness (exact; seconds at n = 4, hours at n = 5)")
    g.add_argument("--graphml", default=None, metavar="FILE",
                   help="with --graph: write the region adjacency graph as GraphML")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def check_geometry_options(args) -> None:
    """Refuse inconsistent geometry flags in one line, before any work.

    Parameters
    ----------
    args : argparse.Namespace

    Raises
    ------
    PfmapError
        For ``--betweenness`` or ``--graphml`` without ``--graph``, or a GraphML path that cannot be written.

    Examples
    --------
    >>> import argparse
    >>> check_geometry_options(argparse.Namespace(geometric=True, graph=False, betweenness=False, graphml=None))
    """
    if (args.betweenness or args.graphml) and not args.graph:
        raise PfmapError("--betweenness and --graphml need --graph")
    if args.graphml is not None:
        from .options import check_writable_file

        if not str(args.graphml).lower().endswith(".graphml"):
            raise PfmapError(f"--graphml {args.graphml}: give a file name ending in .graphml")
        check_writable_file(args.graphml)


def _cube_n(df) -> int:
    lengths = df["function"].astype(str).str.len().unique() if len(df) else []
    n = int(lengths[0]).bit_length() - 1 if len(lengths) == 1 else -1
    if n < 1 or 2**n != int(lengths[0]) or n > GEOMETRY_MAX_N:
        raise PfmapError(f"--geometric and --graph need a table on the cube {{0,1}}^n with n <= {GEOMETRY_MAX_N}: "
                         "functions of one length 2, 4, 8, 16 or 32")
    return n


def _arrangement(meta: dict) -> tuple[str, bool, object]:
    """``(encoding, bias, prior)`` the table's metadata names (defaults ``"01"``, True, None)."""
    encoding = meta.get("inputs") if meta.get("inputs") in ("01", "pm1") else "01"
    prior, bias = None, True
    arch = meta.get("architecture")
    if isinstance(arch, dict) and isinstance(arch.get("prior"), dict):
        from ..priors import prior_from_dict

        try:
            prior = prior_from_dict(arch["prior"])
        except (PfmapError, KeyError, TypeError, ValueError):
            prior = None
        bias = str(arch["prior"].get("bias", True)).lower() not in ("false", "0")
    return encoding, bias, prior


def add_geometry_columns(df, *, geometric: bool, graph: bool, betweenness: bool = False, graphml=None,
                         progress: bool | str = False):
    """A copy of ``df`` with the region measures the flags ask for (columns already present are kept).

    Parameters
    ----------
    df : pandas.DataFrame
        A table with ``function`` (truth tables of one length ``2**n``, ``n <= 5``).
    geometric, graph, betweenness : bool
        Which measures.
    graphml : str, optional
        Write the region adjacency graph here (node attributes: the geometric measures when computed).
    progress : bool or "auto"
        A progress bar over the inscribed-cone programmes.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    PfmapError
        For a table not on the cube or with ``n > 5``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = add_geometry_columns(pd.DataFrame({"function": ["0001", "0110"]}), geometric=False, graph=True)
    >>> t["region_degree"].tolist()                   # AND has 3 neighbours; XOR is no threshold function
    [3.0, nan]
    """
    from pfmap.geometry.perceptron import perceptron_regions
    from pfmap.geometry.perceptron.geometric import (region_geometry, region_graph, region_graph_measures,
                                                     write_region_graph)

    n = _cube_n(df)
    meta = df.attrs.get("pfmap", {}) or {}
    encoding, bias, prior = _arrangement(meta if isinstance(meta, dict) else {})
    reg = perceptron_regions(n, encoding, bias)
    parts = []
    geo = None
    if geometric:
        geo = region_geometry(reg, prior=prior, progress=progress)
        parts.append(geo)
    if graph:
        g = region_graph(reg, attributes=geo)
        parts.append(region_graph_measures(g, betweenness=betweenness))
        if graphml is not None:
            write_region_graph(g, graphml)
            print(f"wrote the region adjacency graph ({g.number_of_nodes()} nodes, {g.number_of_edges()} edges) "
                  f"to {graphml}", file=sys.stderr)
    out = df.copy()
    for part in parts:
        keep = ["function"] + [c for c in part.columns if c != "function" and c not in out.columns]
        out = out.merge(part[keep], on="function", how="left")
        for column in keep[1:]:
            out[column] = out[column].astype(float)
    out.attrs = dict(df.attrs)
    return out
