"""The measure of every region of a perceptron: exact box volumes and certified Gaussian measures, per orbit.

Regions in one symmetry orbit (:func:`~pfmap.geometry.perceptron.regions.measure_orbits`) have the same
measure, so each orbit is measured once, by the cone routines of :mod:`pfmap.geometry.cones`.
"""

from __future__ import annotations

from fractions import Fraction

from pfmap.errors import PfmapError
from pfmap.priors import GaussianPrior, UniformPrior
from pfmap.progress import progress_bar

from pfmap.geometry.cones.box import MAX_BOX_N, cone_box_fraction
from pfmap.geometry.cones.gaussian import cone_gaussian_measure
from pfmap.geometry.cones.orthant import DEFAULT_TOLERANCE, MAX_ORTHANT_DIMENSION, CertifiedProbability
from pfmap.geometry.perceptron.regions import PerceptronRegions, measure_orbits


def _half_widths(regions: PerceptronRegions, prior: UniformPrior) -> list[Fraction]:
    return [prior.a_w] * regions.n + ([prior.a_b] if regions.bias else [])


def perceptron_box_volumes(regions: PerceptronRegions, prior: UniformPrior | None = None,
                           progress: bool | str | None = None) -> list[Fraction]:
    """Exact box-volume fraction of every region (region order), one computation per symmetry orbit.

    ``progress``: a tqdm bar over the orbits on stderr (default: on for
    ``n = 5`` with bias, which takes minutes).

    Examples
    --------
    >>> from pfmap.geometry.perceptron.regions import perceptron_regions
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
                         "estimate them by sampling with pfmap.montecarlo.sample")
    s = _half_widths(regions, prior)
    orbit = measure_orbits(regions)
    cache: dict[int, Fraction] = {}
    out = []
    if progress is None:
        progress = regions.n >= 5 and regions.bias
    with progress_bar(int(orbit.max()) + 1, progress=progress, desc="box volumes (orbits)", unit="orbit",
                      leave=False) as bar:
        for i, o in enumerate(orbit.tolist()):
            if o not in cache:
                cache[o] = cone_box_fraction(regions.cone(i), s)
                bar.update(1)
            out.append(cache[o])
    return out


def perceptron_variances(regions: PerceptronRegions, prior: GaussianPrior) -> list[Fraction]:
    """Exact variance of each parameter ``(w_1..w_n[, b])`` under a Gaussian prior (fan-in scaling applied).

    Examples
    --------
    >>> from pfmap.geometry.perceptron.regions import perceptron_regions
    >>> perceptron_variances(perceptron_regions(2), GaussianPrior(sigma_w=2, fan_in_scaling=True))
    [Fraction(2, 1), Fraction(2, 1), Fraction(1, 1)]
    """
    weight = prior.weight_variance(regions.n)
    return [weight] * regions.n + ([prior.bias_variance()] if regions.bias else [])


def perceptron_gaussian_measures(regions: PerceptronRegions, prior: GaussianPrior | None = None, *,
                                 tolerance: float = DEFAULT_TOLERANCE) -> list[CertifiedProbability]:
    """Gaussian measure of every region (region order), one computation per symmetry orbit.

    Closed forms when the parameter space has dimension <= 3 (``n <= 2``
    with bias, ``n <= 3`` without); certified values with error bounds far
    below 1e-9 in dimension 4 and 5 (``n = 3, 4`` with bias, ``n = 4, 5``
    without).  ``n = 5`` with bias (dimension 6) is not supported.

    Examples
    --------
    >>> from pfmap.geometry.perceptron.regions import perceptron_regions
    >>> reg = perceptron_regions(2)
    >>> measures = dict(zip(reg.functions, perceptron_gaussian_measures(reg)))
    >>> measures["0111"].exact, measures["0001"].exact
    (1/24, -1/12 + asin(sqrt(3)/3)/(2*pi))
    >>> round(measures["0000"].probability, 6), round(measures["0001"].probability, 6)
    (0.277043, 0.014623)

    References
    ----------
    C. Mingard et al., arXiv:1909.11522, 2019 (the perceptron's prior over functions);
    A. Girard, 1629; R. L. Plackett, Biometrika 41, 1954.
    """
    prior = prior if prior is not None else GaussianPrior(bias=regions.bias)
    if not isinstance(prior, GaussianPrior):
        raise PfmapError("Gaussian measures need a GaussianPrior; use perceptron_box_volumes for the uniform prior")
    if prior.bias != regions.bias:
        raise PfmapError(f"the prior has bias {'on' if prior.bias else 'off'} but the regions were enumerated "
                         f"with bias {'on' if regions.bias else 'off'}; enumerate them with the prior's setting")
    if regions.dimension > MAX_ORTHANT_DIMENSION:
        raise PfmapError(f"certified Gaussian measures run up to {MAX_ORTHANT_DIMENSION} parameters "
                         f"(n = {regions.n} with bias has {regions.dimension}); estimate them by sampling with "
                         f"pfmap.montecarlo.sample")
    var = perceptron_variances(regions, prior)
    orbit = measure_orbits(regions)
    cache: dict[int, CertifiedProbability] = {}
    out = []
    for i, o in enumerate(orbit.tolist()):
        if o not in cache:
            cache[o] = cone_gaussian_measure(regions.cone(i), var, tolerance=tolerance)
        out.append(cache[o])
    return out
