"""Run every example and capture what it prints and the figures it draws, for the documentation's examples page.

Each ``examples/*.py`` runs in a fresh process in an empty temporary folder; its standard output goes to
``docs/examples/<name>.out`` and every PNG it leaves in that folder to ``docs/examples/<name>/``.  The
rank plot and correlation matrices of ``paper_tables/simplicity_bias_ranking.py --quick`` go to
``docs/examples/simplicity_bias_ranking/``.  The Sphinx build includes whatever is there (it never runs
the examples itself, so that it stays fast and offline).

Run: python docs/capture_examples.py        (a few minutes on two cores)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
CAPTURED = DOCS / "examples"


def capture(name: str, args: list[str], *, figures_arg: bool = False) -> None:
    """Run ``args`` in a temporary folder; keep its stdout and PNG files under ``docs/examples``."""
    target = CAPTURED / name
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, *args] + (["--figures", tmp] if figures_arg else [])
        done = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr.strip()[-800:]}")
        CAPTURED.mkdir(exist_ok=True)
        (CAPTURED / f"{name}.out").write_text(done.stdout, encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        pngs = sorted(Path(tmp).rglob("*.png"))
        if pngs:
            target.mkdir(parents=True)
            for png in pngs:
                shutil.copy2(png, target / png.name)
        print(f"{name}: {len(done.stdout.splitlines())} lines, {len(pngs)} figures")


def main() -> int:
    for script in sorted((ROOT / "examples").glob("*.py")):
        capture(script.stem, [str(script)])
    capture("simplicity_bias_ranking", [str(ROOT / "paper_tables" / "simplicity_bias_ranking.py"), "--quick"],
            figures_arg=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
