"""Two-level Boolean formula size: minimal sum-of-products (SOP) and product-of-sums (POS).

A *cube* (product term) fixes some input bits and leaves the others free; its
*literals* are the fixed bits.  An SOP of ``f`` is a set of cubes whose union
is exactly the on-set of ``f``; its size is counted in literals (the cost that
two-level logic minimisation traditionally minimises), and we also report its
number of terms.  "Minimal" means: fewest literals, ties broken by fewest
terms.  A POS of ``f`` is an SOP of ``not f`` with every literal negated, so
``pos(f) = sop(not f)``.  Conventions: constant 0 is the empty sum (0 terms,
0 literals); constant 1 is one empty product (1 term, 0 literals).

Exact for ``n <= 4`` (``EXACT_MAX_N``): one dynamic programme over *all*
``2**(2**n)`` functions at once (65,536 for ``n = 4``), cached in memory.  A
minimum-literal cover can always be taken from prime implicants, and
``cost(f) = min over implicants c of f, and g with f minus c <= g < f,
of cost(g) + cost(c)``, which enumerates every irredundant cover.

Heuristic for ``5 <= n <= HEURISTIC_MAX_N``: Quine-McCluskey prime
implicants, essential primes, then a greedy cover (most newly covered
minterms, ties by fewer literals) and removal of redundant primes.  The result
is a valid SOP, hence an *upper bound* on the minimum; it is labelled
``heuristic`` wherever it is reported.  On ``n = 4`` (where the exact value is
known) the heuristic matches the minimum for most functions; see the tests.

References
----------
W. V. Quine, "The problem of simplifying truth functions", Amer. Math.
Monthly 59 (1952); E. J. McCluskey, "Minimization of Boolean functions",
Bell Syst. Tech. J. 35 (1956); R. K. Brayton et al., *Logic Minimization
Algorithms for VLSI Synthesis* (1984) for the essential-prime / greedy cover
scheme.
"""

from __future__ import annotations

from functools import lru_cache

import numba
import numpy as np

from .errors import PfmapError

EXACT_MAX_N = 4
HEURISTIC_MAX_N = 10
# cost = literals * _TERM_SLOT + terms: lexicographic (literals, terms) that adds up
_TERM_SLOT = 1 << 12


