"""The training progress bar reports runs, fitted runs and distinct functions, matching the finished table."""

import re

import numpy as np

from pfmap import MLP, GaussianPrior, boolean_dataset
from pfmap.learning.training import train_table
from pfmap.learning.training_runs import train_runs


def _last_postfix(text: str) -> tuple[int, int]:
    found = re.findall(r"distinct=(\d+)[^\n\r]*?|fitted=(\d+)", text)
    fitted = [int(f) for _, f in found if f]
    distinct = [int(d) for d, _ in found if d]
    assert fitted and distinct, text[-500:]
    return fitted[-1], distinct[-1]


def test_bar_counts_match_the_table(capsys):
    data = boolean_dataset(3, "00010111", train_size=4, seed=2)
    arch = MLP(3, (4,), "relu", GaussianPrior(fan_in_scaling=True))
    kw = dict(runs=60, seed=4, chunk_size=25, lr=0.2, batch_size=2, max_epochs=40)
    df = train_runs(arch, data, progress=True, **kw)
    fitted, distinct = _last_postfix(capsys.readouterr().err)
    assert fitted == int(df["count"].sum()) == 60 - df.attrs["not_fitted"]
    assert distinct == len(df) and distinct > 1
    table = train_table(arch, data.train_points, data.train_labels, data.test_points, data.test_labels,
                        progress=True, **kw)
    fitted2, distinct2 = _last_postfix(capsys.readouterr().err)
    assert (fitted2, distinct2) == (int(table["count"].sum()), len(table))
    assert np.array_equal(table["count"].to_numpy(), df["count"].to_numpy())


def test_bootstrap_bar_does_not_change_the_intervals(capsys):
    import pandas as pd

    from pfmap.rank_statistics import bootstrap_correlations

    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    data = pd.DataFrame({"log2_p": x + rng.normal(size=300), "a": x, "b": rng.normal(size=300)})
    quiet = bootstrap_correlations(data, ["a", "b"], resamples=130, seed=3)
    capsys.readouterr()
    shown = bootstrap_correlations(data, ["a", "b"], resamples=130, seed=3, progress=True)
    err = capsys.readouterr().err
    assert "bootstrap" in err and "130/130" in err
    pd.testing.assert_frame_equal(quiet, shown)


def test_gp_posterior_bar_counts_the_labellings_and_changes_nothing(capsys):
    """One step per labelling of E (each an orthant probability); the table is the same with or without it."""
    from pfmap.learning.gp_posterior import gp_posterior
    from pfmap.learning.nngp import nngp_kernel

    data = boolean_dataset(3, "00010111", train_size=5, seed=1)
    K = nngp_kernel(MLP(3, (8,), "relu", GaussianPrior(fan_in_scaling=True)), data.points_train_then_test())
    quiet = gp_posterior(K, data.train_labels, method="tilting", samples=200, seed=3)
    assert capsys.readouterr().err == ""
    shown = gp_posterior(K, data.train_labels, method="tilting", samples=200, seed=3, progress=True)
    err = capsys.readouterr().err
    assert shown.equals(quiet)
    assert f"{2 ** data.k}/{2 ** data.k}" in err and "P_B by tilting" in err
