"""From counts to a volume table: probabilities with 95% Wilson score intervals.

References
----------
Wilson, "Probable inference, the law of succession, and statistical inference", JASA 22 (1927).
Brown, Cai, DasGupta, "Interval estimation for a binomial proportion", Statistical Science 16 (2001).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pfmap.tables import sort_table
from pfmap.truthtable import words_to_strings

Z95 = 1.959963984540054  # the 0.975 quantile of the standard normal


def wilson_interval(count, samples, z: float = Z95):
    """The Wilson score interval for a binomial proportion ``count / samples``.

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
    n = float(samples)
    p = k / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * np.sqrt(np.maximum(p * (1 - p) / n + z2 / (4 * n * n), 0.0)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def volume_table(keys: np.ndarray, counts: np.ndarray, samples: int, length: int, attrs: dict | None = None) -> pd.DataFrame:
    """The Monte Carlo volume table: ``function, probability, count, ci_low, ci_high``, sorted.

    Examples
    --------
    >>> df = volume_table(np.array([[8], [14]], dtype=np.uint64), np.array([1, 3]), 4, 4)
    >>> df[["function", "count", "probability"]].values.tolist()
    [['0111', 3, 0.75], ['0001', 1, 0.25]]

    References
    ----------
    DESIGN.md's volume table; Wilson, JASA 22 (1927).
    """
    counts = np.asarray(counts, dtype=np.int64)
    low, high = wilson_interval(counts, samples)
    df = pd.DataFrame({
        "function": words_to_strings(keys, length) if len(counts) else [],
        "probability": counts / float(samples),
        "count": counts,
        "ci_low": low,
        "ci_high": high,
    })
    df = sort_table(df)
    if attrs is not None:
        df.attrs["pfmap"] = attrs
    return df