def cube_minterm_masks(n: int) -> tuple[np.ndarray, np.ndarray]:
    """All ``3**n`` cubes on ``n <= 5`` inputs: their minterm sets as bit masks and their literal counts.

    Bit ``j`` of a mask is input ``j`` (MSB-first order, as in truth tables).

    Parameters
    ----------
    n : int
        The number of inputs, ``0 <= n <= 5`` (masks fit 32 bits).

    Returns
    -------
    tuple of numpy.ndarray
        ``(masks, literals)``, int64, one entry per ternary code (digit ``i`` of variable ``i``: 0, 1 or 2
        for free).

    Raises
    ------
    PfmapError
        If ``n`` is outside ``0..5``.

    Examples
    --------
    >>> masks, literals = cube_minterm_masks(1)
    >>> masks.tolist(), literals.tolist()
    ([1, 2, 3], [1, 1, 0])
    """
    if not 0 <= n <= 5:
        raise PfmapError(f"n: cube masks as integers exist for 0 <= n <= 5 only; got {n}")
    masks, literals = [], []
    for code in range(3**n):
        digits = [(code // 3**i) % 3 for i in range(n)]  # digit i is variable i: 0, 1 or 2 (free)
        mask = 0
        for j in range(2**n):
            if all(d == 2 or d == (j >> (n - 1 - i)) & 1 for i, d in enumerate(digits)):
                mask |= 1 << j
        masks.append(mask)
        literals.append(sum(d != 2 for d in digits))
    return np.array(masks, dtype=np.int64), np.array(literals, dtype=np.int64)


@numba.njit(cache=True)
def _all_function_costs(n_functions, cube_masks, cube_literals):
    costs = np.full(n_functions, np.int64(1) << 40, dtype=np.int64)
    costs[0] = 0
    for f in range(1, n_functions):
        best = costs[f]
        for c in range(cube_masks.shape[0]):
            cube = cube_masks[c]
            if cube & ~f:
                continue  # not an implicant of f
            rest = f & ~cube
            step = cube_literals[c] * _TERM_SLOT + 1
            # every g with rest <= g < f: the other terms may overlap this cube anywhere
            sub = cube
            while True:
                g = rest | sub
                if g != f:
                    candidate = costs[g] + step
                    if candidate < best:
                        best = candidate
                if sub == 0:
                    break
                sub = (sub - 1) & cube
        costs[f] = best
    return costs


@lru_cache(maxsize=None)
def exact_sop_costs(n: int) -> np.ndarray:
    """Minimal SOP cost ``literals * 4096 + terms`` of every function on ``n <= 4`` inputs, indexed by its integer form.

    Parameters
    ----------
    n : int
        The number of inputs, ``0 <= n <= 4``; computed once and cached.

    Returns
    -------
    numpy.ndarray
        int64, length ``2**(2**n)``.

    Raises
    ------
    PfmapError
        If ``n`` is outside ``0..4``.

    Examples
    --------
    >>> costs = exact_sop_costs(2)
    >>> divmod(int(costs[0b1000]), 4096)   # AND: one term, two literals
    (2, 1)
    >>> divmod(int(costs[0b0110]), 4096)   # XOR: two terms, four literals
    (4, 2)
    """
    if not 0 <= n <= EXACT_MAX_N:
        raise PfmapError(f"n: exact minimisation is tabulated for 0 <= n <= {EXACT_MAX_N}; got {n}")
    masks, literals = cube_minterm_masks(n)
    return _all_function_costs(1 << (1 << n), masks, literals)


@numba.njit(cache=True)
def _prime_implicants(row, n):
    """Ternary codes (digit i of variable i: 0, 1, 2 = free) of the prime implicants of ``row``."""
    n_cubes = 3**n
    pow3 = np.empty(n, dtype=np.int64)
    p = 1
    for i in range(n):
        pow3[i] = p
        p *= 3
    implicant = np.zeros(n_cubes, dtype=np.bool_)
    for code in range(n_cubes):
        free = -1
        j = 0
        rem = code
        for i in range(n):
            d = rem % 3
            rem //= 3
            if d == 2:
                free = i
                break
            j |= d << (n - 1 - i)
        if free < 0:
            implicant[code] = row[j] != 0
        else:  # both halves of the cube (free digit set to 0 and to 1) have smaller codes
            implicant[code] = implicant[code - 2 * pow3[free]] and implicant[code - pow3[free]]
    prime = np.zeros(n_cubes, dtype=np.bool_)
    for code in range(n_cubes):
        if not implicant[code]:
            continue
        prime[code] = True
        rem = code
        for i in range(n):
            d = rem % 3
            rem //= 3
            if d != 2 and implicant[code + (1 - 2 * d) * pow3[i]]:
                prime[code] = False  # merging with its sibling across variable i gives a larger implicant
                break
    return np.flatnonzero(prime)


@numba.njit(cache=True)
def _cube_members(code, n, out):
    """Writes the minterms of cube ``code`` into ``out``; returns (how many, literals)."""
    fixed_value = 0
    free_bits = np.empty(n, dtype=np.int64)
    n_free = 0
    rem = code
    for i in range(n):
        d = rem % 3
        rem //= 3
        if d == 2:
            free_bits[n_free] = n - 1 - i
            n_free += 1
        else:
            fixed_value |= d << (n - 1 - i)
    size = 1 << n_free
    for s in range(size):
        j = fixed_value
        for k in range(n_free):
            if (s >> k) & 1:
                j |= 1 << free_bits[k]
        out[s] = j
    return size, n - n_free


@numba.njit(cache=True)
def greedy_cover(row, n):
    """Heuristic SOP of one truth table: ternary codes of the chosen prime implicants (see module docs).

    Parameters
    ----------
    row : (2**n,) uint8 array
        One truth table.
    n : int
        The number of inputs.

    Returns
    -------
    numpy.ndarray
        int64 ternary codes (digit ``i`` of variable ``i``: 0, 1, or 2 for free) of an irredundant cover.

    Examples
    --------
    >>> greedy_cover(np.array([0, 1, 1, 1], dtype=np.uint8), 2).tolist()   # OR: y + x
    [5, 7]
    """
    primes = _prime_implicants(row, n)
    m = 1 << n
    n_primes = primes.shape[0]
    if n_primes == 0:
        return primes
    members = np.empty((n_primes, m), dtype=np.int64)  # row p: the minterms of prime p, sizes[p] of them
    sizes = np.empty(n_primes, dtype=np.int64)
    literals = np.empty(n_primes, dtype=np.int64)
    cover_count = np.zeros(m, dtype=np.int64)
    for p in range(n_primes):
        sizes[p], literals[p] = _cube_members(primes[p], n, members[p])
        for t in range(sizes[p]):
            cover_count[members[p, t]] += 1
    chosen = np.zeros(n_primes, dtype=np.bool_)
    covered = np.zeros(m, dtype=np.bool_)
    for p in range(n_primes):  # essential primes: sole cover of some minterm
        for t in range(sizes[p]):
            if cover_count[members[p, t]] == 1:
                chosen[p] = True
                break
    for p in range(n_primes):
        if chosen[p]:
            for t in range(sizes[p]):
                covered[members[p, t]] = True
    remaining = 0
    for j in range(m):
        if row[j] != 0 and not covered[j]:
            remaining += 1
    while remaining > 0:
        best, best_new, best_lit = -1, 0, 0
        for p in range(n_primes):
            if chosen[p]:
                continue
            new = 0
            for t in range(sizes[p]):
                if not covered[members[p, t]]:
                    new += 1
            if new > best_new or (new == best_new and new > 0 and literals[p] < best_lit):
                best, best_new, best_lit = p, new, literals[p]
        chosen[best] = True
        for t in range(sizes[best]):
            if not covered[members[best, t]]:
                covered[members[best, t]] = True
                remaining -= 1
    # drop primes made redundant by later choices, most expensive first
    in_cover = np.zeros(m, dtype=np.int64)
    for p in range(n_primes):
        if chosen[p]:
            for t in range(sizes[p]):
                in_cover[members[p, t]] += 1
    order = np.argsort(-literals)
    for p in order:
        if not chosen[p]:
            continue
        redundant = True
        for t in range(sizes[p]):
            if in_cover[members[p, t]] < 2:
                redundant = False
                break
        if redundant:
            chosen[p] = False
            for t in range(sizes[p]):
                in_cover[members[p, t]] -= 1
    return primes[chosen]


@numba.njit(cache=True, parallel=True)
def heuristic_costs(bits, n):
    """Literals and terms of :func:`greedy_cover` for every row (parallel over rows).

    Parameters
    ----------
    bits : (N, 2**n) uint8 array
        Truth tables as rows.
    n : int
        The number of inputs.

    Returns
    -------
    numpy.ndarray
        ``(N, 2)`` int64: literals, terms.

    Examples
    --------
    >>> heuristic_costs(np.array([[0, 1, 1, 0]], dtype=np.uint8), 2).tolist()   # XOR
    [[4, 2]]
    """
    out = np.empty((bits.shape[0], 2), dtype=np.int64)
    for r in numba.prange(bits.shape[0]):
        chosen = greedy_cover(bits[r], n)
        total = 0
        for code in chosen:
            rem = code
            for i in range(n):
                if rem % 3 != 2:
                    total += 1
                rem //= 3
        out[r, 0] = total
        out[r, 1] = chosen.shape[0]
    return out


def sop_literals_terms(bits: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Literals and terms of the minimal (n <= 4) or heuristic SOP of each row of an ``(N, 2**n)`` 0/1 array.

    Parameters
    ----------
    bits : (N, 2**n) array of 0/1
        Truth tables as rows.
    n : int
        The number of inputs, ``n <= 10``.

    Returns
    -------
    tuple
        ``(literals, terms, heuristic)``: int64 arrays and a bool, False when the values are exact minima
        (``n <= 4``), True for the greedy upper bound.

    Raises
    ------
    PfmapError
        If the rows are not of length ``2**n`` or ``n > 10``.

    Examples
    --------
    >>> parity3 = np.array([[0, 1, 1, 0, 1, 0, 0, 1]], dtype=np.uint8)
    >>> sop_literals_terms(parity3, 3)
    (array([12]), array([4]), False)
    """
    bits = np.ascontiguousarray(np.asarray(bits, dtype=np.uint8))
    if bits.ndim != 2 or bits.shape[1] != 1 << n:
        raise PfmapError(f"bits: expected a 2-D array with rows of length 2**{n}")
    if n <= EXACT_MAX_N:
        weights = (np.int64(1) << np.arange(1 << n, dtype=np.int64))
        index = bits.astype(np.int64) @ weights
        cost = exact_sop_costs(n)[index]
        return cost // _TERM_SLOT, cost % _TERM_SLOT, False
    if n > HEURISTIC_MAX_N:
        raise PfmapError(f"n: formula size is computed for n <= {HEURISTIC_MAX_N}; got {n}")
    result = heuristic_costs(bits, n)
    return result[:, 0], result[:, 1], True
