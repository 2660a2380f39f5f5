"""The whole ``pfmap sample`` pipeline: every output way writes the same table, and no interruption, second
process, full disk or lost Dask worker changes it or loses finished work."""

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pfmap import MLP, Perceptron, PfmapError
from pfmap.table_text import TEXT_FORMATS
from pfmap.montecarlo import VolumeRows, load_run, sample, sample_counts, write_volume
from pfmap.tables import format_table, read_table

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))
# 7-40-40-1 relu nets, small chunks: a run of 30 chunks that takes about a second on one thread
RUN = ["sample", "mlp", "--n", "7", "--widths", "40,40", "--samples", "60000", "--chunk-size", "2000",
       "--seed", "9", "--workers", "1", "--quiet"]
ARCH = MLP(7, (40, 40), "relu")


@pytest.fixture(scope="module")
def reference():
    return sample(ARCH, 60_000, seed=9, chunk_size=2000)


def _rows_equal(got: pd.DataFrame, want: pd.DataFrame):
    """Byte for byte in their rows: the same strings, and every float with the same bits."""
    assert got["function"].tolist() == want["function"].tolist()
    for column in ("probability", "count", "ci_low", "ci_high"):
        assert np.array_equal(np.asarray(got[column]).view(np.uint64 if column != "count" else np.int64),
                              np.asarray(want[column]).view(np.uint64 if column != "count" else np.int64)), column


def _cli(args, **kw):
    return subprocess.run([sys.executable, "-m", "pfmap", *args], env=ENV, capture_output=True, text=True,
                          timeout=600, **kw)


def test_every_text_format_streams_the_text_of_the_whole_table():
    """The batched writer (runs of equal counts, a batch of 61 rows) against the DataFrame formatter, on a table
    with two-word truth tables and many ties."""
    keys, counts = sample_counts(Perceptron(7), 4000, seed=3, chunk_size=1500)
    rows = VolumeRows(keys, counts, 4000, 128, {"engine": "montecarlo", "seed": 3})
    assert (rows.counts == 1).sum() > 100
    frame = rows.frame()
    for fmt in TEXT_FORMATS:
        out = io.BytesIO()
        assert write_volume(rows, fmt, stream=out, batch=61) == len(frame)
        assert out.getvalue().decode() == format_table(frame, fmt), fmt


def test_file_stdout_and_folder_tables_are_the_api_table(tmp_path):
    args = ["sample", "perceptron", "--n", "5", "--samples", "20000", "--seed", "2", "--chunk-size", "7000",
            "--quiet"]
    want = sample(Perceptron(5), 20_000, seed=2, chunk_size=7000)
    stdout = _cli(args + ["--format", "json"])
    assert stdout.returncode == 0 and stdout.stderr == ""
    assert json.loads(stdout.stdout)["rows"] == json.loads(format_table(want, "json"))["rows"]
    done = _cli(args + ["--out", str(tmp_path / "t.parquet")])
    assert done.returncode == 0 and done.stderr.strip() == f"wrote {len(want)} rows to {tmp_path / 't.parquet'}"
    _rows_equal(read_table(tmp_path / "t.parquet"), want)
    from pfmap.montecarlo import sample_to_file

    assert sample_to_file(Perceptron(5), 20_000, tmp_path / "t.csv", seed=2, chunk_size=7000, batch=100) == len(want)
    _rows_equal(read_table(tmp_path / "t.csv"), want)
    done = _cli(args + ["--out", str(tmp_path / "run"), "--format", "md"])
    assert done.returncode == 0, done.stderr
    _rows_equal(load_run(tmp_path / "run"), want)
    assert (tmp_path / "run" / "table.md").read_text() == format_table(want, "md")


def _wait_for(predicate, proc, timeout=120.0):
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if predicate():
            return True
        time.sleep(0.002)
    return False


def test_kill_9_at_five_moments_leaves_the_table_of_an_uninterrupted_run(tmp_path, reference):
    """Killed at random moments of the first run, early in a resumed run (while it reads and verifies its
    chunks) and during the final table write; each rerun resumes; the table equals the uninterrupted one."""
    out = tmp_path / "run"
    args = [sys.executable, "-m", "pfmap", *RUN, "--out", str(out), "--format", "md"]
    rng = random.Random(20240613)
    chunks = out / "chunks"

    def count():
        return len(list(chunks.glob("*.parquet"))) if chunks.is_dir() else 0

    moments = [("chunks", rng.randint(2, 8)), ("chunks", rng.randint(10, 18)), ("resume", rng.uniform(0.05, 0.4)),
               ("chunks", rng.randint(20, 27)), ("table", None)]
    kills = 0
    for kind, when in moments:
        stale = set(out.glob("table.*.tmp"))  # left by an earlier kill; the next run removes them
        proc = subprocess.Popen(args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kind == "chunks":
            hit = _wait_for(lambda: count() >= when, proc)
        elif kind == "resume":
            time.sleep(when)
            hit = proc.poll() is None
        else:  # the table is being written: its temporary file exists
            hit = _wait_for(lambda: bool(set(out.glob("table.*.tmp")) - stale), proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += hit
        if (out / "table.md").exists():
            break
    assert kills >= 4, "the run should have been killed part-way at least four times"
    done = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    _rows_equal(load_run(out), reference)
    assert (out / "table.md").read_text() == format_table(reference, "md")
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]
    assert sorted({e["chunk"] for e in ledger}) == list(range(30)) and not (out / "lock").exists()
    assert not list(out.glob("*.tmp")) and not list(chunks.glob("*.tmp"))   # killed writers' temporaries removed


def test_a_second_command_on_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "-m", "pfmap", *RUN, "--out", str(out)], env=ENV,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait_for(lambda: (out / "manifest.json").exists() and (out / "lock").exists(), first)
        second = _cli([*RUN, "--out", str(out)])
        assert second.returncode == 2
        assert second.stderr.count("\n") == 1 and second.stderr.startswith("pfmap: error: ")
        assert f"in use by process {first.pid}" in second.stderr
    finally:
        first.kill()
        first.wait()
    assert json.loads((out / "manifest.json").read_text())["seed"] == 9   # the folder is untouched by the refusal


