"""The whole ``pfmap sample`` pipeline against its sampling kernel, measured in the same run.

For the 7-40-40-1 ReLU net of ``pfmap sample mlp --n 7 --widths 40,40``
(weights and biases N(0, 1), {0,1}^7), and each output way of the command
line -- CSV to stdout, CSV to a file, Parquet to a file, a run folder --
this prints:

* the end-to-end rate: networks per second of the command itself, started
  as a process (imports, kernel loading, sampling, counting, sorting,
  writing; stdout goes to a file);
* the kernel-only rate: networks per second of ``sample_tables`` (draw and
  forward pass, tables left in memory), in this process, over the same
  number of networks, timed right before the command;
* their ratio (target >= 0.8);
* the floor under it: the same command at 1,000 networks (process start, imports, numba's registries and the
  cached kernel: what every run pays before its first network), the output's size, the time to copy those bytes
  into a new file with fsync (of a run folder only its final table: the chunk files are written during the
  run), and the ratio a run would reach if counting, sorting and formatting cost nothing
  (``kernel / (kernel + floor + copy)``);
* the time of each phase, measured in this process on the same run: draw
  (``draw_parameters`` alone), forward (the kernel minus the draw), count
  (the streaming counter), table (sort, Wilson intervals) and write (the
  batched writer of that format, with its final fsync); and, for ``--out
  DIR``, the chunk files (one chunk's file written, times the number of
  chunks).

On a machine shared with other work both rates vary; the kernel is timed
just before each command so that both see the same load, and ``--rounds``
repeats the pairs (the median ratio is printed).

Measured (quiet 2-core Intel Xeon, December 2026, ``--samples 2e6,1e7``):

* 2e6 (1.39 million rows, kernel 4.1-4.2 s): ratios 0.76 (csv to stdout),
  0.75 (csv file), 0.75 (parquet), 0.67 (folder); the floors allow at most
  0.77, 0.78, 0.81, 0.79: the command at 1,000 networks takes 0.66-0.72 s
  (csv) and 0.93-1.05 s (parquet and folder, which import pyarrow), and the
  253 MB of CSV take 0.51-0.57 s to copy with fsync.
* 1e7 (6.74 million rows, kernel 20.9-21.3 s): 0.78, 0.77, 0.80, 0.80;
  floors 0.86, 0.84, 0.93, 0.95.  Phases: count 2.3 s (overlapping the
  kernel), table 0.83 s, write 2.56 s (csv, 1.23 GB: the copy with fsync
  alone takes 2.7-3.3 s) or 1.40 s (parquet).

Run: python benchmarks/pipeline.py [--samples 2e6,1e7] [--rounds 1] [--ways csv-stdout,csv-file,parquet,folder]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

from pfmap import MLP, GaussianPrior
from pfmap.validation import parse_count

ARCH = MLP(7, (40, 40), "relu", GaussianPrior())
COMMAND = ["sample", "mlp", "--n", "7", "--widths", "40,40", "--seed", "1", "--quiet"]
WAYS = {
    "csv-stdout": lambda d: (["--format", "csv"], os.path.join(d, "stdout.csv")),
    "csv-file": lambda d: (["--out", os.path.join(d, "t.csv")], None),
    "parquet": lambda d: (["--out", os.path.join(d, "t.parquet")], None),
    "folder": lambda d: (["--out", os.path.join(d, "run")], None),
}


def kernel_seconds(samples: int, seed: int = 1) -> float:
    """Seconds of ``sample_tables`` (draw + forward, all threads) for ``samples`` networks, in batches of 2^16."""
    from pfmap.montecarlo import chunk_key, sample_tables

    sample_tables(ARCH, 1, seed=chunk_key(seed, 0))
    t = time.perf_counter()
    for first in range(0, samples, 1 << 16):
        sample_tables(ARCH, min(1 << 16, samples - first), seed=chunk_key(seed, first >> 20), first=first & ((1 << 20) - 1))
    return time.perf_counter() - t


def command_seconds(samples: int, way: str, folder: str) -> tuple[float, str]:
    """Wall seconds of ``pfmap sample ...`` as a process, for one output way, and the path of its output."""
    extra, stdout_file = WAYS[way](folder)
    args = [sys.executable, "-m", "pfmap", *COMMAND, "--samples", str(samples), *extra]
    with open(stdout_file or os.devnull, "wb") as out:
        t = time.perf_counter()
        subprocess.run(args, stdout=out, stderr=subprocess.PIPE, check=True)
        seconds = time.perf_counter() - t
    return seconds, stdout_file or extra[-1]


def output_bytes(path: str) -> int:
    """Bytes of a command's output (a file, or every file of a run folder)."""
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
    return os.path.getsize(path)


