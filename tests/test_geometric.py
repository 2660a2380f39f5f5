"""Geometric measures of perceptron regions: closed forms, the other engine, brute force and LP bounds."""

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from pfmap import GaussianPrior, PfmapError
from pfmap.geometry import perceptron_table
from pfmap.geometry.perceptron import perceptron_regions
from pfmap.geometry.perceptron.geometric import (add_region_measures, inscribed_cone, prior_scales, region_geometry,
                                                 region_graph, region_graph_measures, region_measures,
                                                 write_region_graph)


def all_conditions(reg, i):
    """Every hyperplane's condition for region i (redundant ones included): rows s_k a_k."""
    return reg.signs[i, :, None].astype(float) * reg.normals


def brute_min_norm(unit):
    """sin r* = distance from 0 to conv(rows), by enumerating supports (Caratheodory: at most d rows)."""
    m, d = unit.shape
    best = math.inf
    for size in range(1, d + 1):
        for rows in itertools.combinations(range(m), size):
            a = unit[list(rows)]
            # min |a^T l| with sum l = 1: KKT system [a a^T 1; 1^T 0]
            kkt = np.zeros((size + 1, size + 1))
            kkt[:size, :size] = a @ a.T
            kkt[:size, size] = kkt[size, :size] = 1
            rhs = np.zeros(size + 1)
            rhs[size] = 1
            try:
                sol = np.linalg.solve(kkt, rhs)
            except np.linalg.LinAlgError:
                continue
            lam = sol[:size]
            if (lam >= -1e-12).all():
                best = min(best, float(np.linalg.norm(a.T @ lam)))
    return best


def kelley_upper_bound(unit, iterations=400):
    """LP relaxations of max t s.t. unit c >= t, |c| <= 1: the ball replaced by tangent half-spaces.

    Each LP's feasible set contains the true one, so each LP value bounds sin r* from above (HiGHS).
    """
    d = unit.shape[1]
    cuts = [row for j in range(d) for row in (np.eye(d)[j], -np.eye(d)[j])]
    value = math.inf
    for _ in range(iterations):
        a_ub = np.vstack([np.hstack([-unit, np.ones((len(unit), 1))]), np.hstack([np.array(cuts), np.zeros((len(cuts), 1))])])
        b_ub = np.concatenate([np.zeros(len(unit)), np.ones(len(cuts))])
        res = linprog(np.r_[np.zeros(d), -1.0], A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * (d + 1), method="highs")
        value = min(value, -res.fun)
        c = res.x[:d]
        if np.linalg.norm(c) <= 1 + 1e-10:
            break
        cuts.append(c / np.linalg.norm(c))
    return value


def test_n1_radius_is_pi_times_the_gaussian_probability():
    # in the plane a region is a wedge of angle 2 pi P (isotropic Gaussian) and the cap is half the wedge
    for prior in (GaussianPrior(), GaussianPrior(sigma_w=3, sigma_b=1)):
        table = perceptron_table(1, prior).set_index("function")["probability"]
        geo = region_geometry(perceptron_regions(1), prior=prior).set_index("function")
        for f, p in table.items():
            assert geo.loc[f, "inscribed_radius"] == pytest.approx(math.pi * p, abs=1e-7)
            assert geo.loc[f, "inscribed_radius_error"] < 1e-7


def test_n2_and_and_constant_closed_forms():
    geo = region_geometry(perceptron_regions(2)).set_index("function")
    # AND: w1+w2+b > 0, w1+b < 0, w2+b < 0, a spherical triangle: the incircle touches all three sides,
    # so unit c solves g_k . c / |g_k| = t; by symmetry c ~ (a, a, b) with a + b = -sqrt2, 2a + b = sqrt3
    a = math.sqrt(3) + math.sqrt(2)
    b = -2 * math.sqrt(2) - math.sqrt(3)
    t_and = 1 / math.sqrt(2 * a * a + b * b)
    assert 2 * a * a + b * b == pytest.approx(21 + 8 * math.sqrt(6), rel=1e-14)
    for f, sign in (("0001", 1), ("1110", -1)):    # NAND is AND's region reflected through the origin
        assert geo.loc[f, "inscribed_radius"] == pytest.approx(math.asin(t_and), abs=1e-8)
        axis = geo.loc[f, ["margin_w1", "margin_w2", "margin_b"]].to_numpy(float)
        assert axis == pytest.approx(sign * np.array([a, a, b]) * t_and, abs=1e-6)
    # constant 1: b > 0, w1 + b > 0, w2 + b > 0, w1 + w2 + b > 0 (all four facets); the optimum has
    # b = (a + b)/sqrt2 active (a = (sqrt2 - 1) b) and 2a^2 + b^2 = 1, so t = 1/sqrt(7 - 4 sqrt2)
    t_one = 1 / math.sqrt(7 - 4 * math.sqrt(2))
    for f in ("1111", "0000"):
        assert geo.loc[f, "inscribed_radius"] == pytest.approx(math.asin(t_one), abs=1e-8)
    assert abs(geo.loc["1111", "margin_b"]) == pytest.approx(t_one, abs=1e-6)


