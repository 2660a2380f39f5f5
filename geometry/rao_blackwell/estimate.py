"""The Rao-Blackwell estimate as a result: probabilities, honest intervals, the resolution test and the table.

The sums over hidden samples ``theta_i`` of the conditional law
``P(f | theta_i)`` (:mod:`pfmap.geometry.rao_blackwell.batch`) give the
unbiased estimate ``P_hat(f) = mean_i P(f | theta_i)``, averaged over the
orbit of ``f`` under the prior's symmetries
(:mod:`pfmap.geometry.rao_blackwell.symmetry`).  Its standard error comes
from the spread of the independent randomised-QMC replicates (Student
``t``), or with plain draws from the sample variance of the per-sample
values (central limit theorem).

Both need many samples that contribute: a rare function whose conditional
probability is positive in a handful of hidden samples, some of them large
(a heavy-tailed contribution), has replicate means that are far from
normal, and their spread underestimates the error.  So every function gets
an effective number of contributing samples, the Kish effective sample
size ``ESS = (sum_i Y_i)^2 / sum_i Y_i^2`` of its per-sample
(symmetrised) values ``Y_i``, and is *resolved* when ``ESS >=
RESOLVED_ESS``.  An unresolved function keeps its estimate, but its
interval is widened to contain the Wilson interval of ``N P_hat``
successes in ``N`` trials: since ``0 <= Y_i <= 1`` with mean ``P(f)``,
``Var(Y_i) <= P(f)(1 - P(f))``, the variance of plain sampling, so that
interval is the one plain sampling would give, and it holds however
heavy the tail (Hoeffding's comparison with the binomial).

References
----------
D. Blackwell, "Conditional expectation and unbiased sequential estimation", Ann. Math. Stat. 18, 1947.
P. L'Ecuyer, C. Lemieux, "Recent advances in randomized quasi-Monte Carlo methods", 2002.
L. Kish, *Survey Sampling*, 1965 (the effective sample size).
W. Hoeffding, "Probability inequalities for sums of bounded random variables", JASA 58, 1963.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from pfmap.architectures import MLP
from pfmap.intervals import wilson_interval
from pfmap.priors import UniformPrior

RESOLVED_ESS = 400     # contributing samples (Kish) a function needs for the replicate interval to be trusted


class RaoBlackwellEstimate:
    """Sums over hidden samples of the conditional law of the function, and the estimates they give.

    Parameters
    ----------
    arch : MLP
        The network.
    encoding : {"01", "pm1"}
        The input set.
    samples : int
        Hidden samples used.
    seed : int
        The run's seed.
    total : numpy.ndarray
        ``sum_i P(f | theta_i)`` per truth table ``f`` (bit ``x`` is the output on input ``x``).
    support : numpy.ndarray
        Samples with ``P(f | theta_i) > 0``, per truth table.
    orbit : numpy.ndarray
        Orbit label of each truth table (``arange`` when the estimate is not symmetrised).
    orbit_sq : numpy.ndarray
        ``sum_i (sum_{f in orbit o} P(f | theta_i))^2``, indexed by the label ``o``.
    replicate_totals : numpy.ndarray, optional
        ``(R, 2^m)`` per-replicate totals (randomised QMC), each over ``samples / R`` samples.
    sampler : {"rqmc", "mc"}
        How the hidden parameters were drawn.
    kernel : str
        How the output layer was integrated (for :meth:`method`).

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.geometry.rao_blackwell.run import rao_blackwell
    >>> est = rao_blackwell(MLP(2, (2,), "relu"), 2000, seed=1)
    >>> isinstance(est, RaoBlackwellEstimate), round(float(est.probability.sum()), 12)
    (True, 1.0)
    """

    def __init__(self, arch: MLP, encoding: str, samples: int, seed: int, total: np.ndarray, support: np.ndarray,
                 orbit: np.ndarray, orbit_sq: np.ndarray, replicate_totals: np.ndarray | None = None, *,
                 sampler: str = "mc", kernel: str = "closed form"):
        self.arch, self.encoding, self.samples, self.seed = arch, encoding, samples, seed
        self.total, self.support, self.orbit, self.orbit_sq = total, support, orbit, orbit_sq
        self.replicate_totals, self.sampler, self.kernel = replicate_totals, sampler, kernel
        self._size = np.bincount(orbit, minlength=len(orbit))[orbit].astype(np.float64)

    def _symmetrised(self, totals: np.ndarray) -> np.ndarray:
        """Orbit average of per-function sums (works on the last axis)."""
        flat = np.atleast_2d(totals)
        out = np.array([np.bincount(self.orbit, weights=row, minlength=len(self.orbit))[self.orbit] for row in flat])
        out /= self._size
        return out.reshape(totals.shape)

    @property
    def probability(self) -> np.ndarray:
        """The estimate of ``P(f)`` per truth table: the orbit-averaged mean of ``P(f | theta_i)``."""
        return self._symmetrised(self.total) / self.samples

    @property
    def replicate_means(self) -> np.ndarray | None:
        """``(R, 2^m)`` symmetrised means of the randomised-QMC replicates (None with plain draws)."""
        if self.replicate_totals is None:
            return None
        return self._symmetrised(self.replicate_totals) / (self.samples / len(self.replicate_totals))

    @property
    def ess(self) -> np.ndarray:
        """Kish effective sample size of each function's per-sample (symmetrised) values; 0 where never seen."""
        orbit_total = np.bincount(self.orbit, weights=self.total, minlength=len(self.orbit))
        sq = self.orbit_sq
        value = np.divide(orbit_total ** 2, sq, out=np.zeros_like(sq), where=sq > 0)
        return value[self.orbit]

    @property
    def resolved(self) -> np.ndarray:
        """Whether each function has at least ``RESOLVED_ESS`` effective contributing samples."""
        return self.ess >= RESOLVED_ESS

    def _spread_error(self) -> np.ndarray:
        means = self.replicate_means
        if means is not None:
            return means.std(axis=0, ddof=1) / math.sqrt(len(means))
        n = self.samples
        mean = self.probability
        second = (self.orbit_sq / np.bincount(self.orbit, minlength=len(self.orbit)).clip(1) ** 2)[self.orbit]
        var = np.maximum(second - n * mean * mean, 0.0) / max(n - 1, 1)
        return np.sqrt(var / n)

    def _quantile(self, confidence: float) -> float:
        if self.replicate_totals is not None:
            from scipy.stats import t

            return float(t.ppf(0.5 + confidence / 2, len(self.replicate_totals) - 1))
        return NormalDist().inv_cdf(0.5 + confidence / 2)

    @property
    def std_error(self) -> np.ndarray:
        """Standard error of ``probability``: from the replicates' spread (RQMC) or the per-sample variance
        (plain draws); for an unresolved function at least the plain-sampling error of its Wilson interval."""
        se = self._spread_error()
        low, high = self._plain_interval(0.95)
        floor = (high - low) / (2 * NormalDist().inv_cdf(0.975))
        return np.where(self.resolved, se, np.maximum(se, floor))

    def _plain_interval(self, confidence: float) -> tuple[np.ndarray, np.ndarray]:
        z = NormalDist().inv_cdf(0.5 + confidence / 2)
        return wilson_interval(self.probability * self.samples, self.samples, z)

    def interval(self, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Confidence interval per function, clipped to [0, 1].

        Parameters
        ----------
        confidence : float
            The level, in (0, 1).

        Returns
        -------
        tuple of numpy.ndarray
            ``(low, high)``: ``P_hat +- q s`` with ``q`` Student's ``t`` (R - 1
            degrees of freedom, RQMC) or normal (plain draws); widened to the
            plain-sampling Wilson interval where the function is not resolved.

        Examples
        --------
        >>> from pfmap import MLP
        >>> from pfmap.geometry.rao_blackwell.run import rao_blackwell
        >>> low, high = rao_blackwell(MLP(2, (2,), "tanh"), 4000).interval(0.9)
        >>> bool((low <= high).all())
        True
        """
        q = self._quantile(confidence)
        p, se = self.probability, self._spread_error()
        low, high = np.clip(p - q * se, 0.0, 1.0), np.clip(p + q * se, 0.0, 1.0)
        plain_low, plain_high = self._plain_interval(confidence)
        wide = ~self.resolved
        return np.where(wide, np.minimum(low, plain_low), low), np.where(wide, np.maximum(high, plain_high), high)

    def method(self) -> str:
        """One line saying how the estimate was made (the table's ``method`` column).

        Returns
        -------
        str

        Examples
        --------
        >>> from pfmap import MLP
        >>> from pfmap.geometry.rao_blackwell.run import rao_blackwell
        >>> rao_blackwell(MLP(2, (2,), "relu"), 64).method()
        'rao-blackwell: 64 hidden samples (16 randomly shifted Sobol replicates), output layer integrated (gaussian: closed form), averaged over 2-4 symmetric functions'
        """
        prior = "box" if isinstance(self.arch.prior, UniformPrior) else "gaussian"
        draws = (f"{len(self.replicate_totals)} randomly shifted Sobol replicates"
                 if self.replicate_totals is not None else "plain sampling")
        sizes = np.unique(self._size[self.support > 0]) if self.support.any() else np.array([1.0])
        lo, hi = int(sizes.min()), int(sizes.max())
        sym = ("not symmetrised" if hi == 1 else
               f"averaged over {lo if lo == hi else f'{lo}-{hi}'} symmetric functions")
        return f"rao-blackwell: {self.samples:,} hidden samples ({draws}), output layer integrated ({prior}: " \
               f"{self.kernel}), {sym}"

    @property
    def law_sum_residual(self) -> float:
        """Mean over samples of ``sum_f P(f | theta) - 1``: rounding, or the cubature's error (box excepted,
        every conditional law sums to 1 exactly)."""
        return float(self.total.sum() / self.samples - 1.0)

    def table(self, confidence: float = 0.95):
        """The volume table of the estimate.

        Parameters
        ----------
        confidence : float
            Level of ``ci_low``, ``ci_high``.

        Returns
        -------
        pandas.DataFrame
            ``function, probability, exact, error, n_conditions, conditions,
            ci_low, ci_high, std_error, support, ess, resolved, n_ones,
            method``; ``exact`` is None and ``error`` NaN (the uncertainty is
            statistical: see the interval), ``n_conditions`` missing and
            ``conditions`` empty (with continuous activations a function's
            region is not polyhedral).  ``attrs["pfmap"]["resolution"]`` is
            the smallest probability among the resolved functions.

        Examples
        --------
        >>> from pfmap import MLP
        >>> from pfmap.geometry.rao_blackwell.run import rao_blackwell
        >>> t = rao_blackwell(MLP(2, (2,), "relu"), 20_000).table()
        >>> len(t), bool(t.resolved.all())
        (16, True)
        """
        import pandas as pd

        from pfmap.tables import sort_table

        m = 1 << self.arch.n
        found = np.flatnonzero(self.support)
        low, high = self.interval(confidence)
        names = [format(int(f), "b").zfill(m)[::-1] for f in found]
        method = self.method()
        resolved = self.resolved[found]
        df = pd.DataFrame({"function": names, "probability": self.probability[found], "exact": [None] * len(found),
                           "error": np.nan, "n_conditions": pd.array([None] * len(found), dtype="Int64"),
                           "conditions": "", "ci_low": low[found], "ci_high": high[found],
                           "std_error": self.std_error[found], "support": self.support[found],
                           "ess": self.ess[found], "resolved": resolved,
                           "n_ones": [name.count("1") for name in names], "method": method})
        df = sort_table(df)
        inputs = "{0,1}" if self.encoding == "01" else "{-1,1}"
        smallest = float(self.probability[found][resolved].min()) if resolved.any() else None
        df.attrs["pfmap"] = {"engine": "geometry", "architecture": self.arch.to_dict(), "inputs": self.encoding,
                             "description": f"{self.arch.describe()}, inputs {inputs}^{self.arch.n}",
                             "method": method, "samples": self.samples, "seed": self.seed,
                             "confidence": confidence, "law_sum_residual": self.law_sum_residual,
                             "resolved_ess": RESOLVED_ESS, "resolution": smallest}
        return df
