"""``pfmap sample mlp|perceptron --data ...`` and ``pfmap sample nngp``: the prior on a data set's points."""

import io
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest
from scipy import stats

from pfmap import MLP, GaussianPrior, Perceptron
from pfmap.cli import main
from pfmap.geometry import perceptron_table
from pfmap.montecarlo import sample


def _run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _csv(text):
    return pd.read_csv(io.StringIO(text), dtype={"function": str})


def _restricted(cube_table, mask):
    """Counts of the labellings on the masked inputs, read off a table of functions on the whole cube."""
    keep = [i for i, c in enumerate(mask) if c == "1"]
    on_e = cube_table["function"].map(lambda f: "".join(f[i] for i in keep))
    return cube_table.groupby(on_e)["count"].sum()


@pytest.mark.parametrize("mask_flags, mask", [(["--test-mask", "01101001"], "01101001"),
                                              (["--target", "00010111", "--train-mask", "10010110"], "01101001")])
def test_mlp_on_boolean_points_equals_the_cube_read_at_those_inputs(mask_flags, mask):
    code, out, _ = _run("sample", "mlp", "--data", "boolean", *mask_flags, "--widths", "5,5", "--samples", "20000",
                        "--seed", "4", "--quiet", "--format", "csv")
    assert code == 0
    on_e = _csv(out).set_index("function")["count"]
    cube = sample(MLP(3, (5, 5), "relu", GaussianPrior(1, 1)), 20000, seed=4)
    expected = _restricted(cube, mask)
    assert on_e.sum() == 20000
    pd.testing.assert_series_equal(on_e.sort_index(), expected.sort_index(), check_names=False)


def test_perceptron_on_points_in_a_run_folder(tmp_path):
    folder = tmp_path / "run"
    code, _, err = _run("sample", "perceptron", "--data", "boolean", "--test-mask", "0111", "--samples", "5000",
                        "--seed", "2", "--quiet", "--out", str(folder))
    assert code == 0 and "table.parquet" in err
    table = pd.read_parquet(folder / "table.parquet").set_index("function")["count"]
    expected = _restricted(sample(Perceptron(2), 5000, seed=2), "0111")
    pd.testing.assert_series_equal(table.sort_index(), expected.sort_index(), check_names=False, check_dtype=False)


def test_nngp_of_a_perceptron_matches_the_exact_table():
    # depth 0: z = w.x + b is exactly Gaussian with the linear kernel, so the labellings of the whole cube are
    # the threshold functions with their exact Gaussian volumes
    draws = 40000
    code, out, _ = _run("sample", "nngp", "--data", "boolean", "--test-mask", "11111111", "--widths", "none",
                        "--samples", str(draws), "--seed", "1", "--quiet", "--format", "csv")
    assert code == 0
    seen = _csv(out).set_index("function")["count"]
    exact = perceptron_table(3, GaussianPrior(1, 1)).set_index("function")["probability"].astype(float)
    outside = seen.drop(index=[f for f in seen.index if f in exact.index]).sum()
    assert outside <= 5                                # only the jitter of a rank-4 kernel can leave the regions
    observed = seen.reindex(exact.index, fill_value=0).to_numpy(float)
    expected = exact.to_numpy() * observed.sum()
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_nngp_and_network_agree_on_mnist_points():
    # one hidden layer of width 256 against its NNGP on 3 real digits (2^3 labellings): a chi-square of
    # homogeneity, both seeded
    args = ["--data", "mnist", "--test-size", "3", "--samples", "3000", "--seed", "0", "--quiet", "--format", "csv",
            "--sigma-w", "1.41", "--fan-in-scaling", "--activation", "relu"]
    code1, net, _ = _run("sample", "mlp", "--widths", "256", *args)
    code2, gp, _ = _run("sample", "nngp", "--widths", "256", *args)
    assert code1 == code2 == 0
    a, b = _csv(net).set_index("function")["count"], _csv(gp).set_index("function")["count"]
    assert set(len(f) for f in a.index) == {3} and a.sum() == b.sum() == 3000
    table = pd.concat([a, b], axis=1).fillna(0).to_numpy()
    table = table[table.sum(axis=1) >= 10]
    assert stats.chi2_contingency(table.T)[1] > 1e-3


@pytest.mark.parametrize("argv, word", [
    (["sample", "mlp", "--samples", "10"], "--n"),
    (["sample", "mlp", "--data", "cifar", "--samples", "10"], "--data"),
    (["sample", "mlp", "--data", "boolean", "--test-mask", "012", "--samples", "10"], "2^n"),
    (["sample", "mlp", "--data", "boolean", "--test-mask", "0120", "--samples", "10"], "mask"),
    (["sample", "mlp", "--data", "boolean", "--samples", "10"], "--test-mask"),
    (["sample", "mlp", "--n", "3", "--test-mask", "01100110", "--samples", "10"], "--data"),
    (["sample", "mlp", "--n", "2", "--data", "boolean", "--test-mask", "01101001", "--samples", "10"], "--n"),
    (["sample", "nngp", "--data", "boolean", "--test-mask", "0000", "--samples", "10"], "E"),
    (["sample", "nngp", "--data", "boolean", "--test-mask", "0110", "--samples", "0"], "--samples"),
    (["sample", "nngp", "--data", "mnist", "--samples", "10"], "--test-size"),
    (["sample", "nngp", "--data", "boolean", "--test-mask", "0110", "--widths", "4 4", "--samples", "10"],
     "--widths"),
])
def test_bad_input_one_line(argv, word):
    code, out, err = _run(*argv, "--quiet")
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("pfmap: error:"), err
    assert word in err, err
