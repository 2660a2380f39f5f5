"""The two engines agree: sampled perceptron tables against exact ones (and a wrong prior is caught)."""

import pandas as pd
import pytest

from pfmap import GaussianPrior, UniformPrior
from pfmap.cli import main
from pfmap.crossval import compare_tables, crossval_perceptron


def _prior(kind, bias):
    return GaussianPrior(sigma_w=1, sigma_b="1/2", bias=bias) if kind == "gaussian" else UniformPrior(1, 2, bias)


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("kind", ["gaussian", "uniform"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("encoding", ["01", "pm1"])
def test_sampled_tables_agree_with_exact(n, kind, bias, encoding):
    report = crossval_perceptron(n, _prior(kind, bias), encoding, samples=100_000, seed=11)
    assert report.passed, report.summary()
    assert not report.impossible_seen
    # about 5% of the exact values may fall outside the 95% intervals; far more would be a disagreement
    assert report.n_outside_ci <= max(3, 3 * report.expected_outside_ci)


def test_a_wrong_prior_is_detected():
    from pfmap.geometry.perceptron.table import perceptron_table
    from pfmap.montecarlo import sample
    from pfmap import Perceptron

    exact = perceptron_table(3, GaussianPrior(sigma_b=1))
    sampled = sample(Perceptron(3, GaussianPrior(sigma_b="3/2")), 100_000, seed=1)
    report = compare_tables(exact, sampled, samples=100_000)
    assert not report.passed and report.p_value < 1e-6


def test_an_impossible_function_fails_the_check():
    exact = pd.DataFrame({"function": ["00", "11"], "probability": [0.5, 0.5]})
    sampled = pd.DataFrame({"function": ["00", "11", "01"], "count": [499, 500, 1]})
    report = compare_tables(exact, sampled)
    assert report.impossible_seen == ["01"] and report.verdict == "FAIL"


def test_crossval_command_prints_a_verdict_and_exits_0(capsys):
    status = main(["crossval", "perceptron", "--n", "2", "--samples", "2e4", "--seed", "3", "--quiet",
                   "--prior", "uniform"])
    out = capsys.readouterr().out
    assert status == 0 and "verdict: PASS" in out and "chi-square" in out


def test_crossval_command_bad_samples(capsys):
    assert main(["crossval", "perceptron", "--n", "2", "--samples", "0"]) == 2
    assert "--samples must be a positive whole number" in capsys.readouterr().err
