"""The public entry points of the sampling engine: :func:`sample`, :func:`sample_to_folder`, :func:`sample_to_file`,
:func:`sample_counts`.

Each runs (or resumes) every chunk of a run, here or on Dask, merges the
counts as chunks finish, and returns the volume table, writes it (in
batches, never holding every truth-table string at once), or returns the
raw counts.

References
----------
Valle-Pérez, Camargo, Louis, ICLR 2019 (the sampling experiment this reproduces).
Rocklin, "Dask: parallel computation with blocked algorithms and task scheduling", SciPy 2015.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
from numpy.typing import ArrayLike

from pfmap import __version__
from pfmap.architectures import MLP
from pfmap.errors import PfmapError
from pfmap.inputs import InputSet
from pfmap.executors import check_scheduler, run_chunks
from pfmap.progress import progress_bar
from pfmap.tables import table_format
from pfmap.validation import check_whole

from pfmap.montecarlo.backends import sample_tables
from pfmap.montecarlo.counting import TableCounter
from pfmap.montecarlo.rng import chunk_key
from pfmap.montecarlo.runs.chunks import chunk_task, count_chunk
from pfmap.montecarlo.runs.folder import SamplingFolder
from pfmap.montecarlo.runs.manifest import prepare
from pfmap.montecarlo.volume_table import VolumeRows, write_volume

if TYPE_CHECKING:
    import pandas as pd

_COMMON = """arch : pfmap.MLP or pfmap.Perceptron
        The architecture; it carries the prior.
    samples : int or str
        How many random networks (``1e6`` and ``"1e6"`` are accepted).
    seed : int
        The seed: chunk ``k`` draws from child ``k`` of ``numpy.random.SeedSequence(seed)``.
    inputs : None, str, array or pfmap.InputSet
        None / ``"01"`` / ``"pm1"``: the Boolean cube of ``arch.n``; or an ``(m, n)`` array of points.
    backend : str, optional
        ``"numba"`` (default on the CPU), ``"numpy"`` (the float64 reference: same tables, slower) or
        ``"torch"`` (its own random stream; the only one on a GPU).
    device : str
        ``"cpu"`` or ``"cuda"`` (torch; no backend and ``"cuda"`` means torch).
    chunk_size : int, optional
        Networks per chunk (default 2^20); part of the run's identity.
    workers : int, optional
        numba threads here, or Dask worker processes with ``dask``.
    dask : bool
        Run the chunks on a local Dask cluster.
    scheduler : str, optional
        The address of a running Dask scheduler.
    progress : bool or "auto"
        A progress bar on stderr (networks/s, distinct functions).
    stats : dict, optional
        Filled with fast-path counters (``fallback_inputs``)."""


def sample(arch: MLP, samples: int | float | str, *, seed: int = 0, inputs: str | ArrayLike | InputSet | None = None,
           backend: str | None = None, device: str = "cpu", chunk_size: int | None = None,
           out: str | os.PathLike | None = None, workers: int | None = None, dask: bool = False,
           scheduler: str | None = None, progress: bool | str = False, stats: dict | None = None) -> pd.DataFrame:
    """Sample ``samples`` random networks of ``arch`` and return the volume table of their functions.

    The result depends only on (arch, inputs, seed, samples, chunk_size) and on
    the random stream (numpy and numba share one, torch has its own): not on
    ``workers``, ``scheduler``, or on interruptions.  With ``out`` the run lives
    in that folder: finished chunks are kept, so calling again with the same
    arguments resumes it.

    Parameters
    ----------
    {common}
    out : str or os.PathLike, optional
        A run folder (created, or resumed); the table is also written to ``out/table.parquet``.

    Returns
    -------
    pandas.DataFrame
        Columns ``function, probability, count, ci_low, ci_high`` (95% Wilson), most probable first
        (:func:`pfmap.tables.sort_table`); ``df.attrs["pfmap"]`` describes the run.

    Raises
    ------
    PfmapError
        For a bad count, seed, backend, device, input set or run folder, or a run too large for this machine.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> df = sample(Perceptron(2), 2000, seed=1)
    >>> len(df), int(df["count"].sum()), list(df.columns)
    (14, 2000, ['function', 'probability', 'count', 'ci_low', 'ci_high'])
    >>> bool((df["ci_low"] <= df["probability"]).all() and (df["probability"] <= df["ci_high"]).all())
    True

    References
    ----------
    Valle-Pérez, Camargo, Louis, ICLR 2019, Fig. 1; Wilson, JASA 22 (1927).
    """
    rows, folder = _rows(arch, samples, seed, inputs, backend, device, chunk_size, out, workers, dask, scheduler,
                         progress, stats)
    try:
        if folder is not None:
            write_volume(rows, "parquet", path=folder.table_path)
        return rows.frame()
    finally:
        if folder is not None:
            folder.close()


def sample_to_folder(arch: MLP, samples: int | float | str, out: str | os.PathLike, *, seed: int = 0,
                     inputs: str | ArrayLike | InputSet | None = None, backend: str | None = None, device: str = "cpu",
                     chunk_size: int | None = None, workers: int | None = None, dask: bool = False,
                     scheduler: str | None = None, progress: bool | str = False, stats: dict | None = None,
                     batch: int | None = None, formats: Sequence[str] = ("parquet",)) -> int:
    """Like ``sample(..., out=out)``, but write the table in batches into the folder and return its number of rows.

    The same run, chunks and table as :func:`sample` (rows, order, columns,
    metadata; :func:`pfmap.montecarlo.load_run` reads it), without holding every
    truth-table string at once: what ``pfmap sample ... --out DIR`` uses, so
    that a 10^8-sample run with tens of millions of distinct functions fits
    in a few GB.

    Parameters
    ----------
    {common}
    out : str or os.PathLike
        The run folder.
    batch : int, optional
        Rows per written batch.
    formats : tuple of str
        The tables to write: ``out/table.parquet`` always, and ``out/table.csv`` (``md``, ``tex``, ``json``) for
        each other format named.

    Returns
    -------
    int
        The number of rows (distinct functions) of the table.

    Raises
    ------
    PfmapError
        As :func:`sample`, and for an unknown format.

    Examples
    --------
    >>> import tempfile
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo import load_run
    >>> folder = tempfile.mkdtemp() + "/run"
    >>> sample_to_folder(Perceptron(2), 2000, folder, seed=1, formats=("parquet", "csv"))
    14
    >>> load_run(folder)["count"].tolist() == sample(Perceptron(2), 2000, seed=1)["count"].tolist()
    True
    """
    wanted = ["parquet"] + [f for f in dict.fromkeys(table_format(None, f) for f in formats) if f != "parquet"]
    rows, folder = _rows(arch, samples, seed, inputs, backend, device, chunk_size, out, workers, dask, scheduler,
                         progress, stats)
    try:
        for fmt in wanted:
            write_volume(rows, fmt, path=folder.path / f"table.{_extension(fmt)}", batch=batch)
        return len(rows)
    finally:
        folder.close()


def sample_to_file(arch: MLP, samples: int | float | str, path: str | os.PathLike | None = None, *,
                   fmt: str | None = None, stream: BinaryIO | None = None, seed: int = 0,
                   inputs: str | ArrayLike | InputSet | None = None, backend: str | None = None, device: str = "cpu", chunk_size: int | None = None,
                   workers: int | None = None, dask: bool = False, scheduler: str | None = None,
                   progress: bool | str = False, stats: dict | None = None, batch: int | None = None) -> int:
    """Run :func:`sample` without a run folder and write its table to one file (or stream), batch by batch.

    Parameters
    ----------
    {common}
    path : str or os.PathLike, optional
        The table file (written atomically); its extension gives the format unless ``fmt`` does.
    fmt : str, optional
        One of ``md, csv, latex, json, parquet``.
    stream : binary file, optional
        Write here instead of ``path`` (``sys.stdout.buffer``).
    batch : int, optional
        Rows per written batch.

    Returns
    -------
    int
        The number of rows.

    Raises
    ------
    PfmapError
        As :func:`sample`, for an unknown format or extension, or a file that cannot be written.

    Examples
    --------
    >>> import io
    >>> from pfmap import Perceptron
    >>> out = io.BytesIO()
    >>> sample_to_file(Perceptron(1), 100, fmt="csv", stream=out)   # all four functions of one input
    4
    >>> out.getvalue().decode().splitlines()[0]
    'function,probability,count,ci_low,ci_high'
    """
    if (path is None) == (stream is None):
        raise PfmapError("give a table file as path, or a stream")
    fmt = table_format(path, fmt)
    rows, _ = _rows(arch, samples, seed, inputs, backend, device, chunk_size, None, workers, dask, scheduler,
                    progress, stats)
    return write_volume(rows, fmt, path=path, stream=stream, batch=batch)


def sample_counts(arch: MLP, samples: int | float | str, *, seed: int = 0, inputs: str | ArrayLike | InputSet | None = None,
                  backend: str | None = None, device: str = "cpu", chunk_size: int | None = None,
                  out: str | os.PathLike | None = None, workers: int | None = None, dask: bool = False,
                  scheduler: str | None = None, progress: bool | str = False,
                  stats: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`sample`, but return the raw counts: ``(tables, counts)``, no table of strings.

    Same run, same chunks, same run folder as :func:`sample` (the folder's
    final table is not written); meant for runs whose distinct functions are
    too many for a table of strings (a 10^8-sample perceptron on {{0,1}}^7 sees
    tens of millions).

    Parameters
    ----------
    {common}
    out : str or os.PathLike, optional
        A run folder.

    Returns
    -------
    tables : numpy.ndarray
        ``(distinct, words)`` uint64 packed truth tables (``pfmap.truthtable`` conventions), in no particular order.
    counts : numpy.ndarray
        How often each was drawn (int64).

    Raises
    ------
    PfmapError
        As :func:`sample`.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> tables, counts = sample_counts(Perceptron(2), 2000, seed=1)
    >>> tables.shape, int(counts.sum())
    ((14, 1), 2000)
    """
    _, total, _, folder, _ = _run(arch, samples, seed, inputs, backend, device, chunk_size, out, workers, dask,
                                  scheduler, progress, stats)
    if folder is not None:
        folder.close()
    return total.drain()


