"""Where the chunks of a run execute: here, one after another, or on a Dask cluster (local or remote).

Both engines hand :func:`run_chunks` a picklable task and the chunk indices
still to do; results come back as they finish and the caller merges them, so
the table depends on the chunks, never on the executor.

References
----------
Rocklin, "Dask: parallel computation with blocked algorithms and task scheduling", SciPy 2015.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from pfmap.errors import PfmapError


def usable_cores() -> int:
    """The number of CPU cores this process may run on (its affinity where the system says, else every core).

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> usable_cores() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                              # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


def run_chunks(task: Callable, chunks: Iterable[int], args: tuple = (), *, dask: bool = False,
               scheduler: str | None = None, workers: int | None = None,
               on_result: Callable[[int, object], None]) -> None:
    """Run ``task(*args, chunk)`` for every chunk and call ``on_result(chunk, result)`` as each finishes.

    Parameters
    ----------
    task : callable
        A module-level function (picklable), called as ``task(*args, chunk)``.
    chunks : iterable of int
        The chunk indices to run.
    args : tuple
        The leading arguments (picklable).
    dask : bool
        Run on a ``dask.distributed.LocalCluster`` with ``workers`` single-threaded processes.
    scheduler : str, optional
        The address of a running Dask scheduler (``tcp://host:8786``); implies Dask.
    workers : int, optional
        Worker processes of the local cluster (default: the CPU count).
    on_result : callable
        ``on_result(chunk, result)``, called in this process, in finishing order.

    Raises
    ------
    PfmapError
        If Dask is missing, the scheduler cannot be reached, or ``workers`` < 1.

    Examples
    --------
    >>> done = {}
    >>> run_chunks(pow, [1, 2, 3], (2,), on_result=done.__setitem__)
    >>> done
    {1: 2, 2: 4, 3: 8}
    """
    chunks = list(chunks)
    if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
        raise PfmapError(f"workers must be a whole number >= 1; got {workers!r}")
    if not (dask or scheduler is not None):
        for chunk in chunks:
            on_result(chunk, task(*args, chunk))
        return
    client, cluster = _dask_client(scheduler, workers)
    try:
        from dask.distributed import as_completed

        futures = {client.submit(task, *args, chunk, pure=False): chunk for chunk in chunks}
        for future in as_completed(futures):
            on_result(futures[future], future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def check_scheduler(scheduler: str | None) -> str | None:
    """A Dask scheduler address as given, checked for its form before any work (``tcp://host:port``).

    Parameters
    ----------
    scheduler : str or None
        The address.

    Returns
    -------
    str or None

    Raises
    ------
    PfmapError
        For something that is not an address.

    Examples
    --------
    >>> check_scheduler("tcp://127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    >>> check_scheduler("garbage")
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: scheduler must be an address such as tcp://127.0.0.1:8786; got 'garbage'
    """
    if scheduler is None:
        return None
    address = str(scheduler).strip()
    if not address or any(c.isspace() for c in address) or ("://" not in address and ":" not in address):
        raise PfmapError(f"scheduler must be an address such as tcp://127.0.0.1:8786; got {scheduler!r}")
    return address


def _dask_client(scheduler: str | None, workers: int | None):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise PfmapError("dask=True needs dask[distributed]: pip install 'pfmap[dask]'") from None
    if scheduler is not None:
        address = check_scheduler(scheduler)
        try:
            return Client(address, timeout="10s"), None
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PfmapError(f"cannot reach the Dask scheduler at {scheduler} ({reason}); start one with "
                             f"'dask scheduler' or run without a scheduler") from None
    cluster = LocalCluster(n_workers=int(workers or os.cpu_count() or 1), threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster), cluster
