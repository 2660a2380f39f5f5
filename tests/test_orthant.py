"""Orthant probabilities against closed forms from the literature, Weyl chambers, scipy (Genz) and Monte Carlo."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy
from flint import arb, ctx
from scipy.stats import multivariate_normal

from pfmap.geometry.cones.orthant import (CertifiedProbability, ball_to_float, orthant_probability, orthant_probability_exact,
                              rational_covariance)
from pfmap import PfmapError


def within(result: CertifiedProbability, exact: Fraction) -> bool:
    """Exact check that the rigorous bound holds: |probability - exact| <= error, in rationals."""
    return abs(Fraction(result.probability) - exact) <= Fraction(result.error)


def equicorrelated(d, rho):
    return [[1 if i == j else rho for j in range(d)] for i in range(d)]


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
    """A random positive definite integer matrix A A^T + I (exact), correlations of both signs."""
    a = rng.integers(-spread, spread + 1, size=(d, d))
    return (a @ a.T + np.eye(d, dtype=np.int64)).astype(int).tolist()


# Weyl chambers: the simple roots' Gram matrix is the covariance of Y_i = alpha_i . x, x standard normal,
# and the chamber {Y > 0} has probability 1 / |W| (the chambers tile space and the group is orthogonal).
def weyl_a(d):
    return tridiagonal([2] * d), Fraction(1, math.factorial(d + 1))


def weyl_b(d):
    return tridiagonal([2] * (d - 1) + [1]), Fraction(1, 2**d * math.factorial(d))


def weyl_d(d):
    cov = tridiagonal([2] * d)
    cov[d - 1][d - 2] = cov[d - 2][d - 1] = 0          # alpha_d = e_{d-1} + e_d is orthogonal to e_{d-1} - e_d
    cov[d - 1][d - 3] = cov[d - 3][d - 1] = -1
    return cov, Fraction(1, 2 ** (d - 1) * math.factorial(d))


def weyl_f4():
    # e2-e3, e3-e4, e4, e1-e2-e3-e4 (twice the usual short root): |W(F4)| = 1152
    return [[2, -1, 0, 0], [-1, 2, -1, 0], [0, -1, 1, -1], [0, 0, -1, 4]], Fraction(1, 1152)


# ---------------------------------------------------------------------------
# dimensions 1-3: closed forms


@pytest.mark.parametrize("cov, expected", [
    ([[3]], Fraction(1, 2)),
    ([[1, Fraction(1, 2)], [Fraction(1, 2), 1]], Fraction(1, 3)),          # 1/4 + asin(1/2)/(2 pi)
    ([[1, Fraction(-1, 2)], [Fraction(-1, 2), 1]], Fraction(1, 6)),
    ([[1, 1], [1, 2]], Fraction(3, 8)),                                     # rho = 1/sqrt(2)
    ([[5, 0], [0, 7]], Fraction(1, 4)),
    (equicorrelated(3, Fraction(1, 2)), Fraction(1, 4)),                   # 1/(d+1)
    (weyl_a(3)[0], Fraction(1, 24)),
    (weyl_b(3)[0], Fraction(1, 48)),
    (block_diagonal([[1, Fraction(1, 2)], [Fraction(1, 2), 1]], [[2]]), Fraction(1, 6)),
])
def test_closed_forms_give_the_known_rationals(cov, expected):
    result = orthant_probability(cov)
    assert result.exact == sympy.Rational(expected.numerator, expected.denominator)
    assert result.error == 0.0 and result.probability == float(expected)
    with ctx.workprec(200):
        assert result.ball.contains(arb(expected.numerator) / expected.denominator)


def test_closed_form_is_simplified_and_matches_a_numerical_integral():
    from scipy.integrate import dblquad

    expr = orthant_probability_exact([[2, 1], [1, 3]])
    assert expr == sympy.Rational(1, 4) + sympy.asin(sympy.sqrt(6) / 6) / (2 * sympy.pi)
    # independent: integrate the bivariate normal density over the quadrant
    inv = np.linalg.inv([[2.0, 1.0], [1.0, 3.0]])
    density = lambda y, x: math.exp(-0.5 * np.array([x, y]) @ inv @ np.array([x, y])) / (2 * math.pi * math.sqrt(5))
    value, err = dblquad(density, 0, 12, 0, 12, epsabs=1e-11)
    assert abs(float(expr) - value) < 1e-9


def test_markov_three_dimensional_case():
    # Y = (X1, X1 + X2, X1 + X2 + X3): a random walk staying positive for 3 steps has probability
    # 5/16 (Sparre Andersen: binomial(2n, n) / 4^n with n = 3)
    cov = [[1, 1, 1], [1, 2, 2], [1, 2, 3]]
    assert orthant_probability(cov).exact == sympy.Rational(5, 16)


@pytest.mark.parametrize("d", [4, 5])
def test_random_walk_staying_positive_sparre_andersen(d):
    # Markov (random-walk) covariance min(i, j): P(S_1..S_d > 0) = binomial(2d, d) / 4^d
    cov = [[min(i, j) + 1 for j in range(d)] for i in range(d)]
    result = orthant_probability(cov)
    assert within(result, Fraction(math.comb(2 * d, d), 4**d)) and result.error < 1e-14


# ---------------------------------------------------------------------------
# dimensions 4 and 5: certified values against exact numbers


@pytest.mark.parametrize("cov, expected", [
    (equicorrelated(4, Fraction(1, 2)), Fraction(1, 5)),
    (equicorrelated(5, Fraction(1, 2)), Fraction(1, 6)),
    weyl_a(4), weyl_a(5), weyl_b(4), weyl_b(5), weyl_d(4), weyl_d(5), weyl_f4(),
], ids=["equi4", "equi5", "A4", "A5", "B4", "B5", "D4", "D5", "F4"])
def test_certified_values_contain_exact_answers(cov, expected):
    for path in ("identity", "pairs"):
        result = orthant_probability(cov, path=path)
        assert within(result, expected), (path, result, float(expected))
        assert result.error < 1e-13


@pytest.mark.parametrize("blocks", [
    ([[2, 1], [1, 2]], [[1, -1], [-1, 3]]),
    ([[3, 1, -1], [1, 2, 0], [-1, 0, 4]], [[5]]),
    ([[1, Fraction(1, 3)], [Fraction(1, 3), 1]], [[3, 1, -1], [1, 2, 0], [-1, 0, 4]]),
], ids=["2+2", "3+1", "2+3"])
def test_independent_blocks_multiply(blocks):
    product = arb(1)
    for b in blocks:
        product *= orthant_probability(b).ball          # closed forms (dimension <= 3)
    result = orthant_probability(block_diagonal(*blocks))
    assert result.ball.overlaps(product)
    assert abs(float(product) - result.probability) <= result.error + 1e-16


def test_four_plus_one_block_halves_the_four_dimensional_value():
    cov4 = random_covariance(4, np.random.default_rng(7))
    p4, p5 = orthant_probability(cov4), orthant_probability(block_diagonal(cov4, [[2]]))
    assert abs(p5.probability - p4.probability / 2) <= p5.error + p4.error / 2 + 1e-17


@pytest.mark.parametrize("d", [4, 5])
def test_paths_and_methods_agree_within_their_bounds(d):
    rng = np.random.default_rng(100 + d)
    for _ in range(3):
        cov = random_covariance(d, rng)
        results = [orthant_probability(cov, path=p, method=m)
                   for p in ("identity", "pairs") for m in (("auto", "plackett") if d == 5 else ("auto",))]
        for a, b in itertools.combinations(results, 2):
            assert abs(a.probability - b.probability) <= a.error + b.error
            assert a.ball.overlaps(b.ball)
        assert max(r.error for r in results) < 1e-13


@pytest.mark.parametrize("d", [4, 5])
def test_agrees_with_scipy_genz(d):
    rng = np.random.default_rng(2024 + d)
    for _ in range(3):
        cov = random_covariance(d, rng)
        ours = orthant_probability(cov)
        # P(Y > 0) = P(Y < 0) = CDF at 0; Genz's randomised QMC with a fixed seed
        genz = multivariate_normal(np.zeros(d), np.array(cov, dtype=float), abseps=1e-7, releps=1e-7,
                                   maxpts=2_000_000, seed=np.random.default_rng(5)).cdf(np.zeros(d))
        assert abs(ours.probability - genz) < 1e-5


def test_agrees_with_monte_carlo():
    rng = np.random.default_rng(31)
    cov = random_covariance(5, rng, spread=2)
    ours = orthant_probability(cov)
    samples = 2_000_000
    chol = np.linalg.cholesky(np.array(cov, dtype=float))
    hits = 0
    for _ in range(4):
        y = rng.standard_normal((samples // 4, 5)) @ chol.T
        hits += int(np.all(y > 0, axis=1).sum())
    p = ours.probability
    sigma = math.sqrt(p * (1 - p) / samples)
    assert abs(hits / samples - p) < 5 * sigma   # a false alarm has probability < 1e-6


# ---------------------------------------------------------------------------
# plumbing


def test_ball_to_float_bounds_the_rounding():
    for num, den in [(1, 3), (2, 7), (10**20 + 1, 3 * 10**20)]:
        value, bound = ball_to_float(arb(num) / den)
        assert abs(Fraction(value) - Fraction(num, den)) <= Fraction(bound)
        assert bound < 1e-15


@pytest.mark.parametrize("cov, message", [
    ([[1, 2], [2, 1]], "not positive definite"),
    ([[1, 0], [1, 1]], "symmetric"),
    ([[1, 0, 0], [0, 1]], "square"),
    ([[1 if i == j else 0 for j in range(7)] for i in range(7)], "up to dimension 6"),
    ([["a"]], "rational"),
    ([[float("nan")]], "finite"),
])
def test_bad_covariances_raise_one_line_errors(cov, message):
    with pytest.raises(PfmapError, match=message):
        orthant_probability(cov)


def test_bad_options_raise():
    with pytest.raises(PfmapError, match="path"):
        orthant_probability([[1]], path="diagonal")
    with pytest.raises(PfmapError, match="method"):
        orthant_probability([[1]], method="genz")
    with pytest.raises(PfmapError, match="tolerance"):
        orthant_probability([[1]], tolerance=0.5)
    with pytest.raises(PfmapError, match="closed form"):
        orthant_probability_exact(equicorrelated(4, Fraction(1, 2)))


def test_rational_covariance_reads_floats_as_decimals():
    assert rational_covariance(np.array([[1.0, 0.1], [0.1, 1.0]]))[0][1] == Fraction(1, 10)
