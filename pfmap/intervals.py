"""Confidence intervals for counted proportions: the one Wilson score interval every producer uses.

References
----------
Wilson, "Probable inference, the law of succession, and statistical inference", JASA 22 (1927).
Brown, Cai, DasGupta, "Interval estimation for a binomial proportion", Statistical Science 16 (2001).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

Z95 = 1.959963984540054  # the 0.975 quantile of the standard normal


def wilson_interval(count: ArrayLike, samples: int | ArrayLike, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval for a binomial proportion ``count / samples``.

    Parameters
    ----------
    count : array_like
        Successes (how often each function was seen).
    samples : int or array_like
        Trials (the number of networks sampled, or runs trained).
    z : float
        The normal quantile; the default gives a 95% interval.

    Returns
    -------
    tuple of numpy.ndarray
        ``(low, high)``, clipped to [0, 1].

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([0, 50]), 100)
    >>> [round(float(x), 4) for x in lo], [round(float(x), 4) for x in hi]
    ([0.0, 0.4038], [0.037, 0.5962])

    References
    ----------
    Wilson, JASA 22 (1927); Brown, Cai, DasGupta, Statistical Science 16 (2001), eq. (4).
    """
    k = np.asarray(count, dtype=np.float64)
    n = np.asarray(samples, dtype=np.float64)
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * np.sqrt(np.maximum(p * (1 - p) / n + z2 / (4 * n * n), 0.0)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
