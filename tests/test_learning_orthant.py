"""Gaussian orthant probabilities (exact, EP, minimax tilting, sampling) against closed forms and 1-D integrals."""

import math

import numpy as np
import pytest
from scipy import integrate, special
from scipy.stats import multivariate_normal

from pfmap import PfmapError
from pfmap.learning.ep import ep_positive_orthant
from pfmap.learning.orthant import log_orthant_probability
from pfmap.learning.tilting import log_normal_probability, minimax_tilting, truncated_normal


def equicorrelated(d, rho):
    K = np.full((d, d), rho)
    np.fill_diagonal(K, 1.0)
    return K


def one_dimensional_integral(d, rho):
    """log of integral phi(t) Phi(t sqrt(rho / (1 - rho)))^d dt, written here independently of the package."""
    c = math.sqrt(rho / (1 - rho))
    f = lambda t: math.exp(-0.5 * t * t + d * float(special.log_ndtr(c * t))) / math.sqrt(2 * math.pi)
    return math.log(integrate.quad(f, -np.inf, np.inf, limit=500, epsabs=0, epsrel=1e-12)[0])


def weyl_a(d):
    """Gram matrix of the simple roots of A_d: the chamber has probability 1 / (d + 1)!."""
    return 2 * np.eye(d) - np.eye(d, k=1) - np.eye(d, k=-1), -math.lgamma(d + 2)


# --- exact small dimensions --------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_exact_closed_forms_against_scipy(seed):
    rng = np.random.default_rng(seed)
    for d in (1, 2, 3):
        A = rng.normal(size=(d, d + 1))
        K = A @ A.T * rng.uniform(0.5, 3)
        labels = rng.integers(0, 2, d)
        s = np.where(labels == 1, 1.0, -1.0)
        mvn = multivariate_normal(mean=np.zeros(d), cov=K * np.outer(s, s), maxpts=10**6, abseps=1e-9, releps=1e-9,
                                 seed=seed)
        truth = mvn.cdf(np.zeros(d))  # P(-s z < 0) = P(s z > 0), Genz's algorithm
        est = log_orthant_probability(K, labels, method="exact")
        assert est.method == "exact" and est.error == 0.0
        assert abs(est.probability - truth) < 1e-6
    assert log_orthant_probability(equicorrelated(3, 0.5), "111").probability == pytest.approx(0.25, abs=1e-15)


def test_exact_on_singular_kernels_needs_no_jitter():
    assert log_orthant_probability([[1.0, 1.0], [1.0, 1.0]], "11").probability == pytest.approx(0.5, abs=1e-15)
    assert log_orthant_probability([[1.0, 1.0], [1.0, 1.0]], "10").log_p == -math.inf


def test_zero_variance_points_are_labelled_zero():
    K = np.array([[1.0, 0.0, 0.5], [0.0, 0.0, 0.0], [0.5, 0.0, 1.0]])
    assert log_orthant_probability(K, "111").log_p == -math.inf
    assert log_orthant_probability(K, "101").probability == pytest.approx(1 / 3, abs=1e-14)


# --- against the 1-D integral and the Weyl chamber ------------------------------------------------------------------

@pytest.mark.parametrize("d,rho", [(5, 0.5), (12, 0.9), (30, 0.3), (50, 0.5), (50, 0.9)])
def test_tilting_and_sampling_cover_the_equicorrelated_truth(d, rho):
    truth = one_dimensional_integral(d, rho)
    if rho == 0.5:
        assert truth == pytest.approx(-math.log(d + 1), abs=1e-10)
    K = equicorrelated(d, rho)
    tilt = log_orthant_probability(K, np.ones(d, int), method="tilting", seed=d)
    assert abs(tilt.log_p - truth) <= 4.5 * tilt.error
    assert tilt.relative_error < 0.01 and tilt.upper_bound >= truth
    assert tilt.ci_low <= math.exp(truth) * (1 + 4 * tilt.error)
    samp = log_orthant_probability(K, np.ones(d, int), method="sampling", samples=200_000, seed=d)
    assert samp.ci_low <= math.exp(truth) <= samp.ci_high or abs(samp.log_p - truth) <= 4.5 * samp.error
    ep = log_orthant_probability(K, np.ones(d, int), method="ep")
    assert ep.error is None and ep.converged
    assert -0.2 < ep.log_p - truth < 0.002    # EP's bias on these orthants (low, grows with rho): not a bound


def test_the_error_estimate_covers_the_truth_over_seeds():
    """z-scores of 20 independent tilting runs on the A_10 chamber: mean square ~ 1 (chi-square, 20 dof)."""
    K, truth = weyl_a(10)
    z = [(log_orthant_probability(K, np.ones(10, int), method="tilting", samples=3000, seed=s).log_p - truth)
         / log_orthant_probability(K, np.ones(10, int), method="tilting", samples=3000, seed=s).error
         for s in range(20)]
    assert float(np.sum(np.square(z))) < 45.3   # chi2(20) 0.999 quantile
    K5, truth5 = weyl_a(5)
    z = [(e.log_p - truth5) / e.error for e in
         (log_orthant_probability(K5, np.ones(5, int), method="sampling", samples=50_000, seed=s) for s in range(20))]
    assert float(np.sum(np.square(z))) < 45.3


def test_tilting_in_the_far_tail():
    K, truth = weyl_a(20)  # P = 1/21! ~ 2e-20: out of reach of direct sampling
    est = log_orthant_probability(K, np.ones(20, int), method="tilting", seed=3)
    assert abs(est.log_p - truth) <= 4.5 * est.error and est.error < 0.01
    assert log_orthant_probability(K, np.ones(20, int), method="sampling", samples=10_000).log_p == -math.inf


