"""NNGP kernels against closed forms, numerical integration, and the covariance of sampled wide networks."""

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import multivariate_normal

from pfmap import MLP, GaussianPrior, PfmapError, Perceptron, UniformPrior
from pfmap.inputs import boolean_inputs
from pfmap.learning.nngp import dual_activation, layer_variances, nngp_kernel, tanh_mixture

ACT = {"relu": lambda x: np.maximum(x, 0.0), "step": lambda x: (x > 0).astype(float), "tanh": np.tanh,
       "linear": lambda x: x}


def points(m, n, seed):
    return np.random.default_rng(seed).uniform(-1, 1, size=(m, n))


# --- closed forms -----------------------------------------------------------------------------------------------

def test_perceptron_is_the_linear_kernel_on_the_cube():
    X = boolean_inputs(3).astype(float)
    assert np.array_equal(nngp_kernel(Perceptron(3), X), 1.0 + X @ X.T)
    prior = GaussianPrior(sigma_w=2, fan_in_scaling=True, bias=False)
    assert np.allclose(nngp_kernel(Perceptron(3, prior), X), 4.0 / 3.0 * (X @ X.T))
    box = UniformPrior(a_w=3, a_b=2)  # variance-matched: a^2 / 3
    assert np.allclose(nngp_kernel(Perceptron(3, box), X), 4.0 / 3.0 + 3.0 * (X @ X.T))


def _integrate_2d(f, k11, k12, k22):
    """E[f(u, v)] by adaptive quadrature on the standardised pair (independent of the closed forms)."""
    s1 = math.sqrt(k11)
    c = k12 / s1
    s2 = math.sqrt(max(k22 - c * c, 0.0))
    phi = lambda g: math.exp(-0.5 * g * g) / math.sqrt(2 * math.pi)
    val, _ = integrate.dblquad(lambda g2, g1: phi(g1) * phi(g2) * f(s1 * g1, c * g1 + s2 * g2), -9, 9, -9, 9,
                               epsabs=1e-11, epsrel=1e-10)
    return val


@pytest.mark.parametrize("k11,k12,k22", [(1.0, 0.3, 2.0), (2.0, -1.2, 1.0), (0.5, 0.49, 0.5)])
def test_one_layer_expectations_against_numerical_integration(k11, k12, k22):
    relu = _integrate_2d(lambda u, v: max(u, 0) * max(v, 0), k11, k12, k22)
    assert abs(float(dual_activation("relu", k11, k12, k22)) - relu) < 1e-7
    tanh = _integrate_2d(lambda u, v: math.tanh(u) * math.tanh(v), k11, k12, k22)
    assert abs(float(dual_activation("tanh", k11, k12, k22)) - tanh) < 1e-7
    erf = _integrate_2d(lambda u, v: math.erf(u) * math.erf(v), k11, k12, k22)
    assert abs(float(dual_activation("erf", k11, k12, k22)) - erf) < 1e-7
    # step: P(u > 0, v > 0) from scipy's bivariate normal CDF (by symmetry P(u < 0, v < 0))
    step = multivariate_normal(mean=[0, 0], cov=[[k11, k12], [k12, k22]]).cdf([0, 0])
    assert abs(float(dual_activation("step", k11, k12, k22)) - step) < 1e-6
    assert float(dual_activation("linear", k11, k12, k22)) == k12


def test_tanh_mixture_is_uniformly_close():
    a, b, eps = tanh_mixture()
    x = np.random.default_rng(0).uniform(-30, 30, 100_000)
    from scipy.special import erf
    assert np.max(np.abs(erf(np.outer(x, b)) @ a - np.tanh(x))) <= eps < 1e-8
    assert np.all(a > 0)


def test_one_hidden_relu_layer_exact_formula():
    """K1 = var_b + sigma_w^2 sqrt(k11 k22) (sin t + (pi - t) cos t) / (2 pi) with fan-in scaling, on K0."""
    X = points(4, 3, 1)
    sw, sb = 1.7, 0.4
    K = nngp_kernel(MLP(3, (100,), "relu", GaussianPrior(sigma_w=sw, sigma_b=sb, fan_in_scaling=True)), X)
    K0 = sb**2 + sw**2 / 3 * (X @ X.T)
    expected = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            r = K0[i, j] / math.sqrt(K0[i, i] * K0[j, j])
            t = math.acos(max(-1.0, min(1.0, r)))
            arc = math.sin(t) + (math.pi - t) * math.cos(t)
            expected[i, j] = sb**2 + sw**2 * math.sqrt(K0[i, i] * K0[j, j]) * arc / (2 * math.pi)
    assert np.allclose(K, expected, rtol=1e-12, atol=1e-12)
    # without fan-in scaling the hidden layer's width multiplies: 100 * sigma_w^2
    K_plain = nngp_kernel(MLP(3, (100,), "relu", GaussianPrior(sigma_w=sw, sigma_b=sb)), X)
    K0p = sb**2 + sw**2 * (X @ X.T)
    assert np.isclose(K_plain[0, 0], sb**2 + 100 * sw**2 * K0p[0, 0] / 2)


def test_layer_variances_follow_the_prior():
    assert layer_variances(MLP(5, (10, 20), "relu", GaussianPrior(sigma_w=3, sigma_b=2, fan_in_scaling=True))) == \
        [(9 / 5, 4.0), (9.0, 4.0), (9.0, 4.0)]
    assert layer_variances(MLP(5, (10,), "relu", GaussianPrior(bias=False))) == [(1.0, 0.0), (10.0, 0.0)]


