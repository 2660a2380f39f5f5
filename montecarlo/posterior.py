"""The posterior P_B(f|S) by rejection sampling ("method 1" sampled exactly; "ABI" in the papers).

Sample networks from the prior on the points of S ∪ E, keep those whose
outputs match the labels on S, count their labellings of E.  The estimate is
exact in the limit; its cost is ``1 / P(S)`` networks per accepted one, so a
short pilot (the first batch of the run) predicts the acceptance, and a
request that would accept fewer than ``min_accepted`` networks is refused
before the run, naming the expected acceptance.

Runs are chunked like sampling runs (chunk ``k`` from child ``k`` of
``SeedSequence(seed)``, the same counter-based stream), so the table depends
only on the configuration, and resume from a run folder.

References
----------
C. Mingard et al., "Neural networks are a priori biased towards Boolean functions with low entropy",
arXiv:1909.11522 (2019), App. L; C. Mingard et al., "Is SGD a Bayesian sampler? Well, almost", JMLR 22 (2021).
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
from pfmap.inputs import InputSet
from pfmap.intervals import wilson_interval
from pfmap.progress import progress_bar
from pfmap.runfolder import RunFolder
from pfmap.truthtable import n_words, pack_bits, unpack_bits
from pfmap.validation import check_seed, parse_count

from pfmap.montecarlo.backends import resolve_backend, sample_tables
from pfmap.montecarlo.counting import TableCounter
from pfmap.montecarlo.rng import chunk_key
from pfmap.montecarlo.runs.manifest import DEFAULT_CHUNK_SIZE, describe_inputs, stream_name
from pfmap.montecarlo.volume_table import volume_table

RUN_FORMAT = "pfmap-montecarlo-posterior/1"
IDENTITY = ("architecture", "data", "seed", "samples", "chunk_size", "stream")
BATCH = 1 << 16
PILOT = 1 << 16


def _selector(data: DataSet, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Mask and target words: a packed table is accepted iff ``(table & mask) == target`` in every word."""
    bits = np.zeros(size, dtype=bool)
    bits[data.train] = True
    target = np.zeros(size, dtype=bool)
    target[data.train] = data.train_labels.astype(bool)
    return pack_bits(bits), pack_bits(target)


def accepted_labellings(tables: np.ndarray, data: DataSet, size: int) -> tuple[np.ndarray, int]:
    """The packed labellings of E of the tables that fit S, and how many fitted.

    Parameters
    ----------
    tables : numpy.ndarray
        ``(networks, words)`` packed truth tables on the data set's input set.
    data : pfmap.DataSet
        The data set (S, its labels, E).
    size : int
        The number of points of the input set.

    Returns
    -------
    tuple
        ``(labellings, accepted)``: ``(accepted, ceil(k/64))`` uint64 packed labels of E in E's order.

    Examples
    --------
    >>> from pfmap.datasets import boolean_dataset
    >>> data = boolean_dataset(2, "0001", train_mask="1100")          # S = inputs 00, 01 (labels 0, 0)
    >>> tables = pack_bits(np.array([[0, 0, 1, 1], [1, 0, 0, 1], [0, 0, 0, 1]], dtype=bool))
    >>> e, accepted = accepted_labellings(tables, data, 4)
    >>> accepted, unpack_bits(e, 2).astype(int).tolist()
    (2, [[1, 1], [0, 1]])
    """
    mask, target = _selector(data, size)
    keep = np.all((tables & mask) == target, axis=1)
    chosen = tables[keep]
    if not len(chosen):
        return np.zeros((0, n_words(data.k)), dtype=np.uint64), 0
    return pack_bits(unpack_bits(chosen, size)[:, data.test]), int(keep.sum())


