"""The quick paper_tables scripts reproduce their published figures (exit status 0, MATCH)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script,args", [
    ("two_input_perceptron.py", []),
    ("threshold_counts.py", ["--max-n", "4"]),
    ("two_input_networks.py", []),
])
def test_paper_table_script_matches(script, args):
    proc = subprocess.run([sys.executable, str(ROOT / "paper_tables" / script), *args],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "MATCH" in proc.stdout and "MISMATCH" not in proc.stdout
