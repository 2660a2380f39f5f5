"""kill -9 at 20 random moments of a run folder's life; the final table equals an uninterrupted run's, byte for byte.

A ``pfmap sample mlp --n 7 --widths 40,40 ... --out DIR --format csv`` run
is started, killed with SIGKILL, restarted (it resumes), killed again, ...:
at random points of the work left (a number of finished chunks drawn
uniformly), right after a restart (while the resumed run reads and verifies
its chunks), and while the final tables are being written (their temporary
files exist).
When the run finally completes, its ``table.parquet`` and ``table.csv`` are
compared with an uninterrupted run's: the same bytes in every row.  Printed:
each kill (when, what the folder held), whether any chunk was rejected on
resume, and the verdict.  tests/test_pipeline.py does the same at 5 moments.

Run: python benchmarks/kill_resume.py [--kills 20] [--samples 2e5] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from pfmap.validation import parse_count


def command(out: Path, samples: int) -> list[str]:
    return [sys.executable, "-m", "pfmap", "sample", "mlp", "--n", "7", "--widths", "40,40", "--samples",
            str(samples), "--chunk-size", "2000", "--seed", "3", "--workers", "1", "--quiet", "--out", str(out),
            "--format", "csv"]


def same_rows(a: Path, b: Path) -> bool:
    """The two Parquet tables hold the same rows: every column's bytes equal."""
    ta, tb = pq.read_table(a), pq.read_table(b)
    if ta.num_rows != tb.num_rows or ta.column_names != tb.column_names:
        return False
    for name in ta.column_names:
        x, y = ta.column(name).to_numpy(), tb.column(name).to_numpy()
        if x.dtype.kind == "f":
            x, y = x.view(np.uint64), y.view(np.uint64)
        if not np.array_equal(x, y):
            return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="kill -9 this many times (default 20)")
    parser.add_argument("--samples", default="2e5", help="networks of the run (default 2e5, 100 chunks)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random moments (default 1)")
    args = parser.parse_args(argv)
    samples = parse_count(args.samples, "samples")
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="pfmap-kill-"))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    try:
        t = time.perf_counter()
        subprocess.run(command(work / "whole", samples), env=env, check=True, capture_output=True)
        duration = time.perf_counter() - t
        total = -(-samples // 2000)
        print(f"uninterrupted run: {duration:.1f} s, {total} chunks; killing at {args.kills} moments")
        out = work / "killed"
        early = ["random"] * (args.kills - 2 * (args.kills // 5)) + ["resume"] * (args.kills // 5)
        rng.shuffle(early)
        kinds = early + ["table"] * (args.kills // 5)  # the final tables exist only once every chunk is done
        kills, warnings = 0, 0
        for index, kind in enumerate(kinds):
            if (out / "table.csv").exists():
                break
            stale = set(out.glob("table.*.tmp"))  # left by an earlier kill (the next run removes them)
            done_chunks = len(list((out / "chunks").glob("*.parquet"))) if (out / "chunks").is_dir() else 0
            proc = subprocess.Popen(command(out, samples), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            start = time.perf_counter()
            if kind == "random" and done_chunks < total - 2:  # a random point of the work left
                left = kinds[index:].count("random")  # spread the random kills over the chunks still to do
                spread = max(1, 2 * (total - 2 - done_chunks) // (left + 1))
                target = done_chunks + rng.randint(1, spread)
                while proc.poll() is None and len(list((out / "chunks").glob("*.parquet"))) < target:
                    time.sleep(0.002)
            elif kind == "resume" or kind == "random":  # early in a resumed run, or no chunk left to reach
                time.sleep(rng.uniform(0.0, min(2.0, duration / 4)))
            else:  # the final tables are being written
                while proc.poll() is None and not set(out.glob("table.*.tmp")) - stale:
                    time.sleep(0.001)
            alive = proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            _, err = proc.communicate()
            warnings += err.decode().count("warning")
            chunks = len(list((out / "chunks").glob("*.parquet"))) if (out / "chunks").is_dir() else 0
            kills += alive
            print(f"kill {kills:2d} ({kind:6s}) after {time.perf_counter() - start:5.2f} s: "
                  f"{'killed' if alive else 'had finished'}, {chunks} chunk files", flush=True)
        done = subprocess.run(command(out, samples), env=env, capture_output=True, text=True)
        warnings += done.stderr.count("warning")
        same = done.returncode == 0 and same_rows(out / "table.parquet", work / "whole" / "table.parquet") \
            and (out / "table.csv").read_bytes() == (work / "whole" / "table.csv").read_bytes()
        print(f"{kills} kills; chunk files rejected on resume: {warnings}; final table equals the uninterrupted "
              f"run's: {same}")
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
