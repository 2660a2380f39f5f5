"""Batched sampling of random networks: packed truth tables, one row per network.

Three backends behind :func:`sample_tables`:

* ``"numpy"``: the float64 reference.  Parameters come from the counter-based
  stream of :mod:`montecarlo.rng`; the forward pass is plain ``numpy.matmul``.
* ``"numba"`` (the CPU default): the same parameters, a multi-threaded float32
  forward pass whose signs are certified against the float64 reference
  (:mod:`montecarlo.kernels`), so it returns the same tables as ``"numpy"``.
* ``"torch"``: torch's own generator and a batched ``bmm`` forward pass on
  CPU or CUDA; it samples the same distribution but not the same networks.

Parameter order (the canonical layout, shared by all backends): layer by
layer, the weights as a ``fan_in x fan_out`` row-major block (input unit
major), then that layer's biases when the prior has them; the output unit's
weights and bias last.  A weight has scale ``prior.weight_scale(fan_in)`` and
a bias ``prior.bias_scale()`` (standard deviation or half-width).

References
----------
Valle-Pérez, Camargo, Louis, "Deep learning generalizes because the parameter-function map is biased
towards simple functions", ICLR 2019 (sampling random networks on {0,1}^7 and counting functions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from pfmap.errors import PfmapError
from pfmap.inputs import InputSet, as_input_set
from pfmap.truthtable import n_words, pack_bits

from . import kernels
from .rng import DrawPlan, chunk_key, draw_parameters

BACKENDS = ("numpy", "numba", "torch")
DEFAULT_BACKEND = "numba"
_U32 = 2.0**-24 * 1.01  # unit roundoff with room for gamma_d's denominator
_U64 = 2.0**-53 * 1.01
_NETWORKS_PER_BLOCK = 512  # work unit of the numba threads: ~4 ms for the 7-40-40-1 net
_TANH_ULPS = 4  # float32/float64 tanh errs by at most a few ulp of |tanh| <= the magnitude bound


@dataclass(frozen=True, eq=False)
class NetworkLayout:
    """Where each parameter lives, its scale, and the fast path's padded buffer.

    Examples
    --------
    >>> from pfmap import MLP, GaussianPrior
    >>> lay = NetworkLayout.of(MLP(2, (3,), "relu", GaussianPrior(sigma_w=2, fan_in_scaling=True)))
    >>> lay.n_parameters, round(float(lay.scales[0]) ** 2, 12), lay.scales[6:9].tolist()
    (13, 2.0, [1.0, 1.0, 1.0])

    References
    ----------
    Valle-Pérez et al., ICLR 2019 (weights N(0, sigma_w^2 / fan_in), biases N(0, sigma_b^2)).
    """

    sizes: tuple
    act: int
    gaussian: bool
    bias: bool
    scales: np.ndarray          # (P,) float64
    positions: np.ndarray       # (P,) int64: canonical index -> padded buffer offset
    spec: np.ndarray            # (depth, 4) int64: fan_in, woff, wstride, boff
    buffer_size: int
    max_width: int

    @property
    def n_parameters(self) -> int:
        return int(self.scales.shape[0])

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    @classmethod
    def of(cls, arch) -> "NetworkLayout":
        prior = arch.prior
        sizes = tuple(arch.layer_sizes)
        depth = len(sizes) - 1
        scales, positions, spec = [], [], []
        offset = 0

        def take(size):
            nonlocal offset
            start = offset
            offset += -(-size // 8) * 8  # keep blocks 32-byte aligned
            return start

        for layer in range(depth):
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            last = layer == depth - 1
            # hidden layers are padded to whole 40-wide micro-kernel passes; the output
            # weights to the padded width of the layer below, which the dot product reads
            wstride = -(-fan_out // kernels.BLOCK) * kernels.BLOCK if not last else 1
            width_below = spec[-1][2] if spec else fan_in
            woff = take(fan_in * wstride if not last else max(width_below, fan_in))
            boff = take(wstride + 8)
            spec.append((fan_in, woff, wstride, boff))
            w_scale = prior.weight_scale(fan_in)
            for k in range(fan_in):
                for i in range(fan_out):
                    scales.append(w_scale)
                    positions.append(woff + k * wstride + i if not last else woff + k)
            if prior.bias:
                for i in range(fan_out):
                    scales.append(prior.bias_scale())
                    positions.append(boff + i)
        widths = [s[2] for s in spec[:-1]] + [sizes[0]]
        return cls(sizes, kernels.ACTIVATION_CODES[arch.activation], prior.kind == "gaussian", prior.bias,
                   np.array(scales, dtype=np.float64), np.array(positions, dtype=np.int64),
                   np.array(spec, dtype=np.int64), offset + 8, max(widths))

    def error_coefficients(self, explicit_points: bool, linear_units: bool = False) -> np.ndarray:
        """``kappa[l]``: float32 plus float64 rounding bound of layer ``l``'s pre-activations, per unit of magnitude.

        ``linear_units``: the second layer's float32 sums take up to ``n + 1``
        more roundings over up to twice the magnitude (see
        :func:`montecarlo.cube._linear_units`).
        """
        k32 = k64 = 0.0
        out = []
        for layer in range(self.depth):
            fan_in = self.sizes[layer]
            terms = fan_in + 1 if not (layer == 1 and linear_units) else 2 * (fan_in + self.sizes[0] + 3)
            k32 = k32 * (1 + _U32) + terms * _U32 + (_U32 if layer == 0 and explicit_points else 0.0)
            k64 = k64 * (1 + _U64) + (fan_in + 1) * _U64
            out.append(k32 + k64)
            if self.act == kernels.ACT_TANH:
                k32 += _TANH_ULPS * _U32
                k64 += _TANH_ULPS * _U64
            elif self.act == kernels.ACT_STEP:
                k32 = k64 = 0.0  # certified steps are exact
        return np.array(out, dtype=np.float64)

    def split(self, params: np.ndarray):
        """Yield ``(W, b)`` per layer from canonical parameter rows ``(B, P)``; ``b`` is None without biases."""
        at = 0
        for layer in range(self.depth):
            fan_in, fan_out = self.sizes[layer], self.sizes[layer + 1]
            W = params[:, at:at + fan_in * fan_out].reshape(-1, fan_in, fan_out)
            at += fan_in * fan_out
            b = None
            if self.bias:
                b = params[:, at:at + fan_out].reshape(-1, 1, fan_out)
                at += fan_out
            yield W, b


def resolve_key(rng) -> np.uint64:
    """A chunk key from an int seed (chunk 0 of it), a ``SeedSequence`` or a key itself.

    Examples
    --------
    >>> bool(resolve_key(7) == chunk_key(7, 0))
    True
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng.generate_state(1, np.uint64)[0]
    if isinstance(rng, np.uint64):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and int(rng) >= 0:
        return chunk_key(int(rng), 0)
    raise PfmapError(f"rng must be a seed >= 0, a numpy SeedSequence or a uint64 chunk key; got {rng!r}")