@pytest.mark.parametrize("n", [2, 3])
def test_certified_bracket_against_brute_force_and_lp(n):
    reg = perceptron_regions(n)
    geo = region_geometry(reg)
    rng = np.random.default_rng(0)
    for i in range(len(reg)):
        rows = all_conditions(reg, i)           # redundant rows too: the ball must satisfy every one
        unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        r, err = geo.loc[i, "inscribed_radius"], geo.loc[i, "inscribed_radius_error"]
        axis = geo.loc[i, [c for c in geo.columns if c.startswith("margin_")]].to_numpy(float)
        assert np.linalg.norm(axis) == pytest.approx(1.0, abs=1e-12)
        assert (unit @ axis).min() >= math.sin(r) - 1e-12            # every condition holds with margin sin r
        exact = math.asin(brute_min_norm(unit))
        assert r - 1e-12 <= exact <= r + err                        # the bracket holds
        assert err < 1e-7
        # random points of the cap of radius r are in the region (their function is the region's)
        tangent = rng.normal(size=(50, len(axis)))
        tangent -= np.outer(tangent @ axis, axis)
        tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
        angle = r * rng.uniform(0, 0.999, size=(50, 1))
        points = np.cos(angle) * axis + np.sin(angle) * tangent
        assert ((points @ rows.T) > 0).all()
        if i < 12:   # an independent LP certificate that no larger radius is feasible
            upper = kelley_upper_bound(unit)
            assert math.sin(r) - 1e-9 <= upper <= math.sin(r + err) + 1e-6


def test_orbit_shortcut_equals_direct_solves_and_the_optimum_is_unique():
    reg = perceptron_regions(3)
    geo = region_geometry(reg)
    cols = [c for c in geo.columns if c.startswith("margin_")]
    for i in range(0, len(reg), 7):
        cap = inscribed_cone(reg.cone(i))
        assert geo.loc[i, "inscribed_radius"] == pytest.approx(cap.radius, abs=1e-7)
        assert geo.loc[i, cols].to_numpy(float) == pytest.approx(cap.weights, abs=1e-5)
        redundant = inscribed_cone(all_conditions(reg, i))          # redundant rows change nothing
        assert redundant.radius == pytest.approx(cap.radius, abs=1e-7)
    # symmetric functions: permuting inputs and complementing keep the radius
    radius = geo.set_index("function")["inscribed_radius"]
    assert radius["00010111"] == pytest.approx(radius["11101000"], abs=1e-12)           # majority, its complement
    assert radius["00000011"] == pytest.approx(radius["00010001"], abs=1e-12)           # x0 x1, x1 x2 (permuted)


def test_pm1_encoding_orbits_match_direct_solves():
    reg = perceptron_regions(2, "pm1")
    geo = region_geometry(reg)
    for i in range(len(reg)):
        assert geo.loc[i, "inscribed_radius"] == pytest.approx(inscribed_cone(reg.cone(i)).radius, abs=1e-7)


def test_prior_scales_are_the_standardised_metric():
    prior = GaussianPrior(sigma_w=2, sigma_b=1, fan_in_scaling=True)
    assert prior_scales(prior, 4).tolist() == [1.0] * 5
    assert prior_scales(GaussianPrior(sigma_w=3), 2).tolist() == [3.0, 3.0, 1.0]
    rows = np.array([[1.0, 2.0], [-1.0, 3.0]])
    scaled = inscribed_cone(rows, scales=[2.0, 0.5])
    plain = inscribed_cone(rows * [2.0, 0.5])
    assert scaled.radius == pytest.approx(plain.radius, abs=1e-9)
    assert scaled.weights == pytest.approx(np.array([2.0, 0.5]) * plain.centre, abs=1e-6)
    with pytest.raises(PfmapError, match="prior must be"):
        prior_scales("gaussian", 2)


