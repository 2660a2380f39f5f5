"""The ``"numpy"`` backend: the float64 reference forward pass on the counter-based parameter stream."""

from __future__ import annotations

import numpy as np

from pfmap.architectures import ACT_RELU, ACT_STEP, ACT_TANH, MLP
from pfmap.inputs import InputSet
from pfmap.truthtable import n_words, pack_bits

from pfmap.montecarlo.backends.layout import NetworkLayout
from pfmap.montecarlo.draws import draw_parameters


def numpy_tables(layout: NetworkLayout, input_set: InputSet, count: int, *, key: np.uint64, first: int) -> np.ndarray:
    """Packed tables of networks ``first .. first+count-1`` of a chunk: the shared stream, float64 forward passes.

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

    Returns
    -------
    numpy.ndarray
        ``(count, words)`` uint64.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> numpy_tables(NetworkLayout.of(Perceptron(2)), InputSet.cube(2), 3, key=np.uint64(1), first=0).shape
    (3, 1)
    """
    rows = input_set.size
    per_network = rows * max(layout.sizes) * 8 * 3
    batch = max(1, min(count, (64 << 20) // per_network))
    out = np.empty((count, n_words(rows)), dtype=np.uint64)
    for start in range(0, count, batch):
        stop = min(count, start + batch)
        params = draw_parameters(key, first + start, stop - start, scales=layout.scales, gaussian=layout.gaussian)
        out[start:stop] = numpy_forward(layout, input_set, params.astype(np.float64))
    return out


def numpy_forward(layout: NetworkLayout, input_set: InputSet, params: np.ndarray) -> np.ndarray:
    """The float64 reference forward pass of canonical parameter rows; packed tables.

    Parameters
    ----------
    layout : NetworkLayout
        The architecture's layout.
    input_set : pfmap.InputSet
        The inputs.
    params : numpy.ndarray
        Canonical rows (float64), ``(networks, P)``.

    Returns
    -------
    numpy.ndarray
        ``(networks, words)`` uint64 packed tables.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> numpy_forward(NetworkLayout.of(Perceptron(2)), InputSet.cube(2), np.array([[1.0, 1.0, -1.5]])).tolist()
    [[8]]
    """
    h = np.asarray(input_set.points, dtype=np.float64)
    layers = list(layout.split(params))
    for index, (W, b) in enumerate(layers):
        z = np.matmul(h, W)
        if b is not None:
            z += b
        h = activation_numpy(z, layout.act) if index < len(layers) - 1 else z[..., 0]
    return pack_bits(h > 0)


def activation_numpy(z: np.ndarray, act: int) -> np.ndarray:
    """The hidden activation ``act`` (an :data:`pfmap.architectures.ACTIVATION_CODES` value) of ``z``, in numpy.

    Parameters
    ----------
    z : numpy.ndarray
        Pre-activations.
    act : int
        The activation's code.

    Returns
    -------
    numpy.ndarray
        The activations, same shape (float64 for step; ``z`` itself for linear).

    Examples
    --------
    >>> activation_numpy(np.array([-1.0, 2.0]), ACT_RELU).tolist()
    [0.0, 2.0]
    """
    if act == ACT_RELU:
        return np.maximum(z, 0.0)
    if act == ACT_TANH:
        return np.tanh(z)
    if act == ACT_STEP:
        return (z > 0).astype(np.float64)
    return z



def layout_tables(arch: MLP, input_set: InputSet, count: int, *, key: np.uint64, first: int, device: str = "cpu",
                  threads: int | None = None, stats: dict | None = None) -> np.ndarray:
    """Registry entry: tables of ``count`` networks of a chunk (``device``, ``threads``, ``stats`` unused).

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
    device, threads, stats
        Unused (the registry passes them to every backend).

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
    return numpy_tables(NetworkLayout.of(arch), input_set, count, key=key, first=first)


def layout_forward(arch: MLP, input_set: InputSet, params: np.ndarray, *, threads: int | None = None,
                   stats: dict | None = None) -> np.ndarray:
    """Registry entry: tables of given float32 canonical rows, in float64.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture.
    input_set : pfmap.InputSet
        The inputs.
    params : numpy.ndarray
        float32 canonical rows ``(networks, arch.n_parameters)``.
    threads, stats
        Unused.

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
    return numpy_forward(NetworkLayout.of(arch), input_set, params.astype(np.float64))
