"""Gaussian measures of perceptron regions against published values, exact identities, scipy and Monte Carlo."""

import functools
import itertools
import math
from collections import defaultdict
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
import sympy
from flint import arb, ctx
from scipy.stats import multivariate_normal

from pfmap.geometry.perceptron.regions import perceptron_regions
from pfmap.geometry.cones.polyhedra import triangulate_cone
from pfmap.geometry.cones.gaussian import cone_gaussian_measure, triangulated_measure
from pfmap.geometry.perceptron.measures import perceptron_gaussian_measures, perceptron_variances
from pfmap import GaussianPrior, PfmapError, UniformPrior

DIGITS = 50  # closed forms are compared by evaluating them to this many digits


def numeric(expr):
    return sympy.N(expr, DIGITS)


def ball_sum(measures):
    with ctx.workprec(128):
        return sum((m.ball for m in measures), arb(0))


def contains(ball, value: Fraction) -> bool:
    with ctx.workprec(256):
        return ball.contains(arb(value.numerator) / value.denominator)


@pytest.fixture(scope="module")
def n4_01_bias():
    """All 1882 functions of the n = 4 perceptron with bias on {0,1}^4, standard normal prior (about 20-40 s)."""
    reg = perceptron_regions(4, "01", bias=True)
    return reg, perceptron_gaussian_measures(reg, GaussianPrior())


# ---------------------------------------------------------------------------
# published two-input values (REFERENCES.md)


def test_two_input_values_on_01():
    reg = perceptron_regions(2, "01")
    m = dict(zip(reg.functions, perceptron_gaussian_measures(reg)))
    expected = {"0000": 0.277043, "1111": 0.277043, "0011": 0.047877, "0101": 0.047877, "1100": 0.047877,
                "1010": 0.047877, "0010": 0.035457, "0100": 0.035457, "1011": 0.035457, "1101": 0.035457,
                "0001": 0.014623, "1110": 0.014623}
    for function, value in expected.items():
        assert abs(m[function].probability - value) < 5e-7, function
    for function in ("0111", "1000"):   # OR and NOR: exactly 1/24
        assert m[function].exact == sympy.Rational(1, 24)
    assert all(x.exact is not None and x.error == 0.0 for x in m.values())


def test_two_input_values_on_pm1():
    reg = perceptron_regions(2, "pm1")
    measures = perceptron_gaussian_measures(reg)
    six = sympy.Rational(1, 2) - sympy.acos(sympy.Rational(1, 3)) / sympy.pi
    eight = (3 * sympy.acos(sympy.Rational(1, 3)) / sympy.pi - 1) / 4
    counts = {"six": 0, "eight": 0}
    for m in measures:
        if abs(numeric(m.exact - six)) < 1e-45:
            counts["six"] += 1
        elif abs(numeric(m.exact - eight)) < 1e-45:
            counts["eight"] += 1
    assert counts == {"six": 6, "eight": 8}


# ---------------------------------------------------------------------------
# exact identities


@pytest.mark.parametrize("n, encoding, bias", [(1, "01", True), (2, "01", True), (2, "pm1", True),
                                               (2, "01", False), (3, "01", False), (3, "pm1", False)])
@pytest.mark.parametrize("sigma_w, sigma_b", [(1, 1), (Fraction(3, 2), Fraction(1, 3))])
def test_closed_forms_sum_to_one(n, encoding, bias, sigma_w, sigma_b):
    reg = perceptron_regions(n, encoding, bias)
    measures = perceptron_gaussian_measures(reg, GaussianPrior(sigma_w, sigma_b, bias=bias))
    assert all(m.exact is not None for m in measures)
    assert abs(numeric(sum(m.exact for m in measures)) - 1) < 1e-45


@pytest.mark.parametrize("n, encoding, bias, prior", [
    (3, "01", True, GaussianPrior()),
    (3, "pm1", True, GaussianPrior(sigma_w=2, sigma_b=Fraction(1, 2), fan_in_scaling=True)),
    (3, "01", True, GaussianPrior(sigma_w=Fraction(1, 3), sigma_b=5)),
    (4, "pm1", True, GaussianPrior()),
    (4, "01", False, GaussianPrior(bias=False)),
    (4, "pm1", False, GaussianPrior(sigma_w=Fraction(7, 5), bias=False)),
    (5, "pm1", False, GaussianPrior(bias=False)),
])
def test_certified_measures_sum_to_one(n, encoding, bias, prior):
    reg = perceptron_regions(n, encoding, bias)
    measures = perceptron_gaussian_measures(reg, prior)
    assert contains(ball_sum(measures), Fraction(1))
    bound = 1e-9 if n <= 3 else 1e-7
    assert max(m.error for m in measures) <= bound
    assert abs(math.fsum(m.probability for m in measures) - 1) <= sum(m.error for m in measures) + 1e-13


