"""The counter-based random stream: every random 64-bit word is a pure function of where it is used.

Why not ``numpy.random.Generator``: its normals cost ~19 ns each here and a
7-40-40-1 net needs 2001 of them, which alone would cap a core near 25k
networks/s.  Instead::

    word(key, i, t) = mix64(key + GAMMA * (i * 2**32 + t))

``key`` is 64 bits of the chunk's ``SeedSequence(seed).spawn`` child
(:func:`chunk_key`), ``i`` the network's index inside the chunk and ``t``
the word's index inside that network's stream.  ``mix64`` is the SplitMix64
output function and ``GAMMA`` its odd golden-ratio increment, so the words of
one chunk are distinct outputs of one SplitMix64 stream (no two positions
coincide and ``mix64`` is a bijection).  Any worker, batch size or order
reproduces a network from ``(key, i)`` alone, which is what makes runs
resumable and the numpy and numba backends draw identical parameters.

Streams do not overlap: network ``i`` uses positions ``i * 2**32 + t`` with
``t < 2**31 + (rejections)`` (the words of the ziggurat's rejections start at
:data:`SLOW_STREAM_START`), so within a chunk (at most 2**31 networks) all
positions differ, and chunks use independent SeedSequence keys.  How words
become normal and uniform parameters is :mod:`pfmap.montecarlo.ziggurat`;
how a network's parameters are laid out and drawn, :mod:`pfmap.montecarlo.draws`.
The stream's name, recorded in every run's manifest, is :data:`STREAM`.

References
----------
Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014 (SplitMix64).
Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011 (counter-based RNGs).
"""

from __future__ import annotations

import numpy as np

from pfmap.montecarlo.jit import njit

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31, _S32 = (np.uint64(s) for s in (11, 27, 30, 31, 32))
_TWO_M53 = 2.0**-53
SLOW_STREAM_START = 1 << 31  # words used by rejections start here; the fast words stop far below
STREAM = "counter-splitmix64-ziggurat/2"


def chunk_key(seed: int, chunk: int) -> np.uint64:
    """The 64-bit key of chunk ``chunk``: child ``chunk`` of ``numpy.random.SeedSequence(seed)``.

    ``SeedSequence(seed, spawn_key=(chunk,))`` is what
    ``SeedSequence(seed).spawn(chunk + 1)[chunk]`` returns, without spawning
    the children before it.

    Parameters
    ----------
    seed : int
        The run's seed (>= 0).
    chunk : int
        The chunk's index (>= 0).

    Returns
    -------
    numpy.uint64

    Raises
    ------
    ValueError
        For a negative seed or chunk (callers validate first, naming their parameter).

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


@njit(inline="always")
def mix64(z):
    """The SplitMix64 output function (a bijection of 64-bit words).

    Parameters
    ----------
    z : numpy.uint64

    Returns
    -------
    numpy.uint64

    Examples
    --------
    >>> int(mix64(np.uint64(0x9E3779B97F4A7C15)))  # SplitMix64's first output for seed 0
    16294208416658607535
    """
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always")
def stream_base(key, i):
    """Counter origin of network ``i``: word ``t`` is ``mix64(base + GAMMA * t)``.

    Parameters
    ----------
    key : numpy.uint64
        The chunk's key.
    i : int
        The network's index in the chunk.

    Returns
    -------
    numpy.uint64

    Examples
    --------
    >>> int(stream_base(np.uint64(5), 1) - np.uint64(5)) == int(GAMMA) * 2**32 % 2**64
    True
    """
    return key + GAMMA * (np.uint64(i) << _S32)


@njit()
def stream_words(base, count, words):
    """``words[t] = mix64(base + GAMMA * t)`` for ``t < count`` (LLVM vectorises this loop).

    Parameters
    ----------
    base : numpy.uint64
        :func:`stream_base` of the network.
    count : int
        Words to fill.
    words : numpy.ndarray
        uint64 output.

    Returns
    -------
    None
        ``words[:count]`` is filled in place.

    Examples
    --------
    >>> w = np.empty(2, dtype=np.uint64); stream_words(np.uint64(0), 2, w)
    >>> w.tolist() == [int(mix64(np.uint64(0))), int(mix64(GAMMA))]
    True
    """
    step = base
    for t in range(count):
        words[t] = mix64(step)
        step += GAMMA


@njit(inline="always")
def uniform53(word):
    """A uniform double in [0, 1) from the top 53 bits of a word.

    Parameters
    ----------
    word : numpy.uint64

    Returns
    -------
    float

    Examples
    --------
    >>> uniform53(np.uint64(2**63))
    0.5
    """
    return np.float64(np.int64(word >> _S11)) * _TWO_M53

