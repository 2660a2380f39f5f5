"""Validation at the boundary: counts, whole numbers, seeds, probabilities.

Messages name the Python parameter (``samples must be ...``); the command
line translates parameter names into its flags in one place
(:data:`pfmap.cli.options.FLAG_NAMES`).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from pfmap.errors import PfmapError

MAX_COUNT = 2**63 - 1  # counts are int64 everywhere


def parse_count(value: int | float | str, name: str = "samples", *, maximum: int = MAX_COUNT) -> int:
    """A positive whole count given as ``100000``, ``1e8``, ``"1_000_000"`` or ``"2e6"``.

    Parameters
    ----------
    value : int, float or str
        The count.
    name : str
        The parameter's name, for the message.
    maximum : int
        The largest count accepted.

    Returns
    -------
    int

    Raises
    ------
    PfmapError
        For anything that is not a whole number in ``1 .. maximum`` (a bool, nan, inf, 1.5, "abc").

    Examples
    --------
    >>> parse_count("1e6"), parse_count(2_000)
    (1000000, 2000)
    >>> parse_count(0)
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: samples must be a positive whole number such as 1e6; got 0
    """
    if isinstance(value, bool):
        raise PfmapError(f"{name} must be a positive whole number such as 1e6; got {value!r}")
    if isinstance(value, (int, np.integer)):
        number = int(value)
    else:
        text = str(value).strip().replace("_", "")
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                raise PfmapError(f"{name} must be a positive whole number such as 1e6; got {value!r}") from None
            if not math.isfinite(as_float) or as_float != int(as_float):
                raise PfmapError(f"{name} must be a positive whole number such as 1e6; got {value!r}") from None
            number = int(as_float)
    if number < 1:
        raise PfmapError(f"{name} must be a positive whole number such as 1e6; got {value!r}")
    if number > maximum:
        raise PfmapError(f"{name} must be at most {maximum:.3g}; got {number:.3g}")
    return number


def check_whole(value: int | str, name: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer parameter within bounds (bools and non-integral numbers refused).

    Parameters
    ----------
    value : int
        The value.
    name : str
        The parameter's name, for the message.
    minimum, maximum : int
        Inclusive bounds (``maximum`` None: unbounded).

    Returns
    -------
    int

    Raises
    ------
    PfmapError
        Outside the bounds or not a whole number.

    Examples
    --------
    >>> check_whole(3, "workers", minimum=1)
    3
    >>> check_whole(2.5, "n")
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: n must be a whole number >= 0; got 2.5
    """
    bound = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        else:
            raise PfmapError(f"{name} must be a whole number {bound}; got {value!r}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        raise PfmapError(f"{name} must be a whole number {bound}; got {value}")
    return value


def check_seed(seed: int) -> int:
    """A seed: a whole number >= 0 (the one seed convention: chunk ``k`` uses child ``k`` of ``SeedSequence(seed)``).

    Parameters
    ----------
    seed : int
        The seed.

    Returns
    -------
    int

    Raises
    ------
    PfmapError
        For a negative, non-integral or boolean seed.

    Examples
    --------
    >>> check_seed(7)
    7
    """
    return check_whole(seed, "seed", minimum=0, maximum=2**63 - 1)


def check_probability(value: float, name: str, *, open_interval: bool = True) -> float:
    """A probability level such as ``alpha`` or ``delta``: a finite number in (0, 1).

    Parameters
    ----------
    value : float
        The value.
    name : str
        The parameter's name.
    open_interval : bool
        Refuse 0 and 1 (default), else accept [0, 1].

    Returns
    -------
    float

    Raises
    ------
    PfmapError
        Outside the interval, nan or not a number.

    Examples
    --------
    >>> check_probability(0.001, "alpha")
    0.001
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise PfmapError(f"{name} must be a number in (0, 1); got {value!r}") from None
    inside = (0.0 < x < 1.0) if open_interval else (0.0 <= x <= 1.0)
    if not math.isfinite(x) or not inside:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise PfmapError(f"{name} must be a number in {interval}; got {value!r}")
    return x


def check_positive(value: float | str, name: str) -> float:
    """A finite number > 0 (a learning rate, a standard deviation).

    Parameters
    ----------
    value : float or str
    name : str
        The parameter's name, for the message.

    Returns
    -------
    float

    Raises
    ------
    PfmapError
        For anything but a finite number > 0.

    Examples
    --------
    >>> check_positive("0.01", "lr")
    0.01
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise PfmapError(f"{name} must be a number > 0; got {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise PfmapError(f"{name} must be a finite number > 0; got {value!r}")
    return x