@pytest.mark.slow
def test_n4_with_bias_sums_to_one_and_meets_the_bound(n4_01_bias):
    reg, measures = n4_01_bias
    assert len(measures) == 1882
    assert contains(ball_sum(measures), Fraction(1))
    assert max(m.error for m in measures) <= 1e-7
    # the constant functions and the dictators are the largest, by symmetry each pair equal
    m = dict(zip(reg.functions, measures))
    assert m["0" * 16].probability == m["1" * 16].probability == max(x.probability for x in measures)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_mingard_theorem_4_1_gaussian(n):
    """No bias, {0,1}^n, symmetric weights: P(T = t) = 2^-n for every number of ones t (Mingard et al. 2019)."""
    reg = perceptron_regions(n, "01", bias=False)
    measures = perceptron_gaussian_measures(reg, GaussianPrior(sigma_w=Fraction(3, 2), bias=False))
    by_ones = defaultdict(list)
    for f, m in zip(reg.functions, measures):
        by_ones[f.count("1")].append(m)
    assert sorted(by_ones) == list(range(2**n))    # T = 2^n is impossible: f(0) = 0 without bias
    for t, group in by_ones.items():
        if n <= 3:
            assert abs(numeric(sum(m.exact for m in group)) - sympy.Rational(1, 2**n)) < 1e-45, t
        else:
            assert contains(ball_sum(group), Fraction(1, 2**n)), t


@functools.lru_cache(maxsize=None)
def _f4_chamber_points():
    """One interior point of each of the 1152 Weyl chambers of F4 (orbit of a generic point, exact)."""
    roots = [tuple(int(k == i) for k in range(4)) for i in range(4)]
    roots += [tuple(a if k == i else (b if k == j else 0) for k in range(4))
              for i, j in itertools.combinations(range(4), 2) for a, b in ((1, 1), (1, -1))]
    roots += [(1,) + signs for signs in itertools.product((1, -1), repeat=3)]
    start = (Fraction(11), Fraction(5), Fraction(3), Fraction(1, 2))
    assert all(sum(a * b for a, b in zip(r, start)) != 0 for r in roots)
    seen, frontier = {start}, [start]
    while frontier:
        v = frontier.pop()
        for r in roots:
            c = Fraction(2 * sum(a * b for a, b in zip(v, r)), sum(a * a for a in r))
            w = tuple(a - c * b for a, b in zip(v, r))
            if w not in seen:
                seen.add(w)
                frontier.append(w)
    return frozenset(seen)


@pytest.mark.parametrize("n, bias", [(3, True), (4, False)])
def test_pm1_regions_are_unions_of_f4_chambers(n, bias):
    """{-1,1}^3 with bias (or {-1,1}^4 without): the hyperplanes (+-1, +-1, +-1, 1) are mirrors of the
    Weyl group of F4 (order 1152), so with equal variances every region is a union of k chambers and its
    measure is exactly k/1152; k is counted here by locating one point of each chamber."""
    reg = perceptron_regions(n, "pm1", bias)
    points = _f4_chamber_points()
    assert len(points) == 1152
    counts = defaultdict(int)
    codes = {tuple(row): i for i, row in enumerate((reg.signs > 0).tolist())}
    for p in points:
        signs = tuple(sum(a * b for a, b in zip(row, p)) > 0 for row in reg.normals.tolist())
        counts[codes[signs]] += 1
    measures = perceptron_gaussian_measures(reg, GaussianPrior(bias=bias))
    for i, m in enumerate(measures):
        assert contains(m.ball, Fraction(counts[i], 1152)), (reg.functions[i], counts[i], m.probability)
        assert m.error < 1e-15


def test_constant_zero_tends_to_one_half_as_sigma_b_grows():
    """Mingard et al. 2019, Fig. 3: P(T = 0) -> 1/2 as sigma_b grows.

    Independent bounds: f = 0 needs b <= 0 (input x = 0), so P(T = 0) <= 1/2; and
    1/2 - P(T = 0) <= P(-sum w_i^+ < b < 0) <= n E[w^+] max density(b) = n sigma_w / (2 pi sigma_b).
    """
    n = 3
    reg = perceptron_regions(n, "01")
    zero = reg.cone(reg.index("0" * 2**n))
    previous = 0.0
    for sigma_b in (1, 4, 16, 64):
        m = cone_gaussian_measure(zero, [1] * n + [sigma_b**2])
        assert 0.5 - n / (2 * math.pi * sigma_b) - m.error <= m.probability <= 0.5 + m.error
        assert m.probability > previous
        previous = m.probability


