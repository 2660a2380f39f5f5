"""paper_tables/valle_perez_2019_fig1b.py runs: network and NNGP labellings of 10 MNIST digits agree (chi-square)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_fig1b_script_network_matches_nngp(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "paper_tables" / "valle_perez_2019_fig1b.py"),
                           "--samples", "2e4", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    line = re.search(r"chi-square .*: ([0-9.]+) on (\d+) degrees of freedom, p = ([0-9.e+-]+)", proc.stdout)
    assert line, proc.stdout[-2000:]
    assert int(line.group(2)) >= 10 and float(line.group(3)) > 1e-3  # 2e4 samples cannot resolve finite width
    assert "MATCH" in proc.stdout and "MISMATCH" not in proc.stdout
    assert (tmp_path / "fig1b.png").stat().st_size > 0