def test_a_full_disk_is_one_line_and_keeps_the_finished_chunks(tmp_path, reference):
    """The file-size limit (EFBIG, as a full disk's ENOSPC) stops the run after a few chunks; rerun, it resumes."""
    resource = pytest.importorskip("resource")
    out = tmp_path / "run"

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    done = subprocess.run([sys.executable, "-m", "pfmap", *RUN, "--out", str(out)], env=ENV, capture_output=True,
                          text=True, timeout=600, preexec_fn=limit)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("pfmap: error: ") and "Traceback" not in done.stderr
    kept = len(list((out / "chunks").glob("*.parquet")))
    again = _cli([*RUN, "--out", str(out)])
    assert again.returncode == 0 and "warning" not in again.stderr, again.stderr   # every kept chunk verified
    _rows_equal(load_run(out), reference)
    assert kept >= 1 or (out / "table.parquet").stat().st_size > 400_000


@pytest.mark.parametrize("make", ["chunks-a-file", "unwritable", "stdout-full"])
def test_unusable_outputs_are_one_line(tmp_path, make):
    args = ["sample", "perceptron", "--n", "3", "--samples", "1000", "--quiet"]
    if make == "chunks-a-file":
        sample(Perceptron(3), 1000, out=tmp_path / "run")
        (tmp_path / "run" / "table.parquet").unlink()
        for p in (tmp_path / "run" / "chunks").iterdir():
            p.unlink()
        (tmp_path / "run" / "chunks").rmdir()
        (tmp_path / "run" / "chunks").write_text("")
        done = _cli(args + ["--out", str(tmp_path / "run")])
    elif make == "unwritable":
        done = _cli(args + ["--out", "/proc/pfmap-no-such-folder/run"])
    else:
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "pfmap", *args, "--format", "csv"], env=ENV, stdout=full,
                                  stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("pfmap: error: "), done.stderr


def test_a_dask_worker_killed_mid_run_does_not_change_the_table(reference):
    distributed = pytest.importorskip("dask.distributed")
    import threading

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        result = {}
        runner = threading.Thread(target=lambda: result.update(
            df=sample(ARCH, 60_000, seed=9, chunk_size=2000, scheduler=cluster.scheduler_address)))
        runner.start()
        deadline = time.time() + 60
        while time.time() < deadline and not any(client.processing().values()):
            time.sleep(0.01)
        time.sleep(0.1)   # a few chunks done, others running on both workers
        os.kill(pids[0], signal.SIGKILL)
        runner.join(timeout=300)
        assert "df" in result, "the run did not finish after a worker was killed"
    _rows_equal(result["df"], reference)


def test_load_run_refuses_a_table_that_does_not_fit(tmp_path, monkeypatch):
    from pfmap.montecarlo.runs import folder as run_folder

    sample(Perceptron(4), 5000, seed=1, out=tmp_path / "run")
    full = load_run(tmp_path / "run")
    need, rows = run_folder.table_memory(tmp_path / "run" / "table.parquet")
    assert rows == len(full) and need >= rows * (16 + 8 + 32)
    monkeypatch.setattr(run_folder, "available_memory", lambda: need)   # only half of it would be allowed
    with pytest.raises(PfmapError, match=r"top=.*columns="):
        load_run(tmp_path / "run")
    head = load_run(tmp_path / "run", top=5, columns=["count"])
    assert head.columns.tolist() == ["function", "count"] and head["count"].tolist() == full["count"][:5].tolist()
    assert pq.read_metadata(tmp_path / "run" / "table.parquet").num_rows == len(full)


def test_load_run_columns_fits_where_the_whole_table_does_not(tmp_path, monkeypatch):
    from pfmap.montecarlo.runs import folder as run_folder

    sample(Perceptron(4), 5000, seed=2, out=tmp_path / "run")
    table = tmp_path / "run" / "table.parquet"
    full = load_run(tmp_path / "run")
    need_all, _ = run_folder.table_memory(table)
    need_some, _ = run_folder.table_memory(table, ["count"])
    assert need_some < need_all
    monkeypatch.setattr(run_folder, "available_memory", lambda: 2 * need_all - 1)  # the whole table is refused
    with pytest.raises(PfmapError, match=r"top=.*columns="):
        load_run(tmp_path / "run")
    some = load_run(tmp_path / "run", columns=["count"])                              # two columns are read
    assert some.columns.tolist() == ["function", "count"]
    assert some["function"].tolist() == full["function"].tolist() and some["count"].tolist() == full["count"].tolist()
    assert int(some["count"].sum()) == 5000
