"""The prior over functions of the NNGP itself: labellings of points drawn from the Gaussian process and counted.

The infinite-width limit of a random network's output on points X is
``z ~ N(0, K)`` with ``K`` the NNGP kernel (:func:`pfmap.learning.nngp.nngp_kernel`); the function is
``z > 0`` on each point.  :func:`sample_nngp` draws ``z = L u`` with ``L L^T = K`` (Cholesky, with a
documented jitter when ``K`` is singular), chunk ``k`` from child ``k`` of ``SeedSequence(seed)``, and returns
the volume table of the labellings: the same table shape as sampling random networks on the same points
(``pfmap.montecarlo.sample(arch, samples, inputs=X)``), so the two join and can be compared.

References
----------
R. M. Neal, Bayesian Learning for Neural Networks (1996); J. Lee et al., "Deep neural networks as Gaussian
processes", ICLR 2018; G. Valle-Pérez, C. Q. Camargo, A. A. Louis, ICLR 2019, Fig. 1b (network against GP).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pfmap import __version__
from pfmap.errors import PfmapError
from pfmap.intervals import wilson_interval
from pfmap.progress import progress_bar
from pfmap.tables import sort_table
from pfmap.truthtable import pack_bits, words_to_strings
from pfmap.validation import check_seed, parse_count

DEFAULT_JITTER = 1e-10
CHUNK = 1 << 16


def kernel_factor(K: ArrayLike, *, jitter: float = DEFAULT_JITTER) -> tuple[np.ndarray, float]:
    """A factor ``L`` with ``L L^T = K + eps I``: Cholesky, adding the smallest jitter ``eps`` (relative to the
    mean diagonal, growing tenfold from ``jitter``) that makes it succeed.

    Parameters
    ----------
    K : array_like
        A symmetric positive semidefinite kernel matrix.
    jitter : float
        The first relative jitter tried (after none).

    Returns
    -------
    tuple
        ``(L, eps)``.

    Raises
    ------
    PfmapError
        If ``K`` is not square and symmetric, or not positive semidefinite even with a jitter of 1e-4.

    Examples
    --------
    >>> L, eps = kernel_factor([[1.0, 1.0], [1.0, 1.0]])      # singular: needs a jitter
    >>> bool(eps > 0), np.allclose(L @ L.T, [[1, 1], [1, 1]], atol=1e-6)
    (True, True)
    """
    K = np.asarray(K, dtype=np.float64)
    if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] < 1 or not np.all(np.isfinite(K)):
        raise PfmapError("K must be a finite square matrix")
    if not np.allclose(K, K.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(K).max()))):
        raise PfmapError("K must be symmetric")
    scale = float(np.mean(np.diag(K))) or 1.0
    eps = 0.0
    while True:
        try:
            return np.linalg.cholesky(K + eps * scale * np.eye(K.shape[0])), eps * scale
        except np.linalg.LinAlgError:
            eps = jitter if eps == 0.0 else eps * 10
            if eps > 1e-4:
                raise PfmapError("K is not positive semidefinite (Cholesky fails even with a relative jitter of "
                                 "1e-4); check the kernel") from None


def sample_nngp(K: ArrayLike, samples: int | str, *, seed: int = 0, progress: bool | str = False,
                attrs: dict | None = None, jitter: float = DEFAULT_JITTER) -> pd.DataFrame:
    """The volume table of labellings ``z > 0`` for ``samples`` draws ``z ~ N(0, K)``.

    Parameters
    ----------
    K : array_like
        The kernel on the points (``d x d``), e.g. from :func:`pfmap.learning.nngp.nngp_kernel`.
    samples : int or str
        How many draws.
    seed : int
        The seed: chunk ``k`` (65,536 draws) uses child ``k`` of ``SeedSequence(seed)``.
    progress : bool or "auto"
        A progress bar.
    attrs : dict, optional
        Added to ``df.attrs["pfmap"]`` (e.g. the architecture and the data).
    jitter : float
        See :func:`kernel_factor`.

    Returns
    -------
    pandas.DataFrame
        ``function, probability, count, ci_low, ci_high`` (95% Wilson), most probable first.

    Raises
    ------
    PfmapError
        For a bad kernel, count or seed.

    Examples
    --------
    >>> K = [[1.0, 0.0], [0.0, 1.0]]                           # independent points: each labelling 1/4
    >>> df = sample_nngp(K, 40000, seed=1)
    >>> sorted(df["function"]), bool(np.allclose(df["probability"], 0.25, atol=0.01))
    (['00', '01', '10', '11'], True)

    References
    ----------
    Valle-Pérez, Camargo, Louis, ICLR 2019, Fig. 1b.
    """
    samples = parse_count(samples, "samples")
    seed = check_seed(seed)
    L, eps = kernel_factor(K, jitter=jitter)
    d = L.shape[0]
    counts: dict[bytes, int] = {}
    words = None
    children = np.random.SeedSequence(seed).spawn(-(-samples // CHUNK))
    with progress_bar(samples, progress=progress, desc="NNGP draws", unit="draw") as bar:
        for k, child in enumerate(children):
            size = min(CHUNK, samples - k * CHUNK)
            u = np.random.default_rng(child).standard_normal((size, d))
            packed = pack_bits(u @ L.T > 0)
            words = packed.shape[1]
            keys, number = np.unique(packed, axis=0, return_counts=True)
            for key, c in zip(keys, number):
                counts[key.tobytes()] = counts.get(key.tobytes(), 0) + int(c)
            bar.update(size)
    keys = np.frombuffer(b"".join(counts), dtype=np.uint64).reshape(len(counts), words)
    number = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
    low, high = wilson_interval(number, samples)
    df = sort_table(pd.DataFrame({"function": words_to_strings(keys, d), "probability": number / samples,
                                  "count": number, "ci_low": low, "ci_high": high}))
    df.attrs["pfmap"] = {"engine": "learning", "method": "nngp sampling", "samples": samples, "seed": seed,
                         "points": d, "jitter": eps, "distinct": len(df), "interval": "wilson 95%",
                         "pfmap_version": __version__, **(attrs or {})}
    return df
