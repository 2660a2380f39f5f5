"""Startup cost: ``pfmap --help`` and a small exact table import only what they use (issue 13, item 6).

Each check runs a fresh interpreter (``sys.modules`` of the test process is
full of everything), calls the console script's ``main`` and prints the
top-level packages it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("torch", "dask", "distributed", "matplotlib")

_PROBE = r"""
import contextlib, io, json, sys
argv = json.loads(sys.argv[1])
compiled = []
if argv[:1] != ["--help"]:
    from numba.core import event

    class Listener(event.Listener):
        def on_start(self, ev):
            compiled.append(str(ev.data.get("dispatcher", ev.data)))

        def on_end(self, ev):
            pass

    event.register("numba:compile", Listener())
import pfmap.cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        status = pfmap.cli.main(argv)
    except SystemExit as exc:
        status = exc.code
print(json.dumps({"status": status, "stdout": out.getvalue(), "compiled": compiled,
                  "modules": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def _probe(argv: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv)], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_help_imports_no_engine():
    found = _probe(["--help"])
    assert found["status"] == 0
    assert "sample" in found["stdout"] and "table" in found["stdout"]  # the help was printed
    loaded = set(found["modules"])
    assert "pfmap" in loaded  # the probe sees what the command imported
    assert loaded.isdisjoint({*HEAVY, "numba", "llvmlite", "pandas", "pyarrow", "scipy"}), \
        sorted(loaded & {*HEAVY, "numba", "llvmlite", "pandas", "pyarrow", "scipy"})


def test_small_exact_table_imports_no_torch_dask_matplotlib_and_compiles_nothing():
    found = _probe(["table", "perceptron", "--n", "2", "--format", "csv"])
    assert found["status"] == 0
    lines = found["stdout"].splitlines()
    # the 14 threshold functions of {0,1}^2 (all 16 but XOR and XNOR), one row each
    assert len(lines) == 15 and lines[0].startswith("function,")
    assert {line.split(",")[0] for line in lines[1:]} == {format(f, "04b") for f in range(16)} - {"0110", "1001"}
    assert set(found["modules"]).isdisjoint(HEAVY), sorted(set(found["modules"]) & set(HEAVY))
    assert found["compiled"] == [], found["compiled"]  # no numba kernel compiled (cold or warm cache alike)
