"""One chunk of a Monte Carlo run: sample it, count it, check a stored one.

:func:`chunk_task` is the unit of work the executors (here or on Dask) run.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from pfmap.architectures import MLP, architecture_from_dict
from pfmap.inputs import InputSet

from pfmap.montecarlo.backends import sample_tables
from pfmap.montecarlo.counting import TableCounter
from pfmap.montecarlo.rng import chunk_key

BATCH = 1 << 16  # networks per call of the sampler; a multiple of the torch block, and never changes a result


def chunk_networks(config: dict, chunk: int) -> int:
    """How many networks chunk ``chunk`` of a run holds (the last may be short).

    Parameters
    ----------
    config : dict
        The run's manifest (``chunk_size`` and ``samples`` are read).
    chunk : int
        Which chunk.

    Returns
    -------
    int
        Networks in the chunk.

    Examples
    --------
    >>> chunk_networks({"chunk_size": 4, "samples": 10}, 2)
    2
    """
    return min(config["chunk_size"], config["samples"] - chunk * config["chunk_size"])


def count_chunk(arch: MLP, input_set: InputSet, config: dict, *, chunk: int, backend: str, device: str = "cpu",
                threads: int | None = None, on_batch: Callable[[int], object] | None = None,
                stats: dict | None = None, counter: TableCounter | None = None) -> TableCounter:
    """Sample chunk ``chunk`` of a run and count its tables; ``on_batch(networks)`` after each batch.

    While the sampler's threads compute a batch, the previous one is counted
    on a thread of its own (the counter releases the GIL), so counting costs
    next to no wall time when there is a core to spare.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The run's architecture.
    input_set : pfmap.InputSet
        The run's inputs.
    config : dict
        The run's manifest.
    chunk : int
        Which chunk.
    backend, device : str
        Where the networks are computed.
    threads : int, optional
        numba threads (1: everything on this thread).
    on_batch : callable, optional
        Called with the number of networks of each finished batch.
    stats : dict, optional
        Fast-path counters.
    counter : TableCounter, optional
        Count into this one (default: a new counter for the chunk).

    Returns
    -------
    TableCounter
        ``counter`` (or a new one) with the chunk's tables added.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo.runs.manifest import prepare
    >>> inputs, backend, cfg = prepare(Perceptron(1), 100, 0, inputs=None, backend=None, device="cpu", chunk_size=None)
    >>> int(count_chunk(Perceptron(1), inputs, cfg, chunk=0, backend=backend).items()[1].sum())
    100
    """
    key = chunk_key(config["seed"], chunk)
    networks = chunk_networks(config, chunk)
    counter = TableCounter(config["words"]) if counter is None else counter
    overlap = threads != 1 and networks > BATCH
    adder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pfmap-count") if overlap else None
    pending = None
    try:
        for start in range(0, networks, BATCH):
            size = min(BATCH, networks - start)
            tables = sample_tables(arch, size, seed=key, inputs=input_set, backend=backend, first=start,
                                   device=device, threads=threads, stats=stats)
            if pending is not None:
                pending.result()
            if adder is None:
                counter.add(tables)
            else:
                pending = adder.submit(counter.add, tables)
            if on_batch is not None:
                on_batch(size)
        if pending is not None:
            pending.result()
    finally:
        if adder is not None:
            adder.shutdown(wait=True)
    return counter


def chunk_task(arch_dict: dict, points: np.ndarray, encoding: str | None, config: dict, backend: str, device: str,
               chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """Run one chunk in a worker process with one thread; return its ``(keys, counts)``.

    The executors call it as ``chunk_task(*args, chunk)``
    (:func:`pfmap.executors.run_chunks`), so its parameters stay positional.

    Parameters
    ----------
    arch_dict : dict
        The architecture (``to_dict``).
    points : numpy.ndarray
        The inputs, ``(m, n)``.
    encoding : str or None
        ``"01"`` or ``"pm1"`` for the cube, None for explicit points.
    config : dict
        The run's manifest.
    backend, device : str
        Where the networks are computed.
    chunk : int
        Which chunk.

    Returns
    -------
    tuple of numpy.ndarray
        ``(keys, counts)``: ``(distinct, words)`` uint64 tables and their int64 counts.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo.runs.manifest import prepare
    >>> inputs, backend, cfg = prepare(Perceptron(1), 50, 0, inputs=None, backend=None, device="cpu", chunk_size=None)
    >>> keys, counts = chunk_task(Perceptron(1).to_dict(), inputs.points, "01", cfg, backend, "cpu", 0)
    >>> int(counts.sum())
    50
    """
    arch = architecture_from_dict(arch_dict)
    input_set = InputSet(np.asarray(points), encoding, "points" if encoding is None else "cube")
    return count_chunk(arch, input_set, config, chunk=chunk, backend=backend, device=device, threads=1).items()


def chunk_columns(keys: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """A counted chunk as the columns of its file: ``w0, w1, ...`` (uint64 words) and ``count``.

    Parameters
    ----------
    keys : numpy.ndarray
        ``(rows, words)`` uint64.
    counts : numpy.ndarray
        One count per row.

    Returns
    -------
    dict of numpy.ndarray
        ``w0 .. w{words-1}`` uint64 columns and an int64 ``count`` column.

    Examples
    --------
    >>> sorted(chunk_columns(np.zeros((2, 2), dtype=np.uint64), np.array([1, 1])))
    ['count', 'w0', 'w1']
    """
    columns = {f"w{w}": np.ascontiguousarray(keys[:, w], dtype=np.uint64) for w in range(keys.shape[1])}
    columns["count"] = np.asarray(counts, dtype=np.int64)
    return columns


def columns_to_counts(columns: dict[str, np.ndarray], words: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`chunk_columns`.

    Parameters
    ----------
    columns : dict of numpy.ndarray
        ``w0, w1, ...`` and ``count``.
    words : int
        uint64 words per table.

    Returns
    -------
    tuple of numpy.ndarray
        ``(keys, counts)``.

    Examples
    --------
    >>> keys, counts = columns_to_counts(chunk_columns(np.ones((1, 1), dtype=np.uint64), np.array([3])), 1)
    >>> keys.tolist(), counts.tolist()
    ([[1]], [3])
    """
    keys = np.stack([np.asarray(columns[f"w{w}"], dtype=np.uint64) for w in range(words)], axis=1)
    return keys, np.asarray(columns["count"], dtype=np.int64)


def chunk_checker(config: dict) -> Callable[[dict, dict], str | None]:
    """A check for :meth:`pfmap.runfolder.RunFolder.finished`: a stored chunk counts exactly its networks.

    Parameters
    ----------
    config : dict
        The run's manifest.

    Returns
    -------
    callable
        ``check(columns, meta)``: None, or what is wrong.

    Examples
    --------
    >>> check = chunk_checker({"chunk_size": 4, "samples": 6, "words": 1})
    >>> cols = chunk_columns(np.zeros((1, 1), dtype=np.uint64), np.array([4]))
    >>> check(cols, {"chunk": 0}) is None, check(cols, {"chunk": 1})
    (True, 'it counts 4 networks where chunk 1 has 2')
    """
    def check(columns: dict, meta: dict) -> str | None:
        words = config["words"]
        if any(f"w{w}" not in columns for w in range(words)) or "count" not in columns:
            return f"it lacks the columns of a {words}-word run"
        counts = np.asarray(columns["count"])
        expected = chunk_networks(config, meta["chunk"])
        if int(counts.sum()) != expected or (counts <= 0).any():
            return f"it counts {int(counts.sum())} networks where chunk {meta['chunk']} has {expected}"
        return None

    return check
