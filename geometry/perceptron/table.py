"""The exact perceptron volume table in memory: every function, its conditions, its probability under the prior.

What can be computed is decided before anything is enumerated: exact box
volumes up to dimension ``MAX_BOX_N + 1`` (``n <= 5`` with bias), certified
Gaussian measures up to dimension
:data:`pfmap.geometry.cones.orthant.MAX_ORTHANT_DIMENSION` (read at call
time, so the limit follows the orthant code), conditions only up to the
in-memory enumeration limit.  The ``n = 6`` tables are written to a file by
:func:`~pfmap.geometry.perceptron.table_file.perceptron_table_file`.
"""

from __future__ import annotations

import pandas as pd

from pfmap.architectures import Perceptron
from pfmap.errors import PfmapError
from pfmap.inputs import validate_encoding
from pfmap.priors import GaussianPrior, UniformPrior
from pfmap.tables import sort_table

from pfmap.geometry.cones import orthant
from pfmap.geometry.cones.box import MAX_BOX_N
from pfmap.geometry.perceptron.regions import check_enumerable, enumeration_limit, perceptron_regions
from pfmap.geometry.perceptron.volumes import perceptron_box_volumes

# At import: with bias the cones have n + 1 parameters, without bias n (see gaussian_limit for the live value).
MAX_GAUSSIAN_N = orthant.MAX_ORTHANT_DIMENSION - 1
MAX_GAUSSIAN_N_NO_BIAS = orthant.MAX_ORTHANT_DIMENSION


def gaussian_limit(bias: bool) -> int:
    """The largest ``n`` with certified Gaussian measures: the orthant code's dimension, less the bias.

    Parameters
    ----------
    bias : bool

    Returns
    -------
    int
        ``MAX_ORTHANT_DIMENSION - 1`` with bias, ``MAX_ORTHANT_DIMENSION`` without.

    Examples
    --------
    >>> gaussian_limit(False) - gaussian_limit(True)
    1
    """
    return orthant.MAX_ORTHANT_DIMENSION - (1 if bias else 0)


def check_table_request(n: int, prior: GaussianPrior | UniformPrior, encoding: str, *, volumes: bool = True,
                        maximum: int | None = None) -> None:
    """Refuse, before any enumeration, a table that cannot be computed exactly.

    Parameters
    ----------
    n : int
        Number of inputs.
    prior : GaussianPrior or UniformPrior
    encoding : {"01", "pm1"}
    volumes : bool
        Whether probabilities are asked for (False: functions and conditions only).
    maximum : int, optional
        The largest ``n`` enumerated (default: the in-memory limit).

    Raises
    ------
    PfmapError
        Naming what is out of reach and what to do instead (sampling, ``conditions_only=True``, the uniform
        prior).

    Examples
    --------
    >>> check_table_request(5, UniformPrior(), "01")
    >>> check_table_request(6, UniformPrior(), "01")
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: n = 6 has 15,028,134 threshold functions (OEIS A000609); in memory exact enumeration stops at n = 5: write the n = 6 table to a Parquet file with perceptron_table_file, or estimate it by sampling with pfmap.montecarlo.sample
    """
    encoding = validate_encoding(encoding)
    check_enumerable(n, encoding, prior.bias,
                     maximum=enumeration_limit(encoding, prior.bias) if maximum is None else maximum)
    if not volumes:
        return
    dimension = n + (1 if prior.bias else 0)
    hint = "(conditions_only=True lists its functions and their conditions)"
    if isinstance(prior, UniformPrior):
        if dimension > MAX_BOX_N + 1:
            raise PfmapError(f"exact box volumes run up to {MAX_BOX_N + 1} parameters (n = {n} has {dimension}); "
                             f"estimate them by sampling with pfmap.montecarlo.sample {hint}")
        return
    top = orthant.MAX_ORTHANT_DIMENSION
    if dimension > top:
        box = (f"; prior=UniformPrior() gives exact box volumes up to n = {MAX_BOX_N}"
               if dimension <= MAX_BOX_N + 1 else "")
        raise PfmapError(f"certified Gaussian measures run for n <= {gaussian_limit(True)} with bias "
                         f"(n <= {gaussian_limit(False)} without: up to {top} parameters); for n = {n} use "
                         f"pfmap.montecarlo.sample {hint}{box}")


def perceptron_table(n: int, prior: GaussianPrior | UniformPrior | None = None, encoding: str = "01", *,
                     volumes: bool = True, progress: bool | str = False) -> pd.DataFrame:
    """Volume table of a perceptron on ``{0,1}^n`` or ``{-1,1}^n``: one row per realisable function.

    Parameters
    ----------
    n : int
        Number of inputs (at most 5; larger tables: :func:`~pfmap.geometry.perceptron.table_file.perceptron_table_file`).
    prior : GaussianPrior or UniformPrior, optional
        Default ``GaussianPrior()``.
    encoding : {"01", "pm1"}
        The input cube.
    volumes : bool
        False: only the functions and their conditions.
    progress : bool or "auto"
        A progress bar over the orbits whose volume or measure is computed, on stderr.

    Returns
    -------
    pandas.DataFrame
        Columns ``function``, ``probability`` (float), ``exact`` (Fraction for the box; sympy expression for
        a Gaussian cone in dimension <= 3; None otherwise), ``error`` (a rigorous bound on
        ``|probability - true|``, 0 when exact up to float rounding), ``n_conditions`` and ``conditions``
        (the irredundant half-spaces), ``n_ones`` (T), ``witness`` (integer parameters realising the
        function) and ``method``; sorted by probability.  ``attrs["pfmap"]`` says how it was made.

    Raises
    ------
    PfmapError
        Before any enumeration, when ``n`` or the prior is out of reach (:func:`check_table_request`).

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
    check_table_request(arch.n, prior, encoding, volumes=volumes)
    regions = perceptron_regions(arch.n, encoding, prior.bias)
    rows = {
        "function": regions.functions,
        "n_conditions": regions.n_conditions.astype(int),
        "conditions": [regions.conditions_text(i) for i in range(len(regions))],
        "n_ones": regions.outputs.sum(axis=1).astype(int),
        "witness": [" ".join(str(int(v)) for v in w) for w in regions.witnesses],
    }
    if not volumes:
        pass
    elif isinstance(prior, UniformPrior):
        vols = perceptron_box_volumes(regions, prior, progress=progress)
        rows["probability"] = [float(v) for v in vols]
        rows["exact"] = vols
        rows["error"] = [0.0] * len(vols)
        rows["method"] = ["box volume (exact)"] * len(vols)
    else:
        from pfmap.geometry.perceptron.measures import perceptron_gaussian_measures

        measures = perceptron_gaussian_measures(regions, prior, progress=progress)
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
