"""Counter-based random parameters: network ``i`` of chunk ``k`` depends only on ``(seed, k, i)``.

Why not ``numpy.random.Generator``: its normals cost ~19 ns each here and a
7-40-40-1 net needs 2001 of them, which alone would cap a core near 25k
networks/s.  Instead every random 64-bit word is a pure function of where it
is used::

    word(key, i, t) = mix64(key + GAMMA * (i * 2**32 + t))

``key`` is 64 bits of the chunk's ``SeedSequence(seed).spawn`` child
(:func:`chunk_key`), ``i`` the network's index inside the chunk and ``t``
the word's index inside that network's stream.  ``mix64`` is the SplitMix64
output function and ``GAMMA`` its odd golden-ratio increment, so the words of
one chunk are distinct outputs of one SplitMix64 stream (no two positions
coincide and ``mix64`` is a bijection).  Any worker, batch size or order
reproduces a network from ``(key, i)`` alone, which is what makes runs
resumable and the numpy and numba backends draw identical parameters.

Parameter ``p`` of a network comes from half ``p % 2`` (low 32 bits first) of
word ``p // 2``.  A half gives a standard normal through a 256-layer
ziggurat: 8 bits choose the layer, 1 bit the sign, 23 bits the uniform ``u``
(disjoint bits, as Doornik 2005 recommends).  The proposal is accepted at
once when ``u < limit[layer]``, an exact integer test that the point lies in
the layer's core.  The ~1.5% of proposals that fall outside go, in parameter
order, through the exact wedge and tail rejection tests in float64, which
draw from the words at ``t >= 2**31``: each wedge attempt takes two words,
``t`` for the wedge's uniform and ``t + 1`` (low half) for the replacement
proposal; each tail attempt takes two words.  So the distribution is the
standard normal up to the 23-bit grid of the uniform (steps of at most
``3.9 * 2**-23``).

Rounding (stream ``counter-splitmix64-ziggurat/2``, :data:`STREAM`): a
Gaussian parameter is ``float32(float32(z) * float32(scale))``, where the
fast path computes ``float32(z) = float32(u) * width32[index]`` in float32
with ``width32 = float32(+-x[layer] * 2**-23)``.  Each parameter is thus
within ``4 * 2**-24`` (relative) of ``scale * z``, the exact ziggurat sample
(the first stream, ``/1``, rounded it once, in float64, and took one slow
word per wedge attempt).  Float32 lets eight proposals run at once
(:func:`pfmap.montecarlo.backends.numba_kernels.simd.normal_proposals8`): a 2001-parameter network costs
~1.3 ns per normal here instead of ~3.3 ns.  The uniform prior is unchanged:
a half gives ``2u - 1`` with ``u`` on the same 23-bit grid (exact in
float64) and the parameter is ``float32(scale * (2u - 1))``.  Every backend
uses these float32 values exactly, so the float32 forward pass has no
parameter rounding error (see :mod:`pfmap.montecarlo.backends.numba_kernels.forward`).

Streams do not overlap: network ``i`` uses positions ``i * 2**32 + t`` with
``t < 2**31 + (rejections)``, so within a chunk (at most 2**31 networks) all
positions differ, and chunks use independent SeedSequence keys.

References
----------
Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014 (SplitMix64).
Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011 (counter-based RNGs).
Marsaglia, Tsang, "The ziggurat method for generating random variables", J. Stat. Softw. 5(8), 2000.
Doornik, "An improved ziggurat method to generate normal random samples", 2005.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from pfmap.montecarlo.backends.numba_kernels.simd import normal_proposals8, trailing_zeros

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S9, _S11, _S27, _S30, _S31, _S32 = (np.uint64(s) for s in (9, 11, 27, 30, 31, 32))
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO_M23 = 2.0**-23
_TWO_M53 = 2.0**-53
LAYERS = 256
SLOW_STREAM_START = 1 << 31  # words used by rejections start here; the fast words stop far below
STREAM = "counter-splitmix64-ziggurat/2"
BLOCK = 8  # parameters per fast-path step: the eight halves of four words


def chunk_key(seed: int, chunk: int) -> np.uint64:
    """The 64-bit key of chunk ``chunk``: child ``chunk`` of ``numpy.random.SeedSequence(seed)``.

    ``SeedSequence(seed, spawn_key=(chunk,))`` is what
    ``SeedSequence(seed).spawn(chunk + 1)[chunk]`` returns, without spawning
    the children before it.

    Examples
    --------
    >>> child = np.random.SeedSequence(0).spawn(4)[3]
    >>> int(chunk_key(0, 3)) == int(child.generate_state(1, np.uint64)[0])
    True

    References
    ----------
    NumPy Enhancement Proposal 19 and ``numpy.random.SeedSequence`` (O'Neill's seed_seq design).
    """
    seed, chunk = int(seed), int(chunk)
    if seed < 0 or chunk < 0:
        raise ValueError("seed and chunk must be >= 0")
    return np.random.SeedSequence(seed, spawn_key=(chunk,)).generate_state(1, np.uint64)[0]


@numba.njit(inline="always", cache=True)
def mix64(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(inline="always", cache=True)
def stream_base(key, i):
    """Counter origin of network ``i``: word ``t`` is ``mix64(base + GAMMA * t)``."""
    return key + GAMMA * (np.uint64(i) << _S32)


def _ziggurat_tables(layers: int = LAYERS):
    """Layer edges ``x`` (decreasing, ``x[layers] = 0``), heights ``f = exp(-x**2/2)`` and fast-accept limits.

    ``r``, where the tail starts, is solved by bisection so that the top layer
    closes at ``x = 0``; every layer then has the same area ``v``.
    """
    def density(x):
        return math.exp(-0.5 * x * x)

    def build(r):
        v = r * density(r) + math.sqrt(math.pi / 2) * math.erfc(r / math.sqrt(2))
        x = [v / density(r), r]  # x[0]: width of the base strip that also stands for the tail
        while len(x) < layers:
            y = density(x[-1]) + v / x[-1]
            if y >= 1.0:
                return x, v, y
            x.append(math.sqrt(-2.0 * math.log(y)))
        return x, v, density(x[-1]) + v / x[-1]

    lo, hi = 2.0, 5.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        x, v, y = build(mid)
        if len(x) < layers or y > 1.0:
            lo = mid  # layers too thick: the stack closes early, so the tail must start further out
        else:
            hi = mid
        if hi - lo <= 4e-16 * hi:
            break
    x, v, _ = build(hi)
    x = np.array(x + [0.0], dtype=np.float64)
    f = np.exp(-0.5 * x * x)
    # a 23-bit uniform u is inside layer i's core when u * x[i] < x[i+1]
    limit = np.ceil(x[1:] / x[:-1] * 2.0**23).astype(np.int64)
    return x, f, limit, hi, v


ZIG_X, ZIG_F, ZIG_LIMIT, ZIG_R, ZIG_V = _ziggurat_tables()
_ZIG_INV_R = 1.0 / ZIG_R


# the layer (8 bits) and the sign (1 bit) index one table of signed, pre-scaled widths
_SIGNED_STEP = np.concatenate([ZIG_X[:LAYERS], -ZIG_X[:LAYERS]]) * 2.0**-23
_SIGNED_LIMIT = np.concatenate([ZIG_LIMIT, ZIG_LIMIT])
_INDEX_MASK = np.uint64(2 * LAYERS - 1)
# the fast path's table: float32 bits of the signed width (low 32 bits) and the limit (high 32 bits)
FAST_TABLE = (_SIGNED_STEP.astype(np.float32).view(np.uint32).astype(np.int64)
              | (_SIGNED_LIMIT.astype(np.int64) << 32))


def _squeeze_offsets(x=ZIG_X, f=ZIG_F, margin=1e-9):
    """Per layer ``(accept, reject)``: a wedge point with ``u < s + accept`` lies under the density, one with
    ``u >= s + reject`` above it; only points in between need ``exp``.

    In layer ``i`` the wedge point is ``(|x|, f[i] + u (f[i+1] - f[i]))`` and
    ``s = (x[i] - |x|) / (x[i] - x[i+1])``, so ``u < s`` means "under the
    chord".  The density lies under its chord where it is convex (``|x| >= 1``)
    and above it where concave (``|x| <= 1``), and never further from it than
    ``h**2 / 8 * max|f''|`` (linear interpolation error), with ``h`` the layer
    width and ``|f''(x)| = |x**2 - 1| exp(-x**2/2)`` bounded by its end values
    times ``f[i+1]``.  ``margin`` covers the rounding of ``s`` and ``u``; the
    one layer that straddles ``x = 1`` always uses ``exp``.
    """
    accept = np.full(LAYERS, -2.0)
    reject = np.full(LAYERS, 2.0)
    for i in range(1, LAYERS):
        lo, hi = x[i + 1], x[i]
        bend = (hi - lo) ** 2 / 8 * max(abs(lo * lo - 1), abs(hi * hi - 1)) * f[i + 1]
        deviation = 1.01 * bend / (f[i + 1] - f[i]) + margin
        if lo >= 1.0:
            accept[i], reject[i] = -deviation, margin
        elif hi <= 1.0:
            accept[i], reject[i] = -margin, deviation
    return accept, reject


_SQUEEZE_ACCEPT, _SQUEEZE_REJECT = _squeeze_offsets()
# indexed by under + 2 above + 4 replacement-accepted: 1 where one wedge attempt settles the draw
_DECIDED = np.array([0, 1, 0, 1, 0, 1, 1, 1], dtype=np.int64)
_INV_WIDTH = np.concatenate([[0.0], 1.0 / (ZIG_X[1:LAYERS] - ZIG_X[2:LAYERS + 1])])


@numba.njit(inline="always", cache=True)
def _fast_normal(half):
    """Ziggurat proposal from 32 bits in float64: (value, layer, accepted at once).

    ``u23 * (x[layer] * 2**-23)`` is the same double as ``(u23 * 2**-23) * x[layer]``
    (scaling by a power of two is exact), with one table load instead of a sign branch.
    """
    index = np.int64(half & _INDEX_MASK)
    u23 = np.int64(half >> _S9)
    return np.float64(u23) * _SIGNED_STEP[index], index & 0xFF, u23 < _SIGNED_LIMIT[index]


@numba.njit(inline="always", cache=True)
def _uniform53(word):
    return np.float64(np.int64(word >> _S11)) * _TWO_M53


@numba.njit(cache=True)
def _finish_normal(x, layer, base, t):
    """Complete a rejected ziggurat proposal exactly, drawing from words ``t, t+1, ...``.

    A wedge attempt takes two words: ``t`` for the wedge's uniform and the low
    half of ``t + 1`` for the replacement proposal (used only when the point
    lies above the density).  A tail attempt takes two words as well.
    """
    while True:
        if layer == 0:
            # the tail beyond r (Marsaglia 1964): exponential proposals, exact rejection
            while True:
                a = (np.float64(np.int64(mix64(base + GAMMA * np.uint64(t)) >> _S11)) + 1.0) * _TWO_M53
                b = (np.float64(np.int64(mix64(base + GAMMA * np.uint64(t + 1)) >> _S11)) + 1.0) * _TWO_M53
                t += 2
                xx = -math.log(a) * _ZIG_INV_R
                if -2.0 * math.log(b) > xx * xx:
                    return (ZIG_R + xx) if x > 0 else -(ZIG_R + xx), t
        u = _uniform53(mix64(base + GAMMA * np.uint64(t)))
        replacement = mix64(base + GAMMA * np.uint64(t + 1)) & _LOW32
        t += 2
        # squeeze: the chord of the wedge decides most points without exp (see _squeeze_offsets)
        s = (ZIG_X[layer] - abs(x)) * _INV_WIDTH[layer]
        if u < s + _SQUEEZE_ACCEPT[layer]:
            return x, t
        if u < s + _SQUEEZE_REJECT[layer] and \
                ZIG_F[layer] + u * (ZIG_F[layer + 1] - ZIG_F[layer]) < math.exp(-0.5 * x * x):
            return x, t
        x, layer, accepted = _fast_normal(replacement)
        if accepted:
            return x, t


@numba.njit(inline="always", cache=True)
def _finish_normal_often(x, layer, base, t):
    """:func:`_finish_normal` with its common outcomes computed without branching on random data.

    About 90% of rejected proposals end after one wedge attempt decided by the
    squeeze (the point itself, or a replacement that the fast test accepts);
    only the rest, the tail included, take the general loop (a predictable branch).
    """
    u = _uniform53(mix64(base + GAMMA * np.uint64(t)))
    other, _, other_fast = _fast_normal(mix64(base + GAMMA * np.uint64(t + 1)) & _LOW32)
    s = (ZIG_X[layer] - abs(x)) * _INV_WIDTH[layer]
    under = u < s + _SQUEEZE_ACCEPT[layer]  # never in layer 0, whose offsets are -2 and 2
    above = u >= s + _SQUEEZE_REJECT[layer]
    # a table lookup, not "under or (above and other_fast)", which LLVM would split into branches
    if _DECIDED[np.int64(under) + 2 * np.int64(above) + 4 * np.int64(other_fast)] == 0:
        return _finish_normal(x, layer, base, t)
    return (x if under else other), t + 2


@numba.njit(cache=True)
def _stream_words(base, count, words):
    """``words[t] = mix64(base + GAMMA * t)`` for ``t < count`` (LLVM vectorises this loop)."""
    step = base
    for t in range(count):
        words[t] = mix64(step)
        step += GAMMA


def block_destinations(positions: np.ndarray) -> np.ndarray:
    """Where each block of eight parameters goes: ``positions[8b]``, or -1 unless the block is whole and contiguous.

    Blocks marked -1 are drawn into a spill buffer and scattered one by one.

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

    ``scales`` (float64, canonical order), ``scales32`` (float32, padded to
    whole blocks), ``positions`` (canonical index -> output offset) and
    ``blocks`` (:func:`block_destinations`).

    Examples
    --------
    >>> plan = DrawPlan(np.full(11, 0.5), np.arange(11))
    >>> plan.blocks.tolist(), plan.scales32.shape, plan.word_count
    ([0, -1], (16,), 8)

    References
    ----------
    Marsaglia, Tsang, J. Stat. Softw. 5(8), 2000 (the ziggurat these blocks run).
    """

    def __init__(self, scales, positions):
        self.scales = np.ascontiguousarray(scales, dtype=np.float64)
        self.positions = np.ascontiguousarray(positions, dtype=np.int64)
        self.blocks = block_destinations(self.positions)
        self.scales32 = np.zeros(self.blocks.shape[0] * BLOCK, dtype=np.float32)
        self.scales32[: self.scales.shape[0]] = self.scales.astype(np.float32)
        self.word_count = self.blocks.shape[0] * (BLOCK // 2)

    def scratch(self):
        """Fresh per-thread scratch: ``(words, redo, spill)``."""
        return draw_scratch(self.blocks.shape[0])


@numba.njit(cache=True)
def draw_scratch(n_blocks):
    """Scratch for :func:`draw_network`: ``(words, redo, spill)`` for ``n_blocks`` blocks of eight parameters.

    ``redo`` holds the blocks' rejection masks, one bit per block that has a
    rejection, and the list of rejected parameters (at most eight per block).
    """
    return (np.empty(max(1, n_blocks * (BLOCK // 2)), dtype=np.uint64), np.empty(n_blocks * (BLOCK + 2) + BLOCK,
                                                                                 dtype=np.int64),
            np.empty(BLOCK, dtype=np.float32))


@numba.njit(cache=True)
def _fast_blocks(words, scales32, positions, blocks, out, masks, spill):
    """The vector fast path over all blocks: ``masks[b]`` gets block ``b``'s lanes left to the exact tests.

    A function of its own, so that its loop has the registers to itself.
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


