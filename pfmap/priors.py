"""Priors over network parameters: Gaussian or uniform box, with or without biases.

Scales are kept exact (:class:`fractions.Fraction`) so that the geometry
engine can return exact volumes; a float given by the user is read as the
decimal it prints as (``0.1`` is ``1/10``).

Defaults, the same everywhere: Gaussian with ``sigma_w = sigma_b = 1`` and no
fan-in scaling; uniform with ``a_w = a_b = 1``; bias on.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from fractions import Fraction

from .errors import PfmapError

PRIOR_KINDS = ("gaussian", "uniform")


def as_fraction(value: numbers.Real | str, name: str = "value") -> Fraction:
    """Read a positive finite scale exactly.

    Parameters
    ----------
    value : int, float, str, Fraction or sympy Rational
        The scale; a float is read as the decimal it prints as.
    name : str
        The parameter's name, for the message.

    Returns
    -------
    fractions.Fraction

    Raises
    ------
    PfmapError
        If ``value`` is not a positive finite number.

    Examples
    --------
    >>> as_fraction(0.1)
    Fraction(1, 10)
    >>> as_fraction("2/3")
    Fraction(2, 3)
    """
    if isinstance(value, bool):
        raise PfmapError(f"{name} must be a positive number; got {value!r}")
    try:
        if isinstance(value, Fraction):
            result = value
        elif isinstance(value, int):
            result = Fraction(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError
            result = Fraction(repr(value))
        elif isinstance(value, str):
            result = Fraction(value.strip())
        elif hasattr(value, "p") and hasattr(value, "q"):  # a sympy Rational
            result = Fraction(int(value.p), int(value.q))
        else:
            f = float(value)
            if not math.isfinite(f):
                raise ValueError
            result = Fraction(repr(f))
    except (ValueError, TypeError, ZeroDivisionError):
        raise PfmapError(f"{name} must be a positive number; got {value!r}") from None
    if result <= 0:
        raise PfmapError(f"{name} must be > 0; got {value!r}")
    return result


@dataclass(frozen=True)
class GaussianPrior:
    """Weights ``N(0, sigma_w**2 / fan_in)`` (with fan-in scaling) or ``N(0, sigma_w**2)``; biases ``N(0, sigma_b**2)``.

    Parameters
    ----------
    sigma_w, sigma_b : number
        Weight and bias standard deviations (kept exact, see :func:`as_fraction`).
    fan_in_scaling : bool
        Divide the weight variance by the unit's fan-in.
    bias : bool
        Whether the units have biases.

    Raises
    ------
    PfmapError
        If a scale is not a positive finite number.

    Examples
    --------
    >>> p = GaussianPrior(sigma_w=2, fan_in_scaling=True)
    >>> p.weight_variance(4)
    Fraction(1, 1)
    >>> GaussianPrior().describe()
    'gaussian(sigma_w=1, sigma_b=1)'
    """

    sigma_w: Fraction = Fraction(1)
    sigma_b: Fraction = Fraction(1)
    fan_in_scaling: bool = False
    bias: bool = True
    kind: str = field(default="gaussian", init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "sigma_w", as_fraction(self.sigma_w, "sigma_w"))
        object.__setattr__(self, "sigma_b", as_fraction(self.sigma_b, "sigma_b"))
        object.__setattr__(self, "fan_in_scaling", bool(self.fan_in_scaling))
        object.__setattr__(self, "bias", bool(self.bias))

    def weight_variance(self, fan_in: int) -> Fraction:
        """Exact variance of one weight of a unit with ``fan_in`` inputs.

        Parameters
        ----------
        fan_in : int
            The unit's number of inputs.

        Returns
        -------
        fractions.Fraction

        Examples
        --------
        >>> GaussianPrior(sigma_w=3, fan_in_scaling=True).weight_variance(3)
        Fraction(3, 1)
        """
        var = self.sigma_w**2
        return var / fan_in if self.fan_in_scaling else var

    def bias_variance(self) -> Fraction:
        """Exact variance of a bias (0 when there is none).

        Returns
        -------
        fractions.Fraction

        Examples
        --------
        >>> GaussianPrior(sigma_b=0.5).bias_variance(), GaussianPrior(bias=False).bias_variance()
        (Fraction(1, 4), Fraction(0, 1))
        """
        return self.sigma_b**2 if self.bias else Fraction(0)

    def weight_scale(self, fan_in: int) -> float:
        """Standard deviation of one weight, as a float.

        Parameters
        ----------
        fan_in : int
            The unit's number of inputs.

        Returns
        -------
        float

        Examples
        --------
        >>> GaussianPrior(sigma_w=2, fan_in_scaling=True).weight_scale(4)
        1.0
        """
        return math.sqrt(self.weight_variance(fan_in))

    def bias_scale(self) -> float:
        """Standard deviation of a bias, as a float (0 without bias).

        Returns
        -------
        float

        Examples
        --------
        >>> GaussianPrior(sigma_b=0.5).bias_scale()
        0.5
        """
        return float(self.sigma_b) if self.bias else 0.0

    def describe(self) -> str:
        """A short human-readable description.

        Returns
        -------
        str

        Examples
        --------
        >>> GaussianPrior(sigma_w=2, fan_in_scaling=True, bias=False).describe()
        'gaussian(sigma_w=2, fan_in_scaling, no bias)'
        """
        parts = [f"sigma_w={_fmt(self.sigma_w)}"]
        if self.bias:
            parts.append(f"sigma_b={_fmt(self.sigma_b)}")
        if self.fan_in_scaling:
            parts.append("fan_in_scaling")
        if not self.bias:
            parts.append("no bias")
        return "gaussian(" + ", ".join(parts) + ")"

    def to_dict(self) -> dict:
        """A JSON-ready description (scales as exact strings); :func:`prior_from_dict` reads it back.

        Returns
        -------
        dict

        Examples
        --------
        >>> GaussianPrior(sigma_b=0.5).to_dict()
        {'kind': 'gaussian', 'sigma_w': '1', 'sigma_b': '1/2', 'fan_in_scaling': False, 'bias': True}
        """
        return {"kind": "gaussian", "sigma_w": str(self.sigma_w), "sigma_b": str(self.sigma_b),
                "fan_in_scaling": self.fan_in_scaling, "bias": self.bias}


@dataclass(frozen=True)
class UniformPrior:
    """Weights uniform on ``[-a_w, a_w]``, biases uniform on ``[-a_b, a_b]``: a box.

    Parameters
    ----------
    a_w, a_b : number
        Half-widths of the weight and bias intervals (kept exact).
    bias : bool
        Whether the units have biases.

    Raises
    ------
    PfmapError
        If a half-width is not a positive finite number.

    Examples
    --------
    >>> UniformPrior(a_w=2).describe()
    'uniform(a_w=2, a_b=1)'
    """

    a_w: Fraction = Fraction(1)
    a_b: Fraction = Fraction(1)
    bias: bool = True
    kind: str = field(default="uniform", init=False, repr=False)
    fan_in_scaling: bool = field(default=False, init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "a_w", as_fraction(self.a_w, "a_w"))
        object.__setattr__(self, "a_b", as_fraction(self.a_b, "a_b"))
        object.__setattr__(self, "bias", bool(self.bias))

    def weight_scale(self, fan_in: int) -> float:
        """Half-width of the weight interval, as a float (the same for every fan-in).

        Parameters
        ----------
        fan_in : int
            The unit's number of inputs (unused: the box does not scale).

        Returns
        -------
        float

        Examples
        --------
        >>> UniformPrior(a_w=0.5).weight_scale(10)
        0.5
        """
        return float(self.a_w)

    def bias_scale(self) -> float:
        """Half-width of the bias interval, as a float (0 without bias).

        Returns
        -------
        float

        Examples
        --------
        >>> UniformPrior(a_b=2).bias_scale()
        2.0
        """
        return float(self.a_b) if self.bias else 0.0

    def describe(self) -> str:
        """A short human-readable description.

        Returns
        -------
        str

        Examples
        --------
        >>> UniformPrior(bias=False).describe()
        'uniform(a_w=1, no bias)'
        """
        parts = [f"a_w={_fmt(self.a_w)}"]
        parts.append(f"a_b={_fmt(self.a_b)}" if self.bias else "no bias")
        return "uniform(" + ", ".join(parts) + ")"

    def to_dict(self) -> dict:
        """A JSON-ready description; :func:`prior_from_dict` reads it back.

        Returns
        -------
        dict

        Examples
        --------
        >>> UniformPrior(a_w=2).to_dict()
        {'kind': 'uniform', 'a_w': '2', 'a_b': '1', 'bias': True}
        """
        return {"kind": "uniform", "a_w": str(self.a_w), "a_b": str(self.a_b), "bias": self.bias}


Prior = GaussianPrior | UniformPrior


def make_prior(kind: str = "gaussian", *, sigma_w: numbers.Real | str = 1, sigma_b: numbers.Real | str = 1,
               fan_in_scaling: bool = False, a_w: numbers.Real | str = 1, a_b: numbers.Real | str = 1,
               bias: bool = True) -> Prior:
    """Build a prior by name, rejecting options that do not belong to it.

    Parameters
    ----------
    kind : {"gaussian", "uniform"}
        Also ``"normal"``/``"gauss"`` and ``"box"``.
    sigma_w, sigma_b, fan_in_scaling
        The Gaussian prior's options.
    a_w, a_b
        The uniform prior's half-widths.
    bias : bool
        Whether the units have biases.

    Returns
    -------
    GaussianPrior or UniformPrior

    Raises
    ------
    PfmapError
        For an unknown ``kind``, bad scales, or ``fan_in_scaling`` with the uniform prior.

    Examples
    --------
    >>> make_prior("uniform", a_w=2, bias=False).describe()
    'uniform(a_w=2, no bias)'
    >>> make_prior("gaussian", sigma_b=0.5)
    GaussianPrior(sigma_w=Fraction(1, 1), sigma_b=Fraction(1, 2), fan_in_scaling=False, bias=True)
    """
    key = str(kind).strip().lower()
    if key in ("gaussian", "normal", "gauss"):
        return GaussianPrior(sigma_w, sigma_b, fan_in_scaling, bias)
    if key in ("uniform", "box"):
        if fan_in_scaling:
            raise PfmapError("fan-in scaling applies to the Gaussian prior only; set the box with a_w/a_b")
        return UniformPrior(a_w, a_b, bias)
    raise PfmapError(f"unknown prior {kind!r}; use 'gaussian' or 'uniform'")


def prior_from_dict(data: dict) -> Prior:
    """Inverse of ``prior.to_dict()`` (used by run manifests and table metadata).

    Parameters
    ----------
    data : dict
        A :meth:`GaussianPrior.to_dict` or :meth:`UniformPrior.to_dict` result.

    Returns
    -------
    GaussianPrior or UniformPrior

    Raises
    ------
    PfmapError
        For an unknown ``kind`` or bad scales.

    Examples
    --------
    >>> prior_from_dict(GaussianPrior(sigma_b=3).to_dict()) == GaussianPrior(sigma_b=3)
    True
    """
    data = dict(data)
    kind = data.pop("kind", None)
    if kind == "gaussian":
        return GaussianPrior(**data)
    if kind == "uniform":
        return UniformPrior(**data)
    raise PfmapError(f"unknown prior {kind!r}; use 'gaussian' or 'uniform'")


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else (str(x) if x.denominator < 1000 else f"{float(x):g}")