def test_bad_cones_are_refused():
    with pytest.raises(PfmapError, match="no interior"):
        inscribed_cone([[1.0, 0.0], [-1.0, 0.0]])
    with pytest.raises(PfmapError, match="zero row"):
        inscribed_cone([[0.0, 0.0], [1.0, 0.0]])
    with pytest.raises(PfmapError, match="conditions must be"):
        inscribed_cone([1.0, 2.0])
    with pytest.raises(PfmapError, match="scales must"):
        inscribed_cone([[1.0, 0.0]], scales=[1.0])
    with pytest.raises(PfmapError, match="regions must"):
        region_geometry("0001")


def test_region_graph_hand_cases_and_degree_is_the_facet_count():
    g = region_graph(perceptron_regions(2))
    assert sorted(g["0001"]) == ["0000", "0011", "0101"]           # AND: flip one output, stay threshold
    assert sorted(g["0000"]) == ["0001", "0010", "0100", "1000"]
    assert g.edges["0001", "0011"]["inputs"] == "2"
    for n in (2, 3, 4):
        reg = perceptron_regions(n)
        g = region_graph(reg)
        degree = dict(g.degree)
        assert [degree[f] for f in reg.functions] == reg.n_conditions.tolist()
        assert g.number_of_edges() == reg.n_conditions.sum() // 2
        assert nx.is_bipartite(g) and nx.is_connected(g)   # one flipped output changes the parity of ones


def test_graph_distance_is_the_hamming_distance():
    # central arrangement: the path distance between regions = the number of separating hyperplanes
    reg = perceptron_regions(3)
    g = region_graph(reg)
    dist = dict(nx.all_pairs_shortest_path_length(g))
    for f, h in itertools.combinations(reg.functions, 2):
        assert dist[f][h] == sum(a != b for a, b in zip(f, h))


def test_betweenness_against_counted_shortest_paths():
    m = region_graph_measures(region_graph(perceptron_regions(1)), betweenness=True)
    assert m["region_betweenness"].tolist() == pytest.approx([1 / 6] * 4)   # a 4-cycle
    g = region_graph(perceptron_regions(2))
    m = region_graph_measures(g, betweenness=True).set_index("function")["region_betweenness"]
    nodes = list(g.nodes)
    v = len(nodes)
    for node in nodes[:5]:
        total = 0.0
        for s, t in itertools.combinations([x for x in nodes if x != node], 2):
            paths = list(nx.all_shortest_paths(g, s, t))
            total += sum(node in p for p in paths) / len(paths)
        assert m[node] == pytest.approx(total / ((v - 1) * (v - 2) / 2), abs=1e-12)


def test_graphml_round_trip(tmp_path):
    reg = perceptron_regions(2)
    geo = region_geometry(reg)
    path = write_region_graph(region_graph(reg, attributes=geo), tmp_path / "regions.graphml")
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == 14 and back.number_of_edges() == 24
    assert back.nodes["0001"]["inscribed_radius"] == pytest.approx(geo.set_index("function").loc["0001", "inscribed_radius"])
    assert int(back.nodes["0001"]["n_conditions"]) == 3


def test_add_region_measures_to_a_table():
    df = pd.DataFrame({"function": ["0001", "0110", "1111"], "probability": [0.2, 0.1, 0.7]})
    out = add_region_measures(df, betweenness=True)
    assert out["function"].tolist() == df["function"].tolist()
    assert out["region_degree"].tolist()[0] == 3 and math.isnan(out["region_degree"].tolist()[1])
    full = region_measures(2, betweenness=True).set_index("function")
    assert out.loc[2, "inscribed_radius"] == full.loc["1111", "inscribed_radius"]
    with pytest.raises(PfmapError, match="one length 2\\*\\*n"):
        add_region_measures(pd.DataFrame({"function": ["001", "011"]}))
    with pytest.raises(PfmapError, match="'function' column"):
        add_region_measures(pd.DataFrame({"f": ["0001"]}))