@numba.njit(cache=True)
def draw_network(key, i, scales, scales32, gaussian, positions, blocks, out, words, redo, spill):
    """Parameters of network ``i``: ``out[positions[p]]`` = parameter ``p`` (float32 ``out``).

    ``positions`` lets the fast path draw straight into its padded layout;
    ``blocks`` says where whole, contiguous blocks of eight go (see
    :class:`DrawPlan`); ``words``, ``redo`` and ``spill`` are scratch.  The
    proposals that the ziggurat's fast path rejects are finished in index
    order from the slow words, so the result depends only on ``(key, i)``.
    """
    base = stream_base(key, i)
    count = positions.shape[0]
    n_blocks = blocks.shape[0]
    _stream_words(base, n_blocks * (BLOCK // 2), words)
    if not gaussian:
        for p in range(count):
            half = (words[p >> 1] >> (_S32 * np.uint64(p & 1))) & _LOW32
            out[positions[p]] = np.float32(scales[p] * _uniform_pm1(half))
        return
    _fast_blocks(words, scales32, positions, blocks, out, redo, spill)
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
    t = SLOW_STREAM_START
    for r in range(n_redo, n_params):
        p = redo[r]
        half = (words[p >> 1] >> (_S32 * np.uint64(p & 1))) & _LOW32
        x, layer, _ = _fast_normal(half)
        z, t = _finish_normal_often(x, layer, base, t)
        out[positions[p]] = np.float32(np.float32(z) * scales32[p])


@numba.njit(inline="always", cache=True)
def _uniform_pm1(half):
    return 2.0 * (np.float64(np.int64(half >> _S9)) * _TWO_M23) - 1.0


@numba.njit(cache=True)
def _draw_batch(key, first, count, scales, scales32, gaussian, positions, blocks, out, words, redo, spill):
    for b in range(count):
        draw_network(key, first + b, scales, scales32, gaussian, positions, blocks, out[b], words, redo, spill)


def draw_parameters(key, first: int, count: int, scales: np.ndarray, gaussian: bool) -> np.ndarray:
    """Parameters (float32) of networks ``first .. first+count-1`` of a chunk, one row each.

    Row ``b`` depends only on ``(key, first + b)``, so any split of a chunk
    into batches draws the same networks.  ``scales[p]`` is the standard
    deviation (Gaussian) or half-width (uniform) of parameter ``p``.

    Examples
    --------
    >>> key = chunk_key(1, 0)
    >>> whole = draw_parameters(key, 0, 4, np.ones(3), True)
    >>> whole.dtype, bool(np.array_equal(whole[2:], draw_parameters(key, 2, 2, np.ones(3), True)))
    (dtype('float32'), True)
    >>> bool(np.all(np.abs(draw_parameters(key, 0, 100, np.full(5, 2.0), False)) <= 2))
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
        _draw_batch(np.uint64(key), np.int64(first), np.int64(count), plan.scales, plan.scales32, bool(gaussian),
                    plan.positions, plan.blocks, out, words, redo, spill)
    return out
