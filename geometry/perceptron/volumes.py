"""Exact box volumes of perceptron regions (Fractions), one computation per measure orbit.

Regions in one orbit of the measure group
(:func:`~pfmap.geometry.perceptron.symmetry.measure_orbits`) have the same
box volume, so each orbit is measured once, exactly, by
:func:`~pfmap.geometry.cones.box.cone_box_fraction` (double description,
pulling triangulation, integer determinants).  Measured on the 2-core
machine: the 860 orbits of ``n = 5`` with bias in about 6-10 s (was 3.5-9
minutes with the subset enumeration of rays; ``benchmarks/exact_tables.py``).

References
----------
B. Büeler, A. Enge, K. Fukuda, "Exact volume computation for polytopes: a practical study", 2000.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from pfmap.errors import PfmapError
from pfmap.priors import UniformPrior
from pfmap.progress import progress_bar

from pfmap.geometry.cones.box import MAX_BOX_N, cone_box_fraction
from pfmap.geometry.perceptron.symmetry import measure_orbits

if TYPE_CHECKING:
    from pfmap.geometry.perceptron.regions import PerceptronRegions


def box_half_widths(n: int, bias: bool, prior: UniformPrior) -> list[Fraction]:
    """Half-widths ``(a_w, ..., a_w[, a_b])`` of the box prior, one per parameter.

    Parameters
    ----------
    n : int
        Number of inputs.
    bias : bool
        Whether there is a bias parameter.
    prior : UniformPrior

    Returns
    -------
    list of Fraction

    Examples
    --------
    >>> box_half_widths(2, True, UniformPrior(a_w=2, a_b="1/2"))
    [Fraction(2, 1), Fraction(2, 1), Fraction(1, 2)]
    """
    return [Fraction(prior.a_w)] * n + ([Fraction(prior.a_b)] if bias else [])


def cone_box_volumes(cones: Sequence[np.ndarray], half_widths: Sequence[Fraction], *, workers: int = 1,
                     progress: bool | str = False, desc: str = "box volumes") -> list[Fraction]:
    """Exact box fraction of each cone ``{u : G u > 0}``, in this process or in ``workers`` processes.

    Parameters
    ----------
    cones : sequence of numpy.ndarray
        Integer facet normals of each cone (rows).
    half_widths : sequence of Fraction
        The box ``|u_i| <= half_widths[i]``.
    workers : int
        Processes (1: here).
    progress : bool or "auto"
        A progress bar on stderr.
    desc : str
        The bar's label.

    Returns
    -------
    list of Fraction
        In the order of ``cones``.

    Raises
    ------
    PfmapError
        If ``workers`` is not a whole number >= 1.

    Examples
    --------
    >>> cone_box_volumes([np.array([[1, 0], [0, 1]]), np.array([[1, -1], [0, 1]])], [1, 1])
    [Fraction(1, 4), Fraction(1, 8)]
    """
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise PfmapError(f"workers must be a whole number >= 1; got {workers!r}")
    s = [Fraction(x) for x in half_widths]
    out: list[Fraction] = []
    with progress_bar(len(cones), progress=progress, desc=desc, unit="cone", leave=False) as bar:
        if workers == 1 or len(cones) < 2:
            for g in cones:
                out.append(cone_box_fraction(g, s))
                bar.update(1)
            return out
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=int(workers)) as pool:
            # large cones first would balance better, but order is kept: results come back in submission order
            for value in pool.map(cone_box_fraction, cones, [s] * len(cones), chunksize=4):
                out.append(value)
                bar.update(1)
    return out


def perceptron_box_volumes(regions: PerceptronRegions, prior: UniformPrior | None = None, *,
                           progress: bool | str | None = None, workers: int = 1) -> list[Fraction]:
    """Exact box-volume fraction of every region (region order), one computation per symmetry orbit.

    Parameters
    ----------
    regions : PerceptronRegions
        From :func:`~pfmap.geometry.perceptron.regions.perceptron_regions`.
    prior : UniformPrior, optional
        The box (default ``UniformPrior(bias=regions.bias)``, the unit box).
    progress : bool or "auto", optional
        A bar over the orbits on stderr (default: on for ``n = 5`` with bias).
    workers : int
        Processes for the orbits (1: here).

    Returns
    -------
    list of Fraction
        Summing to exactly 1.

    Raises
    ------
    PfmapError
        If the prior is not uniform, its bias setting differs from the regions', or the regions have more
        than ``MAX_BOX_N`` inputs.

    Examples
    --------
    >>> from pfmap.geometry.perceptron.regions import perceptron_regions
    >>> reg = perceptron_regions(2)
    >>> vols = dict(zip(reg.functions, perceptron_box_volumes(reg)))
    >>> vols["0000"], vols["0001"], vols["0111"], sum(vols.values())
    (Fraction(13, 48), Fraction(1, 48), Fraction(1, 24), Fraction(1, 1))

    References
    ----------
    C. Mingard et al., arXiv:1909.11522, 2019 (the perceptron's prior over functions).
    """
    prior = prior if prior is not None else UniformPrior(bias=regions.bias)
    if not isinstance(prior, UniformPrior):
        raise PfmapError("box volumes need a uniform prior")
    if prior.bias != regions.bias:
        raise PfmapError("the prior's bias setting differs from the regions'")
    if regions.dimension > MAX_BOX_N + 1:
        raise PfmapError(f"exact box volumes in memory run for n <= {MAX_BOX_N} (n = {regions.n} asked); "
                         "estimate them by sampling with pfmap.montecarlo.sample")
    orbit = measure_orbits(regions)
    _, first = np.unique(orbit, return_index=True)         # first region of each orbit, orbit id order
    if progress is None:
        progress = regions.n >= 5 and regions.bias
    values = cone_box_volumes([regions.cone(int(i)) for i in first], box_half_widths(regions.n, regions.bias, prior),
                              workers=workers, progress=progress, desc="box volumes (orbits)")
    return [values[o] for o in orbit.tolist()]
