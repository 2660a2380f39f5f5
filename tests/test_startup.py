"""Startup cost: ``pfmap --help`` and a small exact table import only what they use (issue 13, item 6).

Each check runs a fresh interpreter (``sys.modules`` of the test process is
full of everything), calls the console script's ``main`` and prints the
top-level packages it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("torch", "dask", "distributed", "matplotlib")

_PROBE = r"""
import contextlib, io, json, sys
argv = json.loads(sys.argv[1])
compiled = []
if argv[:1] != ["--help"] and sys.argv[2] == "listen":
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


def _probe(argv: list[str], listen: bool = True) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(argv), "listen" if listen else "quiet"],
                          capture_output=True, text=True,
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


def test_small_exact_table_does_not_even_import_numba():
    """Below dimension 6 the certified Gaussian measures need no compiled kernel, so numba is not loaded."""
    found = _probe(["table", "perceptron", "--n", "2", "--format", "csv"], listen=False)
    assert found["status"] == 0 and len(found["stdout"].splitlines()) == 15
    assert "numba" not in found["modules"] and "llvmlite" not in found["modules"]


def test_the_compile_notice_still_reports_a_kernel_compiled_after_numba_is_imported(tmp_path):
    """The notice registers its listener when numba is first imported inside the block (it imports nothing)."""
    code = ("import sys\n"
            "from pfmap.progress import compile_notice\n"
            "lines = []\n"
            "with compile_notice(lines.append) as info:\n"
            "    before = 'numba' in sys.modules\n"
            "    from pfmap.formula_size import formula_size_table\n"
            "    assert int(formula_size_table(2).max()) == 3\n"
            "print(before, len(lines), info['seconds'] is not None)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "2", "True"], done.stdout   # the start and the end of the compile
