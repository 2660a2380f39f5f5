"""From counts to a volume table: probabilities with 95% Wilson score intervals.

References
----------
Wilson, "Probable inference, the law of succession, and statistical inference", JASA 22 (1927).
Brown, Cai, DasGupta, "Interval estimation for a binomial proportion", Statistical Science 16 (2001).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pfmap.intervals import wilson_interval
from pfmap.tables import sort_table
from pfmap.truthtable import words_to_strings

def _volume_columns(keys: np.ndarray, counts: np.ndarray, samples: int, length: int) -> dict:
    """The columns of a volume table for the rows ``keys`` (packed truth tables) seen ``counts`` times."""
    counts = np.asarray(counts, dtype=np.int64)
    low, high = wilson_interval(counts, samples)
    return {"function": words_to_strings(keys, length) if len(counts) else [],
            "probability": counts / float(samples), "count": counts, "ci_low": low, "ci_high": high}


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
    df = sort_table(pd.DataFrame(_volume_columns(keys, counts, samples, length)))
    if attrs is not None:
        df.attrs["pfmap"] = attrs
    return df


_BIT_REVERSED = np.array([int(f"{b:08b}"[::-1], 2) for b in range(256)], dtype=np.uint8)


def table_order(keys: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Row order of :func:`volume_table` (count descending, ties by truth-table string) without building strings.

    Character ``j`` of a truth table is bit ``j`` of the packed words, so the
    strings compare as the words with every 64-bit word bit-reversed, read
    word by word.

    Examples
    --------
    >>> keys = np.array([[8], [1], [14], [2]], dtype=np.uint64)       # 0001, 1000, 0111, 0100
    >>> table_order(keys, np.array([1, 1, 3, 1])).tolist()            # 0111; then 0001 < 0100 < 1000
    [2, 0, 3, 1]
    """
    keys = np.ascontiguousarray(keys, dtype="<u8")
    n_rows, words = keys.shape
    reversed_bytes = _BIT_REVERSED[keys.view(np.uint8)].reshape(n_rows, words, 8)
    string_keys = reversed_bytes.view(">u8").reshape(n_rows, words)
    sort_keys = [string_keys[:, w] for w in range(words - 1, -1, -1)] + [-np.asarray(counts, dtype=np.int64)]
    return np.lexsort(sort_keys)


def write_volume_parquet(path, keys: np.ndarray, counts: np.ndarray, samples: int, length: int,
                         attrs: dict | None = None, batch: int = 1 << 20) -> int:
    """Write the volume table of :func:`volume_table` to Parquet in batches; return its number of rows.

    Same rows, order, columns and metadata as ``write_table(volume_table(...), path, "parquet")``, but the
    truth-table strings exist one batch at a time: a 10^8-sample run with 6x10^7 distinct functions needs a few
    GB instead of ~20.  Written atomically (:func:`pfmap.files.atomic_write`), so ``path`` is never half written.
    """
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.parquet as pq

    from pfmap.files import atomic_write
    from pfmap.tables import parquet_metadata

    path = Path(path)
    counts = np.asarray(counts, dtype=np.int64)
    order = table_order(keys, counts)
    schema = pa.schema([("function", pa.string()), ("probability", pa.float64()), ("count", pa.int64()),
                        ("ci_low", pa.float64()), ("ci_high", pa.float64())], metadata=parquet_metadata(attrs or {}))
    def write(tmp):
        with pq.ParquetWriter(tmp, schema) as writer:
            for start in range(0, max(len(order), 1), batch):
                rows = order[start:start + batch]
                writer.write_table(pa.table(_volume_columns(keys[rows], counts[rows], samples, length), schema=schema))

    atomic_write(path, write)
    return len(order)
