"""The exact perceptron volume table: every function, its conditions, its probability under the prior."""

from __future__ import annotations

import pandas as pd

from pfmap.architectures import Perceptron
from pfmap.errors import PfmapError
from pfmap.inputs import validate_encoding
from pfmap.priors import GaussianPrior, UniformPrior
from pfmap.tables import sort_table

from pfmap.geometry.perceptron.regions import check_enumerable, perceptron_regions
from pfmap.geometry.cones.box import MAX_BOX_N
from pfmap.geometry.perceptron.measures import perceptron_box_volumes

MAX_GAUSSIAN_N = 4            # with bias; without bias one more (the cones have n parameters, not n + 1)
MAX_GAUSSIAN_N_NO_BIAS = 5


def perceptron_table(n: int, prior: GaussianPrior | UniformPrior | None = None, encoding: str = "01",
                     volumes: bool = True) -> pd.DataFrame:
    """Volume table of a perceptron on ``{0,1}^n`` or ``{-1,1}^n``: one row per realisable function.

    Columns: ``function``, ``probability`` (float), ``exact`` (Fraction for
    the box; sympy expression for a Gaussian cone in dimension <= 3; None
    otherwise), ``error`` (a rigorous bound on ``|probability - true|``, 0
    when exact up to float rounding), ``n_conditions`` and ``conditions``
    (the irredundant half-spaces), ``n_ones`` (T), ``witness`` (integer
    parameters realising the function) and ``method``.  With ``volumes=False``
    only the functions and their conditions (n <= 5).

    Examples
    --------
    >>> from pfmap import UniformPrior
    >>> t = perceptron_table(2, UniformPrior())
    >>> t.loc[t.function == "0001", ["exact", "n_conditions", "conditions"]].values.tolist()
    [[Fraction(1, 48), 3, 'x+y+z>0, x+z<0, y+z<0']]

    References
    ----------
    Mingard et al., "Neural networks are a priori biased towards Boolean functions
    with low entropy", arXiv:1909.11522, 2019.
    """
    encoding = validate_encoding(encoding)
    prior = prior if prior is not None else GaussianPrior()
    arch = Perceptron(n, prior)  # validates n and the prior
    check_enumerable(arch.n, encoding, prior.bias)
    regions = perceptron_regions(arch.n, encoding, prior.bias)
    rows = {
        "function": regions.functions,
        "n_conditions": regions.n_conditions.astype(int),
        "conditions": [regions.conditions_text(i) for i in range(len(regions))],
        "n_ones": regions.outputs.sum(axis=1).astype(int),
        "witness": [" ".join(str(int(v)) for v in w) for w in regions.witnesses],
    }
    hint = f"(conditions_only=True lists its {len(regions):,} functions and their conditions)"
    if not volumes:
        pass
    elif isinstance(prior, UniformPrior):
        if arch.n > MAX_BOX_N:
            raise PfmapError(f"exact box volumes run for n <= {MAX_BOX_N}; for n = {arch.n} use "
                             f"pfmap.montecarlo.sample {hint}")
        vols = perceptron_box_volumes(regions, prior)
        rows["probability"] = [float(v) for v in vols]
        rows["exact"] = vols
        rows["error"] = [0.0] * len(vols)
        rows["method"] = ["box volume (exact)"] * len(vols)
    else:
        limit = MAX_GAUSSIAN_N if prior.bias else MAX_GAUSSIAN_N_NO_BIAS
        if arch.n > limit:
            box = (f"; prior=UniformPrior() gives exact box volumes up to n = {MAX_BOX_N}"
                   if arch.n <= MAX_BOX_N else "")
            raise PfmapError(f"certified Gaussian measures run for n <= {MAX_GAUSSIAN_N} with bias "
                             f"(n <= {MAX_GAUSSIAN_N_NO_BIAS} without); for n = {arch.n} use "
                             f"pfmap.montecarlo.sample {hint}{box}")
        from pfmap.geometry.perceptron.measures import perceptron_gaussian_measures

        measures = perceptron_gaussian_measures(regions, prior)
        rows["probability"] = [float(m.probability) for m in measures]
        rows["exact"] = [m.exact for m in measures]
        rows["error"] = [float(m.error) for m in measures]
        rows["method"] = ["gaussian closed form" if m.exact is not None else "gaussian certified"
                          for m in measures]
    df = sort_table(pd.DataFrame(rows))
    df.attrs["pfmap"] = {
        "engine": "geometry",
        "architecture": arch.to_dict(),
        "inputs": encoding,
        "description": arch.describe() + f", inputs {{{'0,1' if encoding == '01' else '-1,1'}}}^{arch.n}",
        "regions": len(regions),
    }
    return df
