"""Bad input on the command line: one line on stderr, exit status 2, no traceback."""

import subprocess
import sys

import pytest

from pfmap.cli import main

BAD = [
    (["table", "perceptron", "--n", "7"], "8,378,070,864 threshold functions"),
    (["table", "perceptron", "--n", "6"], "15,028,134"),
    (["table", "perceptron", "--n", "0"], ">= 1"),
    (["table", "perceptron", "--n", "two"], "whole number"),
    (["table", "perceptron", "--n", "2", "--sigma-w", "-1"], "--sigma-w must be > 0"),
    (["table", "perceptron", "--n", "2", "--sigma-b", "abc"], "--sigma-b must be a positive number"),
    (["table", "perceptron", "--n", "2", "--prior", "laplace"], "unknown prior"),
    (["table", "perceptron", "--n", "2", "--encoding", "ternary"], "unknown encoding"),
    (["table", "perceptron", "--n", "2", "--prior", "uniform", "--sigma-w", "2"], "belong to the gaussian prior"),
    (["table", "perceptron", "--n", "2", "--a-w", "2"], "belong to the uniform prior"),
    (["table", "perceptron", "--n", "2", "--format", "xls"], "unknown format"),
    (["table", "perceptron", "--n", "2", "--out", "/nonexistent/dir/t.csv"], "does not exist"),
    (["table", "perceptron"], "required"),
    (["tabel"], "invalid choice"),
]


@pytest.mark.parametrize("argv,message", BAD)
def test_bad_input_is_one_line_and_status_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_console_script_exit_status():
    proc = subprocess.run([sys.executable, "-m", "pfmap", "table", "perceptron", "--n", "9"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
