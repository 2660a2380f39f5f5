"""Training jobs as runs: chunks of training runs in a resumable run folder, here or on a Dask cluster.

A job (architecture, data set, optimiser settings, ``runs``, ``seed``,
``chunk_size``) is cut into chunks of ``chunk_size`` runs; chunk ``k`` trains
runs ``k * chunk_size ..`` with :func:`pfmap.learning.training.train_chunk`,
whose result depends only on the job and the run indices.  Finished chunks are
kept in a :class:`pfmap.runfolder.RunFolder` (checksummed, locked, corrupt ones
recomputed), so a killed job resumes, and the table is the same whatever the
executor or the finishing order.

References
----------
C. Mingard, G. Valle-Pérez, J. Skalse, A. A. Louis, "Is SGD a Bayesian sampler? Well, almost", JMLR 22 (2021).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from pfmap import __version__
from pfmap.architectures import MLP, architecture_from_dict
from pfmap.datasets import DataSet
from pfmap.errors import PfmapError
from pfmap.executors import run_chunks
from pfmap.intervals import wilson_interval
from pfmap.progress import progress_bar
from pfmap.runfolder import RunFolder
from pfmap.tables import sort_table
from pfmap.truthtable import n_words, words_to_strings
from pfmap.validation import check_seed, check_whole, parse_count

from .training import DEFAULT_CHUNK_SIZE, train_chunk

RUN_FORMAT = "pfmap-learning-training/1"
IDENTITY = ("architecture", "data", "settings", "seed", "runs", "chunk_size")
COLUMNS = ("fitted", "fit_epoch", "epochs", "test_error")


def _fitted_keys(columns: dict, words: int) -> list[tuple]:
    """The functions found by the fitted runs of one chunk, as tuples of its ``words`` test words (for the bar)."""
    fitted = np.asarray(columns["fitted"], dtype=bool)
    return list(zip(*(np.asarray(columns[f"w{w}"])[fitted].tolist() for w in range(words))))


def training_chunk(arch_dict: dict, data: DataSet, settings: dict, config: dict, chunk: int) -> dict:
    """Train chunk ``chunk`` of a job; its per-run columns (picklable, for the executors).

    :func:`pfmap.executors.run_chunks` calls it as ``training_chunk(*args, chunk)``, so every
    parameter is positional.

    Parameters
    ----------
    arch_dict : dict
        The architecture, as ``MLP.to_dict()`` gives it.
    data : pfmap.DataSet
        S and E.
    settings : dict
        Optimiser settings of :func:`pfmap.learning.training.train_chunk`.
    config : dict
        The job: ``runs``, ``chunk_size`` and ``seed`` are read.
    chunk : int
        The chunk index: runs ``chunk * chunk_size`` onwards.

    Returns
    -------
    dict
        Per-run columns: ``w0, w1, ...`` (uint64 test words), ``fitted`` (bool),
        ``fit_epoch`` and ``epochs`` (int64), ``test_error`` (float64).

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.datasets import boolean_dataset
    >>> data = boolean_dataset(2, "0110", train_mask="1110")
    >>> cfg = {"runs": 3, "chunk_size": 2, "seed": 0}
    >>> cols = training_chunk(MLP(2, (3,), "relu").to_dict(), data, {"lr": 0.1, "batch_size": 1}, cfg, 1)
    >>> len(cols["fitted"])                      # chunk 1 holds run 2 only
    1
    """
    first = chunk * config["chunk_size"]
    runs = min(config["chunk_size"], config["runs"] - first)
    result = train_chunk(architecture_from_dict(arch_dict), data.train_points, data.train_labels, data.test_points,
                         data.test_labels, runs=runs, first_run=first, seed=config["seed"],
                         chunk_size=config["chunk_size"], **settings)
    columns = {f"w{w}": np.ascontiguousarray(result.test_words[:, w]) for w in range(result.test_words.shape[1])}
    columns.update(fitted=result.fitted.astype(np.bool_), fit_epoch=result.fit_epoch.astype(np.int64),
                   epochs=result.epochs.astype(np.int64), test_error=result.test_error.astype(np.float64))
    return columns


def train_runs(arch: MLP, data: DataSet, *, runs: int | str, seed: int = 0, chunk_size: int | None = None,
               out: str | os.PathLike | None = None, dask: bool = False, scheduler: str | None = None,
               workers: int | None = None, progress: bool | str = False, **settings: object) -> pd.DataFrame:
    """P_SGD(f|S) of a training job on a data set, chunk by chunk, resumable from a run folder.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture; its prior draws the initialisations.
    data : pfmap.DataSet
        S (trained on) and E (where the found function is read, in E's order).
    runs : int or str
        Training runs.
    seed : int
        The job's seed (chunk ``k`` from child ``k`` of ``SeedSequence(seed)``).
    chunk_size : int, optional
        Runs per chunk (default :data:`pfmap.learning.training.DEFAULT_CHUNK_SIZE`); part of the job.
    out : str or os.PathLike, optional
        A run folder: finished chunks are kept; the same call resumes.
    dask, scheduler, workers
        Run the chunks on a Dask cluster (local with ``dask=True``, or at ``scheduler``).
    progress : bool or "auto"
        A progress bar over runs (fitted so far, distinct functions).
    **settings
        Optimiser settings of :func:`pfmap.learning.training.train_chunk` (``optimizer``, ``lr``,
        ``batch_size``, ``loss``, ``momentum``, ``max_epochs``, ``epochs_after_fit``, ``backend``, ``device``).

    Returns
    -------
    pandas.DataFrame
        ``function, probability, count, ci_low, ci_high, test_error, mean_epochs`` over the fitted runs;
        ``attrs["not_fitted"]`` counts the runs that never fitted S.

    Raises
    ------
    PfmapError
        For bad settings, a run folder of another job, or data that do not fit ``arch``.

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.datasets import boolean_dataset
    >>> data = boolean_dataset(2, "0111", train_mask="1110")
    >>> df = train_runs(MLP(2, (3,), "relu"), data, runs=20, seed=1, lr=0.1, batch_size=1, max_epochs=300)
    >>> int(df["count"].sum()) + df.attrs["not_fitted"]
    20
    """
    if not isinstance(data, DataSet):
        raise PfmapError(f"data must be a pfmap.DataSet (see pfmap.datasets); got {type(data).__name__}")
    runs = parse_count(runs, "runs")
    seed = check_seed(seed)
    chunk_size = DEFAULT_CHUNK_SIZE if chunk_size is None else check_whole(chunk_size, "chunk_size", minimum=1)
    # validate the settings on a zero-cost call before any folder is touched
    train_chunk(arch, data.train_points, data.train_labels, data.test_points, data.test_labels, runs=1,
                seed=seed, chunk_size=chunk_size, max_epochs=1, **{k: v for k, v in settings.items()
                                                                   if k != "max_epochs"})
    config = {"format": RUN_FORMAT, "pfmap_version": __version__, "architecture": arch.to_dict(),
              "description": arch.describe(), "data": data.to_dict(), "settings": _jsonable(settings),
              "seed": seed, "runs": runs, "chunk_size": chunk_size, "chunks": -(-runs // chunk_size)}
    folder = RunFolder(out, config, identity=IDENTITY, parameter="out") if out is not None else None
    done: dict[int, dict] = {}
    try:
        if folder is not None:
            for k in folder.finished(_check(config)):
                done[k] = folder.read_chunk(k)
        fitted_so_far = sum(int(np.sum(c["fitted"])) for c in done.values())
        seen: set = set()
        words = n_words(data.k)
        for c in done.values():
            seen.update(_fitted_keys(c, words))
        with progress_bar(runs, progress=progress, desc="training", unit="run",
                          initial=sum(len(c["fitted"]) for c in done.values())) as bar:
            def finish(chunk, columns):
                nonlocal fitted_so_far
                if folder is not None:
                    folder.write_chunk(chunk, columns)
                done[chunk] = columns
                fitted_so_far += int(np.sum(columns["fitted"]))
                seen.update(_fitted_keys(columns, words))
                bar.update(len(columns["fitted"]))
                bar.set_postfix(fitted=fitted_so_far, distinct=len(seen), refresh=False)

            todo = [k for k in range(config["chunks"]) if k not in done]
            run_chunks(training_chunk, todo, (arch.to_dict(), data, settings, config), dask=dask,
                       scheduler=scheduler, workers=workers, on_result=finish)
    finally:
        if folder is not None:
            folder.close()
    ordered = [done[k] for k in range(config["chunks"])]
    return runs_table(ordered, data.k, runs, config=config)


def runs_table(chunks: list[dict], k: int, runs: int, *, config: dict) -> pd.DataFrame:
    """The volume table of the fitted runs of a job from its chunks' columns (in chunk order).

    Parameters
    ----------
    chunks : list of dict
        The columns of each chunk (as :func:`training_chunk` returns them), in chunk order.
    k : int
        The number of test points ``|E|``.
    runs : int
        The job's number of runs (fitted or not).
    config : dict
        The job's configuration, copied into ``df.attrs["pfmap"]``.

    Returns
    -------
    pandas.DataFrame
        ``function, probability, count, ci_low, ci_high, test_error, mean_epochs`` over the fitted runs,
        most frequent first; ``attrs["not_fitted"]`` counts the runs that never fitted S.

    Examples
    --------
    >>> cols = {"w0": np.array([1, 1, 2], dtype=np.uint64), "fitted": np.array([True, True, False]),
    ...         "fit_epoch": np.array([3, 5, -1]), "epochs": np.array([3, 5, 9]), "test_error": np.array([0., 0., 1.])}
    >>> df = runs_table([cols], 2, 3, config={})
    >>> df[["function", "count", "mean_epochs"]].values.tolist(), df.attrs["not_fitted"]
    ([['10', 2, 4.0]], 1)
    """
    words = n_words(k)
    fitted = np.concatenate([c["fitted"] for c in chunks]).astype(bool)
    keys = np.stack([np.concatenate([c[f"w{w}"] for c in chunks]) for w in range(words)], axis=1)
    keys = keys.astype(np.uint64)[fitted]
    fit_epochs = np.concatenate([c["fit_epoch"] for c in chunks])[fitted]
    errors = np.concatenate([c["test_error"] for c in chunks])[fitted]
    n_fit = int(fitted.sum())
    if n_fit:
        unique, first_of, inverse, counts = np.unique(keys, axis=0, return_index=True, return_inverse=True,
                                                      return_counts=True)
    else:
        unique, first_of, inverse, counts = keys, np.zeros(0, int), np.zeros(0, int), np.zeros(0, np.int64)
    low, high = wilson_interval(counts, max(n_fit, 1))
    df = sort_table(pd.DataFrame({
        "function": words_to_strings(unique, k) if n_fit else [], "probability": counts / max(n_fit, 1),
        "count": counts, "ci_low": low, "ci_high": high, "test_error": errors[first_of],
        "mean_epochs": np.bincount(inverse.ravel(), weights=fit_epochs, minlength=len(counts)) / np.maximum(counts, 1)}))
    mean_error = float(errors.mean()) if n_fit and not np.isnan(errors).any() else math.nan
    df.attrs["not_fitted"] = runs - n_fit
    df.attrs["pfmap"] = dict(config, engine="learning", producer="train_runs", fitted=n_fit, not_fitted=runs - n_fit,
                             distinct=int(len(df)), interval="wilson 95%", mean_test_error=mean_error,
                             pfmap_version=__version__)
    return df


def _check(config: dict):
    def check(columns, meta):
        expected = min(config["chunk_size"], config["runs"] - meta["chunk"] * config["chunk_size"])
        if any(c not in columns for c in COLUMNS) or len(columns["fitted"]) != expected:
            return f"it holds {len(columns.get('fitted', []))} runs where chunk {meta['chunk']} has {expected}"
        return None
    return check


def _jsonable(settings: dict) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in sorted(settings.items())}
