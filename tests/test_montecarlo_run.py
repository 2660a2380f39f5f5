"""Runs: the table depends only on the configuration; run folders resume, refuse and report corruption."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pfmap import MLP, Perceptron, PfmapError
from pfmap.montecarlo import load_run, sample
from pfmap.montecarlo.runs import chunks as run_module
from pfmap.montecarlo.runs import SamplingFolder, count_chunk, prepare

ARCH = MLP(3, (6,), "relu")


@pytest.fixture(scope="module")
def reference():
    return sample(ARCH, 30_000, seed=4, chunk_size=4000)


def _same(a, b):
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_counts_add_up(reference):
    assert int(reference["count"].sum()) == 30_000
    assert np.isclose(reference["probability"].sum(), 1.0)
    assert reference.attrs["pfmap"]["chunk_size"] == 4000 and reference.attrs["pfmap"]["seed"] == 4


def test_independent_of_backend_threads_and_batch(reference, monkeypatch):
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, backend="numpy"))
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, workers=1))
    monkeypatch.setattr(run_module, "BATCH", 1500)
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, workers=2))


def test_a_run_is_a_prefix_of_a_longer_one():
    short = sample(Perceptron(3), 5000, seed=2, chunk_size=4000)
    longer = sample(Perceptron(3), 9000, seed=2, chunk_size=4000)
    assert short["count"].sum() == 5000 and longer["count"].sum() == 9000
    assert not short.equals(longer)


def test_finishing_order_does_not_matter(reference, tmp_path):
    input_set, backend, config = prepare(ARCH, 30_000, 4, inputs=None, backend=None, device="cpu", chunk_size=4000)
    with SamplingFolder(tmp_path / "run", config) as folder:
        for chunk in reversed(range(config["chunks"])):  # last chunk first
            keys, counts = count_chunk(ARCH, input_set, config, chunk=chunk, backend=backend).items()
            folder.write_counts(chunk, keys, counts)
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, out=tmp_path / "run"))
    _same(reference, load_run(tmp_path / "run"))


def test_dask_local_cluster_gives_the_same_table(reference):
    pytest.importorskip("dask.distributed")
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, dask=True, workers=2))


def test_existing_scheduler_address(reference):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, scheduler=cluster.scheduler_address))


def test_refusals_and_corruption(reference, tmp_path):
    out = tmp_path / "run"
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, out=out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["chunks"] == 8 and manifest["samples"] == 30_000
    with pytest.raises(PfmapError, match="different run.*seed: 4 there vs 5 now"):
        sample(ARCH, 30_000, seed=5, chunk_size=4000, out=out)
    with pytest.raises(PfmapError, match="different run"):
        sample(MLP(3, (7,), "relu"), 30_000, seed=4, chunk_size=4000, out=out)
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("hello")
    with pytest.raises(PfmapError, match="not a run folder"):
        sample(ARCH, 1000, out=stray)
    chunk = out / "chunks" / "chunk-000003.parquet"
    chunk.write_bytes(chunk.read_bytes()[:40])
    # a truncated chunk is reported in one line, moved aside and recomputed: the table is unchanged
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, out=out))
    assert (out / "rejected" / "chunk-000003.parquet").is_file()
    assert chunk.is_file()


def test_foreign_and_misplaced_chunks_are_detected(reference, tmp_path, capsys):
    """A chunk copied in from a run with another seed, or over another chunk, is never counted."""
    out, other = tmp_path / "run", tmp_path / "other"
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, out=out))
    sample(ARCH, 30_000, seed=5, chunk_size=4000, out=other)
    (out / "table.parquet").unlink()
    (out / "chunks" / "chunk-000002.parquet").write_bytes((other / "chunks" / "chunk-000002.parquet").read_bytes())
    (out / "chunks" / "chunk-000005.parquet").write_bytes((out / "chunks" / "chunk-000004.parquet").read_bytes())
    capsys.readouterr()
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, out=out))
    err = capsys.readouterr().err.splitlines()
    assert any("chunk-000002.parquet belongs to another run" in line for line in err)
    assert any("chunk-000005.parquet holds chunk 4, not chunk 5" in line for line in err)
    assert sorted(p.name for p in (out / "rejected").iterdir()) == ["chunk-000002.parquet", "chunk-000005.parquet"]


def test_a_second_process_is_refused_while_a_run_is_locked(tmp_path):
    """A real process holds the folder's lock; this one is refused.  Once it dies (kill -9, no cleanup), the
    kernel has released its flock: the lock file it left behind is stale and the run goes ahead."""
    out = tmp_path / "run"
    code = ("import sys, time\n"
            "from pfmap import MLP\n"
            "from pfmap.montecarlo.runs import SamplingFolder, prepare\n"
            "_, _, config = prepare(MLP(3, (6,), 'relu'), 30_000, 4, inputs=None, backend=None, device='cpu', chunk_size=4000)\n"
            f"folder = SamplingFolder({str(out)!r}, config)\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(PfmapError, match=f"in use by process {holder.pid}"):
            sample(ARCH, 30_000, seed=4, chunk_size=4000, out=out)
    finally:
        holder.kill()
        holder.wait()
    assert (out / "lock").read_text() == str(holder.pid)  # left behind by the kill
    assert int(sample(ARCH, 30_000, seed=4, chunk_size=4000, out=out)["count"].sum()) == 30_000
    assert not (out / "lock").exists()


def test_a_folder_left_half_created_resumes(reference, tmp_path):
    out = tmp_path / "half"
    (out / "chunks").mkdir(parents=True)
    (out / "manifest.json.123-456.tmp").write_text("{")
    _same(reference, sample(ARCH, 30_000, seed=4, chunk_size=4000, out=out))


def test_resume_after_kill(tmp_path):
    out = tmp_path / "killed"
    args = [sys.executable, "-m", "pfmap", "sample", "mlp", "--n", "4", "--widths", "8,8", "--samples", "240000",
            "--chunk-size", "4000", "--seed", "7", "--workers", "1", "--quiet", "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    chunks = out / "chunks"
    while time.time() < deadline and proc.poll() is None:
        if chunks.is_dir() and len(list(chunks.glob("*.parquet"))) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(list(chunks.glob("*.parquet")))
    assert 3 <= done < 60, "the run should have been killed part-way"
    assert not (out / "table.parquet").exists()
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    resumed = load_run(out)
    whole = sample(MLP(4, (8, 8), "relu"), 240_000, seed=7, chunk_size=4000)
    assert int(resumed["count"].sum()) == 240_000
    pd.testing.assert_frame_equal(resumed[["function", "count"]], whole[["function", "count"]])
    assert np.allclose(resumed["ci_high"], whole["ci_high"])


def test_sample_counts_is_the_same_run_as_sample():
    from pfmap.montecarlo import sample, sample_counts
    from pfmap import MLP, GaussianPrior
    from pfmap.truthtable import words_to_strings

    arch = MLP(3, (4,), "relu", GaussianPrior(fan_in_scaling=True))
    df = sample(arch, 30_000, seed=4, chunk_size=7_000)
    tables, counts = sample_counts(arch, 30_000, seed=4, chunk_size=7_000)
    assert dict(zip(words_to_strings(tables, 8), counts.tolist())) == dict(zip(df["function"], df["count"]))


def test_streamed_folder_table_equals_the_in_memory_table(tmp_path):
    """sample_to_folder writes, in batches of 7 rows, exactly the table sample() builds: rows, order, metadata;
    n = 7 gives two 64-bit words per truth table and plenty of ties."""
    from pfmap.montecarlo import sample_to_folder
    from pfmap import GaussianPrior

    arch = Perceptron(7, GaussianPrior())
    expected = sample(arch, 3000, seed=5, chunk_size=1000)
    rows = sample_to_folder(arch, 3000, tmp_path / "run", seed=5, chunk_size=1000, batch=7)
    got = load_run(tmp_path / "run")
    assert rows == len(expected) == len(got)
    assert (got["count"] == 1).sum() > 100                     # many ties, broken by the truth table
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got.attrs["pfmap"]["distinct"] == expected.attrs["pfmap"]["distinct"] == rows
    # and the same through a resumed run of sample() on the same folder
    again = sample(arch, 3000, seed=5, chunk_size=1000, out=tmp_path / "run")
    pd.testing.assert_frame_equal(again, expected, check_dtype=False)


def test_load_run_top_reads_the_head(tmp_path):
    from pfmap.montecarlo import sample_to_folder

    sample_to_folder(Perceptron(4), 5000, tmp_path / "run", seed=2, batch=10)
    full = load_run(tmp_path / "run")
    for k in (0, 1, 7, len(full), len(full) + 5):
        head = load_run(tmp_path / "run", top=k)
        pd.testing.assert_frame_equal(head, full.head(k).reset_index(drop=True), check_dtype=False)
    assert load_run(tmp_path / "run", top=3).attrs["pfmap"]["samples"] == 5000
    with pytest.raises(PfmapError, match="top must be a whole number"):
        load_run(tmp_path / "run", top=-1)
