"""A network's parameters from the stream: network ``i`` of chunk ``k`` depends only on ``(seed, k, i)``.

:func:`draw_parameters` returns the float32 parameters of a range of
networks of a chunk in canonical order; :func:`draw_network` is the kernel
the numba fast path calls per network, drawing straight into the forward
pass's padded layout (:class:`DrawPlan`).  Eight parameters are drawn at
once on the ziggurat's fast path (:mod:`pfmap.montecarlo.ziggurat`); the few
proposals it rejects are finished in parameter order from the slow words
(:data:`pfmap.montecarlo.rng.SLOW_STREAM_START` on), so the result depends
only on ``(key, i)``.

References
----------
Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011 (counter-based RNGs).
Marsaglia, Tsang, "The ziggurat method for generating random variables", J. Stat. Softw. 5(8), 2000.
"""

from __future__ import annotations

import numpy as np

from pfmap.montecarlo.backends.numba_kernels.lanes import trailing_zeros
from pfmap.montecarlo.backends.numba_kernels.proposals import normal_proposals8
from pfmap.montecarlo.jit import njit
from pfmap.montecarlo.rng import SLOW_STREAM_START, stream_base, stream_words
from pfmap.montecarlo.ziggurat import FAST_TABLE, fast_normal, finish_normal_often, uniform_pm1

_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
BLOCK = 8  # parameters per fast-path step: the eight halves of four words


