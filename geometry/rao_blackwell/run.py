"""P(f) for ReLU and tanh tiny nets: sample the hidden layers, integrate the output layer in closed form.

With continuous activations the parameter-function map is not polyhedral,
but its last layer still is: given the hidden parameters ``theta``, the
features ``phi(x)`` are fixed and the output unit is a perceptron on them,
so ``P(f | theta)`` is the prior measure of one cell of a hyperplane
arrangement in the output parameters.  Averaging it over hidden samples is
a conditional (Rao-Blackwellised) Monte Carlo estimate:

    P(f) = E_theta[ P(f | theta) ],   P_hat(f) = mean_i P(f | theta_i),

unbiased, with variance ``Var(P(f | theta)) / N <= P(f)(1 - P(f)) / N``
(the plain estimator's): the output layer's randomness is integrated out.

The output layer's kernel depends on its dimension ``d`` (hidden features,
plus one with a bias) and the prior (:mod:`pfmap.geometry.rao_blackwell.batch`):
closed forms for ``d <= 3`` (Girard's formula, polygon clipping); for the
Gaussian in ``d = 4`` (2-3-1, 3-3-1, 4-3-1) the law given a few random
directions of three output coordinates, the fourth coordinate and the
radius integrated in closed form (:mod:`pfmap.geometry.rao_blackwell.directions_4d`:
still unbiased, the directions are sampled coordinates too); the box in
``d = 4`` by exact simplex cutting.  The estimate is then averaged over the
prior's symmetries (:mod:`pfmap.geometry.rao_blackwell.symmetry`), and each
function's interval is checked for resolution
(:mod:`pfmap.geometry.rao_blackwell.estimate`).

References
----------
D. Blackwell, "Conditional expectation and unbiased sequential estimation", Ann. Math. Stat. 18, 1947;
C. R. Rao, "Information and the accuracy attainable in the estimation of statistical parameters", 1945.
P. L'Ecuyer, C. Lemieux, "Recent advances in randomized quasi-Monte Carlo methods", 2002.
G. Valle-Pérez, C. Q. Camargo, A. A. Louis, "Deep learning generalizes because the parameter-function
map is biased towards simple functions", ICLR 2019.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from pfmap.architectures import ACTIVATION_CODES, MLP
from pfmap.errors import PfmapError
from pfmap.inputs import boolean_inputs, validate_encoding
from pfmap.priors import UniformPrior
from pfmap.progress import progress_bar
from pfmap.validation import check_seed, check_whole

from pfmap.geometry.rao_blackwell.draws import (SAMPLERS, mc_rows, mc_tasks, replicate_plan, shifted,
                                                sobol_digit_chunks, sobol_shifts)
from pfmap.geometry.rao_blackwell.estimate import RaoBlackwellEstimate

if TYPE_CHECKING:
    import pandas as pd

MAX_DIMENSION = 4
MAX_N = 4
DIRECTIONS = 6       # output-weight directions per hidden sample (Gaussian, dimension 4), see directions_4d


def check_rao_blackwell(arch: MLP) -> int:
    """Dimension of the output layer's parameter space; one actionable line when it is out of reach.

    Parameters
    ----------
    arch : MLP
        A network with at least one hidden layer.

    Returns
    -------
    int
        ``d``: last hidden width, plus one with a bias.

    Raises
    ------
    PfmapError
        Without a hidden layer, with ``d > 4``, or with more than 4 inputs.

    Examples
    --------
    >>> from pfmap import MLP
    >>> check_rao_blackwell(MLP(2, (3,), "relu"))
    4
    """
    if not isinstance(arch, MLP) or not arch.widths:
        raise PfmapError("the Rao-Blackwell estimate needs a network with at least one hidden layer")
    d = arch.widths[-1] + (1 if arch.prior.bias else 0)
    hint = "estimate it by plain sampling with pfmap.montecarlo.sample"
    if d > MAX_DIMENSION:
        raise PfmapError(f"the output unit of the {arch.name()} net has {d} parameters; its exact conditional "
                         f"law is computed up to {MAX_DIMENSION}: {hint}")
    if arch.n > MAX_N:
        raise PfmapError(f"the Rao-Blackwell estimate tabulates all 2^(2^n) functions for n <= {MAX_N}; "
                         f"got n = {arch.n}: {hint}")
    return d


def output_kernel(arch: MLP) -> str:
    """Which output-layer kernel the estimate of ``arch`` runs.

    Parameters
    ----------
    arch : MLP
        A network accepted by :func:`check_rao_blackwell`.

    Returns
    -------
    str
        ``"girard"``, ``"box-3d"``, ``"gaussian-4d"`` (closed form given random directions) or ``"cutting"``
        (exact simplex cutting).

    Examples
    --------
    >>> from pfmap import MLP, UniformPrior
    >>> output_kernel(MLP(3, (3,), "relu")), output_kernel(MLP(2, (2,), "relu", UniformPrior()))
    ('gaussian-4d', 'box-3d')
    """
    d = check_rao_blackwell(arch)
    gaussian = not isinstance(arch.prior, UniformPrior)
    if d == 3:
        return "girard" if gaussian else "box-3d"
    if d == 4 and gaussian:
        return "gaussian-4d"
    return "cutting"


def _kernel_description(kernel: str, directions: int, symmetrize: bool) -> str:
    if kernel == "gaussian-4d":
        return f"closed form given {directions if symmetrize else 2 * directions} random directions per sample"
    return "closed form"


def _scales(arch: MLP):
    """The arguments every compiled loop shares, and the uniforms per hidden sample."""
    prior = arch.prior
    fan_ins = [arch.n, *arch.widths[:-1]]
    widths = np.array(arch.widths, dtype=np.int64)
    dims = sum(w * (f + (1 if prior.bias else 0)) for w, f in zip(arch.widths, fan_ins))
    weight_scales = np.array([prior.weight_scale(f) for f in fan_ins])
    bias_scales = np.array([prior.bias_scale()] * len(widths))
    h = arch.widths[-1]
    out_scales = np.array([prior.weight_scale(h)] * h + ([prior.bias_scale()] if prior.bias else []))
    act = ACTIVATION_CODES[arch.activation]
    return (widths, weight_scales, bias_scales, act, out_scales, prior.bias), dims


def rao_blackwell(arch: MLP, samples: int, seed: int = 0, *, encoding: str = "01", workers: int = 1,
                  sampler: str = "rqmc", directions: int = DIRECTIONS, symmetrize: bool = True,
                  progress: bool | str = False) -> RaoBlackwellEstimate:
    """Conditional Monte Carlo estimate of P(f): hidden layers sampled, output layer integrated in closed form.

    Parameters
    ----------
    arch : MLP
        Any activation (relu, tanh, step, linear) and number of hidden layers,
        with up to 3 features in the last hidden layer (4 without bias) and
        up to 4 inputs.
    samples : int
        Hidden samples (>= 2); with ``sampler="rqmc"`` rounded down to ``R 2^k``
        (:func:`~pfmap.geometry.rao_blackwell.draws.replicate_plan`).
    seed : int
        The run's seed; the result depends only on it and ``samples``.
    encoding : {"01", "pm1"}
        The input set.
    workers : int
        Threads sharing the work (the result does not depend on it).
    sampler : {"rqmc", "mc"}
        Randomly shifted Sobol replicates (the interval from their spread) or independent draws.
    directions : {3, 4, 6, 10}
        Gaussian output layers of dimension 4: directions of three output
        coordinates per hidden sample (a spherical design under a random
        rotation; with an output bias the opposite directions come from the
        complement average), the rest integrated in closed form.
    symmetrize : bool
        Average over the orbits of the prior's symmetries (input permutations,
        sign flips on ``{-1,1}^n``, the output complement with a bias).
    progress : bool or "auto"
        A progress bar over the hidden samples (``"auto"``: on a terminal).

    Returns
    -------
    RaoBlackwellEstimate

    Raises
    ------
    PfmapError
        For a network out of reach (:func:`check_rao_blackwell`) or a bad parameter.

    Examples
    --------
    >>> from pfmap import MLP
    >>> est = rao_blackwell(MLP(2, (2,), "relu"), 2000, seed=1)
    >>> round(float(est.probability.sum()), 12)      # every sample's law sums to 1
    1.0
    >>> bool(est.probability[0b0110] > 0)            # xor is possible with two ReLU units
    True

    References
    ----------
    D. Blackwell, Ann. Math. Stat. 18, 1947; Valle-Pérez et al., ICLR 2019;
    P. L'Ecuyer, C. Lemieux, "Recent advances in randomized quasi-Monte Carlo methods", 2002 (random digital
    shifts); I. M. Sobol', 1967.
    """
    from pfmap.geometry.rao_blackwell.symmetry import function_orbits

    encoding = validate_encoding(encoding)
    check_rao_blackwell(arch)
    if isinstance(samples, bool) or not isinstance(samples, (int, float, np.integer)) or int(samples) != samples \
            or samples < 2:
        raise PfmapError(f"samples must be a whole number >= 2; got {samples!r}")
    if sampler not in SAMPLERS:
        raise PfmapError(f"sampler must be 'rqmc' (scrambled Sobol) or 'mc' (independent draws); got {sampler!r}")
    seed = check_seed(seed)
    workers = check_whole(workers, "workers", minimum=1)
    from pfmap.geometry.rao_blackwell.directions_4d import DESIGNS

    if isinstance(directions, bool) or directions not in DESIGNS:
        raise PfmapError(f"directions must be one of {', '.join(map(str, sorted(DESIGNS)))}; got {directions!r}")
    samples = int(samples)
    if sampler == "rqmc" and samples < 32:
        sampler = "mc"
    from pfmap.geometry.rao_blackwell import batch

    kernel = output_kernel(arch)
    gaussian = not isinstance(arch.prior, UniformPrior)
    common, dims = _scales(arch)
    inputs = boolean_inputs(arch.n, encoding).astype(np.float64)
    m = len(inputs)
    if symmetrize:
        orbit = function_orbits(arch.n, encoding, complement=arch.prior.bias)
    else:
        orbit = np.arange(1 << m, dtype=np.int64)
    extra = {}
    if kernel == "gaussian-4d":
        design = DESIGNS[directions]
        extra["design"] = design if (symmetrize and arch.prior.bias) else np.vstack([design, -design])
        dims += 3                                       # the random rotation of the design
    elif kernel == "cutting":
        from pfmap.geometry.cones.cubature import cubature_rules
        from pfmap.geometry.rao_blackwell.simplices import cross_polytope_facets, cube_facet_simplices

        d = arch.widths[-1] + (1 if arch.prior.bias else 0)
        extra.update(gaussian=gaussian, rules=cubature_rules(),
                     facets=cross_polytope_facets(d) if gaussian else cube_facet_simplices(d))

    def law(rows, sums):
        batch.accumulate(kernel, rows, inputs, scales=common, orbit=orbit, sums=sums, **extra)

    def empty():
        return np.zeros(1 << m), np.zeros(1 << m, dtype=np.int64), np.zeros(1 << m)

    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    mapper = pool.map if pool is not None else map
    if sampler == "rqmc":
        replicates, size = replicate_plan(samples)
        used = replicates * size
    else:
        used = samples
    bar = progress_bar(used, progress=progress, desc=f"rao-blackwell {arch.name()}", unit="samples")
    try:
        if sampler == "mc":
            def run(task):
                sums = empty()
                law(mc_rows(task, dims), sums)
                bar.update(task[1])
                return sums

            parts = list(mapper(run, mc_tasks(seed, samples)))
            replicate_totals = None
        else:
            shifts = sobol_shifts(seed, replicates, dims)
            parts = [empty() for _ in range(replicates)]
            for digits in sobol_digit_chunks(size, dims):
                def run(r):
                    law(shifted(digits, shifts[r]), parts[r])
                    bar.update(len(digits))

                list(mapper(run, range(replicates)))
            replicate_totals = np.array([p[0] for p in parts])
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown()
    total = np.sum([p[0] for p in parts], axis=0)
    support = np.sum([p[1] for p in parts], axis=0)
    orbit_sq = np.sum([p[2] for p in parts], axis=0)
    return RaoBlackwellEstimate(arch, encoding, used, seed, total, support, orbit, orbit_sq, replicate_totals,
                                sampler=sampler, kernel=_kernel_description(kernel, directions, symmetrize))


def rao_blackwell_table(arch: MLP, samples: int = 100_000, seed: int = 0, *, encoding: str = "01",
                        confidence: float = 0.95, workers: int = 1, sampler: str = "rqmc",
                        directions: int = DIRECTIONS, symmetrize: bool = True,
                        progress: bool | str = False) -> pd.DataFrame:
    """The Rao-Blackwellised volume table (see :func:`rao_blackwell` and
    :meth:`~pfmap.geometry.rao_blackwell.estimate.RaoBlackwellEstimate.table`).

    Parameters
    ----------
    arch : MLP
        The network.
    samples, seed, encoding, workers, sampler, directions, symmetrize, progress
        As for :func:`rao_blackwell`.
    confidence : float
        Level of the intervals, in (0, 1).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    PfmapError
        For a bad ``confidence`` or anything :func:`rao_blackwell` refuses.

    Examples
    --------
    >>> from pfmap import MLP
    >>> t = rao_blackwell_table(MLP(2, (2,), "tanh"), 1000)
    >>> bool((t.ci_low <= t.probability).all() and (t.probability <= t.ci_high).all())
    True

    References
    ----------
    D. Blackwell, Ann. Math. Stat. 18, 1947.
    """
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise PfmapError(f"confidence must be between 0 and 1; got {confidence!r}")
    return rao_blackwell(arch, samples, seed, encoding=encoding, workers=workers, sampler=sampler,
                         directions=directions, symmetrize=symmetrize, progress=progress).table(confidence)
