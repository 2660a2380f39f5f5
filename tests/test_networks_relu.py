"""Output-layer cells and the Rao-Blackwellised estimate: exact perceptron values, two independent algorithms,
the exact step composition, and plain Monte Carlo."""

import numpy as np
import pytest

from pfmap.geometry.rao_blackwell.cells import conditional_function_law
from pfmap.geometry.rao_blackwell.run import rao_blackwell, rao_blackwell_table
from pfmap.geometry.step_networks.units import orbit_measures, unit_perceptron
from pfmap.geometry.step_networks.table import step_network_measure
from pfmap import MLP, GaussianPrior, PfmapError, UniformPrior, boolean_inputs


def perceptron_normals(n, encoding, prior):
    """Feeding the inputs themselves as features makes the output unit a perceptron on the cube."""
    x = boolean_inputs(n, encoding).astype(float)
    a = np.hstack([x, np.ones((len(x), 1))]) if prior.bias else x
    scales = [prior.weight_scale(n)] * n + ([prior.bias_scale()] if prior.bias else [])
    return (a * np.array(scales, dtype=float))[None]


@pytest.mark.parametrize("n,encoding,prior,tolerance", [
    (1, "01", UniformPrior(), 1e-15), (1, "01", GaussianPrior(), 1e-15),                 # dimension 2
    (2, "01", UniformPrior(2, "1/3"), 1e-15), (2, "01", GaussianPrior("1/3", 2), 1e-14),  # dimension 3
    (2, "pm1", GaussianPrior(), 1e-14), (3, "01", UniformPrior(bias=False), 1e-15),
    (3, "pm1", GaussianPrior(2, bias=False), 1e-14),
    (3, "01", UniformPrior(), 1e-15), (3, "01", GaussianPrior(), 2e-6),                   # dimension 4
    (3, "pm1", GaussianPrior(), 2e-6),
])
def test_cells_reproduce_exact_perceptron_measures(n, encoding, prior, tolerance):
    total, _, support, law = conditional_function_law(perceptron_normals(n, encoding, prior),
                                                      not isinstance(prior, UniformPrior), dense=True)
    unit = unit_perceptron(n, encoding, prior.bias)
    orbits = orbit_measures(unit, prior)
    exact = np.array([orbits[o].probability for o in unit.orbit])
    assert np.abs(law[0, unit.functions] - exact).max() <= tolerance
    assert set(np.flatnonzero(support)) == set(unit.functions.tolist())      # no other function appears
    assert abs(law.sum() - 1) <= 10 * tolerance


@pytest.mark.parametrize("activation", ["relu", "step", "tanh"])
@pytest.mark.parametrize("gaussian", [True, False])
def test_fast_3d_kernels_agree_with_simplex_cutting(activation, gaussian):
    # Girard's angle sums (Gaussian) and polygon clipping (box) against triangulate-and-cut, per sample,
    # on features with the coincident and concurrent planes that ReLU zeros create
    rng = np.random.default_rng(7)
    x = boolean_inputs(2).astype(float)
    w, b = rng.standard_normal((400, 2, 2)), rng.standard_normal((400, 2))
    z = np.einsum("xi,kji->kxj", x, w) + b[:, None, :]
    h = {"relu": np.maximum(z, 0), "step": (z > 0) * 1.0, "tanh": np.tanh(z)}[activation]
    g = np.concatenate([h, np.full((400, 4, 1), 0.7)], axis=2)
    fast = conditional_function_law(g, gaussian, dense=True)[3]
    slow = conditional_function_law(g, gaussian, dense=True, method="simplices")[3]
    assert np.abs(fast - slow).max() < 1e-12
    assert np.abs(fast.sum(axis=1) - 1).max() < 1e-13


@pytest.mark.parametrize("prior,sampler", [(GaussianPrior(), "rqmc"), (UniformPrior(), "rqmc"),
                                           (GaussianPrior(sigma_b=2, fan_in_scaling=True), "mc"),
                                           (UniformPrior("1/2", 2), "mc")])
