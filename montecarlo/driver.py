"""``sample()``: run the chunks of a Monte Carlo run here or on Dask, with resume and progress.

References
----------
Valle-Pérez, Camargo, Louis, ICLR 2019 (the sampling experiment this reproduces).
Rocklin, "Dask: parallel computation with blocked algorithms and task scheduling", SciPy 2015.
"""

from __future__ import annotations

import numpy as np

from pfmap.architectures import architecture_from_dict
from pfmap.errors import PfmapError
from pfmap.inputs import InputSet

from .counts import TableCounter
from .run import RunFolder, count_chunk, final_attrs, final_table, prepare, write_final
from .table import write_volume_parquet


def sample(arch, samples, seed=0, inputs=None, backend=None, device="cpu", chunk_size=None, out=None,
           workers=None, dask=False, scheduler=None, progress=False, stats=None):
    """Sample ``samples`` random networks of ``arch`` and return the volume table of their functions.

    ``arch`` (a ``pfmap.MLP`` or ``Perceptron``) carries the prior; ``inputs``
    is None / ``"01"`` / ``"pm1"`` (the Boolean cube of ``arch.n``) or an
    ``(m, n)`` array or ``InputSet``.  The table has columns ``function,
    probability, count, ci_low, ci_high`` (95% Wilson), sorted by
    ``pfmap.tables.sort_table``; ``df.attrs["pfmap"]`` describes the run.

    The result depends only on (arch, inputs, seed, samples, chunk_size) and on
    the random stream (numpy and numba share one, torch has its own): not on
    ``workers`` (numba threads here, Dask workers with ``dask``), ``scheduler``,
    or on interruptions.  With ``out`` the run lives in that folder: finished
    chunks are kept, so calling again with the same arguments resumes it.

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
    df = final_table(config, total, input_set, backend)
    if folder is not None:
        write_final(folder, df)
    return df


def sample_to_folder(arch, samples, out, seed=0, inputs=None, backend=None, device="cpu", chunk_size=None,
                     workers=None, dask=False, scheduler=None, progress=False, stats=None, batch=1 << 20) -> int:
    """Like ``sample(..., out=out)``, but write ``out/table.parquet`` in batches and return its number of rows.

    The same run, chunks and table as :func:`sample` (rows, order, columns,
    metadata; ``montecarlo.load_run(out)`` reads it), without holding every
    truth-table string at once: what ``pfmap sample ... --out DIR`` uses, so
    that a 10^8-sample run with tens of millions of distinct functions fits
    in a few GB.

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
    if out is None:
        raise PfmapError("sample_to_folder needs a run folder (out)")
    config, total, input_set, folder, backend = _run(arch, samples, seed, inputs, backend, device, chunk_size, out,
                                                     workers, dask, scheduler, progress, stats)
    attrs = final_attrs(config, len(total), backend)
    keys, counts = total.items()
    del total
    return write_volume_parquet(folder.path / "table.parquet", keys, counts, config["samples"], input_set.size,
                                attrs, batch)


def sample_counts(arch, samples, seed=0, inputs=None, backend=None, device="cpu", chunk_size=None, out=None,
                  workers=None, dask=False, scheduler=None, progress=False, stats=None):
    """Like :func:`sample`, but return the raw counts: ``(tables, counts)``, no table of strings.

    ``tables`` is the ``(distinct, words)`` uint64 array of packed truth
    tables (``pfmap.truthtable`` conventions), ``counts`` how often each was
    drawn.  Same run, same chunks, same run folder as :func:`sample` (the
    folder's final table is not written); meant for runs whose distinct
    functions are too many for a table of strings (a 10^8-sample perceptron
    on {0,1}^7 sees tens of millions).

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> tables, counts = sample_counts(Perceptron(2), 2000, seed=1)
    >>> tables.shape, int(counts.sum())
    ((14, 1), 2000)
    """
    _, total, _, _, _ = _run(arch, samples, seed, inputs, backend, device, chunk_size, out, workers, dask,
                             scheduler, progress, stats)
    return total.items()


def _run(arch, samples, seed, inputs, backend, device, chunk_size, out, workers, dask, scheduler, progress, stats):
    """Run (or resume) every chunk; return (config, merged counter, input set, run folder or None, backend)."""
    input_set, backend, config = prepare(arch, samples, seed, inputs, backend, device, chunk_size)
    if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
        raise PfmapError(f"workers must be >= 1; got {workers!r}")
    folder = RunFolder(out, config) if out is not None else None
    total = TableCounter(config["words"])
    done_networks = 0
    todo = list(range(config["chunks"]))
    if folder is not None:
        for k in folder.finished():
            keys, counts = folder.read_chunk(k)
            total.add(keys, counts)
            done_networks += int(counts.sum())
            todo.remove(k)
    bar = _progress_bar(config["samples"], done_networks, progress)
    try:
        def finish(chunk, keys, counts):
            if folder is not None:
                folder.write_chunk(chunk, keys, counts)
            total.add(keys, counts)
            bar.set_postfix(distinct=len(total), refresh=False)

        if dask or scheduler is not None:
            _run_on_dask(arch, input_set, config, todo, backend, device, workers, scheduler, finish, bar)
        else:
            for chunk in todo:
                counter = count_chunk(arch, input_set, config, chunk, backend, device, workers, bar.update, stats)
                keys, counts = counter.items()
                finish(chunk, keys, counts)
    finally:
        bar.close()
    return config, total, input_set, folder, backend


def _progress_bar(total, initial, enabled):
    from tqdm.auto import tqdm

    # "auto" (the command line): a bar only when stderr is a terminal
    return tqdm(total=total, initial=initial, unit="net", unit_scale=True,
                disable=None if enabled == "auto" else not enabled,
                desc="sampling", smoothing=0.1, dynamic_ncols=True)


def _chunk_task(arch_dict, points, encoding, config, chunk, backend, device):
    """Runs on a Dask worker: one chunk, one thread (the worker processes give the parallelism)."""
    arch = architecture_from_dict(arch_dict)
    input_set = InputSet(np.asarray(points), encoding, "points" if encoding is None else "cube")
    counter = count_chunk(arch, input_set, config, chunk, backend, device, threads=1)
    keys, counts = counter.items()
    return chunk, keys, counts


def _run_on_dask(arch, input_set, config, todo, backend, device, workers, scheduler, finish, bar):
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise PfmapError("--dask needs dask[distributed]: pip install 'dask[distributed]'") from None
    cluster = None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise PfmapError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); start one with "
                             f"'dask scheduler' or drop --scheduler") from None
    else:
        import os

        cluster = LocalCluster(n_workers=int(workers or os.cpu_count() or 1), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        points = np.asarray(input_set.points)
        futures = [client.submit(_chunk_task, arch.to_dict(), points, input_set.encoding, config, k, backend, device,
                                 pure=False) for k in todo]
        for future in as_completed(futures):
            chunk, keys, counts = future.result()
            finish(chunk, keys, counts)
            bar.update(int(counts.sum()))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
