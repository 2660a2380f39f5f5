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
from numpy.typing import ArrayLike

from pfmap import __version__
from pfmap.architectures import MLP
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
MAX_CHUNK_SIZE = 1 << 31  # networks per chunk whose streams never overlap (pfmap.montecarlo.rng)
MAX_CHUNKS = 10**6  # chunk files of one run folder (chunk-000000 .. chunk-999999)
# threshold functions of n inputs with a bias, n = 1..9 (OEIS A000609): at most this many distinct perceptron tables
THRESHOLD_FUNCTIONS = (4, 14, 104, 1882, 94572, 15028134, 8378070864, 17561539552946, 144130531453121108)


def describe_inputs(input_set: InputSet) -> dict:
    """JSON description of an input set: the cube by name, explicit points by shape and SHA-256.

    Parameters
    ----------
    input_set : pfmap.InputSet
        The inputs.

    Returns
    -------
    dict
        ``kind`` (``"cube"`` or ``"points"``) and either ``n``, ``encoding``, ``size`` or ``shape``, ``sha256``.

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

    Parameters
    ----------
    backend : str
        A canonical backend name.
    device : str
        ``"cpu"`` or ``"cuda[:k]"``.

    Returns
    -------
    str
        :data:`pfmap.montecarlo.rng.STREAM` for numpy and numba, ``"torch-cpu"`` or ``"torch-cuda"`` for torch.

    Examples
    --------
    >>> stream_name("numba", "cpu") == stream_name("numpy", "cpu"), stream_name("torch", "cuda")
    (True, 'torch-cuda')
    """
    if backend == "torch":
        return "torch-" + ("cuda" if str(device).lower().startswith("cuda") else "cpu")
    return STREAM