def validate_backend(backend) -> str:
    """Canonical backend name (None means the default, numba).

    Examples
    --------
    >>> validate_backend(None), validate_backend("NumPy")
    ('numba', 'numpy')
    """
    if backend is None:
        return DEFAULT_BACKEND
    key = str(backend).strip().lower()
    if key not in BACKENDS:
        raise PfmapError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    return key


def sample_tables(arch, inputs=None, count: int = 1, rng=0, backend=None, *, first: int = 0,
                  device: str = "cpu", threads: int | None = None, stats: dict | None = None) -> np.ndarray:
    """Packed truth tables of networks ``first .. first+count-1`` of the chunk given by ``rng``.

    Returns a ``(count, ceil(m/64))`` uint64 array (``pfmap.truthtable``
    packing: bit ``j`` of a row is the output on input ``j``).  The numpy and
    numba backends return identical rows; torch draws its own networks.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> from pfmap.truthtable import words_to_strings
    >>> t = sample_tables(Perceptron(2), None, 5, rng=0, backend="numpy")
    >>> bool(np.array_equal(t, sample_tables(Perceptron(2), None, 5, rng=0, backend="numba")))
    True
    >>> len(words_to_strings(t, 4)[0])
    4

    References
    ----------
    Valle-Pérez, Camargo, Louis, ICLR 2019; Mingard et al., arXiv:1909.11522 (2019).
    """
    backend = validate_backend(backend)
    input_set = as_input_set(inputs, arch.n)
    count, first = int(count), int(first)
    if count < 0 or first < 0:
        raise PfmapError("count and first must be >= 0")
    key = resolve_key(rng)
    if backend == "torch":
        from .torch_backend import torch_tables

        return torch_tables(arch, input_set, count, key, first, device)
    if str(device).lower() != "cpu":
        raise PfmapError(f"the {backend} backend runs on the CPU; use --backend torch for --device {device}")
    layout = NetworkLayout.of(arch)
    if backend == "numpy":
        return _numpy_tables(layout, input_set, count, key, first)
    return _numba_tables(layout, input_set, count, key, first, threads, stats)


