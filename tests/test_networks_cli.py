"""`pfmap table mlp` and `pfmap crossval mlp`: output, bad input, and cross-validation against montecarlo."""

import io
import math
from contextlib import redirect_stdout
from fractions import Fraction

import pandas as pd
import pytest

from pfmap import MLP, GaussianPrior, UniformPrior
from pfmap.cli import main
from pfmap.crossval import crossval_mlp


def run(argv):
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(argv)
    return status, out.getvalue()


def test_table_mlp_step_csv(tmp_path):
    path = tmp_path / "t.csv"
    assert main(["table", "mlp", "--n", "2", "--widths", "2", "--prior", "uniform", "--out", str(path)]) == 0
    df = pd.read_csv(path, dtype={"function": str, "exact": str})
    assert len(df) == 16
    assert sum(Fraction(v) for v in df["exact"]) == 1
    assert df.set_index("function").loc["0110", "exact"] == "7/9216"
    assert {"function", "probability", "exact", "error", "n_ones", "combinations", "witness", "method"} <= set(df)


def test_table_mlp_relu_has_intervals():
    status, text = run(["table", "mlp", "--n", "2", "--widths", "2", "--activation", "relu", "--samples", "2e4",
                        "--format", "csv"])
    assert status == 0
    df = pd.read_csv(io.StringIO(text), dtype={"function": str})
    assert len(df) == 16 and abs(df.probability.sum() - 1) < 1e-9
    assert (df.ci_low <= df.probability).all() and (df.probability <= df.ci_high).all()
    assert df.method.str.startswith("rao-blackwell").all()


@pytest.mark.parametrize("argv,message", [
    (["table", "mlp", "--n", "3", "--widths", "4"], f"{math.comb(107, 4) * 1882:,} hidden-code combinations"),
    (["table", "mlp", "--n", "2", "--widths", "2", "--samples", "1e4"], "step nets are computed exactly"),
    (["table", "mlp", "--n", "2", "--widths", "5", "--activation", "relu"], "`pfmap sample`"),
    (["table", "mlp", "--n", "2", "--widths", "2", "--activation", "gelu"], "unknown activation"),
    (["table", "mlp", "--n", "2", "--widths", "0"], "every hidden width must be >= 1"),
    (["crossval", "mlp", "--n", "3", "--widths", "4"], "`pfmap sample`"),
])
def test_bad_input_is_one_line_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("arch,samples", [
    (MLP(2, (2,), "step", GaussianPrior()), 200_000),
    (MLP(2, (2,), "step", UniformPrior()), 200_000),
    (MLP(3, (2,), "step", GaussianPrior()), 200_000),
    (MLP(3, (2,), "step", UniformPrior(2, 1)), 200_000),
    (MLP(2, (2,), "relu", GaussianPrior()), 400_000),
    (MLP(2, (2,), "relu", UniformPrior()), 400_000),
])
def test_crossval_against_montecarlo(arch, samples):
    report = crossval_mlp(arch, samples=samples, seed=1, rb_samples=100_000)
    assert report.verdict == "PASS", report.summary()
    assert not report.impossible_seen


def test_crossval_cli_status(capsys):
    status, text = run(["crossval", "mlp", "--n", "2", "--widths", "2", "--activation", "relu", "--samples", "1e5",
                        "--rb-samples", "2e4", "--quiet"])
    assert status == 0 and "verdict: PASS" in text


def test_table_mlp_uses_every_core_by_default_and_the_table_does_not_change(monkeypatch):
    """The Rao-Blackwell table's default --workers is every usable core; the same bytes as --workers 1."""
    import pfmap.geometry.networks as networks

    seen = []
    original = networks.network_table

    def spy(*args, **kwargs):
        seen.append(kwargs.get("workers"))
        return original(*args, **kwargs)

    monkeypatch.setattr(networks, "network_table", spy)
    argv = ["table", "mlp", "--n", "2", "--widths", "2", "--activation", "relu", "--samples", "4096", "--format", "csv"]
    default = run(argv)
    single = run(argv + ["--workers", "1"])
    assert default[0] == single[0] == 0 and default[1] == single[1] and len(default[1].splitlines()) > 5
    import os

    assert seen == [len(os.sched_getaffinity(0)), 1]
