"""Labellings drawn from the NNGP: a perceptron is exactly its GP, so the GP's table is the exact perceptron table."""

import numpy as np
import pytest
from scipy import stats

from pfmap import MLP, GaussianPrior, Perceptron, PfmapError
from pfmap.geometry import perceptron_table
from pfmap.inputs import boolean_inputs
from pfmap.learning.gp_prior import kernel_factor, sample_nngp
from pfmap.learning.nngp import nngp_kernel


@pytest.mark.parametrize("encoding", ["01", "pm1"])
def test_perceptron_gp_reproduces_the_exact_table(encoding):
    prior = GaussianPrior(sigma_w=1, sigma_b="1/2")
    arch = Perceptron(3, prior)
    kernel = nngp_kernel(arch, boolean_inputs(3, encoding))
    drawn = sample_nngp(kernel, 200_000, seed=5).set_index("function")["count"]
    exact = perceptron_table(3, prior, encoding=encoding).set_index("function")["probability"]
    assert set(drawn.index) <= set(exact.index)          # only threshold functions appear
    expected = exact.to_numpy() * 200_000
    observed = drawn.reindex(exact.index, fill_value=0).to_numpy()
    keep = expected > 5
    chi2 = float(((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum())
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-3


def test_wide_relu_net_and_its_gp_agree_on_a_few_points():
    """Finite width 1000 against the infinite-width kernel on 3 points (a 3-dimensional orthant: closed form)."""
    from pfmap.montecarlo import sample

    points = np.array([[0.3, -1.0, 0.5], [1.0, 0.2, -0.4], [-0.6, 0.9, 0.1]])
    arch = MLP(3, (1000,), "relu", GaussianPrior(sigma_w="1.41", sigma_b="0.1", fan_in_scaling=True))
    kernel = nngp_kernel(arch, points)
    gp = sample_nngp(kernel, 100_000, seed=2).set_index("function")["probability"]
    corr = kernel / np.sqrt(np.outer(np.diag(kernel), np.diag(kernel)))
    # the all-ones orthant: 1/8 + (asin r12 + asin r13 + asin r23) / (4 pi)
    closed = 1 / 8 + (np.arcsin(corr[0, 1]) + np.arcsin(corr[0, 2]) + np.arcsin(corr[1, 2])) / (4 * np.pi)
    assert abs(gp["111"] - closed) < 5 * np.sqrt(closed * (1 - closed) / 100_000)
    nets = sample(arch, 20_000, seed=3, inputs=points).set_index("function")["probability"]
    assert abs(nets.get("111", 0) - closed) < 5 * np.sqrt(closed * (1 - closed) / 20_000) + 0.01


def test_same_seed_same_table_and_bad_kernels():
    K = [[2.0, 0.3], [0.3, 1.0]]
    a, b = sample_nngp(K, 70_000, seed=4), sample_nngp(K, 70_000, seed=4)
    assert a["count"].tolist() == b["count"].tolist() and int(a["count"].sum()) == 70_000
    with pytest.raises(PfmapError, match="symmetric"):
        sample_nngp([[1.0, 0.5], [0.2, 1.0]], 10)
    with pytest.raises(PfmapError, match="not positive semidefinite"):
        kernel_factor([[1.0, 2.0], [2.0, 1.0]])
