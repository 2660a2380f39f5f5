"""Truth tables: one function on an ordered input set, as a string, an int, hex or packed words.

A function is its outputs on the inputs in order.  The string ``"0001"`` has
character ``j`` equal to the output on input ``j``, so it is AND on
``{0,1}^2``.  As an integer, bit ``j`` is the output on input ``j``
(``"0001"`` is 8).  Hex is that integer in base 16, zero-padded to the
table's length.  In bulk, tables are ``uint64`` words: word ``k`` of a row
holds outputs ``64k .. 64k+63``, output ``j`` in bit ``j % 64``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .errors import PfmapError


def string_to_int(table: str) -> int:
    """Integer with bit ``j`` = character ``j`` of the truth-table string.

    Parameters
    ----------
    table : str
        A truth-table string of 0s and 1s.

    Returns
    -------
    int

    Raises
    ------
    PfmapError
        If ``table`` is not such a string.

    Examples
    --------
    >>> string_to_int("0001")
    8
    >>> string_to_int("0111")
    14
    """
    _check_string(table)
    return int(table[::-1], 2)


def int_to_string(value: int, length: int) -> str:
    """Truth-table string of ``length`` outputs from its integer form.

    Parameters
    ----------
    value : int
        The table as an integer.
    length : int
        Its number of outputs.

    Returns
    -------
    str

    Raises
    ------
    PfmapError
        If ``value`` is negative or has more than ``length`` bits.

    Examples
    --------
    >>> int_to_string(8, 4)
    '0001'
    """
    value = int(value)
    if value < 0 or value >> length:
        raise PfmapError(f"{value} is not a truth table on {length} inputs")
    return format(value, "b").zfill(length)[::-1] if length else ""


def int_to_hex(value: int, length: int) -> str:
    """Hex form ``0x...`` of a table, padded to ``ceil(length/4)`` digits.

    Parameters
    ----------
    value : int
        The table as an integer.
    length : int
        Its number of outputs.

    Returns
    -------
    str

    Examples
    --------
    >>> int_to_hex(8, 4)
    '0x8'
    >>> int_to_hex(1, 16)
    '0x0001'
    """
    digits = max(1, -(-length // 4))
    return "0x" + format(int(value), "x").zfill(digits)


def hex_to_int(text: str) -> int:
    """Integer form of a hex truth table (with or without ``0x``).

    Parameters
    ----------
    text : str
        Hexadecimal digits, with or without ``0x``.

    Returns
    -------
    int

    Raises
    ------
    PfmapError
        If ``text`` is not hexadecimal.

    Examples
    --------
    >>> hex_to_int("0x8")
    8
    """
    try:
        return int(text, 16)
    except ValueError:
        raise PfmapError(f"{text!r} is not a hexadecimal truth table") from None


def string_to_hex(table: str) -> str:
    """Hex form of a truth-table string.

    Parameters
    ----------
    table : str
        A truth-table string.

    Returns
    -------
    str

    Examples
    --------
    >>> string_to_hex("0001")
    '0x8'
    """
    return int_to_hex(string_to_int(table), len(table))


def hex_to_string(text: str, length: int) -> str:
    """Truth-table string of ``length`` outputs from its hex form.

    Parameters
    ----------
    text : str
        The hex form.
    length : int
        The number of outputs.

    Returns
    -------
    str

    Examples
    --------
    >>> hex_to_string("0x8", 4)
    '0001'
    """
    return int_to_string(hex_to_int(text), length)


def count_ones(table: str | int) -> int:
    """Number of inputs mapped to 1 (``T`` in Mingard et al. 2019).

    Parameters
    ----------
    table : str or int
        A truth table.

    Returns
    -------
    int

    Examples
    --------
    >>> count_ones("0111")
    3
    """
    if isinstance(table, str):
        _check_string(table)
        return table.count("1")
    return int(table).bit_count()


def _check_string(table: str) -> None:
    if not isinstance(table, str) or not table or set(table) - {"0", "1"}:
        raise PfmapError(f"a truth table is a non-empty string of 0s and 1s; got {table!r}")


# ---------------------------------------------------------------------------
# bulk: packed uint64 words

# character j ('0' or '1', as ASCII) of byte value b: bit j of b
_BYTE_CHARS = (((np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1) + ord("0")).astype(np.uint8)


def n_words(length: int) -> int:
    """Number of uint64 words that hold a table of ``length`` outputs (at least one).

    Parameters
    ----------
    length : int
        Outputs per table.

    Returns
    -------
    int

    Examples
    --------
    >>> n_words(128), n_words(4)
    (2, 1)
    """
    return max(1, -(-int(length) // 64))


def pack_bits(bits: ArrayLike) -> np.ndarray:
    """Pack an ``(N, m)`` array of 0/1 outputs into ``(N, ceil(m/64))`` uint64 words.

    Parameters
    ----------
    bits : array_like
        ``(N, m)`` (or ``(m,)``) 0/1 outputs.

    Returns
    -------
    numpy.ndarray
        ``(N, ceil(m/64))`` uint64.

    Examples
    --------
    >>> pack_bits([[0, 0, 0, 1], [1, 1, 1, 0]]).ravel().tolist()
    [8, 7]
    """
    bits = np.asarray(bits)
    if bits.ndim == 1:
        bits = bits[None, :]
    n_rows, m = bits.shape
    w = n_words(m)
    padded = np.zeros((n_rows, w * 64), dtype=np.uint8)
    padded[:, :m] = bits != 0
    # little-endian bit order inside each byte, bytes little-endian inside each word
    packed = np.packbits(padded.reshape(n_rows, w * 8, 8), axis=2, bitorder="little")
    return np.ascontiguousarray(packed.reshape(n_rows, w * 8)).view("<u8").astype(np.uint64)


def unpack_bits(words: ArrayLike, length: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``(N, W)`` words to an ``(N, length)`` uint8 array.

    Parameters
    ----------
    words : array_like
        ``(N, W)`` uint64 rows.
    length : int
        Outputs per table.

    Returns
    -------
    numpy.ndarray
        ``(N, length)`` uint8.

    Examples
    --------
    >>> unpack_bits([[8]], 4).tolist()
    [[0, 0, 0, 1]]
    """
    words = np.ascontiguousarray(np.asarray(words, dtype=np.uint64))
    if words.ndim == 1:
        words = words[:, None]
    as_bytes = words.astype("<u8").view(np.uint8).reshape(words.shape[0], -1)
    bits = np.unpackbits(as_bytes, axis=1, bitorder="little")
    return bits[:, :length]


