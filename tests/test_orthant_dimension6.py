"""Dimension-6 orthant probabilities and cone measures against exact values, other methods, Genz and Monte Carlo.

Every check compares the certified ball with a number computed another way: exact rationals (Weyl
chambers, equicorrelation, Sparre Andersen), products of lower-dimensional values from Sheppard's
closed forms or the ball-arithmetic Plackett integrals of dimension 4 and 5, a second block path,
scipy's Genz QMC, and seeded Monte Carlo sampling of the perceptron with n = 5 inputs and a bias.
The first test compiles the kernel (about 25 s of CPU on a fresh checkout; cached afterwards).
"""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, ctx
from scipy.stats import multivariate_normal

from pfmap import GaussianPrior, Perceptron, PfmapError
from pfmap.geometry.cones.gaussian import cone_gaussian_measure, cone_gaussian_measures
from pfmap.geometry.cones.orthant import orthant_probability, orthant_probability_ball, rational_covariance
from pfmap.geometry.cones.orthant_balls import (ball_asin, ball_inv, ball_mul, ball_rsqrt, ball_sqrt,
                                                gauss_legendre_error)
from pfmap.geometry.cones.orthant_dimension6 import canonical_key, orthant6_ball, orthant6_balls
from pfmap.geometry.perceptron.measures import perceptron_gaussian_measures, perceptron_variances
from pfmap.geometry.perceptron.regions import measure_orbits, perceptron_regions
from pfmap.montecarlo import sample


def contains(ball, value: Fraction) -> bool:
    with ctx.workprec(256):
        return ball.contains(arb(value.numerator) / value.denominator)


def tridiagonal(diagonal, off=-1):
    d = len(diagonal)
    return [[diagonal[i] if i == j else (off if abs(i - j) == 1 else 0) for j in range(d)] for i in range(d)]


def block_diagonal(*blocks):
    d = sum(len(b) for b in blocks)
    out = [[0] * d for _ in range(d)]
    at = 0
    for b in blocks:
        for i, row in enumerate(b):
            out[at + i][at:at + len(b)] = row
        at += len(b)
    return out


def random_covariance(d, rng, spread=3):
    a = rng.integers(-spread, spread + 1, size=(d, d))
    return (a @ a.T + np.eye(d, dtype=np.int64)).astype(int).tolist()


def weyl_d6():
    cov = tridiagonal([2] * 6)
    cov[5][4] = cov[4][5] = 0
    cov[5][3] = cov[3][5] = -1
    return cov


def weyl_e6():
    # Dynkin diagram of E6: chain 1-3-4-5-6 with 2 attached to 4 (Bourbaki numbering)
    cov = [[2 if i == j else 0 for j in range(6)] for i in range(6)]
    for a, b in [(0, 2), (2, 3), (3, 4), (4, 5), (1, 3)]:
        cov[a][b] = cov[b][a] = -1
    return cov


# ---------------------------------------------------------------------------
# exact values


@pytest.mark.parametrize("cov, expected", [
    ([[1 if i == j else Fraction(1, 2) for j in range(6)] for i in range(6)], Fraction(1, 7)),   # 1/(d+1)
    (tridiagonal([2] * 6), Fraction(1, math.factorial(7))),                                     # A6
    (tridiagonal([2] * 5 + [1]), Fraction(1, 2**6 * math.factorial(6))),                       # B6
    (weyl_d6(), Fraction(1, 2**5 * math.factorial(6))),                                         # D6
    (weyl_e6(), Fraction(1, 51840)),                                                             # E6
    ([[min(i, j) + 1 for j in range(6)] for i in range(6)], Fraction(math.comb(12, 6), 4**6)),  # Sparre Andersen
    ([[int(i == j) * (i + 1) for j in range(6)] for i in range(6)], Fraction(1, 64)),           # independent
], ids=["equicorrelated", "A6", "B6", "D6", "E6", "random-walk", "diagonal"])
def test_certified_values_contain_exact_answers(cov, expected):
    result = orthant_probability(cov)
    assert abs(Fraction(result.probability) - expected) <= Fraction(result.error)
    assert contains(result.ball, expected)
    assert result.error < 1e-11


def test_thin_product_of_three_planes():
    """Three 2x2 blocks with rho = -0.999 (lambda_min = 0.001, a thin cone): any 3 + 3 split cuts a block,
    so the kernel integrates, against the product of Sheppard's closed forms."""
    rho = Fraction(-999, 1000)
    block = [[1, rho], [rho, 1]]
    cov = block_diagonal(block, block, block)
    with ctx.workprec(200):
        p2 = arb(1) / 4 + (arb(rho.numerator) / rho.denominator).asin() / (2 * arb.pi())
        exact = p2 ** 3
        ours = orthant6_ball(rational_covariance(cov), split=(0, 1, 2))
        assert ours.overlaps(exact)
        assert float(abs(ours.mid() - exact.mid())) <= float(ours.rad())
    assert float(ours.rad()) < 1e-11


