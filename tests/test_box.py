"""Exact box volumes against closed forms, exact identities and independent computations."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from pfmap.geometry.perceptron.regions import perceptron_regions
from pfmap.geometry.cones.box import cone_box_fraction
from pfmap.geometry.perceptron.measures import perceptron_box_volumes
from pfmap import UniformPrior


def test_two_input_values_of_the_seed_discussion():
    reg = perceptron_regions(2)
    vols = dict(zip(reg.functions, perceptron_box_volumes(reg, UniformPrior())))
    assert vols["0000"] == vols["1111"] == Fraction(13, 48)
    assert vols["0001"] == Fraction(1, 48)            # AND
    assert vols["0111"] == Fraction(2, 48)            # OR
    assert all(isinstance(v, Fraction) for v in vols.values())


@pytest.mark.parametrize("a_w,a_b", [(1, 1), (2, 1), (Fraction(1, 3), 1), (1, Fraction(5, 2))])
def test_one_input_closed_form(a_w, a_b):
    # f = "01": b < 0 < w + b.  Area of {-a_b < b < 0, -b < w < a_w}, by hand.
    a, c = Fraction(a_w), Fraction(a_b)
    area = a * c - c * c / 2 if a >= c else a * a / 2
    reg = perceptron_regions(1)
    vols = dict(zip(reg.functions, perceptron_box_volumes(reg, UniformPrior(a_w, a_b))))
    assert vols["01"] == vols["10"] == area / (4 * a * c)
    assert vols["00"] == vols["11"] == (1 - 2 * area / (4 * a * c)) / 2


@pytest.mark.parametrize("n,encoding,bias,a_w,a_b", [
    (3, "01", True, 1, 1), (3, "pm1", True, 2, Fraction(1, 2)), (3, "01", False, 1, 1),
    (4, "01", True, 1, 1), (4, "pm1", True, Fraction(3, 7), 2), (4, "01", False, 1, 1), (4, "pm1", False, 1, 1),
    (5, "01", False, 1, 1), (5, "pm1", False, Fraction(2, 3), 1),
])
def test_volumes_partition_the_box_exactly(n, encoding, bias, a_w, a_b):
    reg = perceptron_regions(n, encoding, bias)
    vols = perceptron_box_volumes(reg, UniformPrior(a_w, a_b, bias))
    assert sum(vols) == 1
    assert all(v > 0 for v in vols)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_mingard_theorem_4_1_box(n):
    # no bias, reflection-symmetric weights: P(T = t) = 2^-n for every t (Mingard et al. 2019, Thm 4.1)
    reg = perceptron_regions(n, "01", bias=False)
    vols = perceptron_box_volumes(reg, UniformPrior(a_w=Fraction(5, 3), bias=False))
    ones = reg.outputs.sum(axis=1)
    for t in range(2**n):
        assert sum(v for v, k in zip(vols, ones) if k == t) == Fraction(1, 2**n)


def _float_volume(rows, half_widths):
    """Independent: brute-force vertex enumeration in floats, then Qhull's volume."""
    d = rows.shape[1]
    box = []
    for i, s in enumerate(half_widths):
        e = np.zeros(d)
        e[i] = 1
        box += [(-e, -float(s)), (e, -float(s))]        # -u_i >= -s, u_i >= -s
    a = np.vstack([rows.astype(float)] + [b[0] for b in box])
    rhs = np.concatenate([np.zeros(len(rows)), [b[1] for b in box]])
    verts = []
    for sub in itertools.combinations(range(len(a)), d):
        m = a[list(sub)]
        if abs(np.linalg.det(m)) < 1e-12:
            continue
        v = np.linalg.solve(m, rhs[list(sub)])
        if np.all(a @ v >= rhs - 1e-9):
            verts.append(v)
    return ConvexHull(np.array(verts)).volume / np.prod([2 * float(s) for s in half_widths])


@pytest.mark.parametrize("encoding,a_w,a_b", [("01", 1, 1), ("pm1", 2, Fraction(1, 3))])
def test_each_region_matches_an_independent_float_volume(encoding, a_w, a_b):
    reg = perceptron_regions(3, encoding)
    vols = perceptron_box_volumes(reg, UniformPrior(a_w, a_b))
    s = [a_w] * 3 + [a_b]
    for i in range(len(reg)):
        assert float(vols[i]) == pytest.approx(_float_volume(reg.cone(i), s), abs=1e-12)


def test_monte_carlo_agrees_with_exact_volumes():
    # seeded uniform sample of the box, each function within 5 standard errors
    reg = perceptron_regions(3, "01")
    vols = dict(zip(reg.functions, perceptron_box_volumes(reg, UniformPrior(2, 1))))
    rng = np.random.default_rng(7)
    m = 200_000
    w = rng.uniform(-2, 2, size=(m, 3))
    b = rng.uniform(-1, 1, size=(m, 1))
    out = (w @ reg.points.T.astype(float) + b > 0).astype(np.uint8)
    keys, counts = np.unique(out, axis=0, return_counts=True)
    seen = {"".join(map(str, k)): c for k, c in zip(keys, counts)}
    assert set(seen) <= set(vols)
    for f, p in vols.items():
        se = np.sqrt(float(p) * (1 - float(p)) / m)
        assert abs(seen.get(f, 0) / m - float(p)) < 5 * se + 1e-12


def test_single_cone_fraction_by_hand():
    # the first orthant of the plane is a quarter of any centred box
    assert cone_box_fraction([[1, 0], [0, 1]], [Fraction(2, 3), 5]) == Fraction(1, 4)


def test_five_inputs_with_bias_sampled_regions_match_float_volumes():
    # n = 5 with bias (6 dimensions): a seeded choice of regions with few conditions, each against brute-force
    # vertices and Qhull (the whole table sums to exactly 1: benchmarks/exact_tables.py prints it)
    reg = perceptron_regions(5, "01")
    rng = np.random.default_rng(11)
    few = np.flatnonzero(reg.n_conditions <= 7)
    s = [1] * 5 + [Fraction(1, 2)]
    for i in rng.choice(few, 6, replace=False):
        exact = cone_box_fraction(reg.cone(i), s)
        assert float(exact) == pytest.approx(_float_volume(reg.cone(i), s), rel=1e-9, abs=1e-15)
