"""From counts to the Monte Carlo volume table: sorted on integer keys, built column by column, written in batches.

A run ends as ``(keys, counts)``: packed truth tables (``pfmap.truthtable``
conventions) and how often each was drawn.  :class:`VolumeRows` puts them in
table order (count descending, ties by truth-table string) with a radix sort
on the packed words themselves (:func:`table_order`), and gives any range of
rows as columns: the truth-table strings come from the words in bulk
(:func:`function_chars`), and the probability and the 95% Wilson interval
are computed once per distinct count, since they depend on nothing else.
:func:`volume_table` is the whole table as a DataFrame; :func:`write_volume`
writes it in any of pfmap's formats batch by batch (a 10^8-sample run has
tens of millions of rows), with the same rows, values and text as
``pfmap.tables.write_table(volume_table(...))``.

References
----------
Wilson, "Probable inference, the law of succession, and statistical inference", JASA 22 (1927).
Knuth, The Art of Computer Programming, vol. 3, §5.2.5 (radix sorting).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from pfmap.files import atomic_write
from pfmap.intervals import wilson_interval
from pfmap.table_text import ALIGNED_FORMATS
from pfmap.tables import TextFormat, cell_text, parquet_metadata, table_format

from pfmap.montecarlo.jit import njit
from pfmap.montecarlo.writeback import Writeback

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("function", "probability", "count", "ci_low", "ci_high")
# character j (as ASCII '0'/'1') of byte value b: bit j of b
_BYTE_CHARS = (((np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1) + ord("0")).astype(np.uint8)
_LUT64 = _BYTE_CHARS.view("<u8").ravel().astype(np.uint64)  # the eight characters of a byte as one word
_TEXT_BATCH_BYTES = 16 << 20
_SPLIT_ABOVE = 1 << 18  # rows above which table_order sorts on two threads


@njit(inline="always")
def _reverse64(x):
    """The bits of a 64-bit word in reverse order (bit 0 becomes bit 63)."""
    x = ((x >> np.uint64(1)) & np.uint64(0x5555555555555555)) | ((x & np.uint64(0x5555555555555555)) << np.uint64(1))
    x = ((x >> np.uint64(2)) & np.uint64(0x3333333333333333)) | ((x & np.uint64(0x3333333333333333)) << np.uint64(2))
    x = ((x >> np.uint64(4)) & np.uint64(0x0F0F0F0F0F0F0F0F)) | ((x & np.uint64(0x0F0F0F0F0F0F0F0F)) << np.uint64(4))
    x = ((x >> np.uint64(8)) & np.uint64(0x00FF00FF00FF00FF)) | ((x & np.uint64(0x00FF00FF00FF00FF)) << np.uint64(8))
    x = ((x >> np.uint64(16)) & np.uint64(0x0000FFFF0000FFFF)) | ((x & np.uint64(0x0000FFFF0000FFFF)) << np.uint64(16))
    return (x >> np.uint64(32)) | (x << np.uint64(32))


@njit(nogil=True)
def _radix_order(keys, rank, n_ranks, perm, spare, digit):
    """Row order by ``rank`` (ascending), then by truth-table string: an LSD radix sort on 16-bit digits.

    The digits of the string are those of the bit-reversed words (character 0
    is bit 0 of word 0, the most significant), least significant first; the
    rank is the last, most significant digit.  A pass whose digit is the same
    for every row is skipped.
    """
    n, words = keys.shape
    for i in range(n):
        perm[i] = i
    tally = np.zeros(max(1 << 16, n_ranks) + 1, dtype=np.int64)
    for p in range(4 * words + 1):
        if p < 4 * words:
            w, shift = words - 1 - p // 4, np.uint64(16 * (p % 4))
            for i in range(n):
                digit[i] = np.int64((_reverse64(keys[perm[i], w]) >> shift) & np.uint64(0xFFFF))
            buckets = 1 << 16
        else:
            for i in range(n):
                digit[i] = rank[perm[i]]
            buckets = n_ranks
        tally[:] = 0
        for i in range(n):
            tally[digit[i] + 1] += 1
        if n == 0 or tally[digit[0] + 1] == n:
            continue  # every row has this digit: the pass would not move anything
        for v in range(buckets):
            tally[v + 1] += tally[v]
        for i in range(n):
            d = digit[i]
            spare[tally[d]] = perm[i]
            tally[d] += 1
        perm, spare = spare, perm
    return perm


def _order(keys: np.ndarray, rank: np.ndarray, n_ranks: int) -> np.ndarray:
    """:func:`_radix_order` with its three scratch arrays allocated by numpy (huge pages where the system
    offers them for large arrays, which numba's allocations do not get: the scattering passes run faster)."""
    n = len(keys)
    perm, spare, digit = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    return _radix_order(keys, rank, n_ranks, perm, spare, digit)


def table_order(keys: np.ndarray, counts: np.ndarray, *, threads: int | None = None) -> np.ndarray:
    """Row order of the volume table (count descending, ties by truth-table string) without building strings.

    Character ``j`` of a truth table is bit ``j`` of the packed words, so the
    strings compare as the words with every 64-bit word bit-reversed, read
    word by word; a stable radix sort on their 16-bit digits, then on the rank
    of the count, gives the order in ``4 * words + 1`` passes at most.

    Parameters
    ----------
    keys : numpy.ndarray
        ``(rows, words)`` uint64 packed truth tables, all distinct.
    counts : numpy.ndarray
        How often each was drawn (positive).
    threads : int, optional
        Sort on two threads when this is at least 2 (default: when this process may use two cores) and there
        are more than 2^18 rows; the order is the same either way.

    Returns
    -------
    numpy.ndarray
        int64 row indices in table order.

    Raises
    ------
    ValueError
        If ``keys`` is not ``(rows, words)`` with one count per row.

    Examples
    --------
    >>> keys = np.array([[8], [1], [14], [2]], dtype=np.uint64)       # 0001, 1000, 0111, 0100
    >>> table_order(keys, np.array([1, 1, 3, 1])).tolist()            # 0111; then 0001 < 0100 < 1000
    [2, 0, 3, 1]
    """
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    if keys.ndim != 2 or len(keys) != len(counts):
        raise ValueError(f"keys must be (rows, words) with one count per row; got {keys.shape} and {counts.shape}")
    if len(counts) == 0:
        return np.zeros(0, dtype=np.int64)
    distinct = np.unique(counts)  # ascending; rank 0 is the largest count
    rank = (len(distinct) - 1 - np.searchsorted(distinct, counts)).astype(np.int64)
    return _split_order(keys, rank, len(distinct), threads=threads)


def _split_order(keys: np.ndarray, rank: np.ndarray, n_ranks: int, *, threads: int | None) -> np.ndarray:
    """:func:`_order` on two threads: the last rank's rows whose string starts with '1' come after every other
    row, so the two sets are sorted apart and joined (the order does not depend on the threads)."""
    if threads is None:
        from pfmap.executors import usable_cores

        threads = usable_cores()
    if threads < 2 or len(keys) <= _SPLIT_ABOVE:
        return _order(keys, rank, n_ranks)
    later = (rank == n_ranks - 1) & ((keys[:, 0] & np.uint64(1)) == 1)   # character 0 is bit 0 of word 0
    parts = (np.flatnonzero(~later), np.flatnonzero(later))
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pfmap-sort") as pool:
        orders = list(pool.map(lambda part: part[_order(keys[part], rank[part], n_ranks)], parts))
    return np.concatenate(orders)


@njit(nogil=True)
def _fill_chars64(keys, order, first, last, lut64, out):
    """Row ``i`` of ``out``: the 8 ASCII characters of each byte of ``keys[order[first + i]]``, one uint64 store
    per byte.

    The rows are gathered 4,096 at a time before they are spelled out: the scattered reads then overlap
    each other instead of waiting between the output's stores.
    """
    words = keys.shape[1]
    block = 1 << 12
    gathered = np.empty((block, words), dtype=np.uint64)
    for start in range(first, last, block):
        stop = min(last, start + block)
        for i in range(start, stop):
            for w in range(words):
                gathered[i - start, w] = keys[order[i], w]
        for i in range(start, stop):
            for w in range(words):
                x = gathered[i - start, w]
                for b in range(8):
                    out[i - first, 8 * w + b] = lut64[np.int64((x >> np.uint64(8 * b)) & np.uint64(0xFF))]


def _chars64(keys: np.ndarray, order: np.ndarray, first: int, last: int, lut64: np.ndarray) -> np.ndarray:
    """:func:`_fill_chars64` into a new ``(last - first, 8 * words)`` uint64 array.

    numpy allocates it (large numpy arrays get transparent huge pages where the system offers them, numba's
    allocations do not): on a table of millions of rows that makes the fill 2-3x faster.
    """
    out = np.empty((last - first, 8 * keys.shape[1]), dtype=np.uint64)
    _fill_chars64(keys, order, first, last, lut64, out)
    return out


def function_chars(keys: np.ndarray, length: int, order: np.ndarray | None = None) -> np.ndarray:
    """The truth-table strings of packed rows as an ``(rows, length)`` array of ASCII ``'0'``/``'1'`` bytes.

    Parameters
    ----------
    keys : numpy.ndarray
        ``(rows, words)`` uint64.
    length : int
        Outputs per table.
    order : numpy.ndarray, optional
        Only the rows ``keys[order]``, in that order.

    Returns
    -------
    numpy.ndarray
        ``(rows, length)`` uint8.

    Examples
    --------
    >>> function_chars(np.array([[8], [14]], dtype=np.uint64), 4).view("S4").ravel().tolist()
    [b'0001', b'0111']
    """
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    order = np.arange(len(keys)) if order is None else np.ascontiguousarray(order, dtype=np.int64)
    chars = _chars64(keys, order, 0, len(order), _LUT64).view(np.uint8)
    return chars if chars.shape[1] == length else np.ascontiguousarray(chars[:, :length])


class VolumeRows:
    """The rows of a volume table from ``(keys, counts)``, in table order, as columns batch by batch.

    Parameters
    ----------
    keys : numpy.ndarray
        ``(distinct, words)`` uint64 packed truth tables.
    counts : numpy.ndarray
        How often each was drawn.
    samples : int
        Networks drawn in all (the denominator).
    length : int
        Outputs per truth table (the number of inputs).
    attrs : dict, optional
        The table's provenance (``df.attrs["pfmap"]``).

    Examples
    --------
    >>> rows = VolumeRows(np.array([[8], [14]], dtype=np.uint64), np.array([1, 3]), 4, 4)
    >>> cols = rows.columns(0, 2)
    >>> cols["function"].view("S4").ravel().tolist(), cols["probability"].tolist(), len(rows)
    ([b'0111', b'0001'], [0.75, 0.25], 2)
    """

    def __init__(self, keys: np.ndarray, counts: np.ndarray, samples: int, length: int, attrs: dict | None = None):
        self.keys = np.ascontiguousarray(keys, dtype=np.uint64)
        self.order = table_order(self.keys, counts)
        self.counts = np.asarray(counts, dtype=np.int64)[self.order]
        self.samples, self.length, self.attrs = int(samples), int(length), dict(attrs or {})
        # the table's distinct counts, largest first, and where each run of rows starts
        change = np.flatnonzero(np.diff(self.counts)) + 1 if len(self.counts) else np.zeros(0, dtype=np.int64)
        self.run_starts = np.concatenate([[0], change]).astype(np.int64) if len(self.counts) else change
        self.run_counts = self.counts[self.run_starts]
        self.run_probability = self.run_counts / float(self.samples)
        self.run_low, self.run_high = wilson_interval(self.run_counts, self.samples)

    def __len__(self) -> int:
        return len(self.counts)

    def runs(self, start: int, stop: int):
        """``(run, first, last)`` for each run of equal counts among rows ``start .. stop-1``."""
        run = int(np.searchsorted(self.run_starts, start, side="right")) - 1
        while start < stop:
            end = int(self.run_starts[run + 1]) if run + 1 < len(self.run_starts) else len(self)
            yield run, start, min(stop, end)
            start, run = min(stop, end), run + 1

    def ranks(self, start: int, stop: int) -> np.ndarray:
        """The run of each row ``start .. stop-1``."""
        return np.searchsorted(self.run_starts, np.arange(start, stop), side="right") - 1

    def columns(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Rows ``start .. stop-1``: ``function`` as ``(rows, length)`` ASCII bytes, the others as numbers."""
        rank = self.ranks(start, stop)
        return {"function": function_chars(self.keys, self.length, self.order[start:stop]),
                "probability": self.run_probability[rank], "count": self.counts[start:stop],
                "ci_low": self.run_low[rank], "ci_high": self.run_high[rank]}

    def frame(self):
        """The whole table as a DataFrame (what :func:`volume_table` returns)."""
        import pandas as pd

        cols = self.columns(0, len(self))
        df = pd.DataFrame({"function": _function_column(cols.pop("function")), **cols})
        if self.attrs:
            df.attrs["pfmap"] = dict(self.attrs)
        return df

    def run_values(self, run: int) -> list:
        """The numbers every row of one run shares: ``[probability, count, ci_low, ci_high]``."""
        return [self.run_probability[run], int(self.run_counts[run]), self.run_low[run], self.run_high[run]]


def _string_array(chars: np.ndarray):
    """A pyarrow string array over fixed-width ASCII rows, without a Python string per row."""
    import pyarrow as pa

    rows, width = chars.shape
    large = rows * width >= 1 << 31
    offsets = np.arange(rows + 1, dtype=np.int64 if large else np.int32) * width
    return pa.Array.from_buffers(pa.large_string() if large else pa.string(), rows,
                                 [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars))])


def volume_table(keys: np.ndarray, counts: np.ndarray, samples: int, *, length: int,
                 attrs: dict | None = None) -> pd.DataFrame:
    """The Monte Carlo volume table: ``function, probability, count, ci_low, ci_high``, sorted.

    Parameters
    ----------
    keys, counts, samples, length, attrs
        As for :class:`VolumeRows`.

    Returns
    -------
    pandas.DataFrame
        The table, as :func:`pfmap.tables.sort_table` orders it; ``attrs["pfmap"]`` set when given.

    Examples
    --------
    >>> df = volume_table(np.array([[8], [14]], dtype=np.uint64), np.array([1, 3]), 4, length=4)
    >>> df[["function", "count", "probability"]].values.tolist()
    [['0111', 3, 0.75], ['0001', 1, 0.25]]

    References
    ----------
    DESIGN.md's volume table; Wilson, JASA 22 (1927).
    """
    return VolumeRows(keys, counts, samples, length, attrs).frame()


def _function_column(chars: np.ndarray):
    """The ``function`` column: pandas' string dtype over an Arrow array (pandas >= 3), else Python strings."""
    import pandas as pd

    dtype = pd.Series([""], dtype=str).dtype
    if dtype == object:
        return chars.view(f"S{chars.shape[1]}").ravel().astype(str).astype(object) if len(chars) else []
    return pd.array(_string_array(chars), dtype=dtype)


def write_volume(rows: VolumeRows, fmt: str, *, path: str | os.PathLike | None = None, stream: BinaryIO | None = None,
                 batch: int | None = None) -> int:
    """Write the table of ``rows`` in ``fmt`` to ``path`` (atomically) or to a binary ``stream``, batch by batch.

    The same bytes as ``pfmap.tables.write_table(volume_table(...), path, fmt)``
    (Parquet: the same rows, columns and metadata), while only one batch of
    rows exists as text at a time.

    Parameters
    ----------
    rows : VolumeRows
        The table.
    fmt : str
        One of :data:`pfmap.tables.FORMATS`.
    path : str or os.PathLike, optional
        The file to write.
    stream : binary file, optional
        Where to write instead (``sys.stdout.buffer``).
    batch : int, optional
        Rows per batch (default: 2^20 for Parquet, ~16 MB of text otherwise).

    Returns
    -------
    int
        The number of rows.

    Raises
    ------
    PfmapError
        If the file cannot be written (the temporary file is removed).

    Examples
    --------
    >>> import io
    >>> rows = VolumeRows(np.array([[8], [14]], dtype=np.uint64), np.array([1, 3]), 4, 4)
    >>> out = io.BytesIO(); write_volume(rows, "csv", stream=out)
    2
    >>> print(out.getvalue().decode().splitlines()[1])
    0111,0.75,3,0.30064184258240184,0.9544127391902995
    """
    fmt = table_format(None, fmt)
    if (path is None) == (stream is None):
        raise ValueError("give exactly one of path and stream")
    write = _write_parquet if fmt == "parquet" else _write_text

    if stream is not None:
        write(rows, fmt, stream, batch)
    else:
        def to_file(tmp):  # its pages go to disk batch by batch, not all at the final fsync
            with open(tmp, "wb") as handle:
                write(rows, fmt, handle, batch, Writeback(handle))

        atomic_write(path, to_file)
    return len(rows)


def _write_parquet(rows: VolumeRows, fmt: str, handle, batch: int | None, writeback=None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    batch = batch or 1 << 20
    schema = pa.schema([("function", pa.string()), ("probability", pa.float64()), ("count", pa.int64()),
                        ("ci_low", pa.float64()), ("ci_high", pa.float64())], metadata=parquet_metadata(rows.attrs))
    # no dictionary for the truth tables: nearly all distinct, it would only be built to be dropped
    with pq.ParquetWriter(handle, schema, use_dictionary=["probability", "count", "ci_low", "ci_high"]) as writer, \
            _Pipeline() as pipeline:
        for start in range(0, max(len(rows), 1), batch):
            cols = rows.columns(start, min(len(rows), start + batch))
            cols["function"] = _string_array(cols["function"])
            pipeline.put(_write_batch, writer, pa.table(cols, schema=schema), writeback)


class _Pipeline:
    """One batch written on a thread of its own while the next is built (both release the GIL); two at most."""

    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pfmap-write")
        self.pending = None

    def put(self, write, *args) -> None:
        if self.pending is not None:
            self.pending.result()
        self.pending = self.pool.submit(write, *args)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            if self.pending is not None and exc[0] is None:
                self.pending.result()
        finally:
            self.pool.shutdown(wait=True)


def _write_batch(writer, table, writeback) -> None:
    writer.write_table(table)
    if writeback is not None:
        writeback.started()


def _write_pieces(handle, pieces, writeback=None) -> None:
    for piece in pieces:
        handle.write(piece)
    if writeback is not None:
        writeback.started()


def _text_layout(rows: VolumeRows, fmt: str) -> TextFormat:
    widths = None
    if fmt in ALIGNED_FORMATS:
        widths = [rows.length] + [max([0] + [len(cell_text(v)) for v in column])
                                  for column in (rows.run_probability, rows.run_counts, rows.run_low, rows.run_high)]
    return TextFormat(fmt, COLUMNS, widths=widths, metadata=rows.attrs)


def _write_text(rows: VolumeRows, fmt: str, handle, batch: int | None, writeback=None) -> None:
    layout = _text_layout(rows, fmt)
    empty = len(rows) == 0
    handle.write(layout.header(empty=empty).encode())
    placeholder = "0" * rows.length
    cache: dict[int, tuple[bytes, bytes]] = {}

    def parts(run):  # the text before and after the function of every row of one run
        if run not in cache:
            text = layout.row([placeholder] + rows.run_values(run))
            at = text.index(placeholder)
            cache[run] = (text[:at].encode(), text[at + rows.length:].encode())
        return cache[run]

    separator = layout.separator.encode()
    row_bytes = rows.length + 96
    batch = batch or max(1, _TEXT_BATCH_BYTES // row_bytes)
    with _Pipeline() as pipeline:
        for start in range(0, len(rows), batch):
            pipeline.put(_write_pieces, handle, _text_pieces(rows, parts, separator, start,
                                                             min(len(rows), start + batch)), writeback)
    handle.write(layout.footer(empty=empty).encode())


def _text_pieces(rows: VolumeRows, parts, separator: bytes, start: int, stop: int) -> list:
    """The text of rows ``start .. stop-1``, as blocks of rows with the same numbers."""
    length, pieces = rows.length, []
    for run, first, last in rows.runs(start, stop):
        before, after = parts(run)
        if separator and first == 0:
            pieces.append(before + function_chars(rows.keys, length, rows.order[:1]).tobytes() + after)
            first += 1
            if first == last:
                continue
        before = separator + before
        # one block of rows with the same numbers: the text before, the truth tables, the text after
        block = np.empty((last - first, len(before) + length + len(after)), dtype=np.uint8)
        block[:, :len(before)] = np.frombuffer(before, dtype=np.uint8)
        block[:, len(before) + length:] = np.frombuffer(after, dtype=np.uint8)
        block[:, len(before):len(before) + length] = \
            _chars64(rows.keys, rows.order, first, last, _LUT64).view(np.uint8)[:, :length]
        pieces.append(block)
    return pieces
