"""``pfmap sample``: output, run folders, and one-line errors with exit status 2."""

import io
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import pytest

from pfmap.cli import main
from pfmap.montecarlo import load_run, sample
from pfmap import MLP, Perceptron, UniformPrior


def run_cli(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(args)
    return status, out.getvalue(), err.getvalue()


def test_prints_the_same_table_as_the_api():
    status, out, err = run_cli(["sample", "perceptron", "--n", "2", "--samples", "1e4", "--seed", "3",
                                "--format", "csv", "--quiet"])
    assert status == 0 and err == ""
    df = pd.read_csv(io.StringIO(out), dtype={"function": str})
    want = sample(Perceptron(2), 10_000, seed=3)
    assert df["function"].tolist() == want["function"].tolist()
    assert df["count"].tolist() == want["count"].tolist()


def test_run_folder_and_formats(tmp_path):
    args = ["sample", "mlp", "--n", "3", "--widths", "5", "--activation", "tanh", "--prior", "uniform",
            "--a-w", "2", "--samples", "2e4", "--chunk-size", "5000", "--out", str(tmp_path / "r"), "--format", "json",
            "--quiet"]
    status, out, err = run_cli(args)
    assert status == 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "table.parquet" in err and "table.json" in err
    df = load_run(tmp_path / "r")
    want = sample(MLP(3, (5,), "tanh", UniformPrior(a_w=2)), 20_000, seed=0, chunk_size=5000)
    assert df["count"].tolist() == want["count"].tolist()
    assert run_cli(args)[0] == 0  # a finished run reruns from its chunks


@pytest.mark.parametrize("extra,needle", [
    (["--samples", "0"], "--samples must be a positive whole number"),
    (["--samples", "-3"], "--samples must be a positive whole number"),
    (["--samples", "1e3", "--backend", "jax"], "unknown backend 'jax'"),
    (["--samples", "1e3", "--device", "cuda"], "cuda"),
    (["--samples", "1e3", "--widths", "4,0"], "every hidden width must be >= 1"),
    (["--samples", "1e3", "--n", "11"], "up to n = 10"),
    (["--samples", "1e3", "--activation", "swish"], "unknown activation"),
    (["--samples", "1e3", "--seed", "-1"], "--seed must be a whole number >= 0"),
    (["--samples", "1e3", "--format", "parquet"], "give --out FILE.parquet"),
])
def test_bad_input_is_one_line_and_status_2(extra, needle):
    args = ["sample", "mlp", "--n", "3", "--widths", "4"] + extra
    if "--n" in extra:
        args = ["sample", "mlp", "--widths", "4"] + extra
    status, out, err = run_cli(args)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pfmap: error: ") and needle in lines[0], err


def test_cuda_without_gpu_is_refused():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    status, _, err = run_cli(["sample", "perceptron", "--n", "2", "--samples", "100", "--backend", "torch",
                              "--device", "cuda"])
    assert status == 2 and "torch.cuda.is_available() is False" in err


def test_folder_that_is_not_a_run(tmp_path):
    (tmp_path / "x.txt").write_text("not a run")
    status, _, err = run_cli(["sample", "perceptron", "--n", "2", "--samples", "100", "--out", str(tmp_path)])
    assert status == 2 and "not a run folder" in err and len(err.strip().splitlines()) == 1
    f = tmp_path / "file"
    f.write_text("")
    status, _, err = run_cli(["sample", "perceptron", "--n", "2", "--samples", "100", "--out", str(f)])
    assert status == 2 and "is a file" in err