def block_destinations(positions: np.ndarray) -> np.ndarray:
    """Where each block of eight parameters goes: ``positions[8b]``, or -1 unless the block is whole and contiguous.

    Blocks marked -1 are drawn into a spill buffer and scattered one by one.

    Parameters
    ----------
    positions : numpy.ndarray
        Canonical parameter index -> offset in the output buffer.

    Returns
    -------
    numpy.ndarray
        int64, one entry per block of eight parameters.

    Examples
    --------
    >>> block_destinations(np.array([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18])).tolist()
    [0, -1]
    >>> block_destinations(np.arange(8) * 2).tolist()
    [-1]

    References
    ----------
    Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011 (any parameter's value
    depends only on its counter, so blocks may be drawn in any order and place).
    """
    positions = np.asarray(positions, dtype=np.int64)
    whole = positions.shape[0] // BLOCK
    dest = np.full(-(-positions.shape[0] // BLOCK), -1, dtype=np.int64)
    if whole:
        starts = positions[: whole * BLOCK].reshape(whole, BLOCK)
        contiguous = np.all(starts - starts[:, :1] == np.arange(BLOCK), axis=1)
        dest[:whole] = np.where(contiguous, starts[:, 0], -1)
    return dest


class DrawPlan:
    """What :func:`draw_network` needs besides the key: scales, destinations and per-thread scratch sizes.

    Parameters
    ----------
    scales : array_like
        Per-parameter scales, canonical order.
    positions : array_like
        Canonical parameter index -> offset in the output buffer.

    Attributes
    ----------
    scales : numpy.ndarray
        float64, canonical order.
    scales32 : numpy.ndarray
        float32, padded with zeros to whole blocks of eight.
    positions : numpy.ndarray
        int64, canonical index -> output offset.
    blocks : numpy.ndarray
        int64 block destinations (:func:`block_destinations`).
    word_count : int
        uint64 stream words per network (four per block).

    Examples
    --------
    >>> plan = DrawPlan(np.full(11, 0.5), np.arange(11))
    >>> plan.blocks.tolist(), plan.scales32.shape, plan.word_count
    ([0, -1], (16,), 8)

    References
    ----------
    Marsaglia, Tsang, J. Stat. Softw. 5(8), 2000 (the ziggurat these blocks run).
    """

    def __init__(self, scales: np.ndarray, positions: np.ndarray) -> None:
        self.scales = np.ascontiguousarray(scales, dtype=np.float64)
        self.positions = np.ascontiguousarray(positions, dtype=np.int64)
        self.blocks = block_destinations(self.positions)
        self.scales32 = np.zeros(self.blocks.shape[0] * BLOCK, dtype=np.float32)
        self.scales32[: self.scales.shape[0]] = self.scales.astype(np.float32)
        self.word_count = self.blocks.shape[0] * (BLOCK // 2)

    def scratch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fresh per-thread scratch: ``(words, redo, spill)`` (:func:`draw_scratch`)."""
        return draw_scratch(self.blocks.shape[0])


@njit()
def draw_scratch(n_blocks):
    """Scratch for :func:`draw_network`: ``(words, redo, spill)`` for ``n_blocks`` blocks of eight parameters.

    ``redo`` holds the blocks' rejection masks, one bit per block that has a
    rejection, and the list of rejected parameters (at most eight per block).

    Parameters
    ----------
    n_blocks : int
        Blocks of eight parameters per network.

    Returns
    -------
    tuple of numpy.ndarray
        uint64 words, int64 redo list, float32 spill block.

    Examples
    --------
    >>> [a.dtype.name for a in draw_scratch(3)]
    ['uint64', 'int64', 'float32']
    """
    return (np.empty(max(1, n_blocks * (BLOCK // 2)), dtype=np.uint64), np.empty(n_blocks * (BLOCK + 2) + BLOCK,
                                                                                 dtype=np.int64),
            np.empty(BLOCK, dtype=np.float32))


@njit()
def fast_blocks(words, scales32, positions, blocks, out, masks, spill):
    """The vector fast path over all blocks: ``masks[b]`` gets block ``b``'s lanes left to the exact tests.

    A function of its own, so that its loop has the registers to itself.

    Parameters
    ----------
    words : numpy.ndarray
        The network's stream words (uint64).
    scales32 : numpy.ndarray
        float32 scales, padded to whole blocks.
    positions, blocks : numpy.ndarray
        Destinations (see :class:`DrawPlan`).
    out : numpy.ndarray
        The float32 parameter buffer.
    masks : numpy.ndarray
        int64, one rejection mask per block (filled).
    spill : numpy.ndarray
        Eight float32 of scratch.

    Returns
    -------
    None
        ``out`` and ``masks`` are filled in place.

    Examples
    --------
    >>> from pfmap.montecarlo.rng import chunk_key, stream_base, stream_words
    >>> plan = DrawPlan(np.ones(16), np.arange(16))
    >>> words, masks, spill = plan.scratch()
    >>> stream_words(stream_base(chunk_key(0, 0), 0), plan.word_count, words)
    >>> out = np.zeros(16, dtype=np.float32)
    >>> fast_blocks(words, plan.scales32, plan.positions, plan.blocks, out, masks, spill)
    >>> bool(np.isfinite(out).all())
    True
    """
    count = positions.shape[0]
    for b in range(blocks.shape[0]):
        if blocks[b] >= 0:
            masks[b] = normal_proposals8(words, 4 * b, FAST_TABLE, scales32, out, blocks[b])
    # the blocks that are scattered (padding inside them, or the end of the vector), apart: few, and
    # their code would crowd the registers of the loop above
    for b in range(blocks.shape[0]):
        if blocks[b] < 0:
            mask = normal_proposals8(words, 4 * b, FAST_TABLE, scales32, spill, 0)
            lanes = min(BLOCK, count - BLOCK * b)
            for lane in range(lanes):
                out[positions[BLOCK * b + lane]] = spill[lane]
            masks[b] = mask & ((1 << lanes) - 1)


@njit()
def draw_network(key, i, scales, scales32, gaussian, positions, blocks, out, words, redo, spill):
    """Parameters of network ``i``: ``out[positions[p]]`` = parameter ``p`` (float32 ``out``).

    ``positions`` lets the fast path draw straight into its padded layout;
    ``blocks`` says where whole, contiguous blocks of eight go (see
    :class:`DrawPlan`); ``words``, ``redo`` and ``spill`` are scratch.  The
    proposals that the ziggurat's fast path rejects are finished in index
    order from the slow words, so the result depends only on ``(key, i)``.

    Parameters
    ----------
    key : numpy.uint64
        The chunk's key (:func:`pfmap.montecarlo.rng.chunk_key`).
    i : int
        The network's index in the chunk.
    scales, scales32 : numpy.ndarray
        Per-parameter scales (float64; float32 padded to whole blocks).
    gaussian : bool
        Normal parameters (else uniform).
    positions, blocks : numpy.ndarray
        Destinations (see :class:`DrawPlan`).
    out : numpy.ndarray
        The float32 buffer the parameters go to.
    words, redo, spill : numpy.ndarray
        Scratch (:func:`draw_scratch`).

    Returns
    -------
    None
        ``out`` is filled in place.

    Examples
    --------
    >>> from pfmap.montecarlo.rng import chunk_key
    >>> plan = DrawPlan(np.ones(5), np.arange(5))
    >>> out = np.zeros(5, dtype=np.float32)
    >>> draw_network(chunk_key(1, 0), 0, plan.scales, plan.scales32, True, plan.positions, plan.blocks, out,
    ...              *plan.scratch())
    >>> bool(np.array_equal(out, draw_parameters(chunk_key(1, 0), 0, 1, scales=np.ones(5), gaussian=True)[0]))
    True
    """
    base = stream_base(key, i)
    count = positions.shape[0]
    n_blocks = blocks.shape[0]
    stream_words(base, n_blocks * (BLOCK // 2), words)
    if not gaussian:
        for p in range(count):
            half = (words[p >> 1] >> (_S32 * np.uint64(p & 1))) & _LOW32
            out[positions[p]] = np.float32(scales[p] * uniform_pm1(half))
        return
    fast_blocks(words, scales32, positions, blocks, out, redo, spill)
    # one bit per block with a rejection (~11% of blocks, at random), then the rejected parameters listed
    # without branching on them; a store at a data-dependent index inside the loop above would stall its loads
    n_flags = (n_blocks + 63) >> 6
    for w in range(n_flags):
        flags = 0
        for q in range(min(64, n_blocks - 64 * w)):
            flags |= np.int64(redo[64 * w + q] != 0) << q
        redo[n_blocks + w] = flags
    n_redo = n_blocks + n_flags
    n_params = n_redo
    for w in range(n_flags):
        flags = redo[n_blocks + w]
        while flags != 0:
            b = 64 * w + trailing_zeros(flags)
            flags &= flags - 1
            mask = redo[b]
            for lane in range(BLOCK):
                redo[n_params] = BLOCK * b + lane
                n_params += (mask >> lane) & 1
    t = np.int64(SLOW_STREAM_START)  # not a literal: finish_normal compiles for one type of t
    for r in range(n_redo, n_params):
        p = redo[r]
        half = (words[p >> 1] >> (_S32 * np.uint64(p & 1))) & _LOW32
        x, layer, _ = fast_normal(half)
        z, t = finish_normal_often(x, layer, base, t)
        out[positions[p]] = np.float32(np.float32(z) * scales32[p])


@njit()
def draw_batch(key, first, count, scales, scales32, gaussian, positions, blocks, out, words, redo, spill):
    """:func:`draw_network` for networks ``first .. first+count-1`` into the rows of ``out`` (one thread).

    Parameters
    ----------
    key : numpy.uint64
        The chunk's key.
    first, count : int
        The networks.
    scales, scales32, gaussian, positions, blocks
        The plan (:class:`DrawPlan`) and whether the prior is Gaussian.
    out : numpy.ndarray
        ``(count, P)`` float32 (filled).
    words, redo, spill : numpy.ndarray
        Scratch (:func:`draw_scratch`).

    Returns
    -------
    None
        ``out`` is filled in place.

    Examples
    --------
    >>> from pfmap.montecarlo.rng import chunk_key
    >>> plan = DrawPlan(np.ones(3), np.arange(3)); out = np.zeros((2, 3), dtype=np.float32)
    >>> draw_batch(chunk_key(1, 0), 0, 2, plan.scales, plan.scales32, True, plan.positions, plan.blocks, out, *plan.scratch())
    >>> bool(np.array_equal(out, draw_parameters(chunk_key(1, 0), 0, 2, scales=np.ones(3), gaussian=True)))
    True
    """
    for b in range(count):
        draw_network(key, first + b, scales, scales32, gaussian, positions, blocks, out[b], words, redo, spill)


def draw_parameters(key: np.uint64 | int, first: int, count: int, *, scales: np.ndarray, gaussian: bool) -> np.ndarray:
    """Parameters (float32) of networks ``first .. first+count-1`` of a chunk, one row each.

    Row ``b`` depends only on ``(key, first + b)``, so any split of a chunk
    into batches draws the same networks.

    Parameters
    ----------
    key : numpy.uint64
        The chunk's key.
    first, count : int
        The networks.
    scales : numpy.ndarray
        ``scales[p]``: the standard deviation (Gaussian) or half-width (uniform) of parameter ``p``.
    gaussian : bool
        Normal parameters (else uniform).

    Returns
    -------
    numpy.ndarray
        ``(count, len(scales))`` float32.

    Examples
    --------
    >>> from pfmap.montecarlo.rng import chunk_key
    >>> key = chunk_key(1, 0)
    >>> whole = draw_parameters(key, 0, 4, scales=np.ones(3), gaussian=True)
    >>> whole.dtype, bool(np.array_equal(whole[2:], draw_parameters(key, 2, 2, scales=np.ones(3), gaussian=True)))
    (dtype('float32'), True)
    >>> bool(np.all(np.abs(draw_parameters(key, 0, 100, scales=np.full(5, 2.0), gaussian=False)) <= 2))
    True

    References
    ----------
    Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011.
    """
    scales = np.ascontiguousarray(scales, dtype=np.float64)
    plan = DrawPlan(scales, np.arange(scales.shape[0]))
    out = np.empty((int(count), scales.shape[0]), dtype=np.float32)
    if count and scales.shape[0]:
        words, redo, spill = plan.scratch()
        draw_batch(np.uint64(key), np.int64(first), np.int64(count), plan.scales, plan.scales32, bool(gaussian),
                    plan.positions, plan.blocks, out, words, redo, spill)
    return out