def test_step_activation_estimate_matches_exact_composition(prior, sampler):
    arch = MLP(2, (2,), "step", prior)
    exact = step_network_measure(arch)
    est = rao_blackwell(arch, 20_000, seed=11, sampler=sampler)
    f = np.array([int(k[::-1], 2) for k in exact.probability])
    p = np.array(list(exact.probability.values()))
    z = (est.probability[f] - p) / est.std_error[f]
    assert np.abs(z).max() < 4.0                          # 16 functions, Bonferroni-level tolerance
    assert set(np.flatnonzero(est.support)) == set(f.tolist())
    assert abs(est.probability.sum() - 1) < 1e-12


def test_relu_estimate_matches_an_independent_numpy_sampler():
    # plain sampling in numpy (a different generator, every parameter drawn), 400,000 nets
    rng = np.random.default_rng(99)
    n_nets = 400_000
    x = boolean_inputs(2).astype(float)
    w1, b1 = rng.standard_normal((n_nets, 2, 2)), rng.standard_normal((n_nets, 2))
    v, c = rng.standard_normal((n_nets, 2)), rng.standard_normal(n_nets)
    hidden = np.maximum(np.einsum("xi,kji->kxj", x, w1) + b1[:, None, :], 0)
    counts = np.bincount((np.einsum("kxj,kj->kx", hidden, v) + c[:, None] > 0) @ (1 << np.arange(4)), minlength=16)
    est = rao_blackwell(MLP(2, (2,), "relu"), 100_000, seed=5, sampler="mc")
    p, se = est.probability, est.std_error
    z = (counts - n_nets * p) / np.sqrt(n_nets * p * (1 - p) + (n_nets * se) ** 2)
    assert np.abs(z).max() < 4.0
    # the estimate is the sharper one: for xor its interval is much narrower than the counts' with 4x the nets
    assert se[0b0110] < 0.25 * np.sqrt(p[0b0110] / n_nets)


def test_reproducible_and_independent_of_workers():
    arch = MLP(2, (2,), "tanh", UniformPrior())
    a = rao_blackwell(arch, 40_000, seed=3)
    b = rao_blackwell(arch, 40_000, seed=3, workers=2)
    c = rao_blackwell(arch, 40_000, seed=4)
    assert np.array_equal(a.total, b.total) and np.array_equal(a.support, b.support)
    assert not np.array_equal(a.total, c.total)


def test_three_features_and_deeper_nets():
    t = rao_blackwell_table(MLP(2, (3,), "relu", UniformPrior()), 400, seed=1)      # dimension 4, box
    assert abs(t.probability.sum() - 1) < 1e-12 and (t.ci_low <= t.probability).all()
    est = rao_blackwell(MLP(2, (3,), "tanh"), 64, seed=1)                            # dimension 4, directions
    assert abs(est.law_sum_residual) < 1e-5 and len(est.replicate_means) == 16
    t = rao_blackwell_table(MLP(2, (2, 2), "relu"), 2000, seed=1)                   # two hidden layers
    assert len(t) == 16 and abs(t.probability.sum() - 1) < 1e-12


def test_out_of_reach_is_one_line():
    with pytest.raises(PfmapError, match="4: estimate it by plain sampling with pfmap.montecarlo.sample"):
        rao_blackwell(MLP(2, (4,), "relu"), 100)
    with pytest.raises(PfmapError, match="whole number"):
        rao_blackwell(MLP(2, (2,), "relu"), 1.5)


@pytest.mark.parametrize("sampler", ["rqmc", "mc"])
def test_interval_coverage_against_exact_values(sampler):
    # 40 independent small estimates of a step net, whose exact table is known: about 95% of the
    # 95% intervals must contain the exact value (640 intervals, pairs f/not-f identical: 320 independent)
    arch = MLP(2, (2,), "step", GaussianPrior())
    exact = step_network_measure(arch)
    f = np.array([int(k[::-1], 2) for k in exact.probability])
    p = np.array(list(exact.probability.values()))
    inside = 0
    for seed in range(40):
        low, high = rao_blackwell(arch, 4096, seed=seed, sampler=sampler).interval(0.95)
        inside += int(((low[f] <= p) & (p <= high[f])).sum())
    coverage = inside / (40 * len(f))
    assert 0.90 <= coverage <= 0.99    # binomial(320, 0.95): P(outside [0.90, 0.99]) < 1e-3


