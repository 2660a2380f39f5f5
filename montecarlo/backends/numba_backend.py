"""The ``"numba"`` backend (the CPU default): multi-threaded float32 forward passes with certified signs.

It draws the same parameters as the numpy backend and returns the same
tables: every float32 output whose sign is not certified by the error bound
of :meth:`NetworkLayout.error_coefficients` is recomputed in float64
(:mod:`pfmap.montecarlo.backends.numba_kernels.forward`).

References
----------
Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1 (the certified float32 signs).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numba
import numpy as np
from numpy.typing import ArrayLike

from pfmap.inputs import InputSet, as_input_set
from pfmap.truthtable import n_words, pack_bits

from pfmap.montecarlo.backends.layout import NetworkLayout
from pfmap.montecarlo.backends.numba_kernels import forward as kernels
from pfmap.montecarlo.draws import DrawPlan

if TYPE_CHECKING:
    from pfmap.architectures import MLP

_NETWORKS_PER_BLOCK = 512  # work unit of the threads: ~4 ms for the 7-40-40-1 net


def fast_path_inputs(layout: NetworkLayout, input_set: InputSet) -> tuple:
    """``(X64, X32, xmask, xmax, cube, kappa)``: what the numba kernels need to know about the inputs.

    Parameters
    ----------
    layout : NetworkLayout
        The architecture's layout (its activation, depth and error coefficients).
    input_set : pfmap.InputSet
        The inputs.

    Returns
    -------
    tuple
        ``X64`` ``(m, n)`` float64 points, ``X32`` their flat float32 copy padded to an even row count,
        ``xmask`` per-row nonzero-feature masks (flat int64), ``xmax`` per-feature float32 bounds on ``|x|``,
        ``cube`` (bool, inputs are ``{0,1}^n``) and ``kappa`` the error coefficients.

    Examples
    --------
    >>> from pfmap import MLP, InputSet
    >>> from pfmap.montecarlo.backends.layout import NetworkLayout
    >>> X64, X32, xmask, xmax, cube, kappa = fast_path_inputs(NetworkLayout.of(MLP(2, (3,))), InputSet.cube(2))
    >>> X64.shape, bool(cube)
    ((4, 2), True)
    """
    X64 = np.ascontiguousarray(input_set.points, dtype=np.float64)
    rows, n = X64.shape
    padded = rows + (rows & 1)
    X32 = np.zeros(padded * n, dtype=np.float32)
    X32[:rows * n] = X64.astype(np.float32).ravel()
    xmax = np.abs(X64).max(axis=0).astype(np.float32)
    xmax = np.nextafter(xmax, np.float32(np.inf)) if input_set.encoding is None else xmax
    cube = input_set.encoding == "01"
    xmask = _nonzero_masks(X32.reshape(padded, n))
    kappa = layout.error_coefficients(input_set.encoding is None,
                                      kernels.uses_linear_units(cube, layout.act, layout.depth))
    return X64, X32, xmask, xmax, cube, kappa


def float32_outputs(arch: MLP, params: ArrayLike, inputs: str | ArrayLike | InputSet | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The numba fast path's float32 output pre-activations ``(networks, inputs)`` and each network's error bound.

    ``params`` are canonical rows as in :func:`tables_from_parameters`.  On
    every input, the float32 value and the float64 reference differ by at
    most the bound (this is what certifies the signs).

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture.
    params : array_like
        Canonical parameter rows ``(networks, arch.n_parameters)``.
    inputs : None, str, array or pfmap.InputSet
        The input set (None: the cube ``{0,1}^n``).

    Returns
    -------
    tuple of numpy.ndarray
        ``(z, bound)``: float32 ``(networks, inputs)`` outputs and one float32 bound per network.

    Raises
    ------
    PfmapError
        If ``params`` or ``inputs`` do not fit ``arch``.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> z, bound = float32_outputs(Perceptron(2), np.array([[1.0, 1.0, -1.5]]))
    >>> z.tolist(), bool(0 < bound[0] < 1e-5)
    ([[-1.5, -0.5, -0.5, 0.5]], True)

    References
    ----------
    Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1.
    """
    from pfmap.montecarlo.backends.registry import canonical_parameters

    layout = NetworkLayout.of(arch)
    params = canonical_parameters(arch, params)
    input_set = as_input_set(inputs, arch.n)
    X64, X32, xmask, xmax, cube, kappa = fast_path_inputs(layout, input_set)
    return kernels.float32_outputs(params, layout.positions, layout.buffer_size, layout.spec, X32, xmask, xmax, cube,
                                   layout.act, kappa, layout.max_width, X64.shape[0])


def numba_threads(threads: int | None) -> int:
    """The number of threads a call uses: ``threads``, or all of numba's (``NUMBA_NUM_THREADS``, the CPU count).

    Parameters
    ----------
    threads : int or None
        Requested threads (clipped to ``1 .. NUMBA_NUM_THREADS``); None for all.

    Returns
    -------
    int

    Examples
    --------
    >>> numba_threads(1), numba_threads(10**6) == numba.config.NUMBA_NUM_THREADS
    (1, True)
    """
    limit = int(numba.config.NUMBA_NUM_THREADS)
    return limit if threads is None else max(1, min(int(threads), limit))


def run_on_threads(work: Callable[[], int], threads: int) -> int:
    """Run ``work()`` on ``threads`` threads at once (this one among them); return the sum of the results.

    ``work`` must release the GIL (a ``nogil`` kernel) and share its work
    through a counter of its own (:func:`~pfmap.montecarlo.backends.numba_kernels.atomics.fetch_add`).

    Parameters
    ----------
    work : callable
        ``work()`` releases the GIL.
    threads : int
        How many concurrent calls of ``work``.

    Returns
    -------
    int
        The sum of the ``threads`` results.

    Examples
    --------
    >>> run_on_threads(lambda: 5, 3)
    15
    """
    if threads == 1:
        return int(work())
    futures = [_pool(threads - 1).submit(work) for _ in range(threads - 1)]
    total = int(work())
    return total + sum(int(f.result()) for f in futures)


