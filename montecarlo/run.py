"""Runs: chunks, run folders (manifest, atomic chunk files, resume), Dask, progress, and :func:`sample`.

A run is ``(architecture with its prior, inputs, seed, samples)`` plus the
chunk size, a fixed default recorded in the manifest.  Chunk ``k`` holds
networks ``k * chunk_size ..`` and draws them from child ``k`` of
``numpy.random.SeedSequence(seed)`` (:func:`montecarlo.rng.chunk_key`), so the
table depends only on that configuration and the random stream (numpy and
numba share one; torch has its own): not on workers, finishing order, batch
size in memory, or interruptions.  Counts are merged as chunks finish.

Run folder layout::

    DIR/manifest.json            what the run is (refused if a later command differs)
    DIR/chunks/chunk-000007.parquet   one per finished chunk: w0.., count (written atomically)
    DIR/table.parquet            the merged volume table, once every chunk is done

References
----------
Foreman-Mackey et al., "emcee: the MCMC hammer", PASP 125 (2013) (resumable file-backed runs).
Rocklin, "Dask: parallel computation with blocked algorithms and task scheduling", SciPy 2015.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import numpy as np

from pfmap import __version__
from pfmap.errors import PfmapError
from pfmap.inputs import InputSet, as_input_set
from pfmap.tables import read_table, write_table
from pfmap.truthtable import n_words

from .counts import TableCounter
from .rng import STREAM, chunk_key
from .sampler import sample_tables, validate_backend
from .table import volume_table

DEFAULT_CHUNK_SIZE = 1 << 20
BATCH = 1 << 16  # networks per call of the sampler; a multiple of the torch block, and never changes a result
MANIFEST = "manifest.json"
RUN_FORMAT = "pfmap-montecarlo-run/1"
IDENTITY = ("architecture", "inputs", "seed", "samples", "chunk_size", "stream")


def describe_inputs(input_set: InputSet) -> dict:
    """JSON description of an input set: the cube by name, explicit points by shape and SHA-256."""
    if input_set.is_cube:
        return {"kind": "cube", "n": input_set.n, "encoding": input_set.encoding, "size": input_set.size}
    import hashlib

    pts = np.ascontiguousarray(input_set.points, dtype=np.float64)
    return {"kind": "points", "shape": list(pts.shape), "sha256": hashlib.sha256(pts.tobytes()).hexdigest()}


def stream_name(backend: str, device: str) -> str:
    if backend == "torch":
        return "torch-" + ("cuda" if str(device).lower().startswith("cuda") else "cpu")
    return STREAM


def run_config(arch, input_set: InputSet, seed: int, samples: int, chunk_size: int, backend: str, device: str) -> dict:
    """The manifest of a run (``IDENTITY`` keys decide whether an existing folder is the same run)."""
    return {
        "format": RUN_FORMAT,
        "pfmap_version": __version__,
        "architecture": arch.to_dict(),
        "description": arch.describe(),
        "inputs": describe_inputs(input_set),
        "seed": int(seed),
        "samples": int(samples),
        "chunk_size": int(chunk_size),
        "chunks": -(-int(samples) // int(chunk_size)),
        "words": n_words(input_set.size),
        "stream": stream_name(backend, device),
        "backend": backend,
    }


def chunk_networks(config: dict, chunk: int) -> int:
    return min(config["chunk_size"], config["samples"] - chunk * config["chunk_size"])


def count_chunk(arch, input_set, config: dict, chunk: int, backend: str, device: str = "cpu",
                threads: int | None = None, on_batch=None, stats: dict | None = None) -> TableCounter:
    """Sample chunk ``chunk`` of a run and count its tables; ``on_batch(networks)`` after each batch."""
    key = chunk_key(config["seed"], chunk)
    networks = chunk_networks(config, chunk)
    counter = TableCounter(config["words"])
    for start in range(0, networks, BATCH):
        size = min(BATCH, networks - start)
        tables = sample_tables(arch, input_set, size, key, backend, first=start, device=device, threads=threads,
                               stats=stats)
        counter.add(tables)
        if on_batch is not None:
            on_batch(size)
    return counter


class RunFolder:
    """A run folder on disk: its manifest and one Parquet file per finished chunk."""

    def __init__(self, path, config: dict):
        self.path = Path(path)
        self.config = config
        if self.path.exists() and not self.path.is_dir():
            raise PfmapError(f"{self.path} is a file, not a run folder; give a new or existing run folder to --out")
        manifest = self.path / MANIFEST
        if manifest.is_file():
            try:
                existing = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise PfmapError(f"{manifest} is not a readable run manifest ({exc}); use a new --out folder") from None
            if existing.get("format") != RUN_FORMAT:
                raise PfmapError(f"{self.path} is not a pfmap Monte Carlo run folder (manifest format "
                                 f"{existing.get('format')!r}); use a new --out folder")
            differ = [k for k in IDENTITY if existing.get(k) != config.get(k)]
            if differ:
                detail = ", ".join(f"{k}: {_short(existing.get(k))} there vs {_short(config.get(k))} now" for k in differ)
                raise PfmapError(f"{self.path} holds a different run ({detail}); rerun with the same options to "
                                 f"resume it, or give a new --out folder")
        elif self.path.is_dir() and any(self.path.iterdir()):
            raise PfmapError(f"{self.path} is not a run folder (it has files but no {MANIFEST}); give an empty or "
                             f"new folder to --out")
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            _atomic_write(manifest, (json.dumps(config, indent=1) + "\n").encode())
        (self.path / "chunks").mkdir(exist_ok=True)

    def chunk_path(self, chunk: int) -> Path:
        return self.path / "chunks" / f"chunk-{chunk:06d}.parquet"

    def finished(self) -> list[int]:
        return sorted(k for k in range(self.config["chunks"]) if self.chunk_path(k).is_file())

    def write_chunk(self, chunk: int, keys: np.ndarray, counts: np.ndarray) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {f"w{w}": pa.array(keys[:, w], type=pa.uint64()) for w in range(keys.shape[1])}
        columns["count"] = pa.array(counts, type=pa.int64())
        meta = {b"pfmap_chunk": json.dumps({"chunk": chunk, "networks": int(counts.sum())}).encode()}
        table = pa.table(columns).replace_schema_metadata(meta)
        path = self.chunk_path(chunk)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            pq.write_table(table, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)

    def read_chunk(self, chunk: int) -> tuple[np.ndarray, np.ndarray]:
        """Keys and counts of a finished chunk, checked against the manifest."""
        import pyarrow.parquet as pq

        path = self.chunk_path(chunk)
        words = self.config["words"]
        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {}).get(b"pfmap_chunk", b"{}"))
            keys = np.stack([table.column(f"w{w}").to_numpy().astype(np.uint64) for w in range(words)], axis=1)
            counts = table.column("count").to_numpy().astype(np.int64)
        except Exception as exc:  # any unreadable file: say which and what to do
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PfmapError(f"chunk file {path} is corrupt ({reason}); delete it to recompute that chunk") from None
        expected = chunk_networks(self.config, chunk)
        if meta.get("chunk") != chunk or int(counts.sum()) != expected or (counts <= 0).any():
            raise PfmapError(f"chunk file {path} is corrupt (it counts {int(counts.sum())} networks, expected "
                             f"{expected}); delete it to recompute that chunk")
        return keys, counts


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    if platform.system() == "Windows":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def final_attrs(config: dict, distinct: int, backend: str) -> dict:
    """The ``df.attrs["pfmap"]`` of a finished run's table."""
    return {"engine": "montecarlo", "architecture": config["architecture"], "description": config["description"],
            "prior": config["architecture"]["prior"], "inputs": config["inputs"], "seed": config["seed"],
            "samples": config["samples"], "chunk_size": config["chunk_size"], "backend": backend,
            "stream": config["stream"], "distinct": distinct, "interval": "wilson 95%",
            "pfmap_version": __version__}


