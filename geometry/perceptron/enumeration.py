"""Enumeration of an arrangement's regions modulo its symmetry group: the orbit walk and the orbit expansion.

* :func:`walk_orbits` walks the region adjacency graph one *orbit* at a
  time: two regions are adjacent across hyperplane ``k`` exactly when their
  sign vectors differ in ``k`` alone, so flipping one sign of a region gives
  a region iff that hyperplane is a facet.  Each flipped sign vector is
  named by the orbit key of its Chow vector
  (:mod:`~pfmap.geometry.perceptron.symmetry`).  Which flips give regions
  is decided exactly: the facets of the representative's cone, from its
  extreme rays (:func:`~pfmap.geometry.cones.polyhedra.cone_facets`, double
  description in integers).  Only a facet flip into an orbit not seen
  before costs a linear program, for a small witness, which is then checked
  in integer arithmetic (:mod:`~pfmap.geometry.perceptron.feasibility`).
* :func:`expand_orbit` maps a representative's witness through the whole
  group and keeps one image per region, in group order.
* :func:`hyperplane_action` is how each group element permutes the
  hyperplanes (``g a_k = eps a_pi(k)``), which carries the facets along.

References
----------
C. K. Chow, "On the characterization of threshold functions", 1961.
K. Fukuda, "Frequently asked questions in polyhedral computation", 2004, Sec. 2.16 (region adjacency).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pfmap.geometry.cones.polyhedra import cone_facets
from pfmap.geometry.perceptron.feasibility import strict_witness
from pfmap.geometry.perceptron.symmetry import Arrangement

_BLOCK = 1 << 16          # group elements handled at once


@dataclass
class OrbitWalk:
    """The orbit representatives of an arrangement, found by :func:`walk_orbits`.

    Attributes
    ----------
    witnesses : numpy.ndarray
        ``(K, d)`` int64 integer witness of each representative (verified exactly), in walk order.
    facets : numpy.ndarray
        ``(K, h)`` bool: hyperplane ``k`` is an irredundant condition of representative ``i``.
    linear_programs : int
        How many witnesses came from a linear program (one per representative).

    Examples
    --------
    >>> from pfmap.geometry.perceptron.symmetry import pm1_bias_arrangement
    >>> walk = walk_orbits(pm1_bias_arrangement(2))
    >>> len(walk.witnesses), walk.facets.sum(axis=1).tolist()
    (2, [3, 4])
    """

    witnesses: np.ndarray
    facets: np.ndarray
    linear_programs: int


def walk_orbits(arr: Arrangement) -> OrbitWalk:
    """One representative per orbit of regions, with its integer witness and its facets.

    Parameters
    ----------
    arr : Arrangement
        Normals and symmetry group (:func:`~pfmap.geometry.perceptron.symmetry.pm1_bias_arrangement`,
        :func:`~pfmap.geometry.perceptron.symmetry.no_bias_01_arrangement`).

    Returns
    -------
    OrbitWalk

    Examples
    --------
    >>> from pfmap.geometry.perceptron.symmetry import no_bias_01_arrangement
    >>> len(walk_orbits(no_bias_01_arrangement(3)).witnesses)      # 32 regions, 5 orbits
    5
    """
    normals = arr.normals
    h, d = normals.shape
    rng = np.random.default_rng(12345)
    while True:  # a generic starting point: no hyperplane through it
        u0 = rng.integers(-1000, 1000, size=d)
        if np.all(normals @ u0 != 0):
            break
    s0 = np.sign(normals @ u0)
    u0 = strict_witness(s0[:, None] * normals)  # a small witness of the same region
    key0 = arr.orbit_key(s0 @ normals)
    settled = {key0: True}  # orbit key -> True (realisable) / False (empty)
    reps = {key0: u0}
    facets = {}
    queue = [(key0, u0)]
    programs = 1
    while queue:
        key, u = queue.pop()
        s = np.sign(normals @ u)
        m = s @ normals
        facet = cone_facets(s[:, None] * normals)     # exact: a flip gives a region iff it crosses a facet
        for k in range(h):
            flip_key = arr.orbit_key(m - 2 * s[k] * normals[k])
            if flip_key not in settled:
                settled[flip_key] = bool(facet[k])
                if facet[k]:
                    t = s.copy()
                    t[k] = -t[k]
                    witness = strict_witness(t[:, None] * normals)
                    programs += 1
                    if witness is None:
                        raise RuntimeError("a facet flip has no witness")  # pragma: no cover
                    reps[flip_key] = witness
                    queue.append((flip_key, witness))
            elif settled[flip_key] != bool(facet[k]):
                raise RuntimeError("orbit keys disagree with the exact facets")  # pragma: no cover
        facets[key] = facet
    keys = list(reps)
    return OrbitWalk(np.array([reps[k] for k in keys], dtype=np.int64).reshape(len(keys), d),
                     np.array([facets[k] for k in keys], dtype=bool).reshape(len(keys), h), programs)


def sign_words(images: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """The sign vectors of parameter vectors as ``uint64`` words (bit ``k``: ``normals[k] . u > 0``).

    Parameters
    ----------
    images : numpy.ndarray
        ``(N, d)`` integer parameter vectors, none on a hyperplane; entries small enough that every
        product ``normals[k] . u`` is below ``2**53`` (exact in floating point).
    normals : numpy.ndarray
        ``(h, d)`` integer normals, ``h <= 64``.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` uint64.

    Raises
    ------
    RuntimeError
        If a vector lies on a hyperplane (it is no witness).

    Examples
    --------
    >>> sign_words(np.array([[1, 2], [-1, 1]]), np.array([[1, 0], [0, 1], [1, -1]])).tolist()
    [3, 2]
    """
    h = normals.shape[0]
    pre = images.astype(np.float64) @ normals.T.astype(np.float64)
    if np.any(pre == 0):
        raise RuntimeError("a symmetry image left a witness on a hyperplane")  # pragma: no cover
    bits = np.zeros((len(images), 64), dtype=bool)
    bits[:, :h] = pre > 0
    return np.packbits(bits, axis=1, bitorder="little").view("<u8").ravel().astype(np.uint64)


def expand_orbit(arr: Arrangement, witness: np.ndarray, *, block: int = _BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """Every region in the orbit of ``witness``'s region: one group element each, in group order.

    Parameters
    ----------
    arr : Arrangement
        At most 64 hyperplanes.
    witness : numpy.ndarray
        ``(d,)`` integer witness of the representative.
    block : int
        Group elements handled at once (memory).

    Returns
    -------
    elements : numpy.ndarray
        ``(R,)`` int64 indices into the group: the first element reaching each region, increasing.
    words : numpy.ndarray
        ``(R,)`` uint64 sign words of those regions (see :func:`sign_words`).

    Examples
    --------
    >>> from pfmap.geometry.perceptron.symmetry import pm1_bias_arrangement
    >>> arr = pm1_bias_arrangement(2)
    >>> elements, words = expand_orbit(arr, np.array([0, 0, 1]))     # the constant 1 on {-1,1}^2
    >>> sorted(words.tolist())                   # both constants, x1, not x1, x2, not x2
    [0, 3, 5, 10, 12, 15]
    """
    total = len(arr.group_perms)
    words = np.empty(total, dtype=np.uint64)
    for start in range(0, total, block):
        stop = min(total, start + block)
        images = arr.group_signs[start:stop] * witness[arr.group_perms[start:stop]]
        words[start:stop] = sign_words(images, arr.normals)
    _, first = np.unique(words, return_index=True)
    first = np.sort(first)
    return first.astype(np.int64), words[first]


def hyperplane_action(arr: Arrangement, elements: np.ndarray, *,
                      hyperplanes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """How group elements permute the hyperplanes: ``g a_k = eps[g, k] a_pi[g, k]``.

    Parameters
    ----------
    arr : Arrangement
        Normals with entries in ``{-1, 0, 1}``.
    elements : numpy.ndarray
        Indices into the group.
    hyperplanes : numpy.ndarray, optional
        The hyperplanes ``k`` to map (default all).

    Returns
    -------
    pi : numpy.ndarray
        ``(len(elements), len(hyperplanes))`` uint8 (int16 beyond 256 hyperplanes): the image of each.
    eps : numpy.ndarray
        Same shape, int8 signs.

    Raises
    ------
    RuntimeError
        If a group element does not map the normals onto themselves up to sign.

    Examples
    --------
    >>> from pfmap.geometry.perceptron.symmetry import pm1_bias_arrangement
    >>> arr = pm1_bias_arrangement(1)                 # normals (-1, 1), (1, 1)
    >>> pi, eps = hyperplane_action(arr, np.arange(len(arr.group_perms)))
    >>> pi.tolist()[:3], eps.tolist()[:3]
    ([[0, 1], [1, 0], [1, 0]], [[1, 1], [-1, -1], [1, 1]])
    """
    normals = arr.normals
    h, d = normals.shape
    powers = 3 ** np.arange(d, dtype=np.int64)
    table = np.full(3 ** d, -1, dtype=np.int64)             # base-3 code of +-a_k -> +-(k + 1)
    codes = (normals + 1) @ powers
    table[codes] = np.arange(1, h + 1)
    table[(1 - normals) @ powers] = -np.arange(1, h + 1)
    ks = np.arange(h) if hyperplanes is None else np.asarray(hyperplanes, dtype=np.int64)
    perms, signs = arr.group_perms[elements], arr.group_signs[elements]
    columns = normals[ks].T                                  # (d, len(ks))
    code = np.zeros((len(elements), len(ks)), dtype=np.int64)
    for i in range(d):                                      # coordinate i of g a_k is signs_i * a_k[perms_i]
        code += (signs[:, i, None] * columns[perms[:, i]] + 1) * powers[i]
    hit = table[code]
    if np.any(hit == 0) or np.any(table[codes] <= 0):
        raise RuntimeError("a group element does not permute the hyperplanes")  # pragma: no cover
    pi = (np.abs(hit) - 1).astype(np.uint8 if h <= 256 else np.int16)
    return pi, np.sign(hit).astype(np.int8)


def bit_masks(indices: np.ndarray) -> np.ndarray:
    """``uint64`` masks with bits ``indices[r, :]`` set (each row a set of hyperplanes, all ``< 64``).

    Parameters
    ----------
    indices : numpy.ndarray
        ``(R, c)`` integer bit positions.

    Returns
    -------
    numpy.ndarray
        ``(R,)`` uint64.

    Examples
    --------
    >>> bit_masks(np.array([[0, 3], [1, 2]])).tolist()
    [9, 6]
    """
    one = np.uint64(1)
    shifted = np.left_shift(one, indices.astype(np.uint64))
    return np.bitwise_or.reduce(shifted, axis=1) if indices.shape[1] else np.zeros(len(indices), dtype=np.uint64)


def enumerate_regions(arr: Arrangement) -> tuple[np.ndarray, np.ndarray, OrbitWalk]:
    """All regions of ``arr`` (at most 64 hyperplanes): sign matrix and integer witnesses.

    Parameters
    ----------
    arr : Arrangement

    Returns
    -------
    signs : numpy.ndarray
        ``(R, h)`` int8.
    witnesses : numpy.ndarray
        ``(R, d)`` int64, each realising its sign vector (images of the representatives' witnesses).
    walk : OrbitWalk
        The representatives.

    Examples
    --------
    >>> from pfmap.geometry.perceptron.symmetry import pm1_bias_arrangement
    >>> signs, witnesses, walk = enumerate_regions(pm1_bias_arrangement(3))
    >>> signs.shape, len(walk.witnesses)
    ((104, 8), 3)
    """
    walk = walk_orbits(arr)
    all_signs, all_witnesses = [], []
    for u in walk.witnesses:
        elements, _ = expand_orbit(arr, u)
        images = arr.group_signs[elements] * u[arr.group_perms[elements]]
        all_witnesses.append(images)
        all_signs.append(np.sign(images @ arr.normals.T).astype(np.int8))
    d = arr.normals.shape[1]
    return (np.concatenate(all_signs) if all_signs else np.zeros((0, len(arr.normals)), np.int8),
            np.concatenate(all_witnesses) if all_witnesses else np.zeros((0, d), np.int64), walk)


def count_regions(arr: Arrangement) -> tuple[int, int]:
    """Number of regions and of orbits of ``arr``, without keeping the regions (at most 64 hyperplanes).

    Parameters
    ----------
    arr : Arrangement

    Returns
    -------
    regions, orbits : int

    Examples
    --------
    >>> from pfmap.geometry.perceptron.symmetry import pm1_bias_arrangement
    >>> count_regions(pm1_bias_arrangement(4))          # A000609(4) and A001532(5)
    (1882, 7)
    """
    walk = walk_orbits(arr)
    return sum(len(expand_orbit(arr, u)[0]) for u in walk.witnesses), len(walk.witnesses)