def test_girard_and_triangulation_agree_in_dimension_three():
    reg = perceptron_regions(2, "01")
    var = [Fraction(2), Fraction(2), Fraction(1, 3)]
    multi = 0
    for i in range(len(reg)):
        girard = cone_gaussian_measure(reg.cone(i), var, method="girard").exact
        split = cone_gaussian_measure(reg.cone(i), var, method="triangulation").exact
        multi += triangulated_measure([list(map(int, r)) for r in reg.cone(i)], var)[2] > 1
        assert abs(numeric(girard - split)) < 1e-45
    assert multi >= 4  # several regions really are split into more than one simplicial cone


def test_two_triangulations_and_two_paths_agree():
    reg = perceptron_regions(3, "01")
    var = [Fraction(1)] * 3 + [Fraction(4)]
    differing = 0
    for i in range(len(reg)):
        G = reg.cone(i)
        if len(G) == 4:
            continue
        perm = [3, 1, 0, 2]   # relabel the coordinates: the pulling triangulation starts from another ray
        a = cone_gaussian_measure(G, var)
        b = cone_gaussian_measure(G[:, perm], [var[k] for k in perm])
        c = cone_gaussian_measure(G, var, path="pairs")
        for x, y in itertools.combinations((a, b, c), 2):
            assert abs(x.probability - y.probability) <= x.error + y.error
            assert x.ball.overlaps(y.ball)
        rows = G.tolist()
        r1, s1 = triangulate_cone(rows)
        r2, s2 = triangulate_cone(G[:, perm].tolist())
        inverse = np.argsort(perm)
        first = {frozenset(tuple(r1[j]) for j in s) for s in s1}
        second = {frozenset(tuple(np.array(r2[j], dtype=object)[inverse]) for j in s) for s in s2}
        differing += first != second
    assert differing >= 3


# ---------------------------------------------------------------------------
# independent numerics


def test_simplicial_regions_agree_with_scipy_genz():
    reg = perceptron_regions(3, "01")
    prior = GaussianPrior(sigma_w=Fraction(1, 2), sigma_b=2)
    measures = perceptron_gaussian_measures(reg, prior)
    var = np.array([float(v) for v in perceptron_variances(reg, prior)])
    checked = 0
    for i, m in enumerate(measures):
        G = reg.cone(i).astype(float)
        if len(G) != 4:
            continue
        cov = G @ np.diag(var) @ G.T   # Y = G u, P(Y > 0) = P(Y < 0) = CDF at 0
        genz = multivariate_normal(np.zeros(4), cov, abseps=1e-7, releps=1e-7, maxpts=1_000_000,
                                   seed=np.random.default_rng(3)).cdf(np.zeros(4))
        assert abs(m.probability - genz) < 1e-5
        checked += 1
        if checked == 12:
            break
    assert checked == 12


def _monte_carlo_check(reg, measures, prior, samples, seed):
    rng = np.random.default_rng(seed)
    sd = np.sqrt([float(v) for v in perceptron_variances(reg, prior)])
    u = rng.standard_normal((samples, reg.dimension)) * sd
    signs = (u @ reg.normals.T > 0)
    weights = 1 << np.arange(signs.shape[1], dtype=np.int64)
    codes = signs.astype(np.int64) @ weights
    region_codes = (reg.signs > 0).astype(np.int64) @ weights
    counts = dict(zip(*np.unique(codes, return_counts=True)))
    for code, m in zip(region_codes.tolist(), measures):
        p = m.probability
        sigma = math.sqrt(p * (1 - p) / samples)
        # 5 sigma per function: with at most 1882 functions a false alarm has probability < 1e-3
        assert abs(counts.get(code, 0) / samples - p) <= 5 * sigma + 1 / samples
    assert sum(counts.get(c, 0) for c in region_codes.tolist()) == samples


def test_monte_carlo_n3_anisotropic():
    reg = perceptron_regions(3, "pm1")
    prior = GaussianPrior(sigma_w=3, sigma_b=Fraction(1, 2), fan_in_scaling=True)
    _monte_carlo_check(reg, perceptron_gaussian_measures(reg, prior), prior, 400_000, seed=11)


@pytest.mark.slow
def test_monte_carlo_n4(n4_01_bias):
    reg, measures = n4_01_bias
    _monte_carlo_check(reg, measures, GaussianPrior(), 1_000_000, seed=12)


# ---------------------------------------------------------------------------
# small cones with closed forms, anisotropy, errors


def test_anisotropic_wedge_matches_arctangent():
    # {u1 > u2 > 0} with variances (3, 1): the whitened wedge has angle atan(sqrt(3)) = pi/3, so P = 1/6
    assert cone_gaussian_measure([[1, -1], [0, 1]], [3, 1]).exact == sympy.Rational(1, 6)
    m = cone_gaussian_measure([[1, -1], [0, 1]], [2, 5])
    assert abs(m.probability - math.atan(math.sqrt(2 / 5)) / (2 * math.pi)) < 1e-15