def final_table(config: dict, counter: TableCounter, input_set: InputSet, backend: str):
    keys, counts = counter.items()
    return volume_table(keys, counts, config["samples"], input_set.size, final_attrs(config, len(counter), backend))


def load_run(path, top: int | None = None):
    """The volume table of a finished run folder (``DIR/table.parquet``) as a DataFrame.

    ``top``: only the ``top`` most probable functions (the table is stored
    in that order), read batch by batch: a 10^8-sample table can hold tens
    of millions of rows.

    Examples
    --------
    >>> import tempfile
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo import sample
    >>> folder = tempfile.mkdtemp() + "/run"
    >>> df = sample(Perceptron(2), 1000, out=folder)
    >>> load_run(folder)["count"].tolist() == df["count"].tolist()
    True
    >>> load_run(folder, top=2)["function"].tolist() == df["function"][:2].tolist()
    True

    References
    ----------
    Apache Parquet file format (via pyarrow); emcee's file backends (Foreman-Mackey et al. 2013).
    """
    table = Path(path) / "table.parquet"
    if not table.is_file():
        raise PfmapError(f"{path} has no table.parquet yet; rerun the same 'pfmap sample' command to finish it")
    return read_table(table, top=top)


def write_final(folder: RunFolder, df) -> Path:
    path = folder.path / "table.parquet"
    write_table(df, path, "parquet")
    return path


def prepare(arch, samples, seed, inputs, backend, device, chunk_size):
    """Validate a request and return ``(input_set, backend, config)``."""
    from pfmap.cli.options import parse_count

    if isinstance(samples, bool):
        raise PfmapError(f"samples must be a positive whole number such as 1e6; got {samples!r}")
    samples = parse_count(samples, "samples")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise PfmapError(f"seed must be a whole number >= 0; got {seed!r}")
    if backend is None and str(device).lower().startswith("cuda"):
        backend = "torch"  # only torch runs on a GPU
    backend = validate_backend(backend)
    chunk_size = DEFAULT_CHUNK_SIZE if chunk_size is None else parse_count(chunk_size, "chunk size")
    input_set = as_input_set(inputs, arch.n)
    if input_set.is_cube and input_set.n > 10:
        raise PfmapError(f"sampling on the Boolean cube goes up to n = 10 (1024 inputs); got n = {input_set.n}")
    if backend == "torch":
        from .torch_backend import torch_device

        torch_device(device)
    elif str(device).lower() != "cpu":
        raise PfmapError(f"--device {device} needs --backend torch; the {backend} backend runs on the CPU")
    return input_set, backend, run_config(arch, input_set, seed, samples, chunk_size, backend, device)
