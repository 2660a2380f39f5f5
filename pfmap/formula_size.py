"""Exact minimal formula sizes of every Boolean function of ``n <= 4`` inputs.

A *formula* is a binary tree: each internal node is a two-input gate, each
leaf a literal ``x_i`` or ``~x_i`` or a constant ``0``/``1``; there is no
sharing (fan-out 1) and negation appears only on literals.  Its size is the
number of gates.  The measures are the least size of a formula computing the
function, with

* ``formula_andor``: gates AND and OR (the De Morgan basis);
* ``formula_andorxor``: gates AND, OR and XOR.

Conventions: constants and single literals cost 0 gates.  Every value is an
exact minimum (there is no heuristic fallback); ``n >= 5`` is refused, since
the table would range over ``2**32`` functions.

All ``2**(2**n)`` functions are solved at once by a dynamic programme over
16-bit truth tables (bit ``j`` = output on input ``j``, MSB-first inputs as
in :mod:`pfmap.truthtable`), cached in memory after the first call (0.6 to
1.4 s for AND/OR at ``n = 4`` on 2 cores, 0.03 s with XOR).

Why the programme is exact
--------------------------
Write ``size(f)`` for the minimum and ``L_s = {f : size(f) = s}``.

*Complement closure.*  From a formula ``F`` with ``s`` gates build ``~F``
with ``s`` gates: swap ``x_i`` and ``~x_i``, ``0`` and ``1``; replace
``A & B`` by ``~A | ~B`` and ``A | B`` by ``~A & ~B`` (De Morgan); replace
``A ^ B`` by ``~A ^ B``.  Hence ``size(~f) = size(f)`` and every ``L_s`` is
closed under complement.  Consequently adding XNOR, NAND, NOR or any gate
with negated inputs (``A & ~B`` ...) to a basis changes no size:
``formula_andor`` is the formula size over all eight AND-type gates, and
``formula_andorxor`` over all sixteen two-input gates (XNOR is implied,
``XNOR(A, B) = ~A ^ B``).  Gates that ignore an input, and gates fed a
constant leaf, never help: such a gate computes a constant, its other input
or that input's complement, which a formula with fewer gates computes.

*Recursion.*  ``L_0`` is the constants and literals.  For ``s >= 1``,
``f`` is in ``L_s`` iff it is in no earlier level and ``f = g op h`` with
``g`` in ``L_a``, ``h`` in ``L_b``, ``a + b = s - 1``: a formula with
``s`` gates is one root gate over two subtrees whose gate counts add to
``s - 1``; in a *minimal* formula each subtree is minimal for what it
computes (else swap in a smaller one), so its root splits ``s - 1`` as
``size(g) + size(h)``; conversely ``g op h`` has a formula of
``size(g) + size(h) + 1`` gates.

*What the code enumerates.*  Only ``g & h`` (and ``g ^ h``), over unordered
pairs, since the gates are commutative; each new function is entered
together with its complement.  That yields all ORs too, because
``g | h = ~(~g & ~h)`` and ``~g``, ``~h`` lie in the same levels as
``g``, ``h``.

References
----------
C. E. Shannon, "The synthesis of two-terminal switching circuits", Bell
Syst. Tech. J. 28 (1949); V. M. Khrapchenko, "Complexity of the realization
of a linear function in the class of Pi-circuits", Math. Notes 9 (1971)
(parity of ``n`` inputs needs ``n**2`` leaves, i.e. ``n**2 - 1`` AND/OR
gates); D. E. Knuth, *The Art of Computer Programming* 4A (2011), 7.1.2;
I. Wegener, *The Complexity of Boolean Functions* (1987), ch. 8 (formulas).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numba
import numpy as np

from .errors import PfmapError

FORMULA_SIZE_MEASURES = ("formula_andor", "formula_andorxor")
GATES = ("andor", "andorxor")
FORMULA_SIZE_MAX_N = 4
_MEASURE_GATES = dict(zip(FORMULA_SIZE_MEASURES, GATES))


@numba.njit(cache=True)
def _level_programme(n, with_xor):
    """``size[f]`` for every truth table ``f`` on ``n`` inputs (see the module docstring)."""
    m = 1 << n
    n_functions = 1 << m
    full = n_functions - 1
    size = np.full(n_functions, -1, dtype=np.int8)
    order = np.empty(n_functions, dtype=np.int32)  # functions by level; level s is order[start[s]:start[s+1]]
    start = np.zeros(m * m + 2, dtype=np.int64)
    found = 0
    leaves = [0, full]
    for i in range(n):
        literal = 0
        for j in range(m):
            if (j >> (n - 1 - i)) & 1:
                literal |= 1 << j
        leaves.append(literal)
        leaves.append(full ^ literal)
    for f in leaves:
        if size[f] < 0:
            size[f] = 0
            order[found] = f
            found += 1
    start[1] = found
    s = 0
    while found < n_functions:
        s += 1
        for a in range((s - 1) // 2 + 1):
            b = s - 1 - a
            for p in range(start[a], start[a + 1]):
                if found == n_functions:
                    break
                g = order[p]
                for q in range(p if a == b else start[b], start[b + 1]):
                    h = order[q]
                    for k in range(2 if with_xor else 1):
                        f = (g & h) if k == 0 else (g ^ h)
                        if size[f] < 0:
                            size[f] = s
                            size[full ^ f] = s
                            order[found] = f
                            order[found + 1] = full ^ f
                            found += 2
        start[s + 1] = found
    return size


def _check_gates(gates: str) -> str:
    if gates not in GATES:
        raise PfmapError(f"gates must be one of {', '.join(GATES)}; got {gates!r}")
    return gates


def _check_n(n: int, name: str = "n") -> int:
    if n > FORMULA_SIZE_MAX_N:
        raise PfmapError(f"{name}: exact formula sizes are tabulated for n <= {FORMULA_SIZE_MAX_N} inputs only; "
                         f"n = {n} would need a table over 2**{1 << n} functions")
    if n < 0:
        raise PfmapError(f"{name} must be >= 0; got {n}")
    return n


@lru_cache(maxsize=None)
def _cached_table(n: int, gates: str) -> np.ndarray:
    table = _level_programme(n, gates == "andorxor")
    table.flags.writeable = False
    return table


def formula_size_table(n: int, *, gates: str = "andor") -> np.ndarray:
    """Least formula size of every function on ``n <= 4`` inputs, indexed by its integer form.

    Entry ``f`` (bit ``j`` of ``f`` = output on input ``j``, as in
    :func:`pfmap.truthtable.string_to_int`) is the least number of gates in
    a formula over the literals computing ``f``; constants and literals are 0.
    Computed once per ``(n, gates)`` and cached; the array is read-only.

    Parameters
    ----------
    n : int
        Number of inputs, ``0 <= n <= 4``.
    gates : {"andor", "andorxor"}
        The gate basis: AND and OR, or AND, OR and XOR (negations are free on
        literals; NAND, NOR, XNOR and gates with negated inputs are implied).

    Returns
    -------
    numpy.ndarray
        ``int8`` array of length ``2**(2**n)``.

    Raises
    ------
    PfmapError
        When ``n > 4`` (``2**32`` functions at ``n = 5``) or ``n < 0``, or
        ``gates`` is unknown.

    Examples
    --------
    >>> table = formula_size_table(2)
    >>> int(table[0b1000]), int(table[0b0110]), int(table[0b1100])   # AND, XOR, x_0
    (1, 3, 0)
    >>> int(formula_size_table(2, gates="andorxor")[0b0110])
    1
    >>> np.bincount(formula_size_table(3)).tolist()   # functions of 3 inputs needing 0, 1, ... gates
    [8, 24, 64, 30, 80, 32, 0, 16, 0, 2]

    References
    ----------
    See the module docstring.
    """
    return _cached_table(_check_n(int(n)), _check_gates(gates))


def _table_indices(functions) -> tuple[np.ndarray, int]:
    """Integer forms of the truth tables and their common ``n``."""
    if isinstance(functions, np.ndarray) and functions.dtype != object and functions.dtype.kind in "biu":
        bits = np.atleast_2d(functions)
        if bits.ndim != 2:
            raise PfmapError("functions: a bit array of truth tables must be 2-D, one table per row")
        if bits.size and (bits.min() < 0 or bits.max() > 1):
            raise PfmapError("functions: a bit array of truth tables must hold only 0s and 1s")
        length = bits.shape[1]
    else:
        tables = [str(t) for t in functions]
        if not tables:
            return np.zeros(0, dtype=np.int64), 0
        length = len(tables[0])
        if any(len(t) != length for t in tables):
            raise PfmapError("functions: truth tables passed together must have one length; "
                             "call formula_sizes once per length")
        raw = np.frombuffer("".join(tables).encode("ascii", "replace"), dtype=np.uint8)
        bits = (raw - np.uint8(ord("0"))).reshape(len(tables), length)
        if bits.size and bits.max() > 1:
            bad = tables[int(np.argmax((bits > 1).any(axis=1)))]
            raise PfmapError(f"functions: a truth table is a string of 0s and 1s; got {bad!r}")
    if len(bits) == 0:
        return np.zeros(0, dtype=np.int64), 0
    if length == 0 or length & (length - 1):
        raise PfmapError(f"functions: formula sizes need truth tables of length 2**n (a function on "
                         f"{{0,1}}^n); got length {length}")
    n = length.bit_length() - 1
    _check_n(n, "functions")
    weights = np.int64(1) << np.arange(length, dtype=np.int64)
    return bits.astype(np.int64) @ weights, n


def formula_sizes(functions: str | Sequence[str] | np.ndarray, *, gates: str = "andor") -> int | np.ndarray:
    """Least number of gates in a formula (a tree over literals) computing each truth table.

    Exact for every function of ``n <= 4`` inputs (see the module docstring
    for the model and the proof); constants and single literals are 0.
    Character ``j`` of a table string is the output on input ``j``, whose
    bits are ``x_i = (j >> (n-1-i)) & 1``.  The sizes are invariant under
    permuting and negating inputs and complementing the output, so they do
    not depend on that order.

    Parameters
    ----------
    functions : str, sequence of str, or (N, 2**n) array of 0/1
        Truth tables of one length ``2**n``, ``0 <= n <= 4``.
    gates : {"andor", "andorxor"}
        ``"andor"``: AND/OR gates (measure ``formula_andor``);
        ``"andorxor"``: AND/OR/XOR gates (``formula_andorxor``).

    Returns
    -------
    int or numpy.ndarray
        An int for one string; otherwise an ``int64`` array, one entry per table.

    Raises
    ------
    PfmapError
        When the tables are not strings of 0s and 1s of one length ``2**n``,
        when ``n >= 5`` (the exact table would range over ``2**32``
        functions), or when ``gates`` is unknown.

    Examples
    --------
    >>> formula_sizes(["0001", "0110", "0011", "1111"]).tolist()   # AND, XOR, x_0, constant 1
    [1, 3, 0, 0]
    >>> formula_sizes("0110100110010110"), formula_sizes("0110100110010110", gates="andorxor")   # 4-bit parity
    (15, 3)

    References
    ----------
    Khrapchenko (1971); Knuth, TAOCP 4A, 7.1.2; see the module docstring.
    """
    _check_gates(gates)
    index, n = _table_indices([functions] if isinstance(functions, str) else functions)
    values = formula_size_table(n, gates=gates)[index].astype(np.int64)
    return int(values[0]) if isinstance(functions, str) else values


def formula_size_columns(functions: Sequence[str] | np.ndarray) -> dict[str, np.ndarray]:
    """Both measures of :data:`FORMULA_SIZE_MEASURES` for a sequence of truth tables, by column name.

    Parameters
    ----------
    functions : sequence of str, or (N, 2**n) array of 0/1
        Truth tables of one length ``2**n``, ``0 <= n <= 4``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{"formula_andor": ..., "formula_andorxor": ...}``, ``int64`` arrays
        of exact minima.

    Raises
    ------
    PfmapError
        As :func:`formula_sizes`.

    Examples
    --------
    >>> {k: v.tolist() for k, v in formula_size_columns(["01101001", "00010111"]).items()}   # parity, majority
    {'formula_andor': [9, 4], 'formula_andorxor': [2, 4]}
    """
    functions = [functions] if isinstance(functions, str) else functions
    return {name: np.atleast_1d(formula_sizes(functions, gates=g)) for name, g in _MEASURE_GATES.items()}
