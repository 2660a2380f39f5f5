"""The largest inscribed cone of a perceptron region: its angular radius, certified, and the max-margin weights.

A threshold function's region is the open polyhedral cone
``C = {u : G u > 0}`` of parameters ``u = (w_1, ..., w_n[, b])`` (rows of
``G``: the irredundant conditions, :meth:`PerceptronRegions.cone`).

**The largest inscribed cone** (:func:`inscribed_cone`): the biggest
spherical cap ``{v : |v| = 1, angle(v, c) <= r}`` inside ``C``, its angular
radius ``r`` (radians) and its axis ``c``.  With ``ĝ_k = g_k / |g_k|`` the
angular distance from a unit ``c`` to the hyperplane ``g_k . u = 0`` is
``arcsin(ĝ_k . c)``, so ``sin r`` is the value of the second-order cone
programme ``max t  s.t.  ĝ_k . c >= t for all k,  |c|_2 <= 1``, solved
with cvxpy (Clarabel).  Its dual is ``min |Ĝ^T l|`` over the probability
simplex: the distance from the origin to the convex hull of the ``ĝ_k``.
The maximiser is unique (``c / t`` is the minimum-norm point of
``{c : Ĝ c >= 1}``, a strictly convex problem), and ``c`` is the
*max-margin* parameter vector: the one that maximises the least normalised
margin ``ĝ_k . c`` over the conditions, the hard-margin SVM through the
origin whose "points" are the signed rows ``g_k``.

Metric.  Angles are measured in the prior's standardised coordinates
``v = u / s`` (``s``: each parameter's standard deviation, or the box
half-width for a uniform prior), where a Gaussian prior is isotropic and
the Gaussian measure of a region is its normalised solid angle; ``prior=None``
means ``s = 1``.

Certified bracket.  The returned axis ``c`` is checked in floating point:
``radius = arcsin(min_k ĝ_k . c)`` is achieved by a cap that really lies in
the region.  A dual point ``l`` of the simplex gives ``|Ĝ^T l| >= sin r*``
for the optimum ``r*``; ``radius_error = arcsin(|Ĝ^T l|) - radius`` (plus
``1e-12`` for rounding) bounds ``r* - radius``.

References
----------
S. Boyd, L. Vandenberghe, *Convex Optimization* (2004), 8.5.1 (Chebyshev
centre) and 8.6.1 (maximum-margin separation); V. N. Vapnik, *Statistical
Learning Theory* (1998) (the optimal hyperplane).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pfmap.errors import PfmapError
from pfmap.geometry.perceptron import PerceptronRegions, perceptron_regions  # noqa: F401 (used by the examples)
from pfmap.priors import GaussianPrior, Prior, UniformPrior
from pfmap.progress import progress_bar

ROUNDING_SLACK = 1e-12  # added to every radius_error: float rounding of the checks


@dataclass(frozen=True)
class InscribedCone:
    """The largest spherical cap inside a cone: radius, certified error, axis and max-margin weights.

    Attributes
    ----------
    radius : float
        Angular radius (radians) of a cap around ``centre`` that lies in the cone (a certified lower bound
        on the optimum ``r*``).
    radius_error : float
        Bound on ``r* - radius``, from a dual point.
    centre : numpy.ndarray
        The cap's axis, a unit vector in standardised coordinates ``v = u / scales``.
    weights : numpy.ndarray
        The same axis in parameter coordinates, ``scales * centre`` (the max-margin parameters).

    Examples
    --------
    >>> cap = inscribed_cone([[1, 0], [0, 1]])           # the positive quadrant: a 45-degree cap
    >>> round(math.degrees(cap.radius), 6), np.round(cap.centre, 6).tolist()
    (45.0, [0.707107, 0.707107])
    """

    radius: float
    radius_error: float
    centre: np.ndarray
    weights: np.ndarray


def prior_scales(prior: GaussianPrior | UniformPrior | None, n: int, *, bias: bool = True) -> np.ndarray:
    """Each parameter's scale: standard deviation (Gaussian), half-width (uniform), or 1 (``None``).

    Parameters
    ----------
    prior : GaussianPrior, UniformPrior or None
        The perceptron's prior (fan-in ``n``).
    n : int
        Number of inputs.
    bias : bool
        Whether the parameters end with a bias.

    Returns
    -------
    numpy.ndarray
        ``n`` weight scales, then the bias scale when ``bias``.

    Raises
    ------
    PfmapError
        If ``prior`` is of another type.

    Examples
    --------
    >>> prior_scales(GaussianPrior(sigma_w=2, sigma_b=1, fan_in_scaling=True), 4).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    >>> prior_scales(None, 2, bias=False).tolist()
    [1.0, 1.0]
    """
    if prior is None:
        w, b = 1.0, 1.0
    elif isinstance(prior, GaussianPrior):
        w, b = float(prior.weight_scale(n)), float(prior.bias_scale())
    elif isinstance(prior, UniformPrior):
        w, b = float(prior.a_w), float(prior.a_b)
    else:
        raise PfmapError(f"prior must be a GaussianPrior, a UniformPrior or None; got {type(prior).__name__}")
    return np.array([w] * n + ([b] if bias else []), dtype=float)


def inscribed_cone(conditions: ArrayLike, *, scales: ArrayLike | None = None) -> InscribedCone:
    """The largest spherical cap inside the cone ``{u : G u > 0}`` (a second-order cone programme).

    Parameters
    ----------
    conditions : (m, d) array_like
        The rows ``g_k`` of ``G`` (redundant rows are allowed; they do not change the result).
    scales : (d,) array_like, optional
        Coordinate scales ``s``: angles are measured for ``v = u / s`` (default 1).

    Returns
    -------
    InscribedCone
        ``radius`` (radians, certified: the cap lies in the cone), ``radius_error`` (bound on the optimum
        minus ``radius``), ``centre`` (unit axis, standardised coordinates), ``weights`` (``s * centre``).

    Raises
    ------
    PfmapError
        If ``conditions`` is not a non-empty 2-D array of finite numbers, ``scales`` does not match it,
        or the cone has no interior.

    Examples
    --------
    >>> cap = inscribed_cone([[0, 1], [1, 1]])    # n = 1: b > 0, w + b > 0, the 135-degree wedge "11"
    >>> round(cap.radius / math.pi, 6), cap.radius_error < 1e-7
    (0.375, True)
    >>> cap = inscribed_cone([[1, 0, 0], [0, 1, 0], [0, 0, 1]])   # the positive octant
    >>> round(math.sin(cap.radius) ** 2, 6), np.round(cap.centre * math.sqrt(3), 6).tolist()
    (0.333333, [1.0, 1.0, 1.0])

    References
    ----------
    Boyd & Vandenberghe (2004), 8.5.1 and 8.6.1.
    """
    import cvxpy as cp

    g = np.asarray(conditions, dtype=float)
    if g.ndim != 2 or g.shape[0] == 0 or g.shape[1] == 0 or not np.isfinite(g).all():
        raise PfmapError("conditions must be a non-empty (m, d) array of finite numbers, one row per condition")
    d = g.shape[1]
    s = np.ones(d) if scales is None else np.asarray(scales, dtype=float)
    if s.shape != (d,) or not (s > 0).all() or not np.isfinite(s).all():
        raise PfmapError(f"scales must hold {d} positive finite numbers, one per parameter")
    g = g * s  # G u = (G S) v
    norms = np.linalg.norm(g, axis=1)
    if (norms == 0).any():
        raise PfmapError("conditions: a zero row gives 0 > 0, an empty cone; drop it")
    unit = g / norms[:, None]
    c, t = cp.Variable(d), cp.Variable()
    margins = unit @ c >= t
    problem = cp.Problem(cp.Maximize(t), [margins, cp.norm(c, 2) <= 1])
    problem.solve(solver="CLARABEL")
    if c.value is None or problem.value is None or problem.value <= 1e-9:
        raise PfmapError("conditions: the cone {u : G u > 0} has no interior (no strictly feasible u)")
    centre = c.value / np.linalg.norm(c.value)
    low = float(np.min(unit @ centre))
    if low <= 0:  # pragma: no cover - the solver returned a point outside the cone
        raise PfmapError("conditions: the solver's axis lies outside the cone; the cone is too thin")
    dual = np.clip(np.asarray(margins.dual_value, dtype=float).ravel(), 0, None)
    high = float(np.linalg.norm(unit.T @ (dual / dual.sum()))) if dual.sum() > 0 else 1.0
    radius = math.asin(min(low, 1.0))
    error = max(math.asin(min(max(high, low), 1.0)) - radius, 0.0) + ROUNDING_SLACK
    return InscribedCone(radius, error, centre, s * centre)


def _symmetries(reg: PerceptronRegions) -> tuple[np.ndarray, np.ndarray]:
    """Signed permutations ``u -> sign * u[perm]`` of the parameters that map the arrangement to itself.

    Permutations of the weights and the global sign; on ``{-1,1}^n`` also each weight's sign and the
    bias's.  They are orthogonal and keep every prior's scales (all weights share one), so they keep radii.
    """
    n, d = reg.n, reg.dimension
    perms = [list(p) + list(range(n, d)) for p in itertools.permutations(range(n))]
    if reg.encoding == "pm1":
        flips = [np.array(v) for v in itertools.product((1, -1), repeat=d)]
    else:
        flips = [np.ones(d, dtype=np.int64), -np.ones(d, dtype=np.int64)]
    perm = np.array([p for p in perms for _ in flips], dtype=np.int64)
    sign = np.array([f for _ in perms for f in flips], dtype=np.int64)
    return perm, sign


def _functions_of(reg: PerceptronRegions, params: np.ndarray) -> list[str]:
    """Truth tables of parameter vectors (rows): output ``[w.x + b > 0]`` on each input point."""
    pre = params[:, :reg.n] @ reg.points.T.astype(params.dtype)
    if reg.bias:
        pre = pre + params[:, reg.n:reg.n + 1]
    table = np.frombuffer(b"01", dtype=np.uint8)[(pre > 0).astype(np.uint8)]
    return [row.tobytes().decode("ascii") for row in table]


def region_geometry(regions: PerceptronRegions, *, prior: Prior | None = None,
                    progress: bool | str = False) -> pd.DataFrame:
    """Inscribed-cone radius and max-margin weights of every region, one programme per symmetry orbit.

    Parameters
    ----------
    regions : PerceptronRegions
        From :func:`pfmap.geometry.perceptron.perceptron_regions`.
    prior : GaussianPrior, UniformPrior or None
        Sets the metric (see the module docstring); None: the parameters as they are.
    progress : bool or "auto"
        A progress bar over the orbits.

    Returns
    -------
    pandas.DataFrame
        In region order: ``function``, ``n_conditions`` (facets), ``inscribed_radius`` (radians),
        ``inscribed_radius_error`` (bound on the optimum minus the radius), and the max-margin weights,
        one column per parameter (``margin_w1``, ..., ``margin_b``), scaled to unit length in standardised
        coordinates.

    Raises
    ------
    PfmapError
        If ``regions`` is not a PerceptronRegions or ``prior`` is of another type.

    Examples
    --------
    >>> geo = region_geometry(perceptron_regions(1)).set_index("function")
    >>> (geo["inscribed_radius"] / math.pi).round(6).sort_index().to_dict()      # half of each wedge's angle
    {'00': 0.375, '01': 0.125, '10': 0.125, '11': 0.375}

    References
    ----------
    Boyd & Vandenberghe (2004), 8.5.1; Vapnik (1998).
    """
    if not isinstance(regions, PerceptronRegions):
        raise PfmapError("regions must be a PerceptronRegions (from perceptron_regions)")
    reg = regions
    scales = prior_scales(prior, reg.n, bias=reg.bias)
    perm, sign = _symmetries(reg)
    count = len(reg)
    radius = np.full(count, np.nan)
    error = np.full(count, np.nan)
    weights = np.full((count, reg.dimension), np.nan)
    done = np.zeros(count, dtype=bool)
    with progress_bar(count, progress=progress, desc="inscribed cones", unit="region") as bar:
        for i in range(count):
            if done[i]:
                continue
            cap = inscribed_cone(reg.cone(i), scales=scales)
            images = sign * reg.witnesses[i][perm]
            image_weights = sign * cap.weights[perm]
            new = 0
            for f, w in zip(_functions_of(reg, images), image_weights):
                j = reg.index(f)
                if not done[j]:
                    radius[j], error[j], weights[j], done[j] = cap.radius, cap.radius_error, w, True
                    new += 1
            bar.update(new)
    names = [f"margin_w{i + 1}" for i in range(reg.n)] + (["margin_b"] if reg.bias else [])
    out = pd.DataFrame({"function": reg.functions, "n_conditions": np.asarray(reg.n_conditions, dtype=np.int64),
                        "inscribed_radius": radius, "inscribed_radius_error": error})
    for k, name in enumerate(names):
        out[name] = weights[:, k]
    return out
