"""Certified Gaussian orthant probabilities in dimension 6, one at a time or many in parallel.

The computation is the compiled block-path kernel of
:mod:`~pfmap.geometry.cones.orthant_block_quadrature` (a double integral of
elementary functions with rigorous quadrature and rounding bounds); this
module reads exact covariances into float balls, shares work between
matrices with the same correlation pattern up to a permutation of the
coordinates (the probability's symmetry), runs chunks in parallel threads
and returns python-flint ``arb`` balls.

The error bound of each value is about ``max(tolerance,
TOLERANCE_FLOOR)``: the kernel works in double precision, so bounds much
below 1e-13 are out of its reach.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
from flint import arb

from pfmap.executors import usable_cores

from pfmap.geometry.cones.orthant_block_quadrature import STATS, orthant6, orthant6_many

TOLERANCE_FLOOR = 1e-12
_CACHE: dict = {}
_CACHE_LIMIT = 500_000


def covariance_balls(S: Sequence[Sequence[Fraction | int]]) -> tuple[np.ndarray, np.ndarray]:
    """Float midpoints and radii enclosing an exact (Fraction) covariance matrix.

    Parameters
    ----------
    S : square matrix of Fraction or int
        The exact entries, row by row.

    Returns
    -------
    mid : numpy.ndarray, shape (d, d)
        The correctly rounded entries.
    rad : numpy.ndarray, shape (d, d)
        0 where the entry is a float exactly, one ulp of the midpoint elsewhere.

    Examples
    --------
    >>> m, r = covariance_balls([[Fraction(1), Fraction(1, 3)], [Fraction(1, 3), Fraction(1)]])
    >>> bool(m[0, 1] == 1 / 3), bool(r[0, 0] == 0.0), bool(0 < r[0, 1] < 1e-16)
    (True, True, True)
    """
    d = len(S)
    mid, rad = np.empty((d, d)), np.zeros((d, d))
    for i in range(d):
        for j in range(d):
            x = Fraction(S[i][j])
            mid[i, j] = float(x)                       # correctly rounded
            if Fraction(mid[i, j]) != x:
                rad[i, j] = math.ulp(mid[i, j])        # >= the rounding error ulp / 2
    return mid, rad


def canonical_key(S: Sequence[Sequence[Fraction | int]]) -> tuple:
    """An exact key of the correlation pattern ``(sign, rho^2)`` that is the same for every permutation.

    Coordinates are ordered by the sorted pattern of their row; ties are broken by trying every order
    within the tied groups and keeping the smallest key.

    Parameters
    ----------
    S : square matrix of Fraction or int
        An exact covariance with a positive diagonal.

    Returns
    -------
    tuple
        ``(d,)`` followed by the ``(sign, rho^2)`` of each pair ``i < j`` in the canonical order
        (``rho^2`` a Fraction).

    Examples
    --------
    >>> a = [[2, 1, 0], [1, 2, 1], [0, 1, 3]]
    >>> b = [[3, 1, 0], [1, 2, 1], [0, 1, 2]]          # the same up to the permutation (2, 1, 0)
    >>> canonical_key(a) == canonical_key(b)
    True
    """
    d = len(S)
    F = [[Fraction(v) for v in row] for row in S]
    cell = [[((F[i][j] > 0) - (F[i][j] < 0), F[i][j] ** 2 / (F[i][i] * F[j][j])) for j in range(d)]
            for i in range(d)]
    signature = [tuple(sorted(cell[i][j] for j in range(d) if j != i)) for i in range(d)]
    order = sorted(range(d), key=lambda i: signature[i])
    groups = [list(g) for _, g in itertools.groupby(order, key=lambda i: signature[i])]
    pairs = list(itertools.combinations(range(d), 2))
    best = None
    for choice in itertools.product(*(itertools.permutations(g) for g in groups)):
        p = [i for g in choice for i in g]
        key = tuple(cell[p[a]][p[b]] for a, b in pairs)
        if best is None or key < best:
            best = key
    return (d,) + best


def _workers(workers: int | None) -> int:
    return max(1, int(workers)) if workers is not None else usable_cores()


def orthant6_balls(matrices: Sequence[Sequence[Sequence[Fraction | int]]], *, tolerance: float = TOLERANCE_FLOOR,
                   workers: int | None = None, stats: np.ndarray | None = None) -> list[arb]:
    """Certified ``P(Y > 0)`` for each exact 6x6 covariance in ``matrices`` (Fraction entries), as balls.

    Matrices with the same :func:`canonical_key` are computed once (and remembered across calls);
    the others run in ``workers`` threads (default: the cores this process may use).  ``stats``, if
    given, accumulates the kernel's work counters
    (:data:`~pfmap.geometry.cones.orthant_block_quadrature.STATS` of them).

    Parameters
    ----------
    matrices : list
        Exact positive definite 6x6 covariances (rows of Fractions or ints).
    tolerance : float
        Target error bound of each value (raised to :data:`TOLERANCE_FLOOR`).
    workers : int, optional
        Threads; the kernel releases the GIL.
    stats : numpy int64 array, optional
        Work counters, accumulated.

    Returns
    -------
    list of flint.arb
        Balls containing the exact probabilities, in the order of ``matrices``.

    Raises
    ------
    RuntimeError
        If a certification fails (never seen on the perceptron cones of n = 5).

    Examples
    --------
    >>> half = Fraction(1, 2)
    >>> eq = [[Fraction(1) if i == j else half for j in range(6)] for i in range(6)]
    >>> [ball.contains(arb(1) / 7) for ball in orthant6_balls([eq, eq])]
    [True, True]
    """
    tol = max(float(tolerance), TOLERANCE_FLOOR)
    keys = [(canonical_key(S), tol) for S in matrices]
    todo = {}
    for key, S in zip(keys, matrices):
        if key not in _CACHE and key not in todo:
            todo[key] = S
    if todo:
        items = list(todo.items())
        Sm = np.empty((len(items), 6, 6))
        Sr = np.empty((len(items), 6, 6))
        for k, (_, S) in enumerate(items):
            Sm[k], Sr[k] = covariance_balls(S)
        out = np.empty((len(items), 2))
        n = _workers(workers)
        chunks = np.array_split(np.arange(len(items)), min(len(items), 4 * n)) if n > 1 else [np.arange(len(items))]
        counters = [np.zeros(STATS, np.int64) for _ in chunks]

        def run(c):
            idx = chunks[c]
            part = np.empty((len(idx), 2))
            orthant6_many(Sm[idx], Sr[idx], tol, part, counters[c])
            out[idx] = part

        if n > 1 and len(chunks) > 1:
            with ThreadPoolExecutor(max_workers=n) as pool:
                list(pool.map(run, range(len(chunks))))
        else:
            for c in range(len(chunks)):
                run(c)
        if stats is not None:
            stats += sum(counters)
        for k, (key, _) in enumerate(items):
            if not out[k, 1] < math.inf:
                raise RuntimeError("the certified orthant probability failed (a cone too thin for double "
                                   "precision); please report the covariance")
            if len(_CACHE) < _CACHE_LIMIT:
                _CACHE[key] = arb(float(out[k, 0]), float(out[k, 1]))
            else:                                       # pragma: no cover
                todo[key] = arb(float(out[k, 0]), float(out[k, 1]))
    return [_CACHE[key] if key in _CACHE else todo[key] for key in keys]


def orthant6_ball(S: Sequence[Sequence[Fraction | int]], *, tolerance: float = TOLERANCE_FLOOR,
                  split: tuple[int, int, int] | None = None) -> arb:
    """Certified ``P(Y > 0)`` for one exact 6x6 covariance ``S``; ``split`` fixes the block ``A`` of the path.

    Different splits are different paths to the same number: tests use them as independent checks.
    Not cached.

    Parameters
    ----------
    S : 6x6 exact covariance
    tolerance : float
        Target error bound (raised to :data:`TOLERANCE_FLOOR`).
    split : three distinct coordinates, optional
        The block ``A`` (default: the split with the smallest cross singular value).

    Returns
    -------
    flint.arb

    Raises
    ------
    RuntimeError
        If the certification fails.

    Examples
    --------
    >>> S = [[2 if i == j else (-1 if abs(i - j) == 1 else 0) for j in range(6)] for i in range(6)]
    >>> orthant6_ball(S).contains(arb(1) / 5040)        # Weyl chamber of A6: 1 / 7!
    True
    """
    Sm, Sr = covariance_balls(S)
    chosen = np.array(split if split is not None else (-1, 0, 0), dtype=np.int64)
    mid, rad = orthant6(Sm, Sr, max(float(tolerance), TOLERANCE_FLOOR), chosen, np.zeros(STATS, np.int64))
    if not rad < math.inf:
        raise RuntimeError("the certified orthant probability failed; please report the covariance")
    return arb(float(mid), float(rad))


def clear_cache() -> None:
    """Forget the remembered dimension-6 values (for timing the computation afresh).

    Examples
    --------
    >>> clear_cache()
    """
    _CACHE.clear()


def cached_patterns() -> int:
    """How many correlation patterns have a remembered value.

    Returns
    -------
    int
        The number of remembered (pattern, tolerance) keys.

    Examples
    --------
    >>> clear_cache(); cached_patterns()
    0
    """
    return len(_CACHE)
