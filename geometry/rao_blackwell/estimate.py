"""P(f) for ReLU and tanh tiny nets: sample the hidden layers, integrate the output layer exactly.

With continuous activations the parameter-function map is not polyhedral,
but its last layer still is: given the hidden parameters ``theta``, the
features ``phi(x)`` are fixed and the output unit is a perceptron on them,
so ``P(f | theta)`` is the prior measure of one cell of a hyperplane
arrangement in the output parameters (:mod:`pfmap.geometry.rao_blackwell.cells`:
closed forms in dimension <= 3, exact cell volumes for the box; for the
Gaussian in dimension 4, Sheppard's closed forms plus one Plackett integral
by graded Gauss-Legendre quadrature when there are at most four distinct
planes (:mod:`pfmap.geometry.rao_blackwell.cells_4d`, within ~1e-11, about 5 us per
sample), a Grundmann–Möller cubature otherwise).  Averaging it
over hidden samples is a conditional (Rao–Blackwellised) Monte Carlo
estimate:

    P(f) = E_theta[ P(f | theta) ],   P_hat(f) = mean_i P(f | theta_i),

unbiased, with variance ``Var(P(f | theta)) / N <= P(f)(1 - P(f)) / N``
(the plain estimator's): the output layer's randomness is integrated out.
With plain draws, intervals are ``P_hat +- z * s / sqrt(N)`` with ``s``
the sample standard deviation of the conditional probabilities (central
limit theorem); with randomised QMC (the default, below) they come from
the spread of independent replicates.  Both are rough when only a handful
of hidden samples can produce ``f`` at all, which the ``support`` column
reports.

Hidden parameters come as uniforms in (0, 1), turned into normals by the
inverse distribution function (or into uniforms on [-1, 1]), layer by
layer, weights row by row, then biases.  By default (randomised
quasi-Monte Carlo) the uniforms are one Sobol net under ``R`` random
digital shifts, shift ``r`` drawn from child ``r`` of
``SeedSequence(seed)``; the ``R`` replicate means are independent and
unbiased, and their spread gives a Student-t interval.  Plain sampling
(``sampler="mc"``) draws batch ``k`` from child ``k``.  Either way the
result depends only on ``seed`` and ``samples``, not on ``workers``.
Randomised QMC helps most for the common functions (the conditional law
is smooth in the hidden parameters away from activation changes); for the
rarest ones the gain over plain draws is a factor 2 to 3 in variance.

References
----------
D. Blackwell, "Conditional expectation and unbiased sequential estimation", Ann. Math. Stat. 18, 1947;
C. R. Rao, "Information and the accuracy attainable in the estimation of statistical parameters", 1945.
P. L'Ecuyer, C. Lemieux, "Recent advances in randomized quasi-Monte Carlo methods", 2002.
G. Valle-Pérez, C. Q. Camargo, A. A. Louis, "Deep learning generalizes because the parameter-function
map is biased towards simple functions", ICLR 2019.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from statistics import NormalDist

import numba
import numpy as np

from pfmap.architectures import ACTIVATION_CODES, MLP
from pfmap.errors import PfmapError
from pfmap.inputs import boolean_inputs, validate_encoding
from pfmap.priors import UniformPrior

from pfmap.geometry.rao_blackwell.cells import (CAPACITY, NEGLIGIBLE, PLACKETT, MAX_DIMENSION, sample_cells, cross_polytope_facets,
                           cube_facet_simplices, workspace)
from pfmap.geometry.rao_blackwell.cells_4d import gaussian_cells_4d
from pfmap.geometry.cones.cubature import cubature_rules
from pfmap.geometry.rao_blackwell.cells_3d import box_cells, girard_cells

BATCH = 1 << 14
MAX_N = 4


@numba.njit(cache=True, nogil=True)
def _activate(z, act):
    if act == 0:
        return z if z > 0.0 else 0.0
    if act == 1:
        return math.tanh(z)
    if act == 2:
        return 1.0 if z > 0.0 else 0.0
    return z


@numba.njit(cache=True, nogil=True)
def normal_quantile(p):
    """Inverse of the standard normal distribution function (Wichura's AS 241, relative error ~1e-16).

    References
    ----------
    M. J. Wichura, "Algorithm AS 241: the percentage points of the normal distribution", Appl. Stat. 37, 1988.
    """
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                        + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                      + 133.14166789178437745) * r + 3.387132872796366608) \
            / (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                   + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                 + 42.313330701600911252) * r + 1.0)
    r = p if q < 0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        value = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                     + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                   + 4.6303378461565452959) * r + 1.42343711074968357734) \
            / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                   + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                 + 2.05319162663775882187) * r + 1.0)
    else:
        r -= 5.0
        value = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                      + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) * r
                    + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772) \
            / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                   + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                 + 0.59983220655588793769) * r + 1.0)
    return -value if q < 0 else value


@numba.njit(cache=True, nogil=True)
def _rao_blackwell_batch(draws, inputs, widths, weight_scales, bias_scales, gaussian, act, out_scales,
                         bias, init, init_axis, rule_points, rule_weights, plackett_nodes, plackett_weights,
                         capacity, total, total_sq, support):
    """Add the conditional law of the function for each row of ``draws`` to the sums.

    A row holds one hidden-parameter sample as uniforms in (0, 1), layer by layer: the weights row by row,
    then the biases; they become normals (inverse distribution function) or uniforms on [-1, 1], times the
    prior's scales.  Returns 0, or -1 when ``capacity`` was too small (the caller retries with more room).
    """
    count = draws.shape[0]
    m, n = inputs.shape
    layers = len(widths)
    widest = n
    for w in widths:
        widest = max(widest, w)
    h_last = widths[layers - 1]
    d = h_last + (1 if bias else 0)
    features = np.empty((m, widest))
    nxt = np.empty((m, widest))
    weights = np.empty((widest, widest))
    biases = np.zeros(widest)
    g = np.empty((m, d))
    (buf_a, buf_b, code_a, code_b, axis_a, axis_b, pts, side, vals, stack, raw, unit, plane, orient,
     through, angles, seen, poly_a, poly_b, pos_bits, neg_bits, touched, g3, corr) = workspace(m, d, init.shape[1],
                                                                                              capacity)
    everything = np.arange(len(total))
    probs = np.zeros(len(total))
    tiny = 2.0 ** -64
    for s in range(count):
        fan = n
        col = 0
        for x in range(m):
            for j in range(n):
                features[x, j] = inputs[x, j]
        for layer in range(layers):
            h = widths[layer]
            for i in range(h):
                for j in range(fan):
                    u = min(max(draws[s, col], tiny), 1.0 - 2.0 ** -53)
                    col += 1
                    weights[i, j] = weight_scales[layer] * (normal_quantile(u) if gaussian else 2.0 * u - 1.0)
            if bias:
                for i in range(h):
                    u = min(max(draws[s, col], tiny), 1.0 - 2.0 ** -53)
                    col += 1
                    biases[i] = bias_scales[layer] * (normal_quantile(u) if gaussian else 2.0 * u - 1.0)
            for x in range(m):
                for i in range(h):
                    z = biases[i]
                    for j in range(fan):
                        z += weights[i, j] * features[x, j]
                    nxt[x, i] = _activate(z, act)
            for x in range(m):
                for i in range(h):
                    features[x, i] = nxt[x, i]
            fan = h
        for x in range(m):
            for i in range(h_last):
                g[x, i] = features[x, i] * out_scales[i]
            if bias:
                g[x, h_last] = out_scales[h_last]
        cells = everything
        if d == 3 and gaussian:
            cells = touched[:girard_cells(g, probs, seen, raw, unit, plane, orient, through, angles, pos_bits,
                                          neg_bits, touched)]
        elif d == 3:
            met = box_cells(g, probs, seen, touched, raw, unit, plane, orient, poly_a, code_a, axis_a, poly_b[0],
                            vals, pos_bits, neg_bits)
            if met < 0:
                return -1
            cells = touched[:met]
        else:
            met = -1
            if d == 4 and gaussian:
                met = gaussian_cells_4d(g, probs, seen, raw, unit, plane, orient, through, angles, pos_bits,
                                        neg_bits, touched, g3, corr, plackett_nodes, plackett_weights)
            if met >= 0:
                cells = touched[:met]
            elif sample_cells(g, gaussian, init, init_axis, rule_points, rule_weights, buf_a, code_a, axis_a,
                               buf_b, code_b, axis_b, probs, pts, side, vals, stack) < 0:
                return -1
        for f in cells:   # branch-free: cells are in random order
            p = probs[f] if abs(probs[f]) > NEGLIGIBLE else 0.0
            total[f] += p
            total_sq[f] += p * p
            support[f] += p != 0.0
            probs[f] = 0.0
    return 0


class RaoBlackwellEstimate:
    """Sums over hidden samples of the conditional law of the function, and the estimates they give.

    ``total[f]``, ``total_sq[f]`` and ``support[f]`` are the sums of
    ``P(f | theta_i)``, of its square, and the number of samples where it
    is positive; ``f`` is the integer truth table.  With randomised QMC,
    ``replicate_means`` (R, 2**m) are the means of the independent
    scramblings, and the standard error comes from their spread.
    """

    def __init__(self, arch: MLP, encoding: str, samples: int, seed: int, total, total_sq, support,
                 replicate_means=None, sampler: str = "mc"):
        self.arch, self.encoding, self.samples, self.seed = arch, encoding, samples, seed
        self.total, self.total_sq, self.support = total, total_sq, support
        self.replicate_means, self.sampler = replicate_means, sampler

    @property
    def probability(self) -> np.ndarray:
        return self.total / self.samples

    @property
    def std_error(self) -> np.ndarray:
        """Standard error of ``probability``: the spread of the replicates' means over ``sqrt(R)`` (RQMC), or
        the sample standard deviation of ``P(f | theta)`` over ``sqrt(N)`` (plain sampling)."""
        if self.replicate_means is not None:
            r = len(self.replicate_means)
            return self.replicate_means.std(axis=0, ddof=1) / math.sqrt(r)
        n = self.samples
        mean = self.total / n
        var = np.maximum(self.total_sq - n * mean * mean, 0.0) / max(n - 1, 1)
        return np.sqrt(var / n)

    def interval(self, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """``P_hat +- q s``, clipped to [0, 1]: ``q`` Student's t with R - 1 degrees of freedom (RQMC) or the
        normal quantile (plain sampling, central limit theorem)."""
        if self.replicate_means is not None:
            from scipy.stats import t

            q = float(t.ppf(0.5 + confidence / 2, len(self.replicate_means) - 1))
        else:
            q = NormalDist().inv_cdf(0.5 + confidence / 2)
        p, se = self.probability, self.std_error
        return np.clip(p - q * se, 0.0, 1.0), np.clip(p + q * se, 0.0, 1.0)

    def method(self) -> str:
        prior = "gaussian" if not isinstance(self.arch.prior, UniformPrior) else "box"
        d = self.arch.widths[-1] + (1 if self.arch.prior.bias else 0)
        if d <= 3 or prior == "box":
            how = "closed form"
        elif uses_plackett_kernel(self.arch):
            how = "Plackett quadrature"
        else:
            how = "cubature"
        draws = (f"{len(self.replicate_means)} randomly shifted Sobol replicates" if self.replicate_means is not None
                 else "plain sampling")
        return (f"rao-blackwell: {self.samples:,} hidden samples ({draws}), exact output layer ({prior}, {how})")

    def table(self, confidence: float = 0.95):
        """Volume table: ``function, probability, exact, error, n_conditions, conditions, ci_low, ci_high,
        std_error, support, n_ones, method`` (``exact`` is None and ``error`` NaN: the uncertainty is
        statistical, see the interval; ``n_conditions`` is missing and ``conditions`` empty: with continuous
        activations a function's region is not polyhedral)."""
        import pandas as pd

        from pfmap.tables import sort_table

        m = 1 << self.arch.n
        found = np.flatnonzero(self.support)
        low, high = self.interval(confidence)
        names = [format(int(f), "b").zfill(m)[::-1] for f in found]
        method = self.method()
        df = pd.DataFrame({"function": names, "probability": self.probability[found], "exact": [None] * len(found),
                           "error": np.nan, "n_conditions": pd.array([None] * len(found), dtype="Int64"),
                           "conditions": "", "ci_low": low[found], "ci_high": high[found],
                           "std_error": self.std_error[found], "support": self.support[found],
                           "n_ones": [name.count("1") for name in names], "method": method})
        df = sort_table(df)
        inputs = "{0,1}" if self.encoding == "01" else "{-1,1}"
        df.attrs["pfmap"] = {"engine": "geometry", "architecture": self.arch.to_dict(), "inputs": self.encoding,
                             "description": f"{self.arch.describe()}, inputs {inputs}^{self.arch.n}",
                             "method": method, "samples": self.samples, "seed": self.seed,
                             "confidence": confidence, "law_sum_residual": self.law_sum_residual}
        return df

    @property
    def law_sum_residual(self) -> float:
        """Mean over samples of ``sum_f P(f | theta) - 1``: rounding (dimension <= 3, box) or the cubature's
        error (Gaussian, dimension 4); every conditional law sums to 1 exactly."""
        return float(self.total.sum() / self.samples - 1.0)


def uses_plackett_kernel(arch: MLP) -> bool:
    """Whether the output layer is Gaussian, of dimension 4 and sees at most four inputs: then every hidden
    sample has at most four distinct planes and :mod:`pfmap.geometry.rao_blackwell.cells_4d` measures it in microseconds
    (with more inputs most samples need the millisecond cubature)."""
    d = arch.widths[-1] + (1 if arch.prior.bias else 0)
    return d == 4 and not isinstance(arch.prior, UniformPrior) and (1 << arch.n) <= 4


def check_rao_blackwell(arch: MLP) -> int:
    """Dimension of the output layer's parameter space; one actionable line when it is out of reach.

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


def replicate_plan(samples: int) -> tuple[int, int]:
    """Randomised QMC: ``R`` random shifts of ``2^k`` Sobol points each, ``16 <= R <= 31``, ``R 2^k <= samples``.

    Examples
    --------
    >>> replicate_plan(200_000)
    (24, 8192)
    """
    size = 1 << max(0, int(math.floor(math.log2(samples / 16))))
    return samples // size, size


def rao_blackwell(arch: MLP, samples: int, seed: int = 0, encoding: str = "01", *, workers: int = 1,
                  sampler: str = "rqmc", progress=None) -> RaoBlackwellEstimate:
    """Conditional Monte Carlo estimate of P(f): hidden layers sampled, output layer integrated exactly.

    Works for any activation (relu, tanh, step, linear) and any number of
    hidden layers, with up to 3 features in the last hidden layer (4
    without bias).  ``sampler="rqmc"`` (default) draws the hidden
    parameters from one Sobol net under ``R`` independent random digital
    shifts (randomised quasi-Monte Carlo; the interval comes from the
    replicates' spread and ``samples`` is rounded down to ``R 2^k``, see
    :func:`replicate_plan`);
    ``"mc"`` draws them independently.  ``workers`` threads share the work;
    the result does not depend on it.

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
    encoding = validate_encoding(encoding)
    d = check_rao_blackwell(arch)
    if isinstance(samples, bool) or int(samples) != samples or samples < 2:
        raise PfmapError(f"samples must be a whole number >= 2; got {samples!r}")
    if sampler not in ("rqmc", "mc"):
        raise PfmapError(f"sampler must be 'rqmc' (scrambled Sobol) or 'mc' (independent draws); got {sampler!r}")
    samples = int(samples)
    if sampler == "rqmc" and samples < 32:
        sampler = "mc"
    prior = arch.prior
    gaussian = not isinstance(prior, UniformPrior)
    inputs = boolean_inputs(arch.n, encoding).astype(np.float64)
    fan_ins = [arch.n, *arch.widths[:-1]]
    widths = np.array(arch.widths, dtype=np.int64)
    n_params = sum(w * (f + (1 if prior.bias else 0)) for w, f in zip(arch.widths, fan_ins))
    weight_scales = np.array([prior.weight_scale(f) for f in fan_ins])
    bias_scales = np.array([prior.bias_scale()] * len(widths))
    h = arch.widths[-1]
    out_scales = np.array([prior.weight_scale(h)] * h + ([prior.bias_scale()] if prior.bias else []))
    init, init_axis = cross_polytope_facets(d) if gaussian else cube_facet_simplices(d)
    rule_points, rule_weights = cubature_rules()
    n_functions = 1 << (1 << arch.n)
    act = ACTIVATION_CODES[arch.activation]

    def accumulate(draws, sums):
        capacity = CAPACITY
        while True:
            trial = tuple(np.zeros_like(a) for a in sums)
            if _rao_blackwell_batch(draws, inputs, widths, weight_scales, bias_scales, gaussian, act, out_scales,
                                    prior.bias, init, init_axis, rule_points, rule_weights, *PLACKETT, capacity,
                                    *trial) == 0:
                for a, b in zip(sums, trial):
                    a += b
                if progress is not None:
                    progress(len(draws))
                return
            capacity *= 4

    def empty():
        return np.zeros(n_functions), np.zeros(n_functions), np.zeros(n_functions, dtype=np.int64)

    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    mapper = pool.map if pool is not None else map
    try:
        if sampler == "mc":
            tasks = [(k, min(BATCH, samples - k * BATCH)) for k in range(-(-samples // BATCH))]
            children = np.random.SeedSequence(seed).spawn(len(tasks))

            def run(task):
                k, count = task
                sums = empty()
                accumulate(np.random.Generator(np.random.PCG64(children[k])).random((count, n_params)), sums)
                return sums

            parts = list(mapper(run, tasks))
            counts = [count for _, count in tasks]
        else:
            # one Sobol net, R random digital shifts (XOR of the 52-bit digits): R independent randomisations
            from scipy.stats import qmc

            replicates, size = replicate_plan(samples)
            children = np.random.SeedSequence(seed).spawn(replicates)
            shifts = [np.random.Generator(np.random.PCG64(c)).integers(0, 1 << 52, size=n_params, dtype=np.uint64)
                      for c in children]
            parts = [empty() for _ in range(replicates)]
            engine = qmc.Sobol(n_params, scramble=False, bits=52)
            chunk = min(size, BATCH)
            for _ in range(size // chunk):
                digits = (engine.random(chunk) * 2.0**52).astype(np.uint64)

                def run(r):
                    accumulate(((digits ^ shifts[r]).astype(np.float64) + 0.5) * 2.0**-52, parts[r])

                list(mapper(run, range(replicates)))
            counts = [size] * replicates
    finally:
        if pool is not None:
            pool.shutdown()
    total = np.sum([p[0] for p in parts], axis=0)
    total_sq = np.sum([p[1] for p in parts], axis=0)
    support = np.sum([p[2] for p in parts], axis=0)
    used = sum(counts)
    means = np.array([p[0] / c for p, c in zip(parts, counts)]) if sampler == "rqmc" else None
    return RaoBlackwellEstimate(arch, encoding, used, seed, total, total_sq, support, means, sampler)


def rao_blackwell_table(arch: MLP, samples: int = 100_000, seed: int = 0, encoding: str = "01", *,
                        confidence: float = 0.95, workers: int = 1, sampler: str = "rqmc", progress=None):
    """The Rao-Blackwellised volume table (see :func:`rao_blackwell`).

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
    if not 0 < confidence < 1:
        raise PfmapError(f"confidence must be between 0 and 1; got {confidence!r}")
    return rao_blackwell(arch, samples, seed, encoding, workers=workers, sampler=sampler,
                         progress=progress).table(confidence)
