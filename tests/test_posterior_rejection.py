"""P_B(f|S) by rejection sampling against the exact posterior of the perceptron (ratios of exact box volumes)."""

from collections import defaultdict
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pfmap import MLP, GaussianPrior, Perceptron, PfmapError, UniformPrior
from pfmap.datasets import boolean_dataset
from pfmap.geometry import perceptron_table
from pfmap.montecarlo.posterior import sample_posterior

DATA = boolean_dataset(3, "00010111", train_mask="11001000")   # majority; S = inputs 0, 1, 4


def exact_posterior(data, prior):
    """P(f_E | S) = sum of P(f) over threshold functions f that agree with S, divided by P(S)."""
    table = perceptron_table(data.n, prior)
    labels = "".join(map(str, data.train_labels))
    post, p_train = defaultdict(Fraction), Fraction(0)
    for function, p in zip(table["function"], table["exact"]):
        if "".join(function[i] for i in data.train) == labels:
            post["".join(function[i] for i in data.test)] += p
            p_train += p
    return {f: p / p_train for f, p in post.items()}, p_train


@pytest.fixture(scope="module")
def run():
    return sample_posterior(Perceptron(3, UniformPrior()), DATA, 200_000, seed=3, chunk_size=50_000)


def test_rejection_matches_the_exact_posterior(run):
    exact, p_train = exact_posterior(DATA, UniformPrior())
    accepted = run.attrs["pfmap"]["accepted"]
    counts = run.set_index("function")["count"]
    assert set(counts.index) <= set(exact)
    expected = np.array([float(p) * accepted for p in exact.values()])
    observed = np.array([counts.get(f, 0) for f in exact])
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert stats.chi2.sf(chi2, len(exact) - 1) > 1e-3
    low, high = np.exp(run.attrs["pfmap"]["log_p_train_ci"])
    assert low <= float(p_train) <= high
    assert int(run["count"].sum()) == accepted and run.attrs["pfmap"]["samples"] == 200_000


def test_test_error_is_the_distance_to_the_target(run):
    target = DATA.target_function
    for function, error in zip(run["function"], run["test_error"]):
        assert error == pytest.approx(sum(a != b for a, b in zip(function, target)) / len(target))


def test_same_table_whatever_the_executor_or_a_resume(run, tmp_path):
    again = sample_posterior(Perceptron(3, UniformPrior()), DATA, 200_000, seed=3, chunk_size=50_000,
                             out=tmp_path / "run", workers=1)
    pd.testing.assert_frame_equal(again, run)
    # remove two finished chunks: the resumed run recomputes them and finds the same table
    for k in (1, 3):
        (tmp_path / "run" / "chunks" / f"chunk-{k:06d}.parquet").unlink()
    resumed = sample_posterior(Perceptron(3, UniformPrior()), DATA, 200_000, seed=3, chunk_size=50_000,
                               out=tmp_path / "run")
    pd.testing.assert_frame_equal(resumed, run)
    assert resumed.attrs["pfmap"]["accepted"] == run.attrs["pfmap"]["accepted"]


def test_explicit_points_and_an_mlp():
    """Explicit points go through the generic path: the acceptance estimates P(S), checked by plain sampling."""
    from pfmap.datasets import DataSet
    from pfmap.montecarlo import sample

    points = np.array([[0.2, -1.0], [1.5, 0.3], [-0.7, 0.8], [0.1, 0.1]])
    data = DataSet(points, [1, 0, 1, 1], train=[0, 1], test=[2, 3])
    arch = MLP(2, (5,), "relu", GaussianPrior(fan_in_scaling=True))
    post = sample_posterior(arch, data, 100_000, seed=2)
    prior = sample(arch, 100_000, seed=9, inputs=points)
    fits = prior["function"].str[:2] == "10"
    p_train = prior.loc[fits, "count"].sum() / 100_000
    acceptance = post.attrs["pfmap"]["acceptance"]
    se = np.sqrt(2 * acceptance * (1 - acceptance) / 100_000)
    assert abs(acceptance - p_train) < 5 * se
    by_e = prior[fits].assign(e=prior["function"].str[2:]).groupby("e")["count"].sum()
    top = post.iloc[0]
    assert by_e.idxmax() == top["function"]


def test_refused_when_the_acceptance_is_too_small():
    data = boolean_dataset(7, "0011" * 32, train_size=64, seed=0)
    with pytest.raises(PfmapError, match=r"expected acceptance P\(S\) is .*fewer than min_accepted=10.*method='ep'"):
        sample_posterior(Perceptron(7), data, 1000, seed=0)
    with pytest.raises(PfmapError, match="data must be a pfmap.DataSet"):
        sample_posterior(Perceptron(7), "0011", 1000)