def copy_seconds(path: str, folder: str) -> tuple[float, int]:
    """Seconds to copy the output's bytes to a new file and fsync it, and the bytes copied: the floor of any
    writer of that output.  Of a run folder only its largest file, the final table: the chunk files are
    written while the kernel runs."""
    if os.path.isdir(path):
        path = max((os.path.join(d, f) for d, _, files in os.walk(path) for f in files), key=os.path.getsize)
    target = os.path.join(folder, "copy.bin")
    t = time.perf_counter()
    with open(path, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 24)
        dst.flush()
        os.fsync(dst.fileno())
    seconds = time.perf_counter() - t
    os.remove(target)
    return seconds, os.path.getsize(path)


def _draw_only():
    """A numba loop that draws networks exactly as the fast path does (into its padded buffer), and nothing else."""
    import numba

    from pfmap.montecarlo.draws import draw_network, draw_scratch

    @numba.njit(nogil=True)
    def draw_range(key, first, count, scales, scales32, gaussian, positions, blocks, buffer_size):
        P = np.zeros(buffer_size, dtype=np.float32)
        words, redo, spill = draw_scratch(blocks.shape[0])
        total = 0.0
        for b in range(count):
            draw_network(key, first + b, scales, scales32, gaussian, positions, blocks, P, words, redo, spill)
            total += P[0]
        return total

    return draw_range


