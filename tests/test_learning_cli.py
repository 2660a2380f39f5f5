"""The learning commands end to end: posterior (rejection and GP), train, compare, bound; bad input in one line."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from pfmap.cli import main
from pfmap.tables import read_table

BOOLEAN = ["--data", "boolean", "--target", "00010111", "--train-mask", "11001000"]


def _run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_rejection_and_tilting_agree_on_the_perceptron(tmp_path, capsys):
    """A perceptron is its own GP: the GP posterior must match rejection sampling of perceptrons."""
    rej, gp = tmp_path / "rej.csv", tmp_path / "gp.csv"
    status, _, err = _run(["posterior", "perceptron", *BOOLEAN, "--method", "rejection", "--samples", "4e5",
                           "--out", str(rej)], capsys)
    assert status == 0 and "log P(S) = " in err
    status, _, err = _run(["posterior", "perceptron", *BOOLEAN, "--method", "tilting", "--samples", "2e4",
                           "--out", str(gp)], capsys)
    assert status == 0 and "log P(S) = " in err
    a, b = read_table(rej).set_index("function"), read_table(gp).set_index("function")
    for f in a.index[:5]:
        se = math.sqrt(a.loc[f, "probability"] * (1 - a.loc[f, "probability"]) / a.loc[f, "count"].sum()) + 0.01
        assert abs(a.loc[f, "probability"] - b.loc[f, "probability"]) < 5 * se + 0.02, f


def test_train_compare_and_the_run_folder(tmp_path, capsys):
    args = ["train", "mlp", "--widths", "3", "--data", "boolean", "--target", "0111", "--train-mask", "1110",
            "--runs", "60", "--lr", "0.1", "--batch-size", "1", "--max-epochs", "400", "--chunk-size", "25",
            "--quiet", "--out", str(tmp_path / "run")]
    status, _, err = _run(args, capsys)
    assert status == 0 and "runs fitted S" in err
    table = read_table(tmp_path / "run" / "table.parquet")
    fitted = int(table["count"].sum())
    assert f"{fitted:,} of 60 runs fitted S; {60 - fitted:,} did not" in err   # the counts are the fitted runs
    # a resumed (finished) job gives the same table
    status, _, _ = _run(args, capsys)
    pd.testing.assert_frame_equal(read_table(tmp_path / "run" / "table.parquet"), table)
    post = tmp_path / "post.csv"
    status, _, _ = _run(["posterior", "mlp", "--widths", "3", "--data", "boolean", "--target", "0111",
                         "--train-mask", "1110", "--method", "rejection", "--samples", "2e5", "--quiet",
                         "--out", str(post)], capsys)
    assert status == 0
    status, out, _ = _run(["compare", str(tmp_path / "run" / "table.parquet"), str(post), "--plots",
                           str(tmp_path / "plots")], capsys)
    assert status == 0 and "mean test error" in out and (tmp_path / "plots" / "scatter.png").is_file()


def test_bound_has_one_row_per_size(tmp_path, capsys):
    out = tmp_path / "bound.csv"
    status, _, _ = _run(["bound", "perceptron", "--data", "boolean", "--target", "0001011101111111",
                         "--train-size", "4,8", "--method", "tilting", "--out", str(out)], capsys)
    assert status == 0
    df = pd.read_csv(out)
    assert df["m"].tolist() == [4, 8]
    m, log_p = df["m"].to_numpy(), df["log_p_train"].to_numpy()
    expected = 1 - np.exp(-(-log_p + 2 * np.log(m) + 1 - np.log(2.0**-10)) / m)
    assert np.allclose(df["bound"], np.minimum(expected, 1.0), atol=1e-9) or np.allclose(df["bound"], expected)


@pytest.mark.parametrize("argv,message", [
    (["posterior", "perceptron", "--data", "boolean", "--target", "0012", "--train-size", "2"], "0"),
    (["posterior", "perceptron", "--data", "boolean", "--target", "00010111", "--train-mask", "1100"], "--train-mask"),
    (["posterior", "perceptron", "--data", "boolean", "--target", "00010111", "--train-size", "0"], "train-size"),
    (["posterior", "perceptron", "--data", "cifar", "--train-size", "2"], "--data"),
    (["posterior", "perceptron", *BOOLEAN, "--method", "magic"], "--method"),
    (["train", "mlp", *BOOLEAN, "--runs", "10", "--lr", "0"], "lr"),
    (["train", "mlp", *BOOLEAN, "--runs", "10", "--batch-size", "0"], "batch"),
    (["train", "mlp", *BOOLEAN, "--runs", "10", "--batch-size", "9"], "batch"),
    (["train", "mlp", *BOOLEAN, "--runs", "10", "--optimizer", "rmsprop"], "optimizer"),
    (["train", "mlp", *BOOLEAN, "--runs", "10", "--loss", "hinge"], "loss"),
    (["train", "mlp", *BOOLEAN, "--runs", "10", "--batch-size", "1", "--device", "cuda"], "cuda"),
    (["compare", "/nonexistent/a.csv", "/nonexistent/b.csv"], "no such table"),
])
def test_bad_input_is_one_line(argv, message):
    proc = subprocess.run([sys.executable, "-m", "pfmap", *argv], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pfmap: error:") and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