for _entry in (sample, sample_to_folder, sample_to_file, sample_counts):
    _entry.__doc__ = _entry.__doc__.replace("{common}", _COMMON).replace("{{", "{").replace("}}", "}")


def _extension(fmt: str) -> str:
    return {"latex": "tex", "text": "txt"}.get(fmt, fmt)


def final_attrs(config: dict, distinct: int, backend: str) -> dict:
    """The ``df.attrs["pfmap"]`` of a finished run's table.

    Parameters
    ----------
    config : dict
        The run's manifest.
    distinct : int
        The number of distinct functions.
    backend : str
        The backend that ran it.

    Returns
    -------
    dict

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> _, _, cfg = prepare(Perceptron(1), 10, 0, inputs=None, backend=None, device="cpu", chunk_size=None)
    >>> final_attrs(cfg, 3, "numba")["engine"]
    'montecarlo'
    """
    return {"engine": "montecarlo", "architecture": config["architecture"], "description": config["description"],
            "prior": config["architecture"]["prior"], "inputs": config["inputs"], "seed": config["seed"],
            "samples": config["samples"], "chunk_size": config["chunk_size"], "backend": backend,
            "stream": config["stream"], "distinct": distinct, "interval": "wilson 95%",
            "pfmap_version": __version__}


def _rows(arch, samples, seed, inputs, backend, device, chunk_size, out, workers, dask, scheduler, progress, stats):
    """Run (or resume); return the table's rows (the counter's memory handed over) and the open folder."""
    config, total, input_set, folder, backend = _run(arch, samples, seed, inputs, backend, device, chunk_size, out,
                                                     workers, dask, scheduler, progress, stats)
    try:
        attrs = final_attrs(config, len(total), backend)
        keys, counts = total.drain()
        del total
        return VolumeRows(keys, counts, config["samples"], input_set.size, attrs), folder
    except BaseException:
        if folder is not None:
            folder.close()
        raise


