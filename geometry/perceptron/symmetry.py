"""Symmetries of the perceptron's arrangement: signed permutations, Chow-vector orbit keys, measure orbits.

A signed permutation ``u -> signs * u[perm]`` of the parameters maps the
arrangement of the hyperplanes ``{u : a_x . u = 0}`` onto itself when it
maps the set of normals ``{+-a_x}`` onto itself, so it permutes the regions.

* On ``{-1,1}^n`` with a bias the normals ``(x, 1)`` are all of
  ``{-1,1}^(n+1)`` up to sign: the whole hyperoctahedral group of the
  ``n + 1`` coordinates acts (``2^(n+1) (n+1)!`` elements; 645,120 at n = 6).
  The regions on ``{0,1}^n`` are the same sign vectors, so this group
  enumerates both encodings (it contains the input negations
  ``x_i -> 1 - x_i``, which act on the ``{0,1}`` weights as the shear
  ``w_i -> -w_i, b -> b + w_i``).
* On ``{0,1}^n`` without a bias: permutations of the weights and ``u -> -u``.

The Chow vector ``m(s) = sum_k s_k a_k`` of a region moves with the group
(``m(g s) = g m(s)``), and by Chow's theorem it determines the region among
all sign vectors.  So a canonical form of ``m`` under the group names each
orbit: ``sorted |m|`` for the hyperoctahedral group, ``sorted m`` up to a
global sign for permutations with ``u -> -u``.

The *measure* group keeps every prior of pfmap (each weight has the same
distribution, the bias its own): permutations of the weights and
``u -> -u``, and on ``{-1,1}^n`` also every sign flip.  Box volume and
Gaussian measure are constant on its orbits.

References
----------
C. K. Chow, "On the characterization of threshold functions", 1961.
S. Muroga, *Threshold Logic and its Applications*, 1971 (NP-equivalence of threshold functions).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pfmap.inputs import boolean_inputs

if TYPE_CHECKING:
    from pfmap.geometry.perceptron.regions import PerceptronRegions


def signed_permutations(d: int, *, permute: range | None = None, signs: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """All elements ``u -> signs * u[perm]`` of a signed-permutation group on ``d`` coordinates.

    Parameters
    ----------
    d : int
        Number of coordinates.
    permute : range, optional
        The coordinates allowed to move (default all); the others stay in place.
    signs : {"all", "global"}
        Every sign pattern, or only ``+u`` and ``-u``.

    Returns
    -------
    perms, signs : numpy.ndarray
        ``(G, d)`` int64 each: element ``g`` maps ``u`` to ``signs[g] * u[perms[g]]``.  Permutations
        vary slowest, the identity comes first.

    Examples
    --------
    >>> perms, sg = signed_permutations(2)
    >>> len(perms), (sg[0] * np.array([3, 5])[perms[0]]).tolist(), (sg[5] * np.array([3, 5])[perms[5]]).tolist()
    (8, [3, 5], [5, -3])
    """
    movable = list(permute if permute is not None else range(d))
    perms = []
    for p in itertools.permutations(movable):
        full = list(range(d))
        for src, dst in zip(movable, p):
            full[src] = dst
        perms.append(full)
    perm_rows = np.array(perms, dtype=np.int64)
    if signs == "all":
        sign_rows = np.array(list(itertools.product((1, -1), repeat=d)), dtype=np.int64)
    else:
        sign_rows = np.array([[1] * d, [-1] * d], dtype=np.int64)
    return np.repeat(perm_rows, len(sign_rows), axis=0), np.tile(sign_rows, (len(perm_rows), 1))


def key_sorted_abs(m: np.ndarray) -> tuple:
    """Orbit key of a Chow vector under the hyperoctahedral group: its sorted absolute values.

    Parameters
    ----------
    m : array_like of int

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> key_sorted_abs(np.array([-3, 1, 2]))
    (1, 2, 3)
    """
    return tuple(sorted(abs(int(v)) for v in m))


def key_sorted_up_to_sign(m: np.ndarray) -> tuple:
    """Orbit key of a Chow vector under permutations and ``u -> -u``: the smaller of ``sorted m``, ``sorted -m``.

    Parameters
    ----------
    m : array_like of int

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> key_sorted_up_to_sign(np.array([3, -1, 2]))
    (-3, -2, 1)
    """
    a = tuple(sorted(int(v) for v in m))
    b = tuple(sorted(-int(v) for v in m))
    return min(a, b)


@dataclass
class Arrangement:
    """Hyperplane normals (rows, in the enumeration's coordinates) and the symmetry group used to enumerate.

    Attributes
    ----------
    normals : numpy.ndarray
        ``(h, d)`` int64 normals ``a_k``; the regions are the realisable sign vectors of ``a_k . u``.
    group_perms, group_signs : numpy.ndarray
        ``(G, d)`` int64: element ``g`` maps ``u`` to ``group_signs[g] * u[group_perms[g]]``.
    orbit_key : callable
        Canonical form of a Chow vector under the group (a hashable tuple).

    Examples
    --------
    >>> arr = pm1_bias_arrangement(2)
    >>> arr.normals.shape, len(arr.group_perms)
    ((4, 3), 48)
    """

    normals: np.ndarray
    group_perms: np.ndarray
    group_signs: np.ndarray
    orbit_key: Callable[[np.ndarray], tuple]


def pm1_bias_arrangement(n: int) -> Arrangement:
    """``{-1,1}^n`` with bias: normals ``(x, 1)``, the whole hyperoctahedral group of the ``n + 1`` coordinates.

    Parameters
    ----------
    n : int
        Number of inputs (0 allowed: one hyperplane ``b = 0``).

    Returns
    -------
    Arrangement

    Examples
    --------
    >>> pm1_bias_arrangement(1).normals.tolist()
    [[-1, 1], [1, 1]]
    """
    x = boolean_inputs(n, "pm1").astype(np.int64) if n else np.zeros((1, 0), dtype=np.int64)
    normals = np.hstack([x, np.ones((len(x), 1), dtype=np.int64)])
    perms, signs = signed_permutations(n + 1)
    return Arrangement(normals, perms, signs, key_sorted_abs)


def no_bias_01_arrangement(n: int) -> Arrangement:
    """``{0,1}^n`` without bias: normals ``x != 0``; permutations of the weights and ``u -> -u``.

    Parameters
    ----------
    n : int
        Number of inputs.

    Returns
    -------
    Arrangement

    Examples
    --------
    >>> no_bias_01_arrangement(2).normals.tolist(), len(no_bias_01_arrangement(2).group_perms)
    ([[0, 1], [1, 0], [1, 1]], 4)
    """
    normals = boolean_inputs(n, "01").astype(np.int64)[1:]
    perms, signs = signed_permutations(n, signs="global")
    return Arrangement(normals, perms, signs, key_sorted_up_to_sign)


def measure_group(n: int, encoding: str, bias: bool) -> tuple[np.ndarray, np.ndarray]:
    """The signed permutations of ``(w_1..w_n[, b])`` that keep every prior: the measure group.

    Parameters
    ----------
    n : int
        Number of inputs.
    encoding : {"01", "pm1"}
        On ``{-1,1}^n`` every sign flip of a weight (and of the bias) keeps the functions' measures too.
    bias : bool
        Whether there is a bias coordinate.

    Returns
    -------
    perms, signs : numpy.ndarray
        As :func:`signed_permutations`.

    Examples
    --------
    >>> len(measure_group(3, "01", True)[0]), len(measure_group(3, "pm1", True)[0])
    (12, 96)
    """
    d = n + (1 if bias else 0)
    return signed_permutations(d, permute=range(n), signs="all" if encoding == "pm1" else "global")


def sign_codes(signs: np.ndarray) -> list[bytes]:
    """A hashable code per sign vector (row): the bytes of its positive pattern.

    Parameters
    ----------
    signs : numpy.ndarray
        ``(R, h)`` signs (+-1).

    Returns
    -------
    list of bytes

    Examples
    --------
    >>> sign_codes(np.array([[1, -1], [-1, 1]])) == [b"\\x01\\x00", b"\\x00\\x01"]
    True
    """
    return [row.tobytes() for row in np.ascontiguousarray(signs > 0)]


def measure_orbits(reg: PerceptronRegions) -> np.ndarray:
    """Orbit id of each region under the measure group (:func:`measure_group`).

    These are the permutations of the weights and ``u -> -u`` (output
    complement); on ``{-1,1}^n`` also every sign flip of a weight, and of
    the bias.  Gaussian measure and box volume are constant on an orbit.

    Parameters
    ----------
    reg : PerceptronRegions
        The regions (:func:`~pfmap.geometry.perceptron.regions.perceptron_regions`).

    Returns
    -------
    numpy.ndarray
        ``(R,)`` int64 orbit ids ``0, 1, ...`` in order of first appearance.

    Examples
    --------
    >>> from pfmap.geometry.perceptron.regions import perceptron_regions
    >>> reg = perceptron_regions(2)
    >>> len(set(measure_orbits(reg).tolist()))
    5
    """
    perms, signs = measure_group(reg.n, reg.encoding, reg.bias)
    codes = sign_codes(reg.signs)
    lookup = {c: i for i, c in enumerate(codes)}
    orbit = np.full(len(reg), -1, dtype=np.int64)
    next_id = 0
    for i in range(len(reg)):
        if orbit[i] >= 0:
            continue
        images = signs * reg.witnesses[i][perms]
        img_signs = np.sign(images @ reg.normals.T).astype(np.int8)
        for c in sign_codes(img_signs):
            orbit[lookup[c]] = next_id
        next_id += 1
    return orbit