@pytest.mark.parametrize("d", [3, 4, 5])
def test_union_of_weyl_chambers(d):
    # {u >= 0, u_1 >= u_j}: the positive orthant where u_1 is the largest, probability 1/(d 2^d),
    # a cone with 2(d-1) facets (not simplicial)
    G = [[1 if k == j else 0 for k in range(d)] for j in range(1, d)]
    G += [[1] + [-1 if k == j else 0 for k in range(1, d)] for j in range(1, d)]
    m = cone_gaussian_measure(G, [1] * d)
    expected = Fraction(1, d * 2**d)
    if d == 3:
        assert m.exact == sympy.Rational(expected.numerator, expected.denominator)
    else:
        assert abs(Fraction(m.probability) - expected) <= Fraction(m.error) < 1e-13


def test_orthant_with_redundant_rows_and_any_variances():
    G = [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [1, 1, 0, 0, 1]]
    m = cone_gaussian_measure(G, [1, Fraction(1, 7), 3, 2, 5])
    assert abs(m.probability - 1 / 32) <= m.error < 1e-15


@pytest.mark.parametrize("G, variances, message", [
    ([[1, 0], [-1, 0]], [1, 1], "pointed"),
    ([[1, 0, 0], [0, 1, 0]], [1, 1, 1], "pointed"),
    ([[1, 0], [0, 1]], [1], "one variance per coordinate"),
    ([[1, 0], [0, 1]], [1, -1], "variance"),
    ([[1, 0.5], [0, 1]], [1, 1], "integers"),
    ([[0, 0], [0, 1]], [1, 1], "zero vector"),
    ([[1 if i == j else 0 for j in range(7)] for i in range(7)], [1] * 7, "dimension 6"),
])
def test_bad_cones_raise_one_line_errors(G, variances, message):
    with pytest.raises(PfmapError, match=message):
        cone_gaussian_measure(G, variances)


def test_bad_priors_raise():
    reg = perceptron_regions(2)
    with pytest.raises(PfmapError, match="GaussianPrior"):
        perceptron_gaussian_measures(reg, UniformPrior())
    with pytest.raises(PfmapError, match="bias"):
        perceptron_gaussian_measures(reg, GaussianPrior(bias=False))
    with pytest.raises(PfmapError, match="Girard"):
        cone_gaussian_measure(np.eye(4, dtype=int), [1] * 4, method="girard")
    too_big = SimpleNamespace(n=6, bias=True, dimension=7)   # n = 6 with bias, without enumerating its regions
    with pytest.raises(PfmapError, match="sampling"):
        perceptron_gaussian_measures(too_big, GaussianPrior())


@pytest.mark.slow
def test_n5_pm1_with_bias_sums_to_one_and_has_the_full_signed_permutation_symmetry():
    """n = 5 with bias on {-1,1}^5 (cones in dimension 6): the certified measures sum to 1 within their bounds,
    each bound is below 1e-9, and with sigma_w = sigma_b the measure is invariant under swapping the bias with
    a weight, a symmetry the computation does not use (its orbits permute and flip the weights only)."""
    reg = perceptron_regions(5, "pm1", bias=True)
    measures = perceptron_gaussian_measures(reg, GaussianPrior())
    assert len(measures) == 94572
    assert contains(ball_sum(measures), Fraction(1))
    assert max(m.error for m in measures) <= 1e-9
    codes = {row.tobytes(): i for i, row in enumerate(np.ascontiguousarray(reg.signs > 0))}
    swapped = reg.witnesses[:, [5, 1, 2, 3, 4, 0]]
    images = np.ascontiguousarray(swapped @ reg.normals.T > 0)
    rng = np.random.default_rng(4)
    for i in rng.choice(len(reg), size=2000, replace=False).tolist():
        j = codes[images[i].tobytes()]
        assert measures[i].ball.overlaps(measures[j].ball), (i, j)


@pytest.mark.parametrize("n, bias", [(3, True), (4, False)])
def test_measure_progress_bar_counts_the_orbits_and_changes_nothing(n, bias, capsys):
    """One bar step per measure orbit (the number of distinct orbit labels), the same certified values."""
    from pfmap import GaussianPrior
    from pfmap.geometry.perceptron.measures import perceptron_gaussian_measures
    from pfmap.geometry.perceptron.regions import measure_orbits

    regions = perceptron_regions(n, "01", bias)
    quiet = perceptron_gaussian_measures(regions, GaussianPrior(bias=bias))
    assert capsys.readouterr().err == ""
    shown = perceptron_gaussian_measures(regions, GaussianPrior(bias=bias), progress=True)
    err = capsys.readouterr().err
    orbits = len(set(measure_orbits(regions).tolist()))
    assert f"{orbits}/{orbits}" in err and "gaussian measures" in err
    assert [(m.probability, m.error) for m in shown] == [(m.probability, m.error) for m in quiet]
