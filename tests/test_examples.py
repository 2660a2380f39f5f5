"""The examples run from a fresh process and print what their docstrings promise."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script, expected", [
    ("quickstart.py", ["box prior, n = 3: 104 functions", "verdict: PASS"]),
    ("networks_and_large_runs.py", ["xor has volume 7/9216", "verdict: PASS", "distinct functions in 10^6 samples"]),
])
def test_example_runs(script, expected, tmp_path):
    args = [sys.executable, str(ROOT / "examples" / script)]
    if script == "networks_and_large_runs.py":
        args.append(str(tmp_path / "run"))
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    for text in expected:
        assert text in done.stdout, (text, done.stdout[-2000:])
