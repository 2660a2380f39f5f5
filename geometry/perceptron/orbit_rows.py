"""The rows of the file table for whole orbits: functions, witnesses, conditions and measure orbits, as numbers.

One orbit representative of the enumeration group
(:func:`~pfmap.geometry.perceptron.enumeration.walk_orbits`) expands to every
function of its orbit (:func:`~pfmap.geometry.perceptron.enumeration.expand_orbit`).
Each row is numbers only:

* ``function`` (uint64): bit ``j`` is the output on input ``j`` (inputs in MSB-first order);
* ``w1..wn``, ``b`` (int32): an integer witness in the table's own coordinates
  (``{0,1}`` or ``{-1,1}`` inputs), checked in int64 arithmetic: its
  pre-activation is nonzero on every input that has a hyperplane and
  positive exactly where ``function`` has a 1;
* ``conditions`` (uint64): bit ``j`` set when the condition at input ``j``
  (``w.x_j + b > 0`` if the output there is 1, ``< 0`` if 0) is irredundant,
  carried from the representative's exact facets by the group's action on
  the hyperplanes; ``n_conditions`` its popcount, ``n_ones`` the output's;
* ``orbit``: the enumeration orbit; ``measure_orbit``: the orbit under the
  measure group (:func:`~pfmap.geometry.perceptron.symmetry.measure_group`),
  named by the canonical form of the Chow vector (Chow's theorem makes it a
  complete invariant), numbered in order of first appearance;
* with a measure, ``probability`` and ``error`` (and for an exact one
  ``exact_numerator``, ``exact_denominator``, int64), computed once per
  measure orbit.

References
----------
C. K. Chow, "On the characterization of threshold functions", 1961.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

from pfmap.errors import PfmapError
from pfmap.inputs import boolean_inputs, validate_encoding

from pfmap.geometry.perceptron.enumeration import bit_masks, expand_orbit, hyperplane_action
from pfmap.geometry.perceptron.symmetry import Arrangement, no_bias_01_arrangement, pm1_bias_arrangement

_BLOCK = 1 << 16


@dataclass(frozen=True)
class TableCase:
    """What a file table enumerates: the input cube and whether there is a bias.

    Attributes
    ----------
    n : int
    encoding : {"01", "pm1"}
    bias : bool

    Examples
    --------
    >>> case = TableCase(3, "01", True)
    >>> case.dimension, case.parameter_names, len(case.arrangement().normals)
    (4, ['w1', 'w2', 'w3', 'b'], 8)
    """

    n: int
    encoding: str
    bias: bool

    @property
    def dimension(self) -> int:
        """Number of parameters."""
        return self.n + (1 if self.bias else 0)

    @property
    def parameter_names(self) -> list[str]:
        """Column names of the witness: ``w1..wn`` and ``b``."""
        return [f"w{i + 1}" for i in range(self.n)] + (["b"] if self.bias else [])

    def arrangement(self) -> Arrangement:
        """The arrangement the enumeration walks (cached per process)."""
        return _arrangement(self.n, self.encoding, self.bias)

    def points(self) -> np.ndarray:
        """``(2**n, d)`` int64: each input with a 1 appended for the bias (the pre-activation's coefficients)."""
        x = boolean_inputs(self.n, self.encoding).astype(np.int64)
        return np.hstack([x, np.ones((len(x), 1), dtype=np.int64)]) if self.bias else x


@lru_cache(maxsize=4)
def _arrangement(n: int, encoding: str, bias: bool) -> Arrangement:
    if bias:
        return pm1_bias_arrangement(n)
    if encoding == "01":
        return no_bias_01_arrangement(n)
    return pm1_bias_arrangement(n - 1)   # {-1,1}^n without bias: (1, y) . w = w1 + y . w_rest


def table_case(n: int, encoding: str, bias: bool) -> TableCase:
    """The :class:`TableCase` of a perceptron (``encoding`` validated).

    Parameters
    ----------
    n : int
    encoding : {"01", "pm1"}
    bias : bool

    Returns
    -------
    TableCase

    Raises
    ------
    PfmapError
        If ``encoding`` is not one of the two cubes.

    Examples
    --------
    >>> table_case(2, "pm1", False).arrangement().normals.tolist()       # b' + y w' for y = -1, 1
    [[-1, 1], [1, 1]]
    """
    return TableCase(int(n), validate_encoding(encoding), bool(bias))


def _to_output(case: TableCase, images: np.ndarray) -> np.ndarray:
    """Witnesses in the enumeration's coordinates to the table's (int64)."""
    n = case.n
    if case.bias and case.encoding == "01":
        # w'.(2x-1) + b' = 2 w'.x + (b' - sum w'): the same regions in {0,1} coordinates
        return np.hstack([2 * images[:, :n], images[:, n:] - images[:, :n].sum(axis=1, keepdims=True)])
    if not case.bias and case.encoding == "pm1":
        return np.hstack([images[:, -1:], images[:, :-1]])
    return images


def _mask_shift(case: TableCase) -> int:
    """Input of hyperplane 0: hyperplane ``k`` is the condition at input ``k + shift``."""
    if case.bias:
        return 0
    return 1 if case.encoding == "01" else 2 ** (case.n - 1)


def _measure_keys(case: TableCase, chow: np.ndarray) -> np.ndarray:
    """Canonical Chow vectors under the measure group (rows), in the enumeration's coordinates."""
    n = case.n
    if not case.bias:
        return np.zeros((len(chow), 1), dtype=np.int64)      # the enumeration group is the measure group
    if case.encoding == "pm1":
        return np.hstack([np.sort(np.abs(chow[:, :n]), axis=1), np.abs(chow[:, n:])])
    plus = np.hstack([np.sort(chow[:, :n], axis=1), chow[:, n:]])
    minus = np.hstack([np.sort(-chow[:, :n], axis=1), -chow[:, n:]])
    first = np.argmax(plus != minus, axis=1)                  # lexicographic minimum of the two
    rows = np.arange(len(chow))
    take_minus = minus[rows, first] < plus[rows, first]
    return np.where(take_minus[:, None], minus, plus)


def function_words(case: TableCase, witnesses: np.ndarray) -> np.ndarray:
    """Truth tables (uint64) of integer witnesses in the table's coordinates, checked in int64 arithmetic.

    Parameters
    ----------
    case : TableCase
    witnesses : numpy.ndarray
        ``(R, d)`` integers.

    Returns
    -------
    numpy.ndarray
        ``(R,)`` uint64, bit ``j`` the output on input ``j``.

    Raises
    ------
    RuntimeError
        If a witness has a zero pre-activation on an input with a hyperplane (it realises no region).

    Examples
    --------
    >>> function_words(table_case(2, "01", True), np.array([[2, 2, -3]])).tolist()    # AND
    [8]
    """
    points = case.points()
    hyper = np.any(points != 0, axis=1)
    out = np.empty(len(witnesses), dtype=np.uint64)
    for start in range(0, len(witnesses), _BLOCK):
        pre = witnesses[start:start + _BLOCK].astype(np.int64) @ points.T      # exact int64
        if np.any((pre == 0) & hyper[None, :]):
            raise RuntimeError("a witness has a zero pre-activation: it realises no region")
        bits = np.zeros((len(pre), 64), dtype=bool)
        bits[:, :len(points)] = pre > 0
        out[start:start + _BLOCK] = np.packbits(bits, axis=1, bitorder="little").view("<u8").ravel()
    return out


def orbit_rows(case: TableCase, witnesses: np.ndarray, facets: np.ndarray, *, first_orbit: int = 0,
               measure: Callable[[np.ndarray], tuple[float, float, Fraction | None]] | None = None) -> dict[str, np.ndarray]:
    """Every row of the orbits of some representatives (see the module docstring for the columns).

    Parameters
    ----------
    case : TableCase
    witnesses : numpy.ndarray
        ``(K, d)`` representatives' integer witnesses, in the enumeration's coordinates.
    facets : numpy.ndarray
        ``(K, h)`` bool, each representative's facets.
    first_orbit : int
        The ``orbit`` number of the first representative.
    measure : callable, optional
        ``measure(rows)`` for the cone ``{u : rows @ u > 0}`` (table coordinates) returns
        ``(probability, error, exact)`` with ``exact`` a Fraction or None; called once per measure orbit.

    Returns
    -------
    dict of str to numpy.ndarray
        The columns; ``measure_orbit`` numbers the measure orbits of these representatives from 0.

    Raises
    ------
    PfmapError
        If an exact measure does not fit 64-bit integers.

    Examples
    --------
    >>> from pfmap.geometry.perceptron.enumeration import walk_orbits
    >>> case = table_case(2, "01", True)
    >>> walk = walk_orbits(case.arrangement())
    >>> rows = orbit_rows(case, walk.witnesses, walk.facets)
    >>> len(rows["function"]), sorted(set(rows["n_conditions"].tolist()))
    (14, [3, 4])
    """
    arr = case.arrangement()
    parts: list[dict[str, np.ndarray]] = []
    offset = 0
    shift = np.uint64(_mask_shift(case))
    for r, (u, facet) in enumerate(zip(witnesses, facets)):
        u = np.asarray(u, dtype=np.int64)
        elements, _ = expand_orbit(arr, u)
        perms, signs = arr.group_perms[elements], arr.group_signs[elements]
        images = signs * u[perms]
        out_w = _to_output(case, images)
        funcs = function_words(case, out_w)
        ks = np.flatnonzero(facet)
        masks = np.empty(len(elements), dtype=np.uint64)
        for start in range(0, len(elements), _BLOCK):
            pi, _ = hyperplane_action(arr, elements[start:start + _BLOCK], hyperplanes=ks)
            masks[start:start + _BLOCK] = bit_masks(pi)
        chow = np.sign(arr.normals @ u) @ arr.normals
        keys = _measure_keys(case, signs * chow[perms])
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        order = np.argsort(first)                       # measure orbits numbered by first appearance
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        local = rank[inverse.ravel()] + offset
        part = {
            "function": funcs,
            "n_ones": np.bitwise_count(funcs).astype(np.uint8),
            "n_conditions": np.full(len(funcs), len(ks), dtype=np.uint8),
            "conditions": masks << shift,
        }
        if np.abs(out_w).max(initial=0) >= 2**31:
            raise RuntimeError("a witness does not fit int32")  # pragma: no cover
        for name, column in zip(case.parameter_names, out_w.T):
            part[name] = column.astype(np.int32)
        part["orbit"] = np.full(len(funcs), first_orbit + r, dtype=np.int32)
        part["measure_orbit"] = local.astype(np.int32)
        if measure is not None:
            points = case.points()
            values = []
            for i in np.sort(first):
                bits = [j for j in range(len(points)) if int(part["conditions"][i]) >> j & 1]
                sides = np.array([1 if int(funcs[i]) >> j & 1 else -1 for j in bits], dtype=np.int64)
                values.append(measure(sides[:, None] * points[bits]))
            per = np.array([v[0] for v in values], dtype=np.float64)
            err = np.array([v[1] for v in values], dtype=np.float64)
            part["probability"] = per[local - offset]
            part["error"] = err[local - offset]
            if values and all(v[2] is not None for v in values):
                num = [v[2].numerator for v in values]
                den = [v[2].denominator for v in values]
                if max(max(num), max(den)) >= 2**63:
                    raise PfmapError("an exact volume does not fit 64-bit integers; give the prior simpler "
                                     "half-widths (a_w, a_b such as 1, 2 or 1/2)")
                part["exact_numerator"] = np.array(num, dtype=np.int64)[local - offset]
                part["exact_denominator"] = np.array(den, dtype=np.int64)[local - offset]
        offset += len(first)
        parts.append(part)
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]} if parts else {}
