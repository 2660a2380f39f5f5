"""Tiny networks with hidden layers: one entry point, the right method for the activation, and its defaults.

* step activations: every probability exact, composed from perceptron
  measures (:mod:`pfmap.geometry.step_networks.table`): Fractions for the box, closed
  forms or rigorous bounds for the Gaussian;
* relu, tanh, linear: the hidden layers are sampled and the output layer's
  conditional law is integrated in closed form, a Rao–Blackwellised Monte
  Carlo estimate with confidence intervals (:mod:`pfmap.geometry.rao_blackwell`),
  by default with :data:`DEFAULT_SAMPLES` hidden samples: ``2^22`` for output
  layers of dimension 4 (``2^23`` with at most two inputs; seconds: there the
  per-sample variance is higher and randomised QMC gains with the sample
  count), ``2e5`` otherwise.

Both return the volume table shape of ``pfmap`` (``function, probability,
exact, error, ...``, plus ``method``).

References
----------
C. Mingard et al., arXiv:1909.11522, 2019; G. Valle-Pérez et al., ICLR 2019.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pfmap.architectures import MLP
from pfmap.errors import PfmapError

from pfmap.geometry.rao_blackwell.estimate import RaoBlackwellEstimate
from pfmap.geometry.rao_blackwell.run import check_rao_blackwell, rao_blackwell, rao_blackwell_table
from pfmap.geometry.step_networks.table import (StepNetworkMeasure, check_step_network, step_network_cases,
                                                step_network_measure, step_network_table)

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_SAMPLES = {1: 200_000, 2: 200_000, 3: 200_000, 4: 1 << 22}   # by output-layer dimension
SMALL_4D_SAMPLES = 1 << 23   # dimension 4 on at most 4 input points (2-3-1): a sample costs ~1 us, QMC gains

__all__ = ["DEFAULT_SAMPLES", "RaoBlackwellEstimate", "StepNetworkMeasure", "check_rao_blackwell",
           "check_step_network", "network_method", "network_table", "rao_blackwell", "rao_blackwell_table",
           "step_network_cases", "step_network_measure", "step_network_table"]


def network_method(arch: MLP) -> str:
    """How :func:`network_table` computes a net's table: ``"exact"`` for step nets, ``"rao-blackwell"`` otherwise.

    Parameters
    ----------
    arch : MLP
        A network with at least one hidden layer.

    Returns
    -------
    str

    Raises
    ------
    PfmapError
        For a perceptron (no hidden layer).

    Examples
    --------
    >>> from pfmap import MLP
    >>> network_method(MLP(2, (2,), "step")), network_method(MLP(2, (2,), "relu"))
    ('exact', 'rao-blackwell')
    """
    if not isinstance(arch, MLP) or not arch.widths:
        raise PfmapError("expected a network with at least one hidden layer; a perceptron has its own table")
    return "exact" if arch.activation == "step" else "rao-blackwell"


def network_table(arch: MLP, encoding: str = "01", *, samples: int | None = None, seed: int = 0,
                  confidence: float = 0.95, workers: int = 1, sampler: str = "rqmc", top: int = 3,
                  progress: bool | str = False) -> pd.DataFrame:
    """Volume table of a tiny MLP: exact for step activations, Rao–Blackwellised otherwise.

    Parameters
    ----------
    arch : MLP
        The network (at least one hidden layer).
    encoding : {"01", "pm1"}
        The input set.
    samples : int, optional
        Hidden-parameter draws of the Rao-Blackwell estimate; the default depends on the output layer's
        dimension (:data:`DEFAULT_SAMPLES`).  Step nets take none.
    seed, confidence, workers, sampler
        As for :func:`pfmap.geometry.rao_blackwell.run.rao_blackwell_table` (Rao-Blackwell only).
    progress : bool or "auto"
        A progress bar on stderr (both methods).
    top : int
        Step nets: hidden-code combinations listed per function.

    Returns
    -------
    pandas.DataFrame
        The volume table (``function, probability, exact, error, ...``, plus ``method``).

    Raises
    ------
    PfmapError
        For ``samples`` with a step net, or a net either method cannot take.

    Examples
    --------
    >>> from pfmap import MLP, UniformPrior
    >>> t = network_table(MLP(2, (2,), "step", UniformPrior()))
    >>> t.set_index("function").loc["0110", "exact"]       # xor, impossible for a perceptron
    Fraction(7, 9216)

    References
    ----------
    C. Mingard et al., arXiv:1909.11522, 2019; D. Blackwell, Ann. Math. Stat. 18, 1947.
    """
    if network_method(arch) == "exact":
        if samples is not None:
            raise PfmapError("step nets are computed exactly; drop the number of samples")
        return step_network_table(arch, encoding, top=top, progress=progress)
    d = check_rao_blackwell(arch)
    if samples is None:
        samples = SMALL_4D_SAMPLES if d == 4 and arch.n <= 2 else DEFAULT_SAMPLES[d]
    return rao_blackwell_table(arch, samples, seed, encoding=encoding, confidence=confidence, workers=workers,
                               sampler=sampler, progress=progress)
