"""Regions of the perceptron's hyperplane arrangement in memory: one region per realisable function.

A perceptron on inputs ``x`` with parameters ``u = (w, b)`` outputs
``[w.x + b > 0]``.  Its function on the input set is fixed by which side of
each hyperplane ``{u : a_x . u = 0}`` (``a_x = (x, 1)``, or ``x`` without
bias) the parameters lie on; each realisable function is an open polyhedral
cone, a region of the arrangement.  :func:`perceptron_regions` holds every
region with an integer witness (checked in integer arithmetic) and its
irredundant conditions, for up to 94,572 regions (``n <= 5``; ``n = 6`` on
``{-1,1}^6`` without bias).  The ``n = 6`` tables go to a file
(:func:`~pfmap.geometry.perceptron.table_file.perceptron_table_file`).

The work is done by the orbit walk and expansion
(:mod:`~pfmap.geometry.perceptron.enumeration`) over the symmetry groups of
:mod:`~pfmap.geometry.perceptron.symmetry`; the facets come from
:mod:`~pfmap.geometry.perceptron.conditions`; the published counts and
limits from :mod:`~pfmap.geometry.perceptron.counts` (all re-exported here).

References
----------
C. K. Chow, "On the characterization of threshold functions", 1961.
S. Muroga, *Threshold Logic and its Applications*, 1971 (threshold functions, Chow parameters).
OEIS A000609 (threshold functions of n or fewer variables).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pfmap.errors import PfmapError
from pfmap.inputs import boolean_inputs, validate_encoding
from pfmap.truthtable import int_to_string

from pfmap.geometry.perceptron.conditions import irredundant_conditions, linear_form, variable_names
from pfmap.geometry.perceptron.counts import (MAX_ENUMERATION_N, THRESHOLD_COUNTS_BIAS,  # noqa: F401  (re-exported)
                                              THRESHOLD_COUNTS_NO_BIAS_01, check_enumerable, region_count)
from pfmap.geometry.perceptron.enumeration import enumerate_regions
from pfmap.geometry.perceptron.symmetry import (measure_orbits, no_bias_01_arrangement,  # noqa: F401
                                                pm1_bias_arrangement)


@dataclass
class PerceptronRegions:
    """Every function a perceptron realises on the Boolean cube, with witnesses and irredundant conditions.

    Attributes
    ----------
    n, encoding, bias : the set-up.
    points : (2**n, n) inputs in MSB-first order.
    normals : (h, d) hyperplane normals in parameter coordinates ``(w_1..w_n[, b])``.
    input_hyperplane, input_orientation : the pre-activation at input ``j`` is
        ``input_orientation[j] * normals[input_hyperplane[j]] . u`` (-1: no hyperplane, always 0).
    signs : (R, h) int8, the sign of each hyperplane's form in each region.
    witnesses : (R, d) int64 integer parameters realising each region (verified exactly).
    facets : (R, h) bool, the irredundant conditions of each region.

    Examples
    --------
    >>> reg = perceptron_regions(2)
    >>> len(reg), sorted(set(reg.n_conditions.tolist()))
    (14, [3, 4])
    >>> reg.conditions_text(reg.index("0001"))
    'x+y+z>0, x+z<0, y+z<0'
    """

    n: int
    encoding: str
    bias: bool
    points: np.ndarray
    normals: np.ndarray
    input_hyperplane: np.ndarray
    input_orientation: np.ndarray
    signs: np.ndarray
    witnesses: np.ndarray
    facets: np.ndarray = field(repr=False)
    _index: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.signs)

    @property
    def dimension(self) -> int:
        """Number of parameters ``d`` (``n + 1`` with bias)."""
        return self.normals.shape[1]

    @property
    def outputs(self) -> np.ndarray:
        """(R, 2**n) uint8 truth tables."""
        pre = self.signs[:, np.maximum(self.input_hyperplane, 0)] * self.input_orientation[None, :]
        pre[:, self.input_hyperplane < 0] = 0
        return (pre > 0).astype(np.uint8)

    @property
    def functions(self) -> list[str]:
        """Truth-table strings, in region order."""
        table = np.frombuffer(b"01", dtype=np.uint8)[self.outputs]
        return [row.tobytes().decode("ascii") for row in table]

    @property
    def n_conditions(self) -> np.ndarray:
        """(R,) number of irredundant conditions of each region."""
        return self.facets.sum(axis=1)

    def index(self, function: str) -> int:
        """Region index of a truth-table string.

        Raises
        ------
        PfmapError
            If the perceptron does not realise ``function``.
        """
        if "_functions" not in self._index:
            self._index["_functions"] = {f: i for i, f in enumerate(self.functions)}
        try:
            return self._index["_functions"][function]
        except KeyError:
            raise PfmapError(f"{function!r} is not realised by this perceptron "
                             f"(n = {self.n}, encoding {self.encoding}, bias {'on' if self.bias else 'off'})") from None

    def cone(self, i: int) -> np.ndarray:
        """Rows ``g`` (int64) with region ``i`` = ``{u : g . u > 0 for every row}``, irredundant."""
        k = np.flatnonzero(self.facets[i])
        return self.signs[i, k, None].astype(np.int64) * self.normals[k]

    def _hyperplane_names(self) -> tuple[np.ndarray, list[str]]:
        """For each hyperplane: the input that names it (the last one with orientation +1) and its form."""
        if "_names" not in self._index:
            names = self.variable_names()
            first = np.full(len(self.normals), -1, dtype=np.int64)
            for j in range(len(self.input_hyperplane)):
                if self.input_hyperplane[j] >= 0 and self.input_orientation[j] > 0:
                    first[self.input_hyperplane[j]] = j
            forms = [linear_form(row, names) for row in self.normals]
            self._index["_names"] = (first, forms)
        return self._index["_names"]

    def condition_inputs(self, i: int) -> list[int]:
        """Input index that names each irredundant condition of region ``i`` (one per hyperplane)."""
        first, _ = self._hyperplane_names()
        return [int(first[k]) for k in np.flatnonzero(self.facets[i])]

    def variable_names(self) -> list[str]:
        """Parameter names of the condition texts (:func:`~pfmap.geometry.perceptron.conditions.variable_names`)."""
        return variable_names(self.n, self.bias)

    def conditions_text(self, i: int, names: list[str] | None = None) -> str:
        """Readable conditions, ``>0`` ones first, each in decreasing input order: ``x+y+z>0, x+z<0, y+z<0``;
        ``names`` (one per parameter, weights then bias) replaces :meth:`variable_names`.

        Raises
        ------
        PfmapError
            If ``names`` does not have one name per parameter.
        """
        first, forms = self._hyperplane_names()
        if names is not None:
            if len(names) != self.dimension:
                raise PfmapError(f"expected {self.dimension} parameter names; got {len(names)}")
            forms = [linear_form(row, names) for row in self.normals]
        ks = np.flatnonzero(self.facets[i])
        ks = ks[np.argsort(-first[ks], kind="stable")]
        pos = [forms[k] + ">0" for k in ks if self.signs[i, k] > 0]
        neg = [forms[k] + "<0" for k in ks if self.signs[i, k] < 0]
        return ", ".join(pos + neg)


def enumeration_limit(encoding: str, bias: bool) -> int:
    """The largest ``n`` that :func:`perceptron_regions` holds in memory (at most 94,572 regions).

    Parameters
    ----------
    encoding : {"01", "pm1"}
    bias : bool

    Returns
    -------
    int
        5, or 6 on ``{-1,1}^n`` without bias (the self-dual functions: as many as n = 5 with bias).

    Examples
    --------
    >>> enumeration_limit("01", True), enumeration_limit("pm1", False)
    (5, 6)
    """
    return MAX_ENUMERATION_N + (1 if validate_encoding(encoding) == "pm1" and not bias else 0)


def perceptron_regions(n: int, encoding: str = "01", bias: bool = True) -> PerceptronRegions:
    """Enumerate every function of a perceptron on ``{0,1}^n`` or ``{-1,1}^n``, with or without bias.

    Parameters are ``u = (w_1, ..., w_n, b)`` (no ``b`` without bias).  Each
    region carries an integer witness checked exactly and its irredundant
    half-space conditions.

    Parameters
    ----------
    n : int
        Number of inputs: at most 5 (94,572 regions with bias), 6 on ``{-1,1}^6`` without bias.
    encoding : {"01", "pm1"}
        The input cube.
    bias : bool
        Whether the perceptron has a bias.

    Returns
    -------
    PerceptronRegions

    Raises
    ------
    PfmapError
        If ``n`` is not a whole number >= 1 or beyond the in-memory limit (:func:`enumeration_limit`);
        the message points to the file table for ``n = 6`` and to sampling beyond.

    Examples
    --------
    >>> [len(perceptron_regions(n)) for n in (1, 2, 3)]
    [4, 14, 104]
    >>> len(perceptron_regions(3, bias=False)), len(perceptron_regions(3, "pm1", bias=False))
    (32, 14)

    References
    ----------
    OEIS A000609; S. Muroga, *Threshold Logic and its Applications*, 1971;
    C. K. Chow, "On the characterization of threshold functions", 1961.
    """
    encoding = validate_encoding(encoding)
    check_enumerable(n, encoding, bias, maximum=enumeration_limit(encoding, bias))
    points = boolean_inputs(n, encoding)
    size = 2**n
    if bias:
        arr = pm1_bias_arrangement(n)
        signs, wit_pm1, _ = enumerate_regions(arr)
        if encoding == "pm1":
            normals, witnesses = arr.normals, wit_pm1
        else:
            # w'.(2x-1) + b' = 2 w'.x + (b' - sum w'): the same regions in {0,1} coordinates
            normals = np.hstack([points.astype(np.int64), np.ones((size, 1), dtype=np.int64)])
            witnesses = np.hstack([2 * wit_pm1[:, :n], wit_pm1[:, n:] - wit_pm1[:, :n].sum(axis=1, keepdims=True)])
        hyper = np.arange(size)
        orient = np.ones(size, dtype=np.int64)
    elif encoding == "01":
        arr = no_bias_01_arrangement(n)
        signs, witnesses, _ = enumerate_regions(arr)
        normals = arr.normals
        hyper = np.arange(-1, size - 1)
        orient = np.ones(size, dtype=np.int64)
    else:
        # {-1,1}^n without bias: x and -x share a hyperplane; x = (1, y) gives b + y.w of n-1 inputs
        arr = pm1_bias_arrangement(n - 1)
        signs, wit, _ = enumerate_regions(arr)
        witnesses = np.hstack([wit[:, -1:], wit[:, :-1]])
        half = size // 2
        normals = points[half:].astype(np.int64)
        hyper = np.concatenate([np.arange(half)[::-1], np.arange(half)])
        orient = np.concatenate([-np.ones(half, dtype=np.int64), np.ones(half, dtype=np.int64)])
    regions = PerceptronRegions(n, encoding, bias, points, normals, hyper, orient, signs, witnesses,
                                facets=irredundant_conditions(signs))
    _verify_witnesses(regions)
    return regions


def _verify_witnesses(reg: PerceptronRegions) -> None:
    """Exact integer check: every witness realises its sign vector strictly, and no region repeats."""
    forms = reg.witnesses @ reg.normals.T
    if not np.array_equal(np.sign(forms).astype(np.int8), reg.signs):
        raise RuntimeError("a region witness failed exact verification")  # pragma: no cover
    if len({row.tobytes() for row in reg.signs}) != len(reg.signs):
        raise RuntimeError("duplicate regions")  # pragma: no cover


def function_string(value: int, n: int) -> str:
    """Truth-table string of an integer function on ``2**n`` inputs (bit ``j``: output on input ``j``).

    Parameters
    ----------
    value : int
    n : int

    Returns
    -------
    str

    Examples
    --------
    >>> function_string(8, 2)
    '0001'
    """
    return int_to_string(value, 2**n)