def _run(arch, samples, seed, inputs, backend, device, chunk_size, out, workers, dask, scheduler, progress, stats):
    """Run (or resume) every chunk; return (config, merged counter, input set, run folder or None, backend)."""
    input_set, backend, config = prepare(arch, samples, seed, inputs=inputs, backend=backend, device=device, chunk_size=chunk_size)
    if workers is not None:
        workers = check_whole(workers, "workers", minimum=1)
    scheduler = check_scheduler(scheduler)
    folder = SamplingFolder(out, config) if out is not None else None
    total = TableCounter(config["words"])
    done_networks = 0
    try:
        done = set()
        if folder is not None:
            for k, (keys, counts) in folder.finished_counts():
                total.add(keys, counts)
                done_networks += int(counts.sum())
                done.add(k)
        todo = (k for k in range(config["chunks"]) if k not in done)
        if done_networks < config["samples"] and not (dask or scheduler is not None):
            # compile (or load) the kernels before the bar starts, so that it never sits frozen at 0%
            sample_tables(arch, 1, seed=chunk_key(config["seed"], 0), inputs=input_set, backend=backend,
                          device=device, threads=1)
        with progress_bar(config["samples"], progress=progress, desc="sampling", unit="net",
                          initial=done_networks) as bar:
            def finish(chunk, result, count_on_bar=True):
                keys, counts = result
                if folder is not None:
                    folder.write_counts(chunk, keys, counts)
                total.add(keys, counts)
                if count_on_bar:
                    bar.update(int(counts.sum()))
                bar.set_postfix(distinct=len(total), refresh=False)

            if dask or scheduler is not None:
                run_chunks(chunk_task, todo, (arch.to_dict(), np.asarray(input_set.points), input_set.encoding,
                                              config, backend, device),
                           dask=True, scheduler=scheduler, workers=workers, on_result=finish)
            elif folder is None:
                # no chunk files to write: every batch is counted straight into the run's total
                for chunk in todo:
                    count_chunk(arch, input_set, config, chunk=chunk, backend=backend, device=device, threads=workers,
                                on_batch=bar.update, stats=stats, counter=total)
                    bar.set_postfix(distinct=len(total), refresh=False)
            else:
                # a finished chunk is written and merged on a thread of its own while the next one is sampled
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pfmap-finish") as finisher:
                    pending = None
                    for chunk in todo:
                        counter = count_chunk(arch, input_set, config, chunk=chunk, backend=backend, device=device,
                                              threads=workers, on_batch=bar.update, stats=stats)
                        if pending is not None:
                            pending.result()
                        pending = finisher.submit(finish, chunk, counter.drain(), False)
                    if pending is not None:
                        pending.result()
    except BaseException:
        if folder is not None:
            folder.close()
        raise
    if total.total != config["samples"]:
        raise PfmapError(f"the run counted {total.total} networks where it has {config['samples']}; "
                         f"rerun it (its folder's chunks are checked on resume)")
    return config, total, input_set, folder, backend
