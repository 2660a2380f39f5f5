"""Cross-validation: does a sampled table agree with an exact one?

The two engines answer the same question, so the check is a join on
``function``: per function a z-score of the count against the exact
probability, a chi-square goodness-of-fit test over all functions (rare
ones pooled so that every expected count is at least 5), the functions
whose exact value falls outside the sampled 95% interval (about 5% should,
by chance), and functions seen by the sampler that the exact table says are
impossible (never acceptable).

References
----------
K. Pearson, "On the criterion that a given system of deviations ...", 1900 (chi-square).
E. B. Wilson, "Probable inference, the law of succession, and statistical inference", 1927.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .architectures import MLP
from .errors import PfmapError
from .intervals import Z95, wilson_interval
from .priors import Prior


@dataclass
class CrossvalReport:
    """Per-function comparison and a verdict (the result of :func:`compare_tables`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per function of either table: ``function``, ``exact`` (probability), ``error`` (its
        bound), ``sampled`` (count / samples), ``count``, ``expected``, ``z``, ``inside_ci``.
    samples : int
        The number of sampled networks.
    chi2, dof, p_value : float, int, float
        Pearson's statistic, its degrees of freedom and its p-value.
    max_abs_z, z_limit : float
        The largest ``|z|`` and its Bonferroni limit at ``alpha``.
    n_outside_ci, expected_outside_ci : int, float
        Functions whose exact value is outside the sampled 95% interval, and how many chance gives.
    impossible_seen : list of str
        Functions sampled that the exact table says are impossible.
    alpha : float
        The test level.

    Examples
    --------
    >>> exact = pd.DataFrame({"function": ["0", "1"], "probability": [0.5, 0.5]})
    >>> r = compare_tables(exact, pd.DataFrame({"function": ["0", "1"], "count": [520, 480]}))
    >>> r.passed, r.dof
    (True, 1)
    """

    table: pd.DataFrame
    samples: int
    chi2: float
    dof: int
    p_value: float
    max_abs_z: float
    z_limit: float
    n_outside_ci: int
    expected_outside_ci: float
    impossible_seen: list = field(default_factory=list)
    alpha: float = 1e-3

    @property
    def passed(self) -> bool:
        """No impossible function seen, chi-square p above ``alpha`` and every ``|z|`` below its limit."""
        return (not self.impossible_seen and self.p_value > self.alpha and self.max_abs_z < self.z_limit)

    @property
    def verdict(self) -> str:
        """``"PASS"`` or ``"FAIL"``."""
        return "PASS" if self.passed else "FAIL"

    def summary(self) -> str:
        """Plain-text summary: counts, chi-square, largest z, interval misses, verdict.

        Returns
        -------
        str

        Examples
        --------
        >>> exact = pd.DataFrame({"function": ["0", "1"], "probability": [0.5, 0.5]})
        >>> print(compare_tables(exact, pd.DataFrame({"function": ["0", "1"], "count": [5, 5]})).summary())
        samples: 10; functions: 2 exact, 2 seen
        chi-square: 0.00 on 1 degrees of freedom, p = 1
        largest |z|: 0.00 (limit 3.48, Bonferroni at alpha = 0.001)
        exact value outside the sampled 95% interval: 0 functions (about 0.1 expected by chance)
        verdict: PASS
        """
        lines = [
            f"samples: {self.samples:,}; functions: {int((self.table['exact'] > 0).sum())} exact, "
            f"{int((self.table['count'] > 0).sum())} seen",
            f"chi-square: {self.chi2:.2f} on {self.dof} degrees of freedom, p = {self.p_value:.3g}",
            f"largest |z|: {self.max_abs_z:.2f} (limit {self.z_limit:.2f}, Bonferroni at alpha = {self.alpha:g})",
            f"exact value outside the sampled 95% interval: {self.n_outside_ci} functions "
            f"(about {self.expected_outside_ci:.1f} expected by chance)",
        ]
        if self.impossible_seen:
            shown = ", ".join(self.impossible_seen[:5])
            lines.append(f"IMPOSSIBLE functions sampled: {len(self.impossible_seen)} ({shown})")
        lines.append(f"verdict: {self.verdict}")
        return "\n".join(lines)


def compare_tables(exact: pd.DataFrame, sampled: pd.DataFrame, samples: int | None = None, *,
                   alpha: float = 1e-3) -> CrossvalReport:
    """Compare a geometry table with a sampled one (counts), function by function.

    ``exact`` has ``function`` and ``probability``, optionally ``error`` (a
    rigorous bound, which widens the interval check) and ``std_error`` (for a
    Rao-Blackwellised estimate: its own sampling noise, added to every
    variance).  Per function ``z = (c - N p) / sqrt(N p (1 - p) + N^2 s^2)``;
    Pearson's statistic uses the same variances, with functions of expected
    count below 5 pooled (approximate when ``s > 0``: the estimate's noise is
    treated as independent between functions).

    Parameters
    ----------
    exact : pandas.DataFrame
        ``function``, ``probability`` (and ``error``, ``std_error`` when known).
    sampled : pandas.DataFrame
        ``function``, ``count`` (and ``ci_low``, ``ci_high``).
    samples : int, optional
        The number of sampled networks (default: the sum of the counts).
    alpha : float
        The level of the chi-square test and of the Bonferroni limit on ``|z|``.

    Returns
    -------
    CrossvalReport

    Raises
    ------
    PfmapError
        If a table lacks its columns or there are no samples.

    Examples
    --------
    >>> exact = pd.DataFrame({"function": ["0", "1"], "probability": [0.5, 0.5]})
    >>> sampled = pd.DataFrame({"function": ["0", "1"], "count": [5030, 4970],
    ...                         "ci_low": [0.493, 0.487], "ci_high": [0.513, 0.507]})
    >>> r = compare_tables(exact, sampled)
    >>> r.verdict, round(r.max_abs_z, 2)
    ('PASS', 0.6)
    """
    for name, df, col in (("exact", exact, "probability"), ("sampled", sampled, "count")):
        if "function" not in df.columns or col not in df.columns:
            raise PfmapError(f"the {name} table needs 'function' and '{col}' columns")
    e = exact[["function", "probability"] + [c for c in ("error", "std_error") if c in exact.columns]]
    e = e.rename(columns={"probability": "exact"})
    s = sampled[["function", "count"] + [c for c in ("ci_low", "ci_high") if c in sampled.columns]]
    joined = e.merge(s, on="function", how="outer")
    for col in ("exact", "error", "std_error"):
        joined[col] = pd.to_numeric(joined[col], errors="coerce").fillna(0.0).astype(float) \
            if col in joined.columns else 0.0
    joined["count"] = joined["count"].fillna(0).astype(np.int64)
    total = int(samples if samples is not None else joined["count"].sum())
    if total <= 0:
        raise PfmapError("the sampled table has no samples")
    p, c = joined["exact"].to_numpy(), joined["count"].to_numpy()
    extra = (total * joined["std_error"].to_numpy()) ** 2
    variance = total * p * (1 - p) + extra
    joined["sampled"] = c / total
    joined["expected"] = total * p
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(variance > 0, (c - total * p) / np.sqrt(variance), np.where(c > 0, np.inf, 0.0))
    joined["z"] = z
    if {"ci_low", "ci_high"} <= set(joined.columns):
        lo = joined["ci_low"].fillna(0.0).to_numpy()
        hi = joined["ci_high"].fillna(_zero_count_upper(total)).to_numpy()
    else:
        lo, hi = wilson_interval(c, total)
    widen = joined["error"].to_numpy() + Z95 * joined["std_error"].to_numpy()
    inside = (p + widen >= lo) & (p - widen <= hi)
    joined["inside_ci"] = inside
    impossible = joined.loc[(p == 0) & (c > 0), "function"].tolist()

    chi2, dof, p_value = _chi_square(p[p > 0], c[p > 0], extra[p > 0], total)
    k = max(1, int((p > 0).sum()))
    z_limit = float(stats.norm.isf(alpha / (2 * k)))
    finite = np.abs(z[np.isfinite(z)])
    joined = joined.sort_values(["exact", "function"], ascending=[False, True]).reset_index(drop=True)
    return CrossvalReport(
        table=joined, samples=total, chi2=chi2, dof=dof, p_value=p_value,
        max_abs_z=float(finite.max()) if finite.size else 0.0, z_limit=z_limit,
        n_outside_ci=int((~inside[p > 0]).sum()), expected_outside_ci=0.05 * k,
        impossible_seen=impossible, alpha=alpha,
    )


def _chi_square(p: np.ndarray, c: np.ndarray, extra: np.ndarray, total: int) -> tuple[float, int, float]:
    """Pearson's test (variance ``E + extra`` per bin) with functions of expected count < 5 pooled."""
    expected = total * p
    big = expected >= 5
    obs, exp, var = list(c[big]), list(expected[big]), list(expected[big] + extra[big])
    rest_exp = total - float(np.sum(expected[big]))
    rest_obs = total - int(np.sum(c[big]))
    rest_var = rest_exp + float(np.sum(extra[~big]))
    if rest_exp >= 5 or (rest_exp > 0 and not obs):
        obs.append(rest_obs)
        exp.append(rest_exp)
        var.append(rest_var)
    elif exp:  # fold a tiny remainder into the smallest kept bin
        i = int(np.argmin(exp))
        obs[i] += rest_obs
        exp[i] += rest_exp
        var[i] += rest_var
    obs, exp, var = (np.asarray(v, dtype=float) for v in (obs, exp, var))
    if len(exp) < 2:
        return 0.0, 0, 1.0
    chi2 = float(np.sum((obs - exp) ** 2 / var))
    dof = len(exp) - 1
    return chi2, dof, float(stats.chi2.sf(chi2, dof))


def _zero_count_upper(total: int) -> float:
    return float(wilson_interval(np.array([0]), total)[1][0])


def crossval_perceptron(n: int, prior: Prior, encoding: str = "01", *, samples: int = 100_000, seed: int = 0,
                        backend: str | None = None, progress: bool = False, alpha: float = 1e-3) -> CrossvalReport:
    """Sample a perceptron with ``montecarlo`` and compare with the exact ``geometry`` table.

    Parameters
    ----------
    n : int
        The number of inputs.
    prior : GaussianPrior or UniformPrior
        The prior (sampled and integrated alike).
    encoding : {"01", "pm1"}
        The input cube.
    samples, seed, backend, progress
        As :func:`pfmap.montecarlo.sample`.
    alpha : float
        As :func:`compare_tables`.

    Returns
    -------
    CrossvalReport

    Raises
    ------
    PfmapError
        As :func:`pfmap.geometry.perceptron_table` and :func:`pfmap.montecarlo.sample`.

    Examples
    --------
    >>> from pfmap import UniformPrior
    >>> crossval_perceptron(2, UniformPrior(), samples=20_000).verdict
    'PASS'

    References
    ----------
    Mingard et al. 2019 (arXiv:1909.11522) sample perceptron tables the same way.
    """
    from pfmap.geometry.perceptron.table import perceptron_table
    from pfmap.montecarlo import sample

    from .architectures import Perceptron

    arch = Perceptron(n, prior)
    exact = perceptron_table(n, prior, encoding)
    sampled = sample(arch, samples, seed=seed, inputs=encoding, backend=backend, progress=progress)
    return compare_tables(exact, sampled, samples=samples, alpha=alpha)


def crossval_mlp(arch: MLP, encoding: str = "01", *, samples: int = 100_000, seed: int = 0, backend: str | None = None,
                 progress: bool = False, alpha: float = 1e-3, rb_samples: int | None = None) -> CrossvalReport:
    """Sample a tiny MLP with ``montecarlo`` and compare with its ``geometry`` table.

    Step nets are compared with their exact table; relu/tanh nets with the
    Rao-Blackwellised estimate (seeded with ``seed + 1`` so that the two
    runs are independent), whose own standard error enters every variance.

    Parameters
    ----------
    arch : MLP
        A tiny net (see :func:`pfmap.geometry.network_table`).
    encoding : {"01", "pm1"}
        The input cube.
    samples, seed, backend, progress
        As :func:`pfmap.montecarlo.sample`.
    alpha : float
        As :func:`compare_tables`.
    rb_samples : int, optional
        Hidden-layer draws of the Rao-Blackwell estimate (relu/tanh).

    Returns
    -------
    CrossvalReport

    Raises
    ------
    PfmapError
        As :func:`pfmap.geometry.network_table` and :func:`pfmap.montecarlo.sample`.

    Examples
    --------
    >>> from pfmap import MLP, UniformPrior
    >>> crossval_mlp(MLP(2, (2,), "step", UniformPrior()), samples=20_000).verdict
    'PASS'

    References
    ----------
    C. Mingard et al., arXiv:1909.11522, 2019 (sampled tables of the same kind);
    D. Blackwell, Ann. Math. Stat. 18, 1947 (conditioning reduces variance).
    """
    from pfmap.geometry.networks import network_method, network_table
    from pfmap.montecarlo import sample

    sampled = sample(arch, samples, seed=seed, inputs=encoding, backend=backend, progress=progress)
    if network_method(arch) == "exact":
        return compare_tables(network_table(arch, encoding), sampled, samples=samples, alpha=alpha)
    estimate = network_table(arch, encoding, samples=rb_samples, seed=seed + 1)
    return compare_tables(estimate, sampled, samples=samples, alpha=alpha)