@pytest.mark.parametrize("shape", ["4+2", "5+1", "2+2+2"])
def test_blocks_multiply_with_lower_dimensional_methods(shape):
    """Products of independent blocks: the 4- and 5-dimensional factors come from the ball-arithmetic
    Plackett integrals (another method), the 2-dimensional ones from Sheppard's formula."""
    rng = np.random.default_rng({"4+2": 1, "5+1": 2, "2+2+2": 3}[shape])
    sizes = [int(s) for s in shape.split("+")]
    blocks = [random_covariance(k, rng) for k in sizes]
    product = arb(1)
    for b in blocks:
        product *= orthant_probability_ball(rational_covariance(b))
    ours = orthant_probability(block_diagonal(*blocks))
    assert ours.ball.overlaps(product)
    assert abs(ours.probability - float(product.mid())) <= ours.error + float(product.rad()) + 1e-17


def test_two_block_paths_agree():
    """Different 3 + 3 splits are different double integrals of the same number."""
    rng = np.random.default_rng(6)
    for _ in range(3):
        S = rational_covariance(random_covariance(6, rng))
        a, b = orthant6_ball(S, split=(0, 1, 2)), orthant6_ball(S, split=(0, 3, 5))
        assert a.overlaps(b)
        assert float(abs(a.mid() - b.mid())) <= float(a.rad() + b.rad())


def test_agrees_with_scipy_genz_on_random_covariances():
    rng = np.random.default_rng(2030)
    for _ in range(3):
        cov = random_covariance(6, rng)
        ours = orthant_probability(cov)
        genz = multivariate_normal(np.zeros(6), np.array(cov, dtype=float), abseps=1e-6, releps=1e-6,
                                   maxpts=500_000, seed=np.random.default_rng(5)).cdf(np.zeros(6))
        assert abs(ours.probability - genz) < 1e-5


@pytest.fixture(scope="module")
def n5_regions():
    reg = perceptron_regions(5, "01", bias=True)
    return reg, measure_orbits(reg)


def test_agrees_with_scipy_genz_on_perceptron_cones(n5_regions):
    """A seeded sample of simplicial n = 5 regions (thin cones in dimension 6) against Genz.

    Genz's randomised QMC needs far more points than this for the thinnest cones (at probability
    3e-8 it reads 3e-9 at 10^6 points and 2.6e-8 at 4 10^7), so the largest cones of the sample are compared.
    """
    reg, _ = n5_regions
    rng = np.random.default_rng(17)
    prior = GaussianPrior(sigma_w=Fraction(3, 2), sigma_b=Fraction(1, 2))
    var = perceptron_variances(reg, prior)
    simplicial = [i for i in rng.permutation(len(reg))[:3000].tolist() if reg.facets[i].sum() == 6][:40]
    ours = dict(zip(simplicial, cone_gaussian_measures([reg.cone(i) for i in simplicial], var)))
    largest = sorted(simplicial, key=lambda i: -ours[i].probability)[:4]
    assert ours[largest[-1]].probability > 1e-5
    for i in largest:
        G = reg.cone(i).astype(float)
        cov = G @ np.diag([float(v) for v in var]) @ G.T
        genz = multivariate_normal(np.zeros(6), cov, abseps=1e-9, releps=1e-4, maxpts=500_000,
                                   seed=np.random.default_rng(3)).cdf(np.zeros(6))
        assert abs(ours[i].probability - genz) < 1e-7 + 1e-3 * ours[i].probability, (i, ours[i].probability, genz)
    assert max(m.error for m in ours.values()) < 1e-10


def test_cone_measures_sum_within_their_bounds_against_one_cone():
    """cone_gaussian_measures (batched) and cone_gaussian_measure give the same certified value."""
    G = [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0],
         [0, 0, 0, 0, 0, 1], [1, 1, -1, 0, 1, -1]]
    var = [1, 2, Fraction(1, 3), 1, 4, 1]
    one = cone_gaussian_measure(G, var)
    many = cone_gaussian_measures([G, G], var)
    assert all(one.ball.overlaps(m.ball) for m in many)
    # the orthant {u > 0} is split by the last row into this cone and its complement in the orthant
    flipped = [row[:] for row in G]
    flipped[-1] = [-v for v in G[-1]]
    other = cone_gaussian_measure(flipped, var)
    with ctx.workprec(128):
        assert (one.ball + other.ball).contains(arb(1) / 64)


