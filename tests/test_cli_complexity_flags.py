"""``pfmap complexity --geometric | --graph [--betweenness] [--graphml FILE]`` against geometry and hand cases."""

import io
import math
from contextlib import redirect_stderr, redirect_stdout

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from pfmap.cli import main
from pfmap.geometry.perceptron import perceptron_regions
from pfmap.geometry.perceptron.geometric import region_geometry, region_graph, region_graph_measures
from pfmap.priors import prior_from_dict
from pfmap.tables import read_table


def _run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def table2(tmp_path_factory):
    path = tmp_path_factory.mktemp("c") / "p2.json"
    assert _run("table", "perceptron", "--n", "2", "--out", str(path))[0] == 0
    return path


def test_n2_hand_case_and_the_graphml_file(table2, tmp_path):
    out, graphml = tmp_path / "c.csv", tmp_path / "g.graphml"
    code, _, err = _run("complexity", str(table2), "--measures", "entropy", "--geometric", "--graph",
                        "--betweenness", "--graphml", str(graphml), "--out", str(out), "--quiet")
    assert code == 0 and "14 nodes, 24 edges" in err
    t = pd.read_csv(out, dtype={"function": str}).set_index("function")
    # AND = 0001: its region is cut out by three conditions, so three facets, three neighbours
    assert t.loc["0001", "n_conditions"] == 3 and t.loc["0001", "region_degree"] == 3
    assert t.loc["0000", "region_degree"] == 4
    g = nx.read_graphml(graphml)
    assert sorted(g.neighbors("0001")) == ["0000", "0011", "0101"]      # AND flipped on one input each
    # with bias, neighbours differ on exactly one input (one hyperplane x = input)
    for a, b in g.edges:
        assert sum(x != y for x, y in zip(a, b)) == 1
    assert {"inscribed_radius", "region_betweenness", "margin_w1", "margin_b"} <= set(t.columns)


def test_columns_equal_the_library_called_directly(table2, tmp_path):
    out = tmp_path / "c.json"
    assert _run("complexity", str(table2), "--measures", "entropy", "--geometric", "--graph", "--betweenness",
                "--out", str(out), "--quiet")[0] == 0
    t = read_table(out).set_index("function")
    meta = read_table(table2).attrs["pfmap"]
    reg = perceptron_regions(2, "01", True)
    geo = region_geometry(reg, prior=prior_from_dict(meta["architecture"]["prior"])).set_index("function")
    graph = region_graph_measures(region_graph(reg), betweenness=True).set_index("function")
    for col in ("inscribed_radius", "inscribed_radius_error", "margin_w1", "margin_w2", "margin_b"):
        np.testing.assert_allclose(t.loc[geo.index, col].to_numpy(float), geo[col].to_numpy(float), rtol=1e-12)
    for col in ("region_degree", "region_betweenness"):
        np.testing.assert_allclose(t.loc[graph.index, col].to_numpy(float), graph[col].to_numpy(float))


def test_n1_inscribed_radius_is_half_the_wedge_angle(tmp_path):
    # n = 1 with bias: lines b = 0 and w + b = 0 cut the (w, b) plane into wedges of 135, 45, 135 and 45 degrees
    path, out = tmp_path / "p1.json", tmp_path / "c.csv"
    assert _run("table", "perceptron", "--n", "1", "--out", str(path))[0] == 0
    assert _run("complexity", str(path), "--measures", "entropy", "--geometric", "--out", str(out), "--quiet")[0] == 0
    t = pd.read_csv(out, dtype={"function": str}).set_index("function")
    expected = {"00": 67.5, "11": 67.5, "01": 22.5, "10": 22.5}
    for f, degrees in expected.items():
        assert math.isclose(t.loc[f, "inscribed_radius"], math.radians(degrees), abs_tol=1e-7)


def test_non_threshold_functions_get_empty_cells(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"function": ["0001", "0110"], "probability": [0.5, 0.5]}).to_csv(path, index=False)
    code, out, _ = _run("complexity", str(path), "--measures", "entropy", "--graph", "--format", "csv")
    t = pd.read_csv(io.StringIO(out), dtype={"function": str}).set_index("function")
    assert code == 0 and t.loc["0001", "region_degree"] == 3 and math.isnan(t.loc["0110", "region_degree"])


@pytest.mark.parametrize("functions, flags, word", [
    (["0" * 64], ["--graph"], "n <= 5"),
    (["000"], ["--geometric"], "n <= 5"),
    (["0001"], ["--betweenness"], "--graph"),
    (["0001"], ["--graph", "--graphml", "g.txt"], ".graphml"),
])
def test_refused_in_one_line(tmp_path, functions, flags, word):
    path = tmp_path / "t.csv"
    pd.DataFrame({"function": functions, "probability": [1.0]}).to_csv(path, index=False)
    code, out, err = _run("complexity", str(path), *flags)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("pfmap: error:") and word in err
