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
ziggurat: 8 bits choose the layer, 1 bit the sign, 23 bits the uniform
(disjoint bits, as Doornik 2005 recommends).  The ~1.5% of proposals that
fall outside a layer's core go through the exact wedge and tail rejection
tests, which draw from the words at ``t >= 2**31`` in order, so the
distribution is the standard normal up to the 23-bit grid of the uniform
(steps of at most ``3.9 * 2**-23``, the float32 resolution of such values).
For the uniform prior a half gives ``2u - 1`` with ``u`` on the same 23-bit
grid.  The parameter is then rounded to float32: ``float32(scale * z)``.
Every backend uses these float32 values exactly, so the float32 fast path
has no parameter rounding error (see :mod:`montecarlo.kernels`).

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

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S9, _S11, _S27, _S30, _S31, _S32 = (np.uint64(s) for s in (9, 11, 27, 30, 31, 32))
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO_M23 = 2.0**-23
_TWO_M53 = 2.0**-53
LAYERS = 256
SLOW_STREAM_START = 1 << 31  # words used by rejections start here; the fast words stop far below


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


@numba.njit(inline="always", cache=True)
def _fast_normal(half):
    """Ziggurat proposal from 32 bits: (value, layer, accepted at once).

    ``u23 * (x[layer] * 2**-23)`` is the same double as ``(u23 * 2**-23) * x[layer]``
    (scaling by a power of two is exact), with one table load instead of a sign branch.
    """
    index = np.int64(half & _INDEX_MASK)
    u23 = np.int64(half >> _S9)
    return np.float64(u23) * _SIGNED_STEP[index], index & 0xFF, u23 < _SIGNED_LIMIT[index]


@numba.njit(cache=True)
def _finish_normal(x, layer, base, t):
    """Complete a rejected ziggurat proposal exactly, drawing from words ``t, t+1, ...``."""
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
        u = np.float64(np.int64(mix64(base + GAMMA * np.uint64(t)) >> _S11)) * _TWO_M53
        t += 1
        if ZIG_F[layer] + u * (ZIG_F[layer + 1] - ZIG_F[layer]) < math.exp(-0.5 * x * x):
            return x, t
        # rejected in the wedge: a fresh proposal from the next word's low half
        x, layer, accepted = _fast_normal(mix64(base + GAMMA * np.uint64(t)) & _LOW32)
        t += 1
        if accepted:
            return x, t


@numba.njit(cache=True)
def draw_network(key, i, scales, gaussian, out, positions, pending):
    """Parameters of network ``i``: ``out[positions[p]] = float32(scales[p] * z_p)`` (float32 ``out``).

    ``positions`` lets the fast path draw straight into its padded layout;
    ``pending`` is int64 scratch (``len(scales)``) for the proposals that the
    ziggurat's fast path rejects.  They are finished in index order from the
    slow words, so the result depends only on ``(key, i)``.
    """
    base = stream_base(key, i)
    count = scales.shape[0]
    pairs = count // 2
    step = base
    if not gaussian:
        for q in range(pairs):
            word = mix64(step)
            step += GAMMA
            out[positions[2 * q]] = np.float32(scales[2 * q] * _uniform_pm1(word & _LOW32))
            out[positions[2 * q + 1]] = np.float32(scales[2 * q + 1] * _uniform_pm1(word >> _S32))
        if count % 2:
            out[positions[count - 1]] = np.float32(scales[count - 1] * _uniform_pm1(mix64(step) & _LOW32))
        return
    n_pending = 0
    for q in range(pairs):
        word = mix64(step)
        step += GAMMA
        z0, _, ok0 = _fast_normal(word & _LOW32)
        z1, _, ok1 = _fast_normal(word >> _S32)
        out[positions[2 * q]] = np.float32(scales[2 * q] * z0)
        out[positions[2 * q + 1]] = np.float32(scales[2 * q + 1] * z1)
        # branch-free bookkeeping: the ~1.5% rejections are unpredictable
        pending[n_pending] = 2 * q
        n_pending += not ok0
        pending[n_pending] = 2 * q + 1
        n_pending += not ok1
    if count % 2:
        z0, _, ok0 = _fast_normal(mix64(step) & _LOW32)
        out[positions[count - 1]] = np.float32(scales[count - 1] * z0)
        if not ok0:
            pending[n_pending] = count - 1
            n_pending += 1
    t = SLOW_STREAM_START
    for k in range(n_pending):
        p = pending[k]
        half = (mix64(base + GAMMA * np.uint64(p // 2)) >> (_S32 * np.uint64(p % 2))) & _LOW32
        x, layer, _ = _fast_normal(half)
        z, t = _finish_normal(x, layer, base, t)
        out[positions[p]] = np.float32(scales[p] * z)


@numba.njit(inline="always", cache=True)
def _uniform_pm1(half):
    return 2.0 * (np.float64(np.int64(half >> _S9)) * _TWO_M23) - 1.0


@numba.njit(cache=True)
def _draw_batch(key, first, count, scales, gaussian, out):
    positions = np.arange(scales.shape[0])
    pending = np.empty(scales.shape[0], dtype=np.int64)
    for b in range(count):
        draw_network(key, first + b, scales, gaussian, out[b], positions, pending)


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
    out = np.empty((int(count), scales.shape[0]), dtype=np.float32)
    if count:
        _draw_batch(np.uint64(key), np.int64(first), np.int64(count), scales, bool(gaussian), out)
    return out