def _relu_features(n_samples, widths, seed, extra_zero=False):
    rng = np.random.default_rng(seed)
    x = boolean_inputs(2).astype(float)
    w, b = rng.standard_normal((n_samples, widths, 2)), rng.standard_normal((n_samples, widths))
    h = np.maximum(np.einsum("xi,kji->kxj", x, w) + b[:, None, :], 0)
    parts = [h] + ([np.zeros((n_samples, 4, 1))] if extra_zero else []) + [np.full((n_samples, 4, 1), 0.8)]
    return np.concatenate(parts, axis=2)


def test_dimension_4_orthant_kernel_matches_certified_orthant_probabilities():
    """Four independent planes: every cell against pfmap.geometry.cones.orthant's certified value (Plackett's reduction in
    ball arithmetic) for the same exact rational normals."""
    from fractions import Fraction

    from pfmap.geometry.cones.orthant import orthant_probability

    g = _relu_features(200, 3, seed=4)
    generic = [s for s in range(len(g)) if np.linalg.matrix_rank(g[s]) == 4][:5]
    assert len(generic) == 5
    exact = np.array([[[Fraction(v).limit_denominator(10**6) for v in row] for row in g[s]] for s in generic],
                     dtype=object)
    law = conditional_function_law(exact.astype(float), True, dense=True)[3]
    for s in range(len(generic)):
        for signs in (0b0000, 0b1111, 0b0110, 0b1011):     # truth table = sign pattern (one plane per input)
            flip = [1 if (signs >> p) & 1 else -1 for p in range(4)]
            cov = [[flip[i] * flip[j] * sum(exact[s, i, k] * exact[s, j, k] for k in range(4)) for j in range(4)]
                   for i in range(4)]
            assert abs(law[s, signs] - orthant_probability(cov).probability) < 1e-13


def test_dimension_4_degenerate_planes_reduce_to_girard():
    """A hidden unit that is off everywhere leaves the normals in a 3-dimensional subspace: the law must be the
    2-2-1 net's, from Girard's formula in dimension 3."""
    g4 = _relu_features(300, 2, seed=5, extra_zero=True)
    g3 = np.concatenate([g4[:, :, :2], g4[:, :, 3:]], axis=2)
    law4 = conditional_function_law(g4, True, dense=True)[3]
    law3 = conditional_function_law(g3, True, dense=True)[3]
    assert np.abs(law4 - law3).max() < 1e-13


def test_two_three_one_relu_estimate_against_plain_sampling():
    from pfmap.crossval import crossval_mlp

    report = crossval_mlp(MLP(2, (3,), "relu", GaussianPrior()), samples=400_000, seed=3, rb_samples=50_000)
    assert report.passed, report.summary()


def test_dimension_4_fast_kernel_agrees_with_simplex_cutting():
    """Generic samples, units off everywhere, and units on everywhere (dependent features: the rotated path)
    against the simplex cutting, whose Grundmann-Moller cubature is good to ~1e-4 here; the fast laws sum
    to 1 to rounding."""
    g = _relu_features(300, 3, seed=11)
    rng = np.random.default_rng(12)
    x = boolean_inputs(2).astype(float)
    w = rng.standard_normal((100, 3, 2))
    on = np.einsum("xi,kji->kxj", x, w) + 4.0 + np.abs(w).sum(axis=2)[:, None, :]   # active at every input
    g = np.concatenate([g, np.concatenate([on, np.full((100, 4, 1), 0.8)], axis=2)])
    assert sum(np.linalg.matrix_rank(s) < 4 and (np.abs(s).sum(axis=0) > 0).all() for s in g) >= 100
    fast = conditional_function_law(g, True, dense=True)[3]
    slow = conditional_function_law(g, True, dense=True, method="simplices")[3]
    assert np.abs(fast - slow).max() < 1e-4
    assert np.abs(fast.sum(axis=1) - 1).max() < 1e-12 and fast.min() >= -1e-15
