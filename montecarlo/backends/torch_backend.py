"""The torch backend: torch's own generator and a batched ``bmm`` forward pass, on CPU or CUDA.

It samples the same distribution as the numpy/numba backends (same prior,
same canonical parameter layout, same function convention) but not the same
networks: parameters come from ``torch.Generator`` (Philox on CUDA, Mersenne
Twister on CPU), so its tables agree with the others statistically, not row
by row.  Networks are drawn in fixed blocks of :data:`TORCH_BLOCK` per chunk,
block ``s`` from a generator seeded by ``(chunk key, s)``, so a row still
depends only on ``(seed, chunk, index, device)``.  torch is imported lazily.

References
----------
Paszke et al., "PyTorch: an imperative style, high-performance deep learning library", NeurIPS 2019.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from pfmap.architectures import ACT_RELU, ACT_STEP, ACT_TANH, MLP
from pfmap.errors import PfmapError
from pfmap.inputs import InputSet
from pfmap.truthtable import n_words

from pfmap.montecarlo.backends.layout import NetworkLayout

if TYPE_CHECKING:
    import torch

TORCH_BLOCK = 1 << 14


def import_torch() -> ModuleType:
    """torch, or a one-line :class:`pfmap.errors.PfmapError` saying how to install it.

    Returns
    -------
    module
        The ``torch`` module.

    Raises
    ------
    PfmapError
        Without torch.

    Examples
    --------
    >>> import_torch().__name__
    'torch'
    """
    try:
        import torch
    except ImportError:
        raise PfmapError("the torch backend needs PyTorch: pip install 'pfmap[torch]' (or use backend='numba')") from None
    return torch


def torch_device(device: str) -> torch.device:
    """A ``torch.device`` for ``"cpu"`` or ``"cuda[:k]"``, refusing CUDA when no GPU is visible.

    Parameters
    ----------
    device : str
        ``cpu`` or ``cuda[:k]``.

    Returns
    -------
    torch.device

    Raises
    ------
    PfmapError
        For an unknown device, or CUDA without a visible GPU.

    Examples
    --------
    >>> str(torch_device("cpu"))
    'cpu'
    """
    torch = import_torch()
    name = str(device).strip().lower()
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise PfmapError("device='cuda' needs a CUDA GPU but torch.cuda.is_available() is False here; use device='cpu'")
    elif name != "cpu":
        raise PfmapError(f"unknown device {device!r}; use device='cpu' or device='cuda'")
    return torch.device(name)


def _block_seed(key, block: int) -> int:
    # SplitMix64-style mixing of (key, block) into a 63-bit torch seed
    z = (int(key) + 0x9E3779B97F4A7C15 * (block + 1)) & (2**64 - 1)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
    return (z ^ (z >> 31)) >> 1


def torch_tables(arch: MLP, input_set: InputSet, count: int, *, key: np.uint64, first: int, device: str = "cpu",
                 threads: int | None = None, stats: dict | None = None) -> np.ndarray:
    """Packed truth tables of networks ``first .. first+count-1`` of a chunk, drawn and evaluated by torch.

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
        ``"cpu"`` or ``"cuda[:k]"``.
    threads, stats
        Unused.

    Returns
    -------
    numpy.ndarray
        ``(count, words)`` uint64.

    Raises
    ------
    PfmapError
        Without torch, or for CUDA without a visible GPU.

    Examples
    --------
    >>> from pfmap import Perceptron, InputSet
    >>> torch_tables(Perceptron(2), InputSet.cube(2), 3, key=np.uint64(1), first=0).shape
    (3, 1)
    """
    torch = import_torch()
    dev = torch_device(device)
    layout = NetworkLayout.of(arch)
    rows = input_set.size
    X = torch.as_tensor(np.asarray(input_set.points, dtype=np.float32), device=dev)
    scales = torch.as_tensor(layout.scales.astype(np.float32), device=dev)
    out = np.empty((count, n_words(rows)), dtype=np.uint64)
    done = 0
    while done < count:
        index = first + done
        block, offset = divmod(index, TORCH_BLOCK)
        take = min(count - done, TORCH_BLOCK - offset)
        params = _draw_block(torch, layout, scales, key, block, dev)[offset:offset + take]
        out[done:done + take] = _forward(torch, layout, params, X)
        done += take
    return out


def forward_parameters(arch: MLP, input_set: InputSet, params: np.ndarray, *, threads: int | None = None,
                       stats: dict | None = None) -> np.ndarray:
    """Packed tables of given canonical float32 parameter rows, evaluated by torch on the CPU.

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

    Raises
    ------
    PfmapError
        Without torch.

    Examples
    --------
    >>> from pfmap import Perceptron, InputSet
    >>> forward_parameters(Perceptron(2), InputSet.cube(2), np.array([[1, 1, -1.5]], dtype=np.float32)).tolist()
    [[8]]
    """
    torch = import_torch()
    layout = NetworkLayout.of(arch)
    X = torch.as_tensor(np.asarray(input_set.points, dtype=np.float32))
    return _forward(torch, layout, torch.as_tensor(params), X)


def _draw_block(torch, layout, scales, key, block, dev):
    gen = torch.Generator(device=dev)
    gen.manual_seed(_block_seed(key, block))
    shape = (TORCH_BLOCK, layout.n_parameters)
    if layout.gaussian:
        z = torch.randn(shape, generator=gen, device=dev)
    else:
        z = torch.rand(shape, generator=gen, device=dev) * 2 - 1
    return z * scales


def _forward(torch, layout, params, X):
    batch = params.shape[0]
    h = X.unsqueeze(0).expand(batch, -1, -1)
    at = 0
    depth = layout.depth
    for layer in range(depth):
        fan_in, fan_out = layout.sizes[layer], layout.sizes[layer + 1]
        W = params[:, at:at + fan_in * fan_out].reshape(batch, fan_in, fan_out)
        at += fan_in * fan_out
        z = torch.bmm(h, W)
        if layout.bias:
            z = z + params[:, at:at + fan_out].reshape(batch, 1, fan_out)
            at += fan_out
        if layer < depth - 1:
            h = _activation(torch, z, layout.act)
        else:
            h = z[..., 0]
    return pack_on_device(torch, h > 0)


def _activation(torch, z, act):

    if act == ACT_RELU:
        return torch.relu(z)
    if act == ACT_TANH:
        return torch.tanh(z)
    if act == ACT_STEP:
        return (z > 0).to(z.dtype)
    return z


def pack_on_device(torch: ModuleType, bits: torch.Tensor) -> np.ndarray:
    """Pack a ``(B, m)`` bool tensor into ``(B, ceil(m/64))`` uint64 words (bit ``j`` = column ``j``).

    Parameters
    ----------
    torch : module
        The ``torch`` module (:func:`import_torch`).
    bits : torch.Tensor
        ``(B, m)`` bool, on any device.

    Returns
    -------
    numpy.ndarray
        ``(B, ceil(m/64))`` uint64, on the host.

    Examples
    --------
    >>> torch = import_torch()
    >>> pack_on_device(torch, torch.tensor([[False, False, False, True]])).tolist()
    [[8]]
    """
    batch, m = bits.shape
    words = n_words(m)
    padded = torch.zeros((batch, words * 64), dtype=torch.int64, device=bits.device)
    padded[:, :m] = bits.to(torch.int64)
    weights = torch.bitwise_left_shift(torch.ones(64, dtype=torch.int64, device=bits.device),
                                       torch.arange(64, device=bits.device))
    # distinct powers of two: the int64 sum is the two's-complement bit pattern, bit 63 included
    packed = (padded.reshape(batch, words, 64) * weights).sum(dim=2)
    return packed.cpu().numpy().view(np.uint64)