def _numpy_tables(layout: NetworkLayout, input_set: InputSet, count: int, key, first: int) -> np.ndarray:
    rows = input_set.size
    per_network = rows * max(layout.sizes) * 8 * 3
    batch = max(1, min(count, (64 << 20) // per_network))
    out = np.empty((count, n_words(rows)), dtype=np.uint64)
    for start in range(0, count, batch):
        stop = min(count, start + batch)
        params = draw_parameters(key, first + start, stop - start, layout.scales, layout.gaussian)
        out[start:stop] = _numpy_forward(layout, input_set, params.astype(np.float64))
    return out


def _numpy_forward(layout: NetworkLayout, input_set: InputSet, params: np.ndarray) -> np.ndarray:
    """The float64 reference forward pass of canonical parameter rows; packed tables."""
    h = np.asarray(input_set.points, dtype=np.float64)
    layers = list(layout.split(params))
    for index, (W, b) in enumerate(layers):
        z = np.matmul(h, W)
        if b is not None:
            z += b
        h = _activation_numpy(z, layout.act) if index < len(layers) - 1 else z[..., 0]
    return pack_bits(h > 0)


def _activation_numpy(z, act):
    if act == kernels.ACT_RELU:
        return np.maximum(z, 0.0)
    if act == kernels.ACT_TANH:
        return np.tanh(z)
    if act == kernels.ACT_STEP:
        return (z > 0).astype(np.float64)
    return z


def tables_from_parameters(arch, params, inputs=None, backend=None, *, threads=None, stats=None) -> np.ndarray:
    """Packed truth tables of given networks: ``params`` is ``(B, P)`` in the canonical layout.

    Parameters are rounded to float32 first, as drawn ones are.  Useful to
    evaluate chosen networks (near-ties, trained weights) on every backend.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> and_gate = np.array([[1.0, 1.0, -1.5]])  # w1, w2, b: fires on 11 only
    >>> tables_from_parameters(Perceptron(2), and_gate).tolist()
    [[8]]

    References
    ----------
    Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1 (the certified float32 signs).
    """
    backend = validate_backend(backend)
    layout = NetworkLayout.of(arch)
    params = np.ascontiguousarray(np.asarray(params, dtype=np.float64).astype(np.float32))
    if params.ndim != 2 or params.shape[1] != layout.n_parameters:
        raise PfmapError(f"params must have shape (networks, {layout.n_parameters}) for {arch.describe()}; "
                         f"got {params.shape}")
    input_set = as_input_set(inputs, arch.n)
    if backend == "numpy":
        return _numpy_forward(layout, input_set, params.astype(np.float64))
    if backend == "torch":
        from .torch_backend import forward_parameters

        return forward_parameters(arch, input_set, params)
    return _numba_tables(layout, input_set, params.shape[0], np.uint64(0), 0, threads, stats, params)


def _fast_path_inputs(layout, input_set):
    """``(X64, X32, xmask, xmax, cube, kappa)``: what the numba kernels need to know about the inputs."""
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


def float32_outputs(arch, params, inputs=None):
    """The numba fast path's float32 output pre-activations ``(networks, inputs)`` and each network's error bound.

    ``params`` are canonical rows as in :func:`tables_from_parameters`.  On
    every input, the float32 value and the float64 reference differ by at
    most the bound (this is what certifies the signs).

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
    layout = NetworkLayout.of(arch)
    params = np.ascontiguousarray(np.asarray(params, dtype=np.float64).astype(np.float32))
    if params.ndim != 2 or params.shape[1] != layout.n_parameters:
        raise PfmapError(f"params must have shape (networks, {layout.n_parameters}) for {arch.describe()}; "
                         f"got {params.shape}")
    input_set = as_input_set(inputs, arch.n)
    X64, X32, xmask, xmax, cube, kappa = _fast_path_inputs(layout, input_set)
    return kernels.float32_outputs(params, layout.positions, layout.buffer_size, layout.spec, X32, xmask, xmax, cube,
                                   layout.act, kappa, layout.max_width, X64.shape[0])


def _numba_tables(layout, input_set, count, key, first, threads, stats, given=None) -> np.ndarray:
    X64, X32, xmask, xmax, cube, kappa = _fast_path_inputs(layout, input_set)
    rows = X64.shape[0]
    plan = DrawPlan(layout.scales, layout.positions)
    out = np.empty((count, n_words(rows)), dtype=np.uint64)
    if count == 0:
        return out
    previous = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    previous_chunk = numba.set_parallel_chunksize(1)
    try:
        # many small blocks, handed out dynamically: on a shared machine a thread that gets less CPU takes fewer
        blocks = min(count, max(4 * numba.get_num_threads(), -(-count // _NETWORKS_PER_BLOCK)))
        fallbacks = np.zeros(blocks, dtype=np.int64)
        kernels.sample_batch(np.uint64(key), np.int64(first), np.int64(count), plan.scales, plan.scales32,
                             plan.positions, plan.blocks, layout.gaussian, layout.buffer_size, layout.spec, X32, xmask,
                             X64, xmax, cube, layout.act, kappa, layout.max_width, out, fallbacks,
                             given if given is not None else np.zeros((0, 0), dtype=np.float32))
    finally:
        numba.set_parallel_chunksize(previous_chunk)
        numba.set_num_threads(previous)
    if stats is not None:
        stats["fallback_inputs"] = stats.get("fallback_inputs", 0) + int(fallbacks.sum())
    return out


def _nonzero_masks(X: np.ndarray) -> np.ndarray:
    """Per row, 64-bit words with bit ``b`` of word ``c`` set where feature ``64c + b`` is nonzero (flat int64)."""
    rows, n = X.shape
    chunks = (n + 63) // 64
    bits = np.zeros((rows, chunks * 64), dtype=np.uint8)
    bits[:, :n] = X != 0
    return np.ascontiguousarray(pack_bits(bits).view(np.int64).reshape(rows * chunks))