def run_config(arch: MLP, input_set: InputSet, seed: int, *, samples: int, chunk_size: int, backend: str,
               device: str) -> dict:
    """The manifest of a run (the :data:`IDENTITY` keys decide whether an existing folder is the same run).

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture, carrying its prior.
    input_set : pfmap.InputSet
        The inputs.
    seed : int
        The run's seed.
    samples : int
        Networks in the run.
    chunk_size : int
        Networks per chunk.
    backend, device : str
        Canonical backend and device.

    Returns
    -------
    dict
        JSON-ready manifest: format, version, architecture, inputs, seed, samples, chunk size, number of chunks,
        words per table, stream and backend.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> cfg = run_config(Perceptron(2), InputSet.cube(2), 0, samples=10, chunk_size=4, backend="numba", device="cpu")
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


def available_memory() -> int:
    """Bytes of memory available to this process now (``psutil``), the budget of :func:`check_limits`.

    Returns
    -------
    int
        Available bytes.

    Examples
    --------
    >>> available_memory() > 0
    True
    """
    import psutil

    return int(psutil.virtual_memory().available)


def counting_bytes(distinct: int, words: int) -> int:
    """Peak bytes to count ``distinct`` functions of ``words`` words and to sort and write their table.

    The streaming counter keeps at most half its slots full and doubles, so
    its peak is the old and the new table together while it grows; the table
    needs its rows, their order and the sort's scratch (about 10 words per row).

    Parameters
    ----------
    distinct : int
        Distinct functions.
    words : int
        uint64 words per truth table.

    Returns
    -------
    int
        Bytes.

    Examples
    --------
    >>> round(counting_bytes(10**8, 2) / 2**30, 1)    # a 10^8-sample 7-40-40-1 run if every net were distinct
    11.2
    """
    slot = 8 * (words + 1)
    capacity = 1 << max(4, (2 * int(distinct) - 1).bit_length())
    return max(slot * (capacity + capacity // 2), int(distinct) * (slot + 8 * words + 80))


def network_bytes(arch: MLP, input_set: InputSet, threads: int) -> int:
    """Bytes of scratch the fast path needs to evaluate one network per thread, and a batch of tables.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture.
    input_set : pfmap.InputSet
        The inputs.
    threads : int
        Networks evaluated at once.

    Returns
    -------
    int
        Bytes (an estimate of the fast path's scratch plus one batch of packed tables).

    Examples
    --------
    >>> from pfmap import MLP
    >>> network_bytes(MLP(7, (40, 40)), InputSet.cube(7), 2) < 10**7
    True
    """
    sizes = list(arch.layer_sizes)
    padded = [-(-w // 8) * 8 for w in sizes]  # the fast path pads every layer to whole 8-lane vectors
    buffer = sum(fan_in * out + out + 8 for fan_in, out in zip(padded[:-1], padded[1:]))
    rows, widest = input_set.size + 1, max(padded)
    per_thread = 4 * (buffer + (2 * rows + input_set.n + 8) * widest) + 16 * rows + 16 * widest
    return threads * per_thread + (1 << 16) * 8 * n_words(input_set.size)


def check_limits(arch: MLP, input_set: InputSet, samples: int, *, chunk_size: int, threads: int | None = None,
                 memory: int | None = None) -> None:
    """Refuse, before any work, a run that cannot fit: too many chunks, networks too large, or more distinct
    functions than this machine could count.

    The distinct functions of a run are at most its networks, and at most the
    functions the architecture can realise on its inputs (``2^m`` on ``m``
    inputs; the threshold functions for a perceptron on the cube).

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture.
    input_set : pfmap.InputSet
        The inputs.
    samples : int
        Networks in the run.
    chunk_size : int
        Networks per chunk.
    threads : int, optional
        Threads that evaluate networks at once (default: the CPU count).
    memory : int, optional
        The byte budget (default: :func:`available_memory`).

    Raises
    ------
    PfmapError
        Naming ``samples``, ``chunk_size`` or ``arch`` and saying what would fit.

    Examples
    --------
    >>> from pfmap import MLP
    >>> check_limits(MLP(7, (40, 40)), InputSet.cube(7), 10**6, chunk_size=2**20)
    >>> check_limits(MLP(7, (40, 40)), InputSet.cube(7), 10**15, chunk_size=2**20, memory=24 * 2**30)
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: samples must be at most 1.05e+12 with chunk_size=1,048,576 (a run has at most 1,000,000 chunks); got 1e+15, 953,674,317 chunks: ask for fewer, or pass a larger chunk_size=
    """
    import os

    chunks = -(-samples // chunk_size)
    if chunks > MAX_CHUNKS:
        raise PfmapError(f"samples must be at most {MAX_CHUNKS * chunk_size:.3g} with chunk_size={chunk_size:,} (a run "
                         f"has at most {MAX_CHUNKS:,} chunks); got {samples:.3g}, {chunks:,} chunks: ask for fewer, or "
                         f"pass a larger chunk_size=")
    memory = available_memory() if memory is None else int(memory)
    threads = int(threads or os.cpu_count() or 1)
    need = network_bytes(arch, input_set, threads)
    if need > memory // 2:
        shape = "-".join(str(s) for s in arch.layer_sizes)
        raise PfmapError(f"widths must be narrower: a {shape} net has {arch.n_parameters:,} parameters, and evaluating "
                         f"one network on each of {threads} threads needs about {need / 2**30:.3g} GiB, more than half "
                         f"of the {memory / 2**30:.3g} GiB available")
    words = n_words(input_set.size)
    possible = 2 ** input_set.size
    if input_set.is_cube and arch.is_perceptron and input_set.n <= len(THRESHOLD_FUNCTIONS):
        possible = THRESHOLD_FUNCTIONS[input_set.n - 1]
    distinct = min(samples, possible)
    if counting_bytes(distinct, words) + need > memory:
        low, high = 1, distinct  # the largest run that fits, by bisection
        while high - low > max(1, low // 100):
            mid = (low + high) // 2
            low, high = (mid, high) if counting_bytes(mid, words) + need <= memory else (low, mid)
        fit = low
        raise PfmapError(f"samples must be at most about {fit:.2g} on this machine: {samples:.3g} networks may draw up "
                         f"to {distinct:.3g} distinct functions of {input_set.size} inputs, about "
                         f"{counting_bytes(distinct, words) / 2**30:.3g} GiB to count, and "
                         f"{memory / 2**30:.3g} GiB are available")


def prepare(arch: MLP, samples: int | str, seed: int, *, inputs: str | ArrayLike | InputSet | None,
            backend: str | None, device: str, chunk_size: int | str | None, threads: int | None = None) -> tuple[InputSet, str, dict]:
    """Validate a sampling request and return ``(input_set, backend, config)``.

    The tests and benchmarks call it with its seven parameters by position, so they stay positional.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture, carrying its prior.
    samples : int or str
        Networks in the run (``"1e6"`` is accepted).
    seed : int
        The seed, >= 0.
    inputs : None, str, array or pfmap.InputSet
        The input set (None: the cube ``{0,1}^n``).
    backend : str or None
        A backend name, or None for the default.
    device : str
        ``"cpu"`` or ``"cuda[:k]"``.
    chunk_size : int, str or None
        Networks per chunk (default 2^20, at most 2^31).
    threads : int, optional
        For the memory check (default: the CPU count).

    Returns
    -------
    tuple
        ``(input_set, backend, config)``: the :class:`pfmap.InputSet`, the canonical backend name and the
        run's manifest (:func:`run_config`).

    Raises
    ------
    PfmapError
        For a bad count, seed, backend, device or input set (one line naming the parameter), or a run that
        cannot fit (:func:`check_limits`).

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> _, backend, cfg = prepare(Perceptron(2), "1e3", 0, inputs=None, backend=None, device="cpu", chunk_size=None)
    >>> backend, cfg["samples"]
    ('numba', 1000)
    """
    samples = parse_count(samples, "samples")
    seed = check_seed(seed)
    backend, device = resolve_backend(backend, device)
    # at most 2^31 networks per chunk: network i of a chunk owns the stream positions i * 2^32 + t (rng.py)
    chunk_size = DEFAULT_CHUNK_SIZE if chunk_size is None else parse_count(chunk_size, "chunk_size",
                                                                           maximum=MAX_CHUNK_SIZE)
    input_set = as_input_set(inputs, arch.n)
    if input_set.is_cube and input_set.n > MAX_CUBE_SAMPLING_N:
        raise PfmapError(f"sampling on the Boolean cube goes up to n = {MAX_CUBE_SAMPLING_N} "
                         f"({1 << MAX_CUBE_SAMPLING_N} inputs); got n = {input_set.n}")
    check_limits(arch, input_set, samples, chunk_size=chunk_size, threads=threads)
    if backend == "torch":
        from pfmap.montecarlo.backends.torch_backend import torch_device

        torch_device(device)
    return input_set, backend, run_config(arch, input_set, seed, samples=samples, chunk_size=chunk_size,
                                          backend=backend, device=device)
