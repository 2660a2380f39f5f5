"""The public entry points of the sampling engine: :func:`sample`, :func:`sample_to_folder`, :func:`sample_counts`.

Each runs (or resumes) every chunk of a run, here or on Dask, merges the
counts as chunks finish, and returns the volume table (or the raw counts).

References
----------
Valle-Pérez, Camargo, Louis, ICLR 2019 (the sampling experiment this reproduces).
Rocklin, "Dask: parallel computation with blocked algorithms and task scheduling", SciPy 2015.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pfmap import __version__
from pfmap.executors import run_chunks
from pfmap.progress import progress_bar

from pfmap.montecarlo.counting import TableCounter
from pfmap.montecarlo.runs.chunks import chunk_task, count_chunk
from pfmap.montecarlo.runs.folder import SamplingFolder
from pfmap.montecarlo.runs.manifest import prepare
from pfmap.montecarlo.volume_table import volume_table, write_volume_parquet
from pfmap.tables import write_table

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


def sample(arch, samples, *, seed: int = 0, inputs=None, backend: str | None = None, device: str = "cpu",
           chunk_size: int | None = None, out=None, workers: int | None = None, dask: bool = False,
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
        For a bad count, seed, backend, device, input set or run folder.

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
    config, total, input_set, folder, backend = _run(arch, samples, seed, inputs, backend, device, chunk_size, out,
                                                     workers, dask, scheduler, progress, stats)
    keys, counts = total.items()
    df = volume_table(keys, counts, config["samples"], input_set.size, final_attrs(config, len(total), backend))
    if folder is not None:
        write_table(df, folder.table_path, "parquet")
        folder.close()
    return df


def sample_to_folder(arch, samples, out, *, seed: int = 0, inputs=None, backend: str | None = None,
                     device: str = "cpu", chunk_size: int | None = None, workers: int | None = None,
                     dask: bool = False, scheduler: str | None = None, progress: bool | str = False,
                     stats: dict | None = None, batch: int = 1 << 20) -> int:
    """Like ``sample(..., out=out)``, but write ``out/table.parquet`` in batches and return its number of rows.

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
    batch : int
        Rows per written batch.

    Returns
    -------
    int
        The number of rows (distinct functions) of the table.

    Raises
    ------
    PfmapError
        As :func:`sample`.

    Examples
    --------
    >>> import tempfile
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo import load_run
    >>> folder = tempfile.mkdtemp() + "/run"
    >>> sample_to_folder(Perceptron(2), 2000, folder, seed=1)
    14
    >>> load_run(folder)["count"].tolist() == sample(Perceptron(2), 2000, seed=1)["count"].tolist()
    True
    """
    config, total, input_set, folder, backend = _run(arch, samples, seed, inputs, backend, device, chunk_size, out,
                                                     workers, dask, scheduler, progress, stats)
    attrs = final_attrs(config, len(total), backend)
    keys, counts = total.items()
    del total
    try:
        return write_volume_parquet(folder.table_path, keys, counts, config["samples"], input_set.size, attrs, batch)
    finally:
        folder.close()


def sample_counts(arch, samples, *, seed: int = 0, inputs=None, backend: str | None = None, device: str = "cpu",
                  chunk_size: int | None = None, out=None, workers: int | None = None, dask: bool = False,
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
        ``(distinct, words)`` uint64 packed truth tables (``pfmap.truthtable`` conventions).
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
    return total.items()


for _entry in (sample, sample_to_folder, sample_counts):
    _entry.__doc__ = _entry.__doc__.replace("{common}", _COMMON).replace("{{", "{").replace("}}", "}")


def final_attrs(config: dict, distinct: int, backend: str) -> dict:
    """The ``df.attrs["pfmap"]`` of a finished run's table.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> _, _, cfg = prepare(Perceptron(1), 10, 0, None, None, "cpu", None)
    >>> final_attrs(cfg, 3, "numba")["engine"]
    'montecarlo'
    """
    return {"engine": "montecarlo", "architecture": config["architecture"], "description": config["description"],
            "prior": config["architecture"]["prior"], "inputs": config["inputs"], "seed": config["seed"],
            "samples": config["samples"], "chunk_size": config["chunk_size"], "backend": backend,
            "stream": config["stream"], "distinct": distinct, "interval": "wilson 95%",
            "pfmap_version": __version__}


def _run(arch, samples, seed, inputs, backend, device, chunk_size, out, workers, dask, scheduler, progress, stats):
    """Run (or resume) every chunk; return (config, merged counter, input set, run folder or None, backend)."""
    input_set, backend, config = prepare(arch, samples, seed, inputs, backend, device, chunk_size)
    if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
        from pfmap.errors import PfmapError

        raise PfmapError(f"workers must be a whole number >= 1; got {workers!r}")
    folder = SamplingFolder(out, config) if out is not None else None
    total = TableCounter(config["words"])
    done_networks = 0
    todo = list(range(config["chunks"]))
    try:
        if folder is not None:
            for k, (keys, counts) in folder.finished_counts().items():
                total.add(keys, counts)
                done_networks += int(counts.sum())
                todo.remove(k)
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
            else:
                for chunk in todo:
                    counter = count_chunk(arch, input_set, config, chunk, backend, device, workers, bar.update, stats)
                    finish(chunk, counter.items(), count_on_bar=False)
    except BaseException:
        if folder is not None:
            folder.close()
        raise
    return config, total, input_set, folder, backend
