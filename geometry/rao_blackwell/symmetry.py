"""Symmetries of the prior that act on truth tables, and their orbits: free variance reduction.

The prior of a fully connected net is unchanged by

* permuting the input coordinates (the first layer's weight columns are
  independent and identically distributed);
* on ``{-1,1}^n``, negating an input coordinate (the weights are symmetric
  about 0);
* negating the output unit's parameters ``(v, c) -> -(v, c)``, which
  complements the function wherever the output's pre-activation is not 0:
  with an output bias it is 0 with probability 0, so ``P(f) = P(not f)``;
  without a bias it is not a symmetry (``phi(x) = 0`` forces ``f(x) = 0``).

So ``P(f)`` is constant on each orbit of the group these generate, and
averaging the Rao-Blackwell sums over an orbit is itself a conditional
expectation (given the orbit): unbiased, with a variance up to the orbit's
size smaller for rare functions, whose orbit members rarely appear in the
same sample.

References
----------
D. Blackwell, "Conditional expectation and unbiased sequential estimation", Ann. Math. Stat. 18, 1947.
"""

from __future__ import annotations

import numpy as np

from pfmap.errors import PfmapError


def _input_maps(n: int, encoding: str) -> list[np.ndarray]:
    """Generators as permutations of the ``2^n`` input rows (row index bits: the last coordinate lowest)."""
    rows = np.arange(1 << n)
    bit = [(rows >> (n - 1 - j)) & 1 for j in range(n)]       # coordinate j of row r
    maps = []
    for j in range(n - 1):                                       # adjacent transpositions generate S_n
        swapped = rows.copy()
        swapped ^= (bit[j] ^ bit[j + 1]) * ((1 << (n - 1 - j)) | (1 << (n - 2 - j)))
        maps.append(swapped)
    if encoding == "pm1" and n:
        maps.append(rows ^ (1 << (n - 1)))                       # negate the first coordinate
    return maps


def _act(functions: np.ndarray, row_map: np.ndarray) -> np.ndarray:
    """Truth tables ``f o sigma``: bit ``r`` of the image is bit ``row_map[r]`` of ``f``."""
    image = np.zeros_like(functions)
    for r, source in enumerate(row_map):
        image |= ((functions >> int(source)) & 1) << r
    return image


def function_orbits(n: int, encoding: str = "01", *, complement: bool = True) -> np.ndarray:
    """Orbit label of every truth table of ``n`` inputs under the prior's symmetries (see the module docstring).

    Parameters
    ----------
    n : int
        Number of inputs (``2^(2^n)`` truth tables; ``n <= 4``).
    encoding : {"01", "pm1"}
        The input set; on ``{-1,1}^n`` coordinate negations join the permutations.
    complement : bool
        Include the output complement (valid when the output unit has a bias).

    Returns
    -------
    numpy.ndarray
        ``orbit[f]``: the smallest truth table in the orbit of ``f`` (int64, length ``2^(2^n)``).

    Raises
    ------
    PfmapError
        If ``n`` is not in 0..4 or the encoding is unknown.

    Examples
    --------
    >>> orbit = function_orbits(2)           # {0,1}^2: swap the inputs, complement the output
    >>> len(set(orbit.tolist()))             # 16 functions in 6 orbits
    6
    >>> int(orbit[0b0110]), int(orbit[0b1001])   # xor and xnor share one
    (6, 6)
    """
    if not isinstance(n, (int, np.integer)) or not 0 <= n <= 4:
        raise PfmapError(f"n must be 0..4 for the symmetry orbits of all truth tables; got {n!r}")
    if encoding not in ("01", "pm1"):
        raise PfmapError(f"encoding must be '01' or 'pm1'; got {encoding!r}")
    m = 1 << n
    functions = np.arange(1 << m, dtype=np.int64)
    images = [_act(functions, row_map) for row_map in _input_maps(n, encoding)]
    if complement:
        images.append(functions ^ ((1 << m) - 1))
    # smallest label over the orbit: relax along the generators until nothing changes
    label = functions.copy()
    while True:
        new = label.copy()
        for image in images:
            np.minimum.at(new, image, label)
            new = np.minimum(new, new[image])
        if np.array_equal(new, label):
            return label
        label = new


def orbit_sizes(orbit: np.ndarray) -> np.ndarray:
    """Size of each function's orbit, from the labels of :func:`function_orbits`.

    Parameters
    ----------
    orbit : numpy.ndarray
        Orbit labels, one per truth table.

    Returns
    -------
    numpy.ndarray
        ``size[f]``, the number of truth tables sharing ``f``'s label.

    Examples
    --------
    >>> orbit_sizes(function_orbits(1)).tolist()   # constants {0, 1}; identity and negation {1, 2}
    [2, 2, 2, 2]
    """
    counts = np.bincount(orbit, minlength=len(orbit))
    return counts[orbit]