_POOLS: dict[int, ThreadPoolExecutor] = {}


def _pool(size: int) -> ThreadPoolExecutor:
    pool = _POOLS.get(size)
    if pool is None:
        pool = _POOLS[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="pfmap-numba")
    return pool


def numba_tables(layout: NetworkLayout, input_set: InputSet, count: int, *, key: np.uint64, first: int,
                 threads: int | None, stats: dict | None, given: np.ndarray | None = None) -> np.ndarray:
    """Packed tables of networks ``first .. first+count-1`` of a chunk (or of ``given`` parameter rows), drawn,
    evaluated and certified by the fast path on ``threads`` threads.

    Parameters
    ----------
    layout : NetworkLayout
        The architecture's layout.
    input_set : pfmap.InputSet
        The inputs.
    count, first : int
        The networks.
    key : numpy.uint64
        The chunk's key.
    threads : int or None
        Threads (default: all of numba's).
    stats : dict or None
        Gets ``fallback_inputs`` added.
    given : numpy.ndarray, optional
        float32 canonical rows to evaluate instead of drawing.

    Returns
    -------
    numpy.ndarray
        ``(count, words)`` uint64.

    Examples
    --------
    >>> from pfmap import Perceptron, InputSet
    >>> numba_tables(NetworkLayout.of(Perceptron(2)), InputSet.cube(2), 2, key=np.uint64(1), first=0, threads=1,
    ...              stats=None).shape
    (2, 1)
    """
    X64, X32, xmask, xmax, cube, kappa = fast_path_inputs(layout, input_set)
    rows = X64.shape[0]
    plan = DrawPlan(layout.scales, layout.positions)
    out = np.empty((count, n_words(rows)), dtype=np.uint64)
    if count == 0:
        return out
    threads = numba_threads(threads)
    # many small blocks, handed out dynamically: on a shared machine a thread that gets less CPU takes fewer
    per = -(-count // min(count, max(4 * threads, -(-count // _NETWORKS_PER_BLOCK))))
    next_block = np.zeros(1, dtype=np.int64)
    given = given if given is not None else np.zeros((0, 0), dtype=np.float32)
    args = (np.uint64(key), np.int64(first), np.int64(count), np.int64(per), next_block, plan.scales, plan.scales32,
            plan.positions, plan.blocks, layout.gaussian, layout.buffer_size, layout.spec, X32, xmask, X64, xmax,
            cube, layout.act, kappa, layout.max_width, out, given)
    fallbacks = run_on_threads(lambda: kernels.sample_blocks(*args), threads)
    if stats is not None:
        stats["fallback_inputs"] = stats.get("fallback_inputs", 0) + fallbacks
    return out


def _nonzero_masks(X: np.ndarray) -> np.ndarray:
    """Per row, 64-bit words with bit ``b`` of word ``c`` set where feature ``64c + b`` is nonzero (flat int64)."""
    rows, n = X.shape
    chunks = (n + 63) // 64
    bits = np.zeros((rows, chunks * 64), dtype=np.uint8)
    bits[:, :n] = X != 0
    return np.ascontiguousarray(pack_bits(bits).view(np.int64).reshape(rows * chunks))



def layout_tables(arch: MLP, input_set: InputSet, count: int, *, key: np.uint64, first: int, device: str = "cpu",
                  threads: int | None = None, stats: dict | None = None) -> np.ndarray:
    """Registry entry: tables of ``count`` networks of a chunk, drawn and evaluated by the fast path.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture.
    input_set : pfmap.InputSet
        The inputs.
    count : int
        How many networks.
    key : numpy.uint64
        The chunk's key.
    first : int
        Index of the first network within the chunk.
    device : str
        Only ``"cpu"`` (the registry has checked it).
    threads : int, optional
        numba threads (default: all).
    stats : dict, optional
        Gets ``fallback_inputs`` added.

    Returns
    -------
    numpy.ndarray
        ``(count, words)`` uint64 packed tables.

    Examples
    --------
    >>> from pfmap import Perceptron, InputSet
    >>> layout_tables(Perceptron(1), InputSet.cube(1), 3, key=np.uint64(5), first=0).shape
    (3, 1)
    """
    return numba_tables(NetworkLayout.of(arch), input_set, count, key=key, first=first, threads=threads, stats=stats)


def layout_forward(arch: MLP, input_set: InputSet, params: np.ndarray, *, threads: int | None = None,
                   stats: dict | None = None) -> np.ndarray:
    """Registry entry: tables of given float32 canonical rows.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture.
    input_set : pfmap.InputSet
        The inputs.
    params : numpy.ndarray
        float32 canonical rows ``(networks, arch.n_parameters)``.
    threads : int, optional
        numba threads (default: all).
    stats : dict, optional
        Gets ``fallback_inputs`` added.

    Returns
    -------
    numpy.ndarray
        ``(networks, words)`` uint64 packed tables.

    Examples
    --------
    >>> from pfmap import Perceptron, InputSet
    >>> layout_forward(Perceptron(2), InputSet.cube(2), np.array([[1, 1, -1.5]], dtype=np.float32)).tolist()
    [[8]]
    """
    return numba_tables(NetworkLayout.of(arch), input_set, params.shape[0], key=np.uint64(0), first=0, threads=threads,
                        stats=stats, given=params)
