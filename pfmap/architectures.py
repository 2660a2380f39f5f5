"""Architectures: a perceptron or a fully connected net with one output unit, carrying its prior.

The function a network computes on an input set is the truth table of
``[final pre-activation > 0]``.  Hidden activations are relu, tanh, step
(Heaviside: 1 if z > 0 else 0) or linear; :data:`ACTIVATION_CODES` gives the
integer code of each in compiled kernels, the same in every engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .errors import PfmapError
from .inputs import validate_n
from .priors import GaussianPrior, Prior, UniformPrior

ACTIVATIONS = ("relu", "tanh", "step", "linear")
# integer codes of the activations in compiled kernels (numba), the same in every engine
ACT_RELU, ACT_TANH, ACT_STEP, ACT_LINEAR = 0, 1, 2, 3
ACTIVATION_CODES = {"relu": ACT_RELU, "tanh": ACT_TANH, "step": ACT_STEP, "linear": ACT_LINEAR}
MAX_INPUTS = 1_000_000


def validate_activation(activation: str) -> str:
    """Canonical activation name.

    Parameters
    ----------
    activation : str
        ``relu``, ``tanh``, ``step`` or ``linear`` (any case), or an alias: ``heaviside``/``sign`` (step),
        ``identity`` (linear).

    Returns
    -------
    str

    Raises
    ------
    PfmapError
        For an unknown activation.

    Examples
    --------
    >>> validate_activation("ReLU")
    'relu'
    """
    key = str(activation).strip().lower()
    aliases = {"heaviside": "step", "sign": "step", "identity": "linear"}
    key = aliases.get(key, key)
    if key not in ACTIVATIONS:
        raise PfmapError(f"unknown activation {activation!r}; use one of {', '.join(ACTIVATIONS)}")
    return key


def parse_widths(widths: str | int | Sequence[int] | None) -> tuple[int, ...]:
    """Hidden-layer widths from ``"40,40"``, ``[40, 40]`` or ``()``.

    Parameters
    ----------
    widths : str, int, sequence of int, or None
        The widths; None or ``""`` is no hidden layer.

    Returns
    -------
    tuple of int

    Raises
    ------
    PfmapError
        If a width is not a positive whole number.

    Examples
    --------
    >>> parse_widths("40,40")
    (40, 40)
    >>> parse_widths("")
    ()
    """
    if widths is None:
        return ()
    if isinstance(widths, str):
        text = widths.strip().strip("[]()")
        items = [t for t in text.replace(" ", "").split(",") if t != ""] if text else []
    elif isinstance(widths, int):
        items = [widths]
    else:
        items = list(widths)
    out = []
    for item in items:
        try:
            value = int(item)
            if str(item).strip() not in (str(value), f"{value}.0") and not isinstance(item, int):
                raise ValueError
        except (TypeError, ValueError):
            raise PfmapError(f"widths must be positive whole numbers such as 40,40; got {widths!r}") from None
        if value < 1:
            raise PfmapError(f"every hidden width must be >= 1; got {value} in {widths!r}")
        out.append(value)
    return tuple(out)


@dataclass(frozen=True)
class MLP:
    """Fully connected net ``n -> widths... -> 1`` with one activation for all hidden layers.

    Parameters
    ----------
    n : int
        The number of inputs.
    widths : tuple of int or str
        Hidden-layer widths (see :func:`parse_widths`).
    activation : str
        The hidden activation (see :func:`validate_activation`).
    prior : GaussianPrior or UniformPrior
        The prior over every parameter (default: all N(0, 1)).

    Raises
    ------
    PfmapError
        For a bad ``n``, ``widths``, ``activation`` or ``prior``.

    Examples
    --------
    >>> net = MLP(7, (40, 40), "relu", GaussianPrior(fan_in_scaling=True))
    >>> net.layer_sizes, net.n_parameters
    ((7, 40, 40, 1), 2001)
    >>> net.describe()
    '7-40-40-1 relu, gaussian(sigma_w=1, sigma_b=1, fan_in_scaling)'
    """

    n: int
    widths: tuple = ()
    activation: str = "relu"
    prior: Prior = field(default_factory=GaussianPrior)

    def __post_init__(self):
        object.__setattr__(self, "n", validate_n(self.n, maximum=MAX_INPUTS))
        object.__setattr__(self, "widths", parse_widths(self.widths))
        object.__setattr__(self, "activation", validate_activation(self.activation))
        if not isinstance(self.prior, (GaussianPrior, UniformPrior)):
            raise PfmapError(f"prior must be a GaussianPrior or UniformPrior; got {self.prior!r}")

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """``(n, *widths, 1)``."""
        return (self.n, *self.widths, 1)

    @property
    def depth(self) -> int:
        """Number of weight layers."""
        return len(self.widths) + 1

    @property
    def is_perceptron(self) -> bool:
        """True without hidden layers."""
        return not self.widths

    @property
    def bias(self) -> bool:
        """Whether the units have biases (the prior's)."""
        return self.prior.bias

    @property
    def n_parameters(self) -> int:
        """Weights plus biases."""
        sizes = self.layer_sizes
        weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        return weights + (sum(sizes[1:]) if self.bias else 0)

    def name(self) -> str:
        """The layer sizes joined by dashes.

        Returns
        -------
        str

        Examples
        --------
        >>> MLP(3, (2,)).name()
        '3-2-1'
        """
        return "-".join(str(s) for s in self.layer_sizes)

    def describe(self) -> str:
        """A short human-readable description, the prior's included.

        Returns
        -------
        str

        Examples
        --------
        >>> MLP(2, (2,), "step").describe()
        '2-2-1 step, gaussian(sigma_w=1, sigma_b=1)'
        """
        if self.is_perceptron:
            return f"perceptron n={self.n}, {self.prior.describe()}"
        return f"{self.name()} {self.activation}, {self.prior.describe()}"

    def to_dict(self) -> dict:
        """A JSON-ready description; :func:`architecture_from_dict` reads it back.

        Returns
        -------
        dict

        Examples
        --------
        >>> MLP(2, (3,), "tanh").to_dict()["widths"]
        [3]
        """
        return {"n": self.n, "widths": list(self.widths), "activation": self.activation,
                "prior": self.prior.to_dict()}


class Perceptron(MLP):
    """A single threshold unit on ``n`` inputs: ``MLP(n, ())``.

    Parameters
    ----------
    n : int
        The number of inputs.
    prior : GaussianPrior or UniformPrior, optional
        Default: all parameters N(0, 1).

    Raises
    ------
    PfmapError
        For a bad ``n`` or ``prior``.

    Examples
    --------
    >>> p = Perceptron(3)
    >>> p.layer_sizes, p.n_parameters, p.is_perceptron
    ((3, 1), 4, True)
    """

    def __init__(self, n: int, prior: Prior | None = None):
        super().__init__(n, (), "step", prior if prior is not None else GaussianPrior())

    def __repr__(self) -> str:
        return f"Perceptron(n={self.n}, prior={self.prior!r})"


def architecture_from_dict(data: dict) -> MLP:
    """Inverse of ``to_dict`` (run manifests).

    Parameters
    ----------
    data : dict
        An :meth:`MLP.to_dict` result.

    Returns
    -------
    MLP or Perceptron
        A :class:`Perceptron` when there are no hidden layers.

    Raises
    ------
    PfmapError
        For bad values.

    Examples
    --------
    >>> architecture_from_dict(Perceptron(2).to_dict()) == Perceptron(2)
    True
    """
    from .priors import prior_from_dict

    prior = prior_from_dict(data["prior"])
    widths = tuple(data.get("widths", ()))
    if not widths:
        return Perceptron(data["n"], prior)
    return MLP(data["n"], widths, data.get("activation", "relu"), prior)