def test_rank_deficient_kernel_with_jitter():
    """All 8 sign patterns of z = w1 + w2 x over 8 points x: only patterns of threshold functions are possible."""
    x = np.arange(8.0) - 3.5
    K = 1.0 + np.outer(x, x)               # rank 2, P(z = "all ones") = P(w1 + w2 x > 0 for all x)
    # exact: the wedge {w : w1 > 3.5 |w2|} of the standard normal plane has angle 2 atan(1/3.5)
    truth = 2 * math.atan(1 / 3.5) / (2 * math.pi)
    est = log_orthant_probability(K, np.ones(8, int), method="tilting", seed=1)
    assert est.jitter == pytest.approx(1e-8 * np.mean(np.diag(K)))
    assert abs(est.probability - truth) <= 4.5 * est.error * truth + 1e-4 * truth


# --- EP -----------------------------------------------------------------------------------------------------------

def test_ep_matches_gpy_and_refuses_heavy_damping():
    K = equicorrelated(100, 0.5)
    ep = log_orthant_probability(K, np.ones(100, int), method="ep")
    assert ep.log_p == pytest.approx(-4.647, abs=1e-3)        # GPy's EP, REFERENCES.md (truth -4.615)
    seq = log_orthant_probability(K, np.ones(100, int), method="ep", schedule="sequential")
    assert seq.log_p == pytest.approx(ep.log_p, abs=1e-6)     # the same fixed point by another schedule
    # damping 0.001 moves the sites so little that a test on raw changes stops at -13.38; ours must refuse
    with pytest.raises(PfmapError, match="did not converge"):
        log_orthant_probability(K, np.ones(100, int), method="ep", damping=0.001, max_iter=200)
    with pytest.raises(PfmapError, match="did not converge"):
        ep_positive_orthant(K, max_iter=3)


def test_ep_on_the_weyl_chamber_is_close():
    K, truth = weyl_a(10)
    assert abs(log_orthant_probability(K, np.ones(10, int), method="ep").log_p - truth) < 0.02


# --- pieces -----------------------------------------------------------------------------------------------------

def test_truncated_normal_tails_and_intervals():
    rng = np.random.default_rng(0)
    for a, b in [(40.0, np.inf), (-np.inf, -60.0), (8.0, 8.5), (-0.3, 0.2), (-1.0, np.inf), (1e3, np.inf)]:
        z = truncated_normal(np.full(50_000, a), b, rng)
        assert np.all((z >= a) & (z <= b))
        logp = log_normal_probability(a, b)
        fa = math.exp(-0.5 * a * a - float(logp)) / math.sqrt(2 * math.pi) if np.isfinite(a) else 0.0
        fb = math.exp(-0.5 * b * b - float(logp)) / math.sqrt(2 * math.pi) if np.isfinite(b) else 0.0
        mean = fa - fb                       # the truncated normal mean
        assert abs(z.mean() - mean) < 5 * z.std() / math.sqrt(z.size) + 1e-12
    assert float(log_normal_probability(40.0, np.inf)) == pytest.approx(float(special.log_ndtr(-40.0)), rel=1e-14)
    assert float(log_normal_probability(-1.0, 2.0)) == pytest.approx(math.log(special.ndtr(2) - special.ndtr(-1)))


def test_tilting_bound_and_seed_reproducibility():
    K = equicorrelated(20, 0.7)
    prop = minimax_tilting(K, np.zeros(20), np.full(20, np.inf))
    assert prop.converged and prop.log_bound >= one_dimensional_integral(20, 0.7)
    a = log_orthant_probability(K, np.ones(20, int), seed=5)
    b = log_orthant_probability(K, np.ones(20, int), seed=5)
    c = log_orthant_probability(K, np.ones(20, int), seed=6)
    assert a.log_p == b.log_p != c.log_p


@pytest.mark.parametrize("K,labels,kwargs,match", [
    ([[1.0, 0.0]], "1", {}, "square"),
    ([[1.0, 0.2], [0.3, 1.0]], "11", {}, "symmetric"),
    ([[1.0, np.nan], [np.nan, 1.0]], "11", {}, "NaN"),
    ([[1.0, 2.0], [2.0, 1.0]], "11", {"method": "tilting"}, "positive semidefinite"),
    ([[1.0, 2.0], [2.0, 1.0]], "11", {}, "positive semidefinite"),
    ([[1.0, 0.0], [0.0, 1.0]], "1", {}, "labels"),
    ([[1.0, 0.0], [0.0, 1.0]], "12", {}, "labels"),
    ([[1.0, 0.0], [0.0, 1.0]], [0, 2], {}, "labels"),
    ([[1.0, 0.0], [0.0, 1.0]], "11", {"method": "genz"}, "method"),
    (np.eye(4), "1111", {"method": "exact"}, "d <= 3"),
    (np.eye(4), "1111", {"samples": 0}, "samples"),
    (np.eye(4), "1111", {"seed": -1}, "seed"),
    (np.eye(4), "1111", {"method": "ep", "damping": 0}, "damping"),
    (np.eye(4), "1111", {"jitter": -1}, "jitter"),
])
def test_bad_input(K, labels, kwargs, match):
    with pytest.raises(PfmapError, match=match):
        log_orthant_probability(K, labels, **kwargs)