def posterior_config(arch: MLP, data: DataSet, input_set: InputSet, *, seed: int, samples: int, chunk_size: int,
                     backend: str, device: str) -> dict:
    """The manifest of a rejection-sampling run.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture, carrying its prior.
    data : pfmap.DataSet
        The data set (S with its labels, and E).
    input_set : pfmap.InputSet
        The points of S ∪ E (``data.input_set()``).
    seed : int
        The run's seed.
    samples : int
        How many networks the run draws.
    chunk_size : int
        Networks per chunk.
    backend, device : str
        Canonical backend and device (:func:`pfmap.montecarlo.backends.resolve_backend`).

    Returns
    -------
    dict
        JSON-ready manifest: format, version, architecture, data, inputs, seed, samples, chunk size,
        number of chunks, stream and backend.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> from pfmap.datasets import boolean_dataset
    >>> data = boolean_dataset(2, "0001", train_mask="1100")
    >>> posterior_config(Perceptron(2), data, data.input_set(), seed=0, samples=10, chunk_size=4, backend="numba",
    ...                  device="cpu")["chunks"]
    3
    """
    return {"format": RUN_FORMAT, "pfmap_version": __version__, "architecture": arch.to_dict(),
            "description": arch.describe(), "data": data.to_dict(), "inputs": describe_inputs(input_set),
            "seed": int(seed), "samples": int(samples), "chunk_size": int(chunk_size),
            "chunks": -(-int(samples) // int(chunk_size)), "stream": stream_name(backend, device),
            "backend": backend}


def posterior_chunk(arch_dict: dict, data: DataSet, config: dict, device: str, threads: int | None,
                    chunk: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Run chunk ``chunk``: ``(labelling keys, counts, accepted, drawn)`` (picklable, for the executors).

    The executors call it as ``posterior_chunk(*args, chunk)``
    (:func:`pfmap.executors.run_chunks`), so its parameters stay positional.

    Parameters
    ----------
    arch_dict : dict
        The architecture (``to_dict``).
    data : pfmap.DataSet
        The data set.
    config : dict
        The run's manifest (:func:`posterior_config`).
    device : str
        Where the networks are computed.
    threads : int or None
        numba threads (None: all).
    chunk : int
        Which chunk.

    Returns
    -------
    tuple
        ``(keys, counts, accepted, drawn)``: ``(distinct, ceil(k/64))`` uint64 packed labellings of E, their
        int64 counts, the number of accepted networks and the number drawn.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> from pfmap.datasets import boolean_dataset
    >>> data = boolean_dataset(2, "0001", train_mask="1100")
    >>> cfg = posterior_config(Perceptron(2), data, data.input_set(), seed=0, samples=1000, chunk_size=1000,
    ...                        backend="numba", device="cpu")
    >>> keys, counts, accepted, drawn = posterior_chunk(Perceptron(2).to_dict(), data, cfg, "cpu", 1, 0)
    >>> int(counts.sum()) == accepted, drawn
    (True, 1000)
    """
    arch = architecture_from_dict(arch_dict)
    input_set = data.input_set()
    key = chunk_key(config["seed"], chunk)
    drawn = min(config["chunk_size"], config["samples"] - chunk * config["chunk_size"])
    counter = TableCounter(n_words(data.k))
    accepted = 0
    for start in range(0, drawn, BATCH):
        size = min(BATCH, drawn - start)
        tables = sample_tables(arch, size, seed=key, inputs=input_set, backend=config["backend"], first=start,
                               device=device, threads=threads)
        labellings, fitted = accepted_labellings(tables, data, input_set.size)
        if fitted:
            counter.add(labellings)
        accepted += fitted
    keys, counts = counter.items()
    return keys, counts, accepted, drawn


def sample_posterior(arch: MLP, data: DataSet, samples: int | str, *, seed: int = 0, backend: str | None = None,
                     device: str = "cpu", chunk_size: int | None = None, out: str | os.PathLike | None = None,
                     workers: int | None = None,
                     dask: bool = False, scheduler: str | None = None, progress: bool | str = False,
                     min_accepted: int = 10) -> pd.DataFrame:
    """P_B(f|S) by rejection sampling: networks from the prior that fit S, counted by their labelling of E.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture, carrying its prior.
    data : pfmap.DataSet
        The data set: S with its labels, and E (a function is the string of labels on E, in E's order).
    samples : int or str
        How many networks to draw from the prior.
    seed : int
        The seed (chunk ``k`` draws from child ``k`` of ``SeedSequence(seed)``).
    backend, device, chunk_size, workers, dask, scheduler, progress
        As in :func:`pfmap.montecarlo.sample`.
    out : str or os.PathLike, optional
        A run folder (resumable).
    min_accepted : int
        Refuse, before the run, a request whose expected number of accepted networks (from a pilot of the
        first batch; an upper bound 3/pilot when the pilot accepts none) is below this.

    Returns
    -------
    pandas.DataFrame
        ``function, probability, count, ci_low, ci_high, test_error`` (95% Wilson intervals over the accepted
        networks), most probable first; ``attrs["pfmap"]`` holds ``samples``, ``accepted``, ``acceptance``,
        ``log_p_train`` (the log acceptance, an estimate of log P(S)) and its 95% interval.

    Raises
    ------
    PfmapError
        For bad arguments, or when the expected acceptance is too low for ``samples``.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> from pfmap.datasets import boolean_dataset
    >>> data = boolean_dataset(2, "0001", train_mask="1100")
    >>> df = sample_posterior(Perceptron(2), data, 20000, seed=1)
    >>> sorted(df["function"]), df.attrs["pfmap"]["samples"]
    (['00', '01', '10', '11'], 20000)
    >>> bool(abs(df["probability"].sum() - 1) < 1e-12)
    True

    References
    ----------
    Mingard et al., arXiv:1909.11522 (2019), App. L; Mingard et al., JMLR 22 (2021).
    """
    if not isinstance(data, DataSet):
        raise PfmapError(f"data must be a pfmap.DataSet (see pfmap.datasets); got {type(data).__name__}")
    samples = parse_count(samples, "samples")
    seed = check_seed(seed)
    min_accepted = parse_count(min_accepted, "min_accepted")
    backend, device = resolve_backend(backend, device)
    chunk_size = DEFAULT_CHUNK_SIZE if chunk_size is None else parse_count(chunk_size, "chunk_size")
    input_set = data.input_set()
    if arch.n != data.n:
        raise PfmapError(f"the data points have {data.n} features but the network expects n = {arch.n}")
    config = posterior_config(arch, data, input_set, seed=seed, samples=samples, chunk_size=chunk_size,
                              backend=backend, device=device)
    _check_acceptance(arch, data, input_set, config, device, samples, min_accepted)
    folder = RunFolder(out, config, identity=IDENTITY, parameter="out") if out is not None else None
    total = TableCounter(n_words(data.k))
    stats = {"accepted": 0, "drawn": 0}
    todo = list(range(config["chunks"]))
    try:
        if folder is not None:
            for k in folder.finished(_chunk_check(config)):
                columns = folder.read_chunk(k)
                meta = _chunk_meta(folder, k)
                keys = np.stack([columns[f"w{w}"] for w in range(n_words(data.k))], axis=1).astype(np.uint64)
                if len(keys):
                    total.add(keys, columns["count"].astype(np.int64))
                stats["accepted"] += meta["accepted"]
                stats["drawn"] += meta["drawn"]
                todo.remove(k)
        with progress_bar(samples, progress=progress, desc="rejection sampling", unit="net",
                          initial=stats["drawn"]) as bar:
            def finish(chunk, result):
                keys, counts, accepted, drawn = result
                if folder is not None:
                    columns = {f"w{w}": np.ascontiguousarray(keys[:, w]) for w in range(keys.shape[1])}
                    columns["count"] = np.asarray(counts, dtype=np.int64)
                    folder.write_chunk(chunk, columns, {"accepted": int(accepted), "drawn": int(drawn)})
                if len(keys):
                    total.add(keys, counts)
                stats["accepted"] += accepted
                stats["drawn"] += drawn
                bar.update(drawn)
                bar.set_postfix(accepted=stats["accepted"], distinct=len(total), refresh=False)

            threads = 1 if (dask or scheduler is not None) else workers
            run_chunks(posterior_chunk, todo, (arch.to_dict(), data, config, device, threads), dask=dask,
                       scheduler=scheduler, workers=workers, on_result=finish)
    finally:
        if folder is not None:
            folder.close()
    return _table(total, data, config, stats)


def _check_acceptance(arch, data, input_set, config, device, samples, min_accepted):
    pilot = min(samples, PILOT)
    tables = sample_tables(arch, pilot, seed=chunk_key(config["seed"], 0), inputs=input_set,
                           backend=config["backend"], device=device)
    _, fitted = accepted_labellings(tables, data, input_set.size)
    rate = fitted / pilot if fitted else 3.0 / pilot
    if samples * rate < min_accepted:
        shown = f"{fitted / pilot:.3g}" if fitted else f"below {rate:.2g} (none of a pilot of {pilot:,})"
        need = math.ceil(min_accepted / rate)
        raise PfmapError(f"the expected acceptance P(S) is {shown}: samples={samples:.3g} would accept about "
                         f"{samples * rate:.3g} networks, fewer than min_accepted={min_accepted} (that needs about "
                         f"{need:.2g} samples); use method='ep' or method='tilting' for so small a P(S)")


def _chunk_meta(folder: RunFolder, chunk: int) -> dict:
    import json

    import pyarrow.parquet as pq

    return json.loads(pq.read_schema(folder.chunk_path(chunk)).metadata[b"pfmap_chunk"])


def _chunk_check(config: dict):
    def check(columns, meta):
        expected = min(config["chunk_size"], config["samples"] - meta["chunk"] * config["chunk_size"])
        if meta.get("drawn") != expected or int(np.sum(columns.get("count", 0))) != meta.get("accepted"):
            return f"it records {meta.get('drawn')} draws and {meta.get('accepted')} acceptances"
        return None
    return check


def _table(total: TableCounter, data: DataSet, config: dict, stats: dict) -> pd.DataFrame:
    accepted, drawn = stats["accepted"], stats["drawn"]
    keys, counts = total.items()
    low, high = wilson_interval(accepted, drawn) if drawn else (0.0, 0.0)
    attrs = {"engine": "montecarlo", "method": "rejection", "architecture": config["architecture"],
             "description": config["description"], "prior": config["architecture"]["prior"],
             "data": config["data"], "seed": config["seed"], "samples": drawn, "accepted": accepted,
             "acceptance": accepted / drawn if drawn else 0.0,
             "log_p_train": math.log(accepted / drawn) if accepted else float("-inf"),
             "log_p_train_ci": [math.log(low) if low > 0 else float("-inf"), math.log(high) if high > 0 else 0.0],
             "chunk_size": config["chunk_size"], "stream": config["stream"], "distinct": len(total),
             "interval": "wilson 95% over accepted networks", "pfmap_version": __version__}
    if accepted == 0:
        df = pd.DataFrame({"function": pd.Series(dtype=object), "probability": [], "count": [], "ci_low": [],
                           "ci_high": [], "test_error": []})
        df.attrs["pfmap"] = attrs
        return df
    df = volume_table(keys, counts, accepted, length=data.k, attrs=attrs)
    target = np.frombuffer(data.target_function.encode(), dtype=np.uint8)
    bits = np.frombuffer("".join(df["function"]).encode(), dtype=np.uint8).reshape(len(df), data.k)
    df["test_error"] = (bits != target).mean(axis=1)
    df.attrs["pfmap"] = attrs
    return df