def phases(samples: int, fmt: str, folder: str) -> dict:
    """Seconds of each phase of the same run, measured here one after the other (all threads where the run uses
    them: the draw is timed on one thread and divided by the number of threads)."""
    import numba

    from pfmap.montecarlo import TableCounter, VolumeRows, chunk_key, sample_tables, write_volume
    from pfmap.montecarlo.backends import NetworkLayout
    from pfmap.montecarlo.draws import DrawPlan

    layout = NetworkLayout.of(ARCH)
    plan = DrawPlan(layout.scales, layout.positions)
    draw_range = _draw_only()
    draw_range(np.uint64(1), 0, 1, plan.scales, plan.scales32, layout.gaussian, plan.positions, plan.blocks,
               layout.buffer_size)
    out = {"draw": 0.0, "kernel": 0.0, "count": 0.0}
    counter = TableCounter(2)
    threads = numba.config.NUMBA_NUM_THREADS
    for first in range(0, samples, 1 << 16):
        size, key, start = min(1 << 16, samples - first), chunk_key(1, first >> 20), first & ((1 << 20) - 1)
        if first % (1 << 18) == 0:  # a quarter of the batches, scaled: the draw alone on one thread
            t = time.perf_counter()
            draw_range(key, start, size, plan.scales, plan.scales32, layout.gaussian, plan.positions, plan.blocks,
                       layout.buffer_size)
            out["draw"] += 4 * (time.perf_counter() - t) / threads
        t = time.perf_counter()
        tables = sample_tables(ARCH, size, seed=key, first=start)
        out["kernel"] += time.perf_counter() - t
        t = time.perf_counter()
        counter.add(tables)
        out["count"] += time.perf_counter() - t
    out["forward"] = out["kernel"] - out["draw"]
    # the run folder's extra: one chunk file per 2^20 networks (chunk 0 counted alone, written, times the chunks)
    from pfmap.montecarlo.runs.folder import SamplingFolder
    from pfmap.montecarlo.runs.manifest import prepare

    _, _, config = prepare(ARCH, samples, 1, inputs=None, backend=None, device="cpu", chunk_size=None)
    alone = TableCounter(2)
    for first in range(0, min(samples, 1 << 20), 1 << 16):
        alone.add(sample_tables(ARCH, min(1 << 16, samples - first), seed=chunk_key(1, 0), first=first))
    chunk_keys, chunk_counts = alone.drain()
    with SamplingFolder(os.path.join(folder, f"warm-{fmt}"), config) as run:  # first-call costs (imports)
        run.write_counts(0, chunk_keys, chunk_counts)
    with SamplingFolder(os.path.join(folder, f"run-{fmt}"), config) as run:
        t = time.perf_counter()
        run.write_counts(0, chunk_keys, chunk_counts)
        out["chunks"] = (time.perf_counter() - t) * config["chunks"]
    t = time.perf_counter()
    keys, counts = counter.drain()
    rows = VolumeRows(keys, counts, samples, 128, {"benchmark": True})
    out["table"] = time.perf_counter() - t
    t = time.perf_counter()
    write_volume(rows, fmt, path=os.path.join(folder, f"phase.{'tex' if fmt == 'latex' else fmt}"))
    out["write"] = time.perf_counter() - t
    out["rows"] = len(rows)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default="2e6,1e7", help="comma-separated run sizes (default 2e6,1e7)")
    parser.add_argument("--rounds", type=int, default=1, help="pairs per size and way (default 1)")
    parser.add_argument("--ways", default=",".join(WAYS), help=f"output ways (default {','.join(WAYS)})")
    parser.add_argument("--no-phases", action="store_true", help="skip the in-process phase breakdown")
    args = parser.parse_args(argv)
    sizes = [parse_count(s, "samples") for s in args.samples.split(",")]
    ways = [w.strip() for w in args.ways.split(",")]
    print(f"7-40-40-1 relu, N(0,1) weights and biases, {{0,1}}^7; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f} at start")
    for samples in sizes:
        for way in ways:
            ratios = []
            for _ in range(args.rounds):
                folder = tempfile.mkdtemp(prefix="pfmap-pipeline-")
                try:
                    os.mkdir(os.path.join(folder, "small"))
                    startup, _ = command_seconds(1000, way, os.path.join(folder, "small"))
                    kernel = kernel_seconds(samples)
                    command, output = command_seconds(samples, way, folder)
                    size, (copy, copied) = output_bytes(output), copy_seconds(output, folder)
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
                ratios.append(kernel / command)
                print(f"{samples:.0e} {way:10s}  end to end {samples / command:10,.0f} net/s ({command:6.1f} s)  "
                      f"kernel only {samples / kernel:10,.0f} net/s ({kernel:6.1f} s)  ratio {kernel / command:.2f}",
                      flush=True)
                print(f"{'':17s}floor: the command at 1,000 networks {startup:.2f} s (start, imports, kernel load); "
                      f"output {size / 1e6:,.0f} MB, {copied / 1e6:,.0f} MB of it copied with fsync in {copy:.2f} s; "
                      f"best possible ratio "
                      f"with free counting, table and formatting {kernel / (kernel + startup + copy):.2f}", flush=True)
            if args.rounds > 1:
                print(f"{samples:.0e} {way:10s}  median ratio {float(np.median(ratios)):.2f} over {len(ratios)} pairs")
        if not args.no_phases:
            folder = tempfile.mkdtemp(prefix="pfmap-pipeline-")
            try:
                for fmt in ("csv", "parquet"):
                    p = phases(samples, fmt, folder)
                    print(f"{samples:.0e} phases ({fmt}, {p['rows']:,} rows): " + ", ".join(
                        f"{k} {p[k]:.2f} s" for k in ("draw", "forward", "count", "table", "write"))
                        + f"; run folder's chunk files {p['chunks']:.2f} s (count and chunk files overlap the "
                          f"kernel in a run; here they are timed alone)", flush=True)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
