"""Streaming counting and Wilson intervals against brute force and closed forms."""

import numpy as np
import pytest

from pfmap.montecarlo import TableCounter, volume_table, wilson_interval
from pfmap.truthtable import words_to_strings


@pytest.mark.parametrize("words", [1, 2, 3])
def test_counter_matches_numpy_unique(words):
    rng = np.random.default_rng(words)
    pool = rng.integers(0, 2**63, size=(300, words), dtype=np.uint64) | np.uint64(1 << 63)
    rows = pool[rng.integers(0, 300, size=20000)]
    counter = TableCounter(words, capacity=16)  # forces many grow steps
    for part in np.array_split(rows, 7):
        counter.add(part)
    keys, counts = counter.items()
    want_keys, want_counts = np.unique(rows, axis=0, return_counts=True)
    order = np.lexsort(keys.T[::-1])
    assert np.array_equal(keys[order], want_keys) and np.array_equal(counts[order], want_counts)
    assert counter.total == 20000 and len(counter) == len(want_keys)


def test_merge_is_order_free():
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 50, size=(5000, 2)).astype(np.uint64)
    parts = np.array_split(rows, 5)
    forward, backward = TableCounter(2), TableCounter(2)
    for p in parts:
        c = TableCounter(2)
        c.add(p)
        forward.merge(c)
    for p in parts[::-1]:
        backward.add(p)
    fk, fc = forward.items()
    bk, bc = backward.items()
    a = dict(zip(map(tuple, fk.tolist()), fc.tolist()))
    b = dict(zip(map(tuple, bk.tolist()), bc.tolist()))
    assert a == b and sum(a.values()) == 5000


def test_wilson_closed_forms():
    z = 1.959963984540054
    n = 100
    lo, hi = wilson_interval(np.array([0, n]), n)
    assert lo[0] == pytest.approx(0, abs=1e-15) and hi[0] == pytest.approx(z**2 / (n + z**2))
    assert hi[1] == pytest.approx(1.0) and lo[1] == pytest.approx(n / (n + z**2))
    k = 30
    lo, hi = wilson_interval(k, n)
    p = k / n
    for bound in (lo, hi):  # both ends solve (p - q)^2 = z^2 q (1 - q) / n
        assert (p - bound) ** 2 == pytest.approx(z**2 * bound * (1 - bound) / n, rel=1e-12)


def test_wilson_coverage_is_near_95_percent():
    rng = np.random.default_rng(1)
    p, n = 0.03, 400
    k = rng.binomial(n, p, size=20000)
    lo, hi = wilson_interval(k, n)
    coverage = np.mean((lo <= p) & (p <= hi))
    assert 0.92 < coverage < 0.98


def test_volume_table_shape():
    keys = np.array([[1], [6], [8]], dtype=np.uint64)
    df = volume_table(keys, np.array([5, 5, 10]), 20, length=4, attrs={"engine": "montecarlo"})
    assert df["function"].tolist() == ["0001", "0110", "1000"]
    assert df["probability"].tolist() == [0.5, 0.25, 0.25]
    assert df.attrs["pfmap"] == {"engine": "montecarlo"}


@pytest.mark.parametrize("words, threads", [(1, 1), (2, 1), (2, 2), (3, 2)])
def test_table_order_is_the_string_sort_on_any_number_of_threads(words, threads, monkeypatch):
    import importlib

    vt = importlib.import_module("pfmap.montecarlo.volume_table")   # the module, not the function of that name

    monkeypatch.setattr(vt, "_SPLIT_ABOVE", 0)  # the two-thread split even on a small table
    rng = np.random.default_rng(10 * words + threads)
    keys = rng.integers(0, 2**63, size=(3000, words), dtype=np.uint64)
    keys[:1000, 0] &= np.uint64(0xFF00)          # shared prefixes: long runs of equal leading characters
    keys = np.unique(keys, axis=0)
    counts = rng.choice([1, 1, 1, 2, 3, 7], size=len(keys))
    strings = words_to_strings(keys, 64 * words)
    want = sorted(range(len(keys)), key=lambda i: (-counts[i], strings[i]))
    assert vt.table_order(keys, counts, threads=threads).tolist() == want
