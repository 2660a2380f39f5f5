"""Exact volume of a region inside the uniform box prior, as a Fraction.

The region ``C = {u : G u > 0}`` cut by the box ``|u_i| <= s_i`` is a
polytope with rational vertices.  Homogenising it (``u = t v``) gives a
pointed cone in one more dimension whose rays are its vertices; a pulling
triangulation of that cone is a triangulation of the polytope, and a
simplex with homogeneous vertices ``(u_i, t_i)`` has volume
``|det[(u_i, t_i)]| / (d! * prod t_i)``.  All of it in integers and Fractions.

References
----------
J. A. De Loera, J. Rambau, F. Santos, *Triangulations*, 2010.
B. Büeler, A. Enge, K. Fukuda, "Exact volume computation for polytopes: a practical study", 2000.
"""

from __future__ import annotations

from fractions import Fraction
from math import factorial

import numpy as np

from pfmap.errors import PfmapError
from pfmap.priors import UniformPrior

from .arrangement import PerceptronRegions, measure_orbits
from .polytope import integer_determinant, triangulate_cone

MAX_BOX_N = 5   # n = 5 with bias: 860 orbits, about 3.5 min on one core; without bias 2.5 s


def polytope_volume_in_box(G, half_widths) -> Fraction:
    """Exact volume of ``{u : G u >= 0, |u_i| <= half_widths[i]}``.

    Examples
    --------
    >>> polytope_volume_in_box([[1, 0], [0, 1]], [1, 1])    # a quarter of [-1,1]^2
    Fraction(1, 1)
    >>> polytope_volume_in_box([[1, -1], [0, 1]], [Fraction(1, 2), 1])   # 0 <= u2 <= u1 <= 1/2
    Fraction(1, 8)
    """
    G = [[int(v) for v in row] for row in np.asarray(G, dtype=object).tolist()]
    d = len(G[0])
    s = [Fraction(x) for x in half_widths]
    if len(s) != d:
        raise ValueError("one half-width per coordinate")
    rows = [row + [0] for row in G]
    for i, si in enumerate(s):
        for sign in (1, -1):  # sign*u_i <= s_i t  ->  -sign*den*u_i + num*t >= 0
            row = [0] * (d + 1)
            row[i] = -sign * si.denominator
            row[d] = si.numerator
            rows.append(row)
    rays, simplices = triangulate_cone(rows)
    total = Fraction(0)
    ray_list = rays.tolist()
    for simplex in simplices:
        mat = [ray_list[j] for j in simplex]
        t_prod = 1
        for j in simplex:
            t_prod *= ray_list[j][d]
        total += Fraction(abs(integer_determinant(mat)), t_prod)
    return total / factorial(d)


def cone_box_fraction(G, half_widths) -> Fraction:
    """Fraction of the box ``|u_i| <= half_widths[i]`` that lies in the cone ``{u : G u > 0}``.

    Examples
    --------
    >>> cone_box_fraction([[1, 1, 1], [-1, 0, -1], [0, -1, -1]], [1, 1, 1])   # AND on {0,1}^2
    Fraction(1, 48)
    """
    s = [Fraction(x) for x in half_widths]
    box = Fraction(1)
    for si in s:
        box *= 2 * si
    return polytope_volume_in_box(G, s) / box


def _half_widths(regions: PerceptronRegions, prior: UniformPrior) -> list[Fraction]:
    return [prior.a_w] * regions.n + ([prior.a_b] if regions.bias else [])


def perceptron_box_volumes(regions: PerceptronRegions, prior: UniformPrior | None = None,
                           progress: bool | None = None) -> list[Fraction]:
    """Exact box-volume fraction of every region (region order), one computation per symmetry orbit.

    ``progress``: a tqdm bar over the orbits on stderr (default: on for
    ``n = 5`` with bias, which takes minutes).

    Examples
    --------
    >>> from pfmap.geometry.arrangement import perceptron_regions
    >>> reg = perceptron_regions(2)
    >>> vols = dict(zip(reg.functions, perceptron_box_volumes(reg)))
    >>> vols["0000"], vols["0001"], vols["0111"], sum(vols.values())
    (Fraction(13, 48), Fraction(1, 48), Fraction(1, 24), Fraction(1, 1))
    """
    prior = prior if prior is not None else UniformPrior(bias=regions.bias)
    if not isinstance(prior, UniformPrior):
        raise PfmapError("box volumes need a uniform prior")
    if prior.bias != regions.bias:
        raise PfmapError("the prior's bias setting differs from the regions'")
    if regions.n > MAX_BOX_N:
        raise PfmapError(f"exact box volumes run for n <= {MAX_BOX_N} (n = {regions.n} asked); "
                         f"estimate by sampling: `pfmap sample perceptron --n {regions.n} --prior uniform`")
    s = _half_widths(regions, prior)
    orbit = measure_orbits(regions)
    cache: dict[int, Fraction] = {}
    out = []
    if progress is None:
        progress = regions.n >= 5 and regions.bias
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=int(orbit.max()) + 1, desc="box volumes (orbits)", unit="orbit", leave=False)
    try:
        for i, o in enumerate(orbit.tolist()):
            if o not in cache:
                cache[o] = cone_box_fraction(regions.cone(i), s)
                if bar is not None:
                    bar.update(1)
            out.append(cache[o])
    finally:
        if bar is not None:
            bar.close()
    return out

