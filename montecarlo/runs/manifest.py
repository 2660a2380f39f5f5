"""What a Monte Carlo run is: its validated request and the manifest that identifies it.

A run is ``(architecture with its prior, inputs, seed, samples)`` plus the
chunk size, a fixed default recorded in the manifest.  Chunk ``k`` holds
networks ``k * chunk_size ..`` and draws them from child ``k`` of
``numpy.random.SeedSequence(seed)`` (:func:`pfmap.montecarlo.rng.chunk_key`),
so the table depends only on that configuration and the random stream (numpy
and numba share one; torch has its own): not on workers, finishing order,
batch size in memory, or interruptions.
"""

from __future__ import annotations

import hashlib

import numpy as np

from pfmap import __version__
from pfmap.errors import PfmapError
from pfmap.inputs import InputSet, as_input_set
from pfmap.truthtable import n_words
from pfmap.validation import check_seed, parse_count

from pfmap.montecarlo.backends import resolve_backend
from pfmap.montecarlo.rng import STREAM

DEFAULT_CHUNK_SIZE = 1 << 20
RUN_FORMAT = "pfmap-montecarlo-run/1"
IDENTITY = ("architecture", "inputs", "seed", "samples", "chunk_size", "stream")
MAX_CUBE_SAMPLING_N = 10


def describe_inputs(input_set: InputSet) -> dict:
    """JSON description of an input set: the cube by name, explicit points by shape and SHA-256.

    Examples
    --------
    >>> describe_inputs(InputSet.cube(2))
    {'kind': 'cube', 'n': 2, 'encoding': '01', 'size': 4}
    """
    if input_set.is_cube:
        return {"kind": "cube", "n": input_set.n, "encoding": input_set.encoding, "size": input_set.size}
    pts = np.ascontiguousarray(input_set.points, dtype=np.float64)
    return {"kind": "points", "shape": list(pts.shape), "sha256": hashlib.sha256(pts.tobytes()).hexdigest()}


def stream_name(backend: str, device: str) -> str:
    """The name of the random stream a backend draws from (numpy and numba share one).

    Examples
    --------
    >>> stream_name("numba", "cpu") == stream_name("numpy", "cpu"), stream_name("torch", "cuda")
    (True, 'torch-cuda')
    """
    if backend == "torch":
        return "torch-" + ("cuda" if str(device).lower().startswith("cuda") else "cpu")
    return STREAM


def run_config(arch, input_set: InputSet, seed: int, samples: int, chunk_size: int, backend: str, device: str) -> dict:
    """The manifest of a run (the :data:`IDENTITY` keys decide whether an existing folder is the same run).

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> cfg = run_config(Perceptron(2), InputSet.cube(2), 0, 10, 4, "numba", "cpu")
    >>> cfg["chunks"], cfg["words"]
    (3, 1)
    """
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


def prepare(arch, samples, seed, inputs, backend, device, chunk_size) -> tuple[InputSet, str, dict]:
    """Validate a sampling request and return ``(input_set, backend, config)``.

    Raises
    ------
    PfmapError
        For a bad count, seed, backend, device or input set (one line naming the parameter).

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> _, backend, cfg = prepare(Perceptron(2), "1e3", 0, None, None, "cpu", None)
    >>> backend, cfg["samples"]
    ('numba', 1000)
    """
    samples = parse_count(samples, "samples")
    seed = check_seed(seed)
    backend, device = resolve_backend(backend, device)
    chunk_size = DEFAULT_CHUNK_SIZE if chunk_size is None else parse_count(chunk_size, "chunk_size")
    input_set = as_input_set(inputs, arch.n)
    if input_set.is_cube and input_set.n > MAX_CUBE_SAMPLING_N:
        raise PfmapError(f"sampling on the Boolean cube goes up to n = {MAX_CUBE_SAMPLING_N} "
                         f"({1 << MAX_CUBE_SAMPLING_N} inputs); got n = {input_set.n}")
    if backend == "torch":
        from pfmap.montecarlo.backends.torch_backend import torch_device

        torch_device(device)
    return input_set, backend, run_config(arch, input_set, seed, samples, chunk_size, backend, device)