def test_monte_carlo_on_the_perceptron_with_five_inputs(n5_regions):
    """Seeded sampling (pfmap.montecarlo, 10^6 draws) against the certified measure of whole orbits."""
    reg, orbit = n5_regions
    prior = GaussianPrior(sigma_w=1, sigma_b=Fraction(1, 2))
    rng = np.random.default_rng(29)
    chosen = sorted(rng.choice(int(orbit.max()) + 1, size=24, replace=False).tolist())
    first = {o: int(np.flatnonzero(orbit == o)[0]) for o in chosen}
    measures = dict(zip(chosen, cone_gaussian_measures([reg.cone(first[o]) for o in chosen],
                                                       perceptron_variances(reg, prior))))
    table = sample(Perceptron(5, prior), 1_000_000, seed=7)
    counts = dict(zip(table["function"], table["count"]))
    functions = reg.functions
    samples = 1_000_000
    for o in chosen:
        members = np.flatnonzero(orbit == o)
        p = len(members) * measures[o].probability
        hits = sum(int(counts.get(functions[i], 0)) for i in members)
        sigma = math.sqrt(p * (1 - p) / samples)
        assert abs(hits / samples - p) <= 5 * sigma + 2 / samples, (o, hits, p * samples)


def test_perceptron_measures_refuse_seven_parameters():
    from types import SimpleNamespace

    with pytest.raises(PfmapError, match="sampling"):
        perceptron_gaussian_measures(SimpleNamespace(n=6, bias=True, dimension=7), GaussianPrior())


# ---------------------------------------------------------------------------
# the pieces


def test_canonical_key_is_a_permutation_and_scaling_invariant():
    rng = np.random.default_rng(8)
    S = random_covariance(6, rng)
    key = canonical_key(S)
    for _ in range(5):
        p = rng.permutation(6)
        scale = rng.integers(1, 4, size=6)
        T = [[S[p[i]][p[j]] * int(scale[i] * scale[j]) for j in range(6)] for i in range(6)]
        assert canonical_key(T) == key
    other = [row[:] for row in S]
    other[0][1] = other[1][0] = other[0][1] + 1
    assert canonical_key(other) != key


def test_batch_shares_work_and_keeps_the_order():
    rng = np.random.default_rng(9)
    S = rational_covariance(random_covariance(6, rng))
    p = [5, 3, 1, 0, 2, 4]
    T = [[S[p[i]][p[j]] for j in range(6)] for i in range(6)]
    eye = [[Fraction(int(i == j)) for j in range(6)] for i in range(6)]
    stats = np.zeros(6, np.int64)
    a, b, c = orthant6_balls([S, eye, T], stats=stats, workers=2)
    assert a.overlaps(c) and not a.overlaps(b) and b.contains(arb(1) / 64)
    assert stats[5] == 0


@pytest.mark.parametrize("name", ["asin", "rsqrt", "sqrt", "inv", "mul"])
def test_ball_operations_enclose_the_exact_results(name):
    rng = np.random.default_rng(11)
    xs = np.concatenate([rng.uniform(-0.999999, 0.999999, 300), [0.5, -0.5, 0.99999999, 0.9999999999, 1e-300, 0.0]])
    with ctx.workprec(300):
        for x in xs.tolist():
            r = abs(x) * 1e-9
            if name == "asin":
                m, rad = ball_asin((x, r))
                exact = lambda w: arb(w).asin()
            elif name in ("rsqrt", "sqrt", "inv"):
                x = abs(x) + 1e-3
                op = {"rsqrt": ball_rsqrt, "sqrt": ball_sqrt, "inv": ball_inv}[name]
                m, rad = op((x, r))
                exact = {"rsqrt": lambda w: 1 / arb(w).sqrt(), "sqrt": lambda w: arb(w).sqrt(),
                         "inv": lambda w: 1 / arb(w)}[name]
            else:
                m, rad = ball_mul((x, r), (math.pi, 0.0))
                exact = lambda w: arb(w) * arb(math.pi)
            if rad == math.inf:                     # refused: only when the ball reaches +-1
                assert name == "asin" and abs(x) + r >= 1 - 1e-12
                continue
            for w in (arb(x), arb(x) + arb(r), arb(x) - arb(r)):
                value = exact(w)
                assert float(abs(value - arb(m)).upper()) <= rad, (name, x)


def test_gauss_legendre_bound_holds_for_a_pole():
    """f(x) = 1/(x - 2) is analytic inside E_rho for rho < 2 + sqrt(3); its Gauss error against the bound."""
    rho = 3.0
    a = (rho + 1 / rho) / 2
    bound = 1 / (2 - a)                      # |f| <= 1 / dist(2, E_rho) and dist >= 2 - a on the ellipse
    exact = math.log(1 / 3)                  # int_{-1}^{1} dx / (x - 2)
    for n in (4, 6, 8, 10):
        x, w = np.polynomial.legendre.leggauss(n)
        error = abs(float(w @ (1 / (x - 2))) - exact)
        assert error <= gauss_legendre_error(n, rho, bound)


def test_same_result_for_every_thread_count():
    rng = np.random.default_rng(12)
    from pfmap.geometry.cones import orthant_dimension6

    mats = [rational_covariance(random_covariance(6, rng)) for _ in range(3)]
    orthant_dimension6.clear_cache()
    one = orthant6_balls(mats, workers=1)
    orthant_dimension6.clear_cache()
    two = orthant6_balls(mats, workers=2)
    assert all(a.mid() == b.mid() and a.rad() == b.rad() for a, b in zip(one, two))
