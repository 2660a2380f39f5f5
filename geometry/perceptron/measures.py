"""The measure of every region of a perceptron: certified Gaussian measures per orbit (box volumes re-exported).

Regions in one symmetry orbit (:func:`~pfmap.geometry.perceptron.regions.measure_orbits`) have the same
measure, so each orbit is measured once, by the cone routines of :mod:`pfmap.geometry.cones`.  The exact
box volumes live in :mod:`~pfmap.geometry.perceptron.volumes` (``perceptron_box_volumes`` is re-exported here).
"""

from __future__ import annotations

from fractions import Fraction

from pfmap.errors import PfmapError
from pfmap.priors import GaussianPrior
from pfmap.progress import progress_bar

from pfmap.geometry.cones.gaussian import cone_gaussian_measure, cone_gaussian_measures
from pfmap.geometry.cones.orthant import DEFAULT_TOLERANCE, MAX_ORTHANT_DIMENSION, CertifiedProbability
from pfmap.geometry.perceptron.regions import PerceptronRegions, measure_orbits
from pfmap.geometry.perceptron.volumes import perceptron_box_volumes  # noqa: F401  (re-exported; box volumes live there)

_BATCH_ORBITS = 64       # orbits per parallel dimension-6 batch: a step of the progress bar


def perceptron_variances(regions: PerceptronRegions, prior: GaussianPrior) -> list[Fraction]:
    """Exact variance of each parameter ``(w_1..w_n[, b])`` under a Gaussian prior (fan-in scaling applied).

    Parameters
    ----------
    regions : PerceptronRegions
        Gives ``n`` and whether there is a bias.
    prior : GaussianPrior

    Returns
    -------
    list of Fraction
        ``n`` weight variances, then the bias variance if there is a bias.

    Examples
    --------
    >>> from pfmap.geometry.perceptron.regions import perceptron_regions
    >>> perceptron_variances(perceptron_regions(2), GaussianPrior(sigma_w=2, fan_in_scaling=True))
    [Fraction(2, 1), Fraction(2, 1), Fraction(1, 1)]
    """
    weight = prior.weight_variance(regions.n)
    return [weight] * regions.n + ([prior.bias_variance()] if regions.bias else [])


def perceptron_gaussian_measures(regions: PerceptronRegions, prior: GaussianPrior | None = None, *,
                                 tolerance: float = DEFAULT_TOLERANCE, workers: int | None = None,
                                 progress: bool | str = False) -> list[CertifiedProbability]:
    """Gaussian measure of every region (region order), one computation per symmetry orbit.

    Closed forms when the parameter space has dimension <= 3 (``n <= 2``
    with bias, ``n <= 3`` without); certified values with error bounds far
    below 1e-9 in dimensions 4 to 6 (``n = 3, 4, 5`` with bias, ``n = 4, 5``
    without).  In dimension 6 the orbit representatives are triangulated and
    all their simplicial cones computed in one parallel batch, each to about
    ``max(tolerance, 1e-12)``, so a region's bound is below 1e-12 times its
    number of simplicial cones (at most 131 at n = 5).

    Parameters
    ----------
    regions : PerceptronRegions
        From :func:`~pfmap.geometry.perceptron.regions.perceptron_regions`.
    prior : GaussianPrior, optional
        Default: the standard prior with the regions' bias setting.
    tolerance : float
        Target error bound per simplicial cone.
    workers : int, optional
        Threads for the dimension-6 batch (default: every core this process may use).
    progress : bool or "auto"
        A progress bar over the orbits, on stderr (the values do not depend on it).

    Returns
    -------
    list of CertifiedProbability
        One per region, in region order.

    Raises
    ------
    PfmapError
        For a prior that is not Gaussian, a bias setting that differs from the
        regions', or more than 6 parameters.

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
    first: dict[int, int] = {}
    for i, o in enumerate(orbit.tolist()):
        first.setdefault(o, i)
    cache: dict[int, CertifiedProbability] = {}
    with progress_bar(len(first), progress=progress, desc="gaussian measures (orbits)", unit="orbit",
                      unit_scale=False) as bar:
        if regions.dimension == 6:
            # every cone is computed on its own, so batches of orbits give the same values as one batch
            orbits = list(first)
            for start in range(0, len(orbits), _BATCH_ORBITS):
                part = orbits[start:start + _BATCH_ORBITS]
                batch = cone_gaussian_measures([regions.cone(first[o]) for o in part], var, tolerance=tolerance,
                                               workers=workers)
                cache.update(zip(part, batch))
                bar.update(len(part))
        else:
            for o, i in first.items():
                cache[o] = cone_gaussian_measure(regions.cone(i), var, tolerance=tolerance)
                bar.update(1)
    return [cache[o] for o in orbit.tolist()]
