"""Where the hidden parameters come from: independent draws, or randomly shifted Sobol replicates.

Every hidden sample is a row of uniforms in (0, 1) (see
:mod:`pfmap.geometry.rao_blackwell.hidden` for their layout).  Two samplers:

* ``"mc"``: independent rows, batch ``k`` (of :data:`BATCH` rows) drawn from
  child ``k`` of ``numpy.random.SeedSequence(seed)``;
* ``"rqmc"`` (randomised quasi-Monte Carlo): one Sobol net of ``2^k``
  points under ``R`` random digital shifts (an XOR of the 52-bit digits),
  shift ``r`` drawn from child ``r`` of ``SeedSequence(seed)``
  (:func:`replicate_plan` chooses ``R`` and ``2^k``).  The ``R`` replicate
  means are independent and unbiased, and their spread gives the interval.

Either way the rows depend only on ``seed``, ``samples`` and the number of
uniforms per row, never on how many threads share the work.

References
----------
I. M. Sobol', "On the distribution of points in a cube and the approximate evaluation of integrals", 1967.
P. L'Ecuyer, C. Lemieux, "Recent advances in randomized quasi-Monte Carlo methods", 2002.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from pfmap.errors import PfmapError

BATCH = 1 << 14          # rows per call of a compiled loop
MIN_REPLICATES = 16
SAMPLERS = ("rqmc", "mc")


def replicate_plan(samples: int) -> tuple[int, int]:
    """Randomised QMC: ``R`` random shifts of ``2^k`` Sobol points each, ``16 <= R <= 31``, ``R 2^k <= samples``.

    Parameters
    ----------
    samples : int
        The hidden samples asked for (at least 16).

    Returns
    -------
    tuple of int
        ``(R, 2^k)``; the run uses ``R 2^k`` samples.

    Raises
    ------
    PfmapError
        If ``samples`` is below 16.

    Examples
    --------
    >>> replicate_plan(200_000)
    (24, 8192)
    """
    if samples < MIN_REPLICATES:
        raise PfmapError(f"samples must be at least {MIN_REPLICATES} for randomised QMC; got {samples!r}")
    size = 1 << max(0, int(math.floor(math.log2(samples / MIN_REPLICATES))))
    return samples // size, size


def mc_tasks(seed: int, samples: int) -> list[tuple[np.random.SeedSequence, int]]:
    """The batches of ``sampler="mc"``: batch ``k`` has at most :data:`BATCH` rows and draws from child ``k``.

    Parameters
    ----------
    seed : int
        The run's seed.
    samples : int
        Rows in all.

    Returns
    -------
    list of tuple
        ``(seed_sequence, count)`` per batch; :func:`mc_rows` draws one.

    Examples
    --------
    >>> [count for _, count in mc_tasks(0, 20_000)]
    [16384, 3616]
    """
    batches = -(-samples // BATCH)
    children = np.random.SeedSequence(seed).spawn(batches)
    return [(children[k], min(BATCH, samples - k * BATCH)) for k in range(batches)]


def mc_rows(task: tuple[np.random.SeedSequence, int], dims: int) -> np.ndarray:
    """One batch of independent rows of uniforms (see :func:`mc_tasks`).

    Parameters
    ----------
    task : tuple
        ``(seed_sequence, count)`` from :func:`mc_tasks`.
    dims : int
        Uniforms per row.

    Returns
    -------
    numpy.ndarray
        ``(count, dims)`` uniforms in [0, 1).

    Examples
    --------
    >>> mc_rows(mc_tasks(0, 5)[0], 3).shape
    (5, 3)
    """
    child, count = task
    return np.random.Generator(np.random.PCG64(child)).random((count, dims))


def sobol_shifts(seed: int, replicates: int, dims: int) -> list[np.ndarray]:
    """The random digital shifts of the replicates: 52-bit integers, one per dimension, shift ``r`` from child ``r``.

    Parameters
    ----------
    seed : int
        The run's seed.
    replicates : int
        How many replicates.
    dims : int
        Uniforms per row.

    Returns
    -------
    list of numpy.ndarray
        ``replicates`` arrays of ``dims`` uint64 values below ``2^52``.

    Examples
    --------
    >>> [s.shape for s in sobol_shifts(0, 2, 5)]
    [(5,), (5,)]
    """
    children = np.random.SeedSequence(seed).spawn(replicates)
    return [np.random.Generator(np.random.PCG64(c)).integers(0, 1 << 52, size=dims, dtype=np.uint64)
            for c in children]


def sobol_digit_chunks(size: int, dims: int) -> Iterator[np.ndarray]:
    """The ``size`` points of the unscrambled Sobol net as 52-bit digits, in chunks of at most :data:`BATCH` rows.

    The first point is the origin (digits 0): a random shift moves it like every other point.

    Parameters
    ----------
    size : int
        Points (a power of 2).
    dims : int
        Dimensions.

    Yields
    ------
    numpy.ndarray
        ``(chunk, dims)`` uint64 digits; :func:`shifted` turns them into one replicate's uniforms.

    Examples
    --------
    >>> [c.shape for c in sobol_digit_chunks(4, 2)]
    [(4, 2)]
    """
    from scipy.stats import qmc

    engine = qmc.Sobol(dims, scramble=False, bits=52)
    chunk = min(size, BATCH)
    for _ in range(size // chunk):
        yield (engine.random(chunk) * 2.0**52).astype(np.uint64)


def shifted(digits: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """One replicate's uniforms: the digits XOR the shift, at the centre of their cell of width ``2^-52``.

    Parameters
    ----------
    digits : numpy.ndarray
        Sobol digits from :func:`sobol_digit_chunks`.
    shift : numpy.ndarray
        The replicate's shift from :func:`sobol_shifts`.

    Returns
    -------
    numpy.ndarray
        Uniforms in (0, 1), same shape as ``digits``.

    Examples
    --------
    >>> digits = next(sobol_digit_chunks(2, 1))
    >>> shifted(digits, np.zeros(1, np.uint64)).ravel().tolist()    # the net {0, 1/2}, at cell centres
    [1.1102230246251565e-16, 0.5000000000000001]
    """
    return ((digits ^ shift).astype(np.float64) + 0.5) * 2.0**-52
