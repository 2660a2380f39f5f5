"""The perceptron each layer's units are, and what a layer of them does to the input: hidden codes.

A unit with fan-in ``k`` is a perceptron on its inputs: one function per
region of the arrangement, its measure the prior's measure of the region
(constant on symmetry orbits).  A layer's units, given as a multiset of
functions of the input, map every input to a hidden *code*; the next unit
computes a threshold function of the code, so its function of the input is
the push-forward of its threshold functions through the code map.

References
----------
S. Muroga, *Threshold Logic and its Applications*, 1971.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pfmap.priors import Prior, UniformPrior

from pfmap.geometry.perceptron.regions import measure_orbits, perceptron_regions


# ---------------------------------------------------------------------------
# the perceptron each layer's units are


@dataclass(frozen=True, eq=False)
class UnitPerceptron:
    """The perceptron that every unit of one layer is: its functions, orbits and witnesses.

    ``functions`` are truth tables as integers (bit ``j`` = output on input ``j``
    of the unit's own input set), ``orbit`` the symmetry orbit of each
    region (measures are constant on orbits).  Build it with :func:`unit_perceptron`.

    Parameters
    ----------
    fan_in : int
        Inputs of the unit.
    encoding : str
        Its input set, ``"01"`` or ``"pm1"``.
    bias : bool
        Whether it has a bias.
    outputs : numpy.ndarray
        ``(R, 2**fan_in)`` uint8: each region's outputs.
    functions : numpy.ndarray
        ``(R,)`` int64 truth tables.
    orbit : numpy.ndarray
        ``(R,)`` orbit of each region, ``0 .. n_orbits - 1``.
    representative : numpy.ndarray
        A region index of each orbit.
    witnesses : numpy.ndarray
        ``(R, d)`` integer parameters realising each region.
    regions : PerceptronRegions, optional
        The enumeration (irredundant conditions of each region).

    Examples
    --------
    >>> u = unit_perceptron(1)
    >>> u.functions.tolist(), u.orbit.tolist()       # constants share an orbit, as do identity and negation
    ([0, 3, 1, 2], [0, 0, 1, 1])
    """

    fan_in: int
    encoding: str
    bias: bool
    outputs: np.ndarray        # (R, 2**fan_in) uint8
    functions: np.ndarray      # (R,) int64
    orbit: np.ndarray          # (R,) int64, 0..n_orbits-1
    representative: np.ndarray  # region index of each orbit
    witnesses: np.ndarray      # (R, d) int64
    regions: object = None     # the PerceptronRegions (irredundant conditions of each region)

    @property
    def n_orbits(self) -> int:
        """The number of orbits."""
        return len(self.representative)


@lru_cache(maxsize=None)
def unit_perceptron(fan_in: int, encoding: str = "01", bias: bool = True) -> UnitPerceptron:
    """Regions and orbits of a perceptron with ``fan_in`` inputs (cached).

    Parameters
    ----------
    fan_in : int
        Number of inputs.
    encoding : {"01", "pm1"}
        The input set.
    bias : bool
        Whether the unit has a bias.

    Returns
    -------
    UnitPerceptron

    Examples
    --------
    >>> u = unit_perceptron(2)
    >>> len(u.functions), u.n_orbits
    (14, 5)
    """
    regions = perceptron_regions(fan_in, encoding, bias)
    outputs = regions.outputs
    weights = np.int64(1) << np.arange(outputs.shape[1], dtype=np.int64)
    functions = (outputs.astype(np.int64) * weights).sum(axis=1)
    raw = measure_orbits(regions)
    _, first, orbit = np.unique(raw, return_index=True, return_inverse=True)
    return UnitPerceptron(fan_in, encoding, bias, outputs, functions, orbit.astype(np.int64),
                          first.astype(np.int64), regions.witnesses, regions)


@dataclass(frozen=True)
class OrbitMeasure:
    """Measure of one orbit: float, rigorous error bound, exact value (Fraction / sympy) or None.

    Parameters
    ----------
    probability : float
        The measure (each region of the orbit has it).
    error : float
        A rigorous bound on ``|probability - exact measure|``.
    exact : Fraction, sympy expression or None
        The exact value where one is known.

    Examples
    --------
    >>> orbit_measures(unit_perceptron(1), UniformPrior())[1]
    OrbitMeasure(probability=0.125, error=0.0, exact=Fraction(1, 8))
    """

    probability: float
    error: float
    exact: object = None


_MEASURE_CACHE: dict = {}


def orbit_measures(unit: UnitPerceptron, prior: Prior) -> list[OrbitMeasure]:
    """The prior's measure of each orbit of ``unit`` (fan-in scaling uses ``unit.fan_in``), cached.

    Parameters
    ----------
    unit : UnitPerceptron
        The unit.
    prior : GaussianPrior or UniformPrior
        The prior of its parameters.

    Returns
    -------
    list of OrbitMeasure
        One per orbit: exact Fractions for the box, certified values for the Gaussian.

    Examples
    --------
    >>> [m.exact for m in orbit_measures(unit_perceptron(1), UniformPrior())]
    [Fraction(3, 8), Fraction(1, 8)]
    """
    key = (unit.fan_in, unit.encoding, unit.bias, prior)
    hit = _MEASURE_CACHE.get(key)
    if hit is not None:
        return hit
    regions = perceptron_regions(unit.fan_in, unit.encoding, unit.bias)
    out = []
    if isinstance(prior, UniformPrior):
        from pfmap.geometry.cones.box import cone_box_fraction

        half = [prior.a_w] * unit.fan_in + ([prior.a_b] if unit.bias else [])
        for r in unit.representative.tolist():
            v = cone_box_fraction(regions.cone(r), half)
            out.append(OrbitMeasure(float(v), 0.0, v))
    else:
        from pfmap.geometry.cones.gaussian import cone_gaussian_measure
        from pfmap.geometry.perceptron.measures import perceptron_variances

        var = perceptron_variances(regions, prior)
        for r in unit.representative.tolist():
            m = cone_gaussian_measure(regions.cone(r), var)
            out.append(OrbitMeasure(float(m.probability), float(m.error), m.exact))
    _MEASURE_CACHE[key] = out
    return out


# ---------------------------------------------------------------------------
# combinatorics


def multisets(items: int, size: int) -> np.ndarray:
    """All non-decreasing index tuples of length ``size`` from ``range(items)``, in lexicographic order.

    Parameters
    ----------
    items : int
        Indices ``0 .. items - 1``.
    size : int
        Tuple length (at least 1).

    Returns
    -------
    numpy.ndarray
        ``(C(items + size - 1, size), size)`` int64.

    Examples
    --------
    >>> multisets(3, 2).tolist()
    [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]
    """
    rows = np.arange(items, dtype=np.int64)[:, None]
    for _ in range(size - 1):
        last = rows[:, -1]
        reps = items - last
        starts = np.cumsum(reps) - reps
        offsets = np.arange(int(reps.sum()), dtype=np.int64) - np.repeat(starts, reps)
        rows = np.hstack([np.repeat(rows, reps, axis=0), (np.repeat(last, reps) + offsets)[:, None]])
    return rows


def multinomials(rows: np.ndarray) -> np.ndarray:
    """Number of orderings of each sorted row: ``size! / prod(multiplicity!)``.

    Parameters
    ----------
    rows : numpy.ndarray
        ``(K, size)`` sorted rows (from :func:`multisets`).

    Returns
    -------
    numpy.ndarray
        ``(K,)`` int64.

    Examples
    --------
    >>> multinomials(np.array([[0, 0, 1], [0, 1, 2], [2, 2, 2]])).tolist()
    [3, 6, 1]
    """
    size = rows.shape[1]
    denominator = np.ones(len(rows), dtype=np.int64)
    run = np.ones(len(rows), dtype=np.int64)
    for j in range(1, size):
        run = np.where(rows[:, j] == rows[:, j - 1], run + 1, 1)
        denominator *= run
    return math.factorial(size) // denominator


def code_maps(unit_functions: np.ndarray, n_inputs: int) -> np.ndarray:
    """Hidden code of every input for each row of unit functions: unit ``i`` is code bit ``h-1-i`` (MSB first).

    Parameters
    ----------
    unit_functions : numpy.ndarray
        ``(K, h)`` int64 truth tables of the ``h`` units of a layer.
    n_inputs : int
        Number of input points.

    Returns
    -------
    numpy.ndarray
        ``(K, n_inputs)`` int64 codes.

    Examples
    --------
    >>> code_maps(np.array([[0b1000, 0b1110]]), 4).tolist()     # AND and OR on {0,1}^2
    [[0, 1, 1, 3]]
    """
    width = unit_functions.shape[1]
    x = np.arange(n_inputs, dtype=np.int64)
    code = np.zeros((len(unit_functions), n_inputs), dtype=np.int64)
    for i in range(width):
        code |= ((unit_functions[:, i, None] >> x) & 1) << (width - 1 - i)
    return code


def push_forward(unit: UnitPerceptron, codes: np.ndarray) -> np.ndarray:
    """Function of the input computed by each threshold function of ``unit`` on each code map.

    Parameters
    ----------
    unit : UnitPerceptron
        The next unit, reading the codes.
    codes : numpy.ndarray
        ``(K, n_inputs)`` codes (from :func:`code_maps`).

    Returns
    -------
    numpy.ndarray
        ``(K, R)`` int64: truth table of the input for each code map and each region of ``unit``.

    Examples
    --------
    >>> out = push_forward(unit_perceptron(1), np.array([[0, 1, 1, 1]]))   # the code is OR of two inputs
    >>> sorted(out[0].tolist())                                          # 0, 1-OR, OR, 1 as integers
    [0, 1, 14, 15]
    """
    n_inputs = codes.shape[1]
    weights = np.int64(1) << np.arange(n_inputs, dtype=np.int64)
    gathered = unit.outputs[:, codes]                      # (R, K, n_inputs)
    return np.einsum("rkx,x->kr", gathered.astype(np.int64), weights)