# --- sampled wide networks ------------------------------------------------------------------------------------

def _draw_layer(rng, fan_in, width, prior_w, prior_b, uniform=False):
    if uniform:
        return rng.uniform(-prior_w, prior_w, (fan_in, width)), rng.uniform(-prior_b, prior_b, width)
    return rng.normal(0, prior_w, (fan_in, width)), rng.normal(0, prior_b, width) if prior_b else np.zeros(width)


@pytest.mark.parametrize("activation,uniform", [("relu", False), ("tanh", False), ("step", True)])
def test_one_hidden_layer_against_empirical_output_covariance(activation, uniform):
    """Draw whole nets of width 2000; the sample covariance of the outputs must match within 5 standard errors."""
    n, width, nets = 4, 2000, 3000
    X = points(5, n, 2)
    if uniform:
        prior = UniformPrior(a_w=1.5, a_b=0.5)
        scale_w = [1.5, 1.5]
        scale_b = 0.5
    else:
        prior = GaussianPrior(sigma_w=1.5, sigma_b=0.5, fan_in_scaling=True)
        scale_w = [1.5 / math.sqrt(n), 1.5 / math.sqrt(width)]
        scale_b = 0.5
    K = nngp_kernel(MLP(n, (width,), activation, prior), X)
    rng = np.random.default_rng(np.random.SeedSequence(11))
    Z = np.empty((nets, X.shape[0]))
    for t in range(nets):
        W1, b1 = _draw_layer(rng, n, width, scale_w[0], scale_b, uniform)
        w2, b2 = _draw_layer(rng, width, 1, scale_w[1], scale_b, uniform)
        Z[t] = (ACT[activation](X @ W1 + b1) @ w2 + b2).ravel()
    prod = Z[:, :, None] * Z[:, None, :]           # the mean is 0 exactly, so E[z z'] is the covariance
    emp, se = prod.mean(axis=0), prod.std(axis=0) / math.sqrt(nets)
    assert np.all(np.abs(emp - K) <= 5 * se), np.max(np.abs(emp - K) / se)


@pytest.mark.parametrize("activation", ["relu", "tanh", "step"])
def test_two_hidden_layers_against_wide_nets(activation):
    """Width 2000, two hidden layers: E[z z' | hidden layers] = var_b + var_w h.h' averaged over sampled nets.

    The output weights are integrated exactly (a Rao-Blackwellised covariance), the two hidden layers are
    sampled; the tolerance is 5 standard errors across nets.  The recursion is the infinite-width limit:
    its O(1/width) bias (~5e-4 relative) is far below that tolerance.
    """
    n, width, nets = 3, 2000, 12
    X = points(4, n, 3)
    sw, sb = 1.3, 0.3
    prior = GaussianPrior(sigma_w=sw, sigma_b=sb, fan_in_scaling=True)
    K = nngp_kernel(MLP(n, (width, width), activation, prior), X)
    rng = np.random.default_rng(np.random.SeedSequence(5))
    est = np.empty((nets,) + K.shape)
    f = ACT[activation]
    for t in range(nets):
        h = f(X @ rng.normal(0, sw / math.sqrt(n), (n, width)) + rng.normal(0, sb, width))
        h = f(h @ rng.normal(0, sw / math.sqrt(width), (width, width)) + rng.normal(0, sb, width))
        est[t] = sb**2 + sw**2 / width * (h @ h.T)
    mean, se = est.mean(axis=0), est.std(axis=0, ddof=1) / math.sqrt(nets)
    assert np.all(np.abs(mean - K) <= 5 * se + 1e-12), np.max(np.abs(mean - K) / se)


# --- blocks, shapes, bad input ---------------------------------------------------------------------------------

def test_blocks_and_cross_kernel_agree_with_the_full_kernel():
    arch = MLP(6, (30, 30), "relu", GaussianPrior(sigma_w=1.41, sigma_b=0.1, fan_in_scaling=True))
    X = points(23, 6, 4)
    full = nngp_kernel(arch, X, block=512)
    assert np.allclose(nngp_kernel(arch, X, block=5), full, rtol=1e-13, atol=0)
    assert np.allclose(nngp_kernel(arch, X[:7], X[7:], block=4), full[:7, 7:], rtol=1e-13, atol=0)
    assert np.allclose(full, full.T)


def test_zero_variance_unit_without_bias():
    K = nngp_kernel(MLP(2, (10,), "relu", GaussianPrior(bias=False)), [[0.0, 0.0], [1.0, 0.0]])
    assert K[0, 0] == 0.0 and K[0, 1] == 0.0 and K[1, 1] == pytest.approx(10 * 1 / 2)


@pytest.mark.parametrize("X,kwargs,match", [
    (np.zeros((3, 2)), {}, "shape"),
    (np.full((2, 3), np.nan), {}, "NaN"),
    (np.zeros((2, 3)), {"block": 0}, "block"),
    ("abc", {}, "numeric"),
])
def test_bad_input(X, kwargs, match):
    with pytest.raises(PfmapError, match=match):
        nngp_kernel(MLP(3, (4,), "relu"), X, **kwargs)
    with pytest.raises(PfmapError, match="arch"):
        nngp_kernel("relu", np.zeros((2, 3)))
    with pytest.raises(PfmapError, match="activation"):
        dual_activation("gelu", 1.0, 0.0, 1.0)