def words_to_strings(words: ArrayLike, length: int) -> list[str]:
    """Truth-table strings for packed rows (in bulk: one lookup per byte, no loop over bits).

    Parameters
    ----------
    words : array_like
        ``(N, W)`` uint64 rows.
    length : int
        Outputs per table.

    Returns
    -------
    list of str

    Examples
    --------
    >>> words_to_strings([[8], [14]], 4)
    ['0001', '0111']
    """
    words = np.ascontiguousarray(np.asarray(words, dtype=np.uint64))
    if words.ndim == 1:
        words = words[:, None]
    if not len(words):
        return []
    chars = _BYTE_CHARS[words.astype("<u8").view(np.uint8)].reshape(len(words), -1)[:, :length]
    text = np.ascontiguousarray(chars).tobytes().decode("ascii")
    return [text[i:i + length] for i in range(0, len(text), length)]


def strings_to_words(tables: Sequence[str], length: int | None = None) -> np.ndarray:
    """Packed words for a sequence of truth-table strings of equal length.

    Parameters
    ----------
    tables : sequence of str
        Truth-table strings of one length.
    length : int, optional
        Their length (default: the first's).

    Returns
    -------
    numpy.ndarray
        ``(N, W)`` uint64.

    Raises
    ------
    PfmapError
        If the strings differ in length or are not truth tables.

    Examples
    --------
    >>> strings_to_words(["0001", "0111"]).ravel().tolist()
    [8, 14]
    """
    tables = list(tables)
    if not tables:
        return np.zeros((0, n_words(length or 1)), dtype=np.uint64)
    m = len(tables[0]) if length is None else length
    for t in tables:
        if len(t) != m:
            raise PfmapError(f"truth tables must all have length {m}; got {t!r}")
        _check_string(t)
    raw = np.frombuffer("".join(tables).encode("ascii"), dtype=np.uint8).reshape(len(tables), m)
    return pack_bits(raw - ord("0"))


def words_to_ints(words: ArrayLike) -> list[int]:
    """Python integers (arbitrary precision) for packed rows.

    Parameters
    ----------
    words : array_like
        ``(N, W)`` uint64 rows.

    Returns
    -------
    list of int

    Examples
    --------
    >>> words_to_ints([[1, 1]])
    [18446744073709551617]
    """
    words = np.asarray(words, dtype=np.uint64)
    if words.ndim == 1:
        words = words[:, None]
    out = []
    for row in words.tolist():
        value = 0
        for k, word in enumerate(row):
            value |= int(word) << (64 * k)
        out.append(value)
    return out


def ints_to_words(values: Sequence[int], length: int) -> np.ndarray:
    """Packed words for Python-integer tables of ``length`` outputs.

    Parameters
    ----------
    values : sequence of int
        Tables as integers.
    length : int
        Outputs per table.

    Returns
    -------
    numpy.ndarray
        ``(N, ceil(length/64))`` uint64.

    Examples
    --------
    >>> ints_to_words([8, 14], 4).ravel().tolist()
    [8, 14]
    """
    w = n_words(length)
    mask = (1 << 64) - 1
    out = np.zeros((len(values), w), dtype=np.uint64)
    for i, value in enumerate(values):
        value = int(value)
        for k in range(w):
            out[i, k] = (value >> (64 * k)) & mask
    return out
