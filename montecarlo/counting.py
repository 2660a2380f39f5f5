"""Streaming counts of distinct truth tables: an open-addressing hash table in numba.

Tables arrive as packed ``uint64`` rows (``pfmap.truthtable`` packing), in
batches, from any number of chunks; counts are merged as they come, so memory
grows with the number of *distinct* functions (``8 * (words + 1)`` bytes per
slot, at most half the slots used), never with the number of samples.
Merging is addition of counts per key, associative and commutative, so the
result does not depend on how the samples were split or in which order the
parts arrive.

References
----------
Knuth, The Art of Computer Programming, vol. 3, §6.4 (open addressing with linear probing).
"""

from __future__ import annotations

import numpy as np

from pfmap.montecarlo.jit import njit

from pfmap.montecarlo.rng import mix64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(inline="always")
def _hash_row(rows, r, words):
    h = np.uint64(words)
    for w in range(words):
        h = mix64(h ^ rows[r, w]) + _GOLDEN
    return h


@njit(nogil=True)
def _insert(keys, counts, used, rows, weights, start, limit):
    """Add ``rows[r]`` with weight ``weights[r]`` (or 1 when empty) for ``r >= start``.

    Returns the first row not inserted (``len(rows)`` when done) and the new
    number of used slots; stops when the table would pass ``limit`` slots.
    """
    capacity = keys.shape[0]
    mask = np.uint64(capacity - 1)
    words = rows.shape[1]
    for r in range(start, rows.shape[0]):
        if used >= limit:
            return r, used
        slot = np.int64(_hash_row(rows, r, words) & mask)
        while True:
            if counts[slot] == 0:
                for w in range(words):
                    keys[slot, w] = rows[r, w]
                counts[slot] = weights[r] if weights.shape[0] else 1
                used += 1
                break
            same = True
            for w in range(words):
                if keys[slot, w] != rows[r, w]:
                    same = False
                    break
            if same:
                counts[slot] += weights[r] if weights.shape[0] else 1
                break
            slot = (slot + 1) & (capacity - 1)
    return rows.shape[0], used


@njit(nogil=True)
def _rehash(old_keys, old_counts, keys, counts):
    """Insert every occupied slot of the old table, in slot order, into the empty larger one; return the count."""
    mask = np.uint64(keys.shape[0] - 1)
    words = keys.shape[1]
    used = 0
    for r in range(old_counts.shape[0]):
        if old_counts[r] == 0:
            continue
        slot = np.int64(_hash_row(old_keys, r, words) & mask)
        while counts[slot] != 0:
            slot = (slot + 1) & (keys.shape[0] - 1)
        for w in range(words):
            keys[slot, w] = old_keys[r, w]
        counts[slot] = old_counts[r]
        used += 1
    return used


@njit(nogil=True)
def _compact(keys, counts):
    """Move the occupied slots to the front, in slot order; return how many there are."""
    used = 0
    for slot in range(counts.shape[0]):
        if counts[slot] > 0:
            if used != slot:
                for w in range(keys.shape[1]):
                    keys[used, w] = keys[slot, w]
                counts[used] = counts[slot]
            used += 1
    return used


class TableCounter:
    """Counts of distinct packed truth tables with ``words`` uint64 words each.

    An open-addressing hash table (linear probing) that grows as it fills.

    Parameters
    ----------
    words : int
        uint64 words per packed table (``ceil(m / 64)`` for ``m`` inputs).
    capacity : int
        Initial slots, rounded up to a power of two (at least 16).

    Attributes
    ----------
    words : int
        uint64 words per packed table.
    total : int
        How many tables were counted, repeats included.

    Examples
    --------
    >>> c = TableCounter(1)
    >>> c.add(np.array([[8], [14], [8]], dtype=np.uint64))
    >>> keys, counts = c.items()
    >>> sorted(zip(keys[:, 0].tolist(), counts.tolist()))
    [(8, 2), (14, 1)]
    >>> d = TableCounter(1); d.add(np.array([[14]], dtype=np.uint64)); c.merge(d)
    >>> c.total, len(c)
    (4, 2)

    References
    ----------
    Knuth, TAOCP vol. 3, §6.4, Algorithm L (linear probing).
    """

    def __init__(self, words: int, capacity: int = 1 << 12):
        self.words = int(words)
        capacity = 1 << max(4, int(capacity - 1).bit_length())
        self._keys = np.zeros((capacity, self.words), dtype=np.uint64)
        self._counts = np.zeros(capacity, dtype=np.int64)
        self._used = 0
        self.total = 0

    def __len__(self) -> int:
        return self._used

    @property
    def nbytes(self) -> int:
        """Bytes held by the table (keys and counts)."""
        return self._keys.nbytes + self._counts.nbytes

    def add(self, rows: np.ndarray, counts: np.ndarray | None = None) -> None:
        """Count each row once, or ``counts[r]`` times."""
        rows = np.ascontiguousarray(rows, dtype=np.uint64)
        if rows.ndim != 2 or rows.shape[1] != self.words:
            raise ValueError(f"rows must have shape (N, {self.words}); got {rows.shape}")
        weights = np.empty(0, dtype=np.int64) if counts is None else np.ascontiguousarray(counts, dtype=np.int64)
        if weights.shape[0] and weights.shape[0] != rows.shape[0]:
            raise ValueError("counts must have one entry per row")
        start = 0
        while start < rows.shape[0]:
            limit = self._keys.shape[0] // 2  # load factor at most 1/2 keeps probes short
            start, self._used = _insert(self._keys, self._counts, self._used, rows, weights, start, limit)
            if start < rows.shape[0]:
                self._grow()
        self.total += int(weights.sum()) if weights.shape[0] else rows.shape[0]

    def merge(self, other: "TableCounter") -> None:
        """Add another counter's counts to this one."""
        keys, counts = other.items()
        self.add(keys, counts)

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """``(keys, counts)``: the distinct rows and how often each was seen (slot order)."""
        occupied = self._counts > 0
        return self._keys[occupied].copy(), self._counts[occupied].copy()

    def drain(self) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`items`, but without a copy: the counter is left empty and its memory is reused.

        The distinct rows are moved to the front of the table's own arrays,
        which are then shrunk in place, so the peak is the table, not the
        table plus a compact copy (what ends a 10^8-sample run).
        """
        keys, counts, used = self._keys, self._counts, _compact(self._keys, self._counts)
        self._keys = np.zeros((16, self.words), dtype=np.uint64)
        self._counts = np.zeros(16, dtype=np.int64)
        self._used, self.total = 0, 0
        for array, shape in ((keys, (used, keys.shape[1])), (counts, (used,))):
            try:
                array.resize(shape, refcheck=False)  # realloc: the tail goes back to the system
            except ValueError:  # not the owner of its data (a view): fall back to a copy
                return keys[:used].copy(), counts[:used].copy()
        return keys, counts

    def _grow(self) -> None:
        old_keys, old_counts = self._keys, self._counts
        capacity = old_keys.shape[0] * 2
        self._keys = np.zeros((capacity, self.words), dtype=np.uint64)
        self._counts = np.zeros(capacity, dtype=np.int64)
        # straight from the old slots into the new table: the peak is the two tables, no copy in between
        self._used = _rehash(old_keys, old_counts, self._keys, self._counts)
