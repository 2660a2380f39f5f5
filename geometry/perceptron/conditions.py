"""Irredundant conditions of perceptron regions: which half-spaces bound a region, and how they read.

A region of the arrangement is ``{u : s_k a_k . u > 0 for every k}``; the
condition of hyperplane ``k`` is irredundant (a facet) exactly when
flipping ``s_k`` alone gives another region, so the facets follow from the
set of regions without a linear program.  Conditions read as linear forms
in the parameters ``w1..wn, b`` (``x, y, z`` in dimension <= 3), e.g.
``x+y+z>0, x+z<0, y+z<0`` for AND on ``{0,1}^2``.

References
----------
G. M. Ziegler, *Lectures on Polytopes*, 1995 (facets of polyhedral cones).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pfmap.errors import PfmapError
from pfmap.inputs import boolean_inputs, validate_encoding


def irredundant_conditions(signs: np.ndarray) -> np.ndarray:
    """Facets of every region: hyperplane ``k`` bounds a region iff flipping its sign gives another region.

    Parameters
    ----------
    signs : numpy.ndarray
        ``(R, h)`` signs (+-1) of *all* the regions of an arrangement.

    Returns
    -------
    numpy.ndarray
        ``(R, h)`` bool.

    Examples
    --------
    >>> s = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]])      # the four quadrants
    >>> irredundant_conditions(s).all()
    np.True_
    >>> irredundant_conditions(np.array([[1, 1], [-1, -1], [1, -1]])).tolist()
    [[False, True], [True, False], [True, True]]
    """
    r, h = signs.shape
    bits = (signs > 0)
    if h <= 62:
        weights = np.int64(1) << np.arange(h, dtype=np.int64)
        codes = (bits.astype(np.int64) * weights).sum(axis=1)
        order = np.sort(codes)
        flipped = codes[:, None] ^ weights[None, :]
        pos = np.clip(np.searchsorted(order, flipped), 0, r - 1)
        return order[pos] == flipped
    keys = {row.tobytes() for row in bits}
    out = np.zeros((r, h), dtype=bool)
    for i, row in enumerate(bits):
        for k in range(h):
            row[k] = ~row[k]
            out[i, k] = row.tobytes() in keys
            row[k] = ~row[k]
    return out


def variable_names(n: int, bias: bool) -> list[str]:
    """Names of the parameters in condition texts: ``x, y, z`` in dimension <= 3, else ``w1..wn`` and ``b``.

    Parameters
    ----------
    n : int
        Number of inputs.
    bias : bool
        Whether there is a bias parameter.

    Returns
    -------
    list of str

    Examples
    --------
    >>> variable_names(2, True), variable_names(4, False)
    (['x', 'y', 'z'], ['w1', 'w2', 'w3', 'w4'])
    """
    d = n + (1 if bias else 0)
    if d <= 3:
        return ["x", "y", "z"][:d]
    return [f"w{i + 1}" for i in range(n)] + (["b"] if bias else [])


def linear_form(coeffs: Sequence[int], names: Sequence[str]) -> str:
    """A linear form as text: ``linear_form([1, 0, -2], "xyz")`` is ``x-2z``.

    Parameters
    ----------
    coeffs : sequence of int
        One coefficient per name.
    names : sequence of str

    Returns
    -------
    str
        ``"0"`` for the zero form.

    Examples
    --------
    >>> linear_form([1, 0, -2], ["x", "y", "z"]), linear_form([0, 0], ["a", "b"])
    ('x-2z', '0')
    """
    parts = []
    for c, name in zip(coeffs, names):
        c = int(c)
        if c == 0:
            continue
        mag = "" if abs(c) == 1 else str(abs(c))
        parts.append(("-" if c < 0 else ("+" if parts else "")) + mag + name)
    return "".join(parts) or "0"


def conditions_from_mask(function: int, mask: int, n: int, *, encoding: str = "01", bias: bool = True,
                         names: Sequence[str] | None = None) -> str:
    """The irredundant conditions of a function stored as two words, as text (the ``n = 6`` file table).

    Bit ``j`` of ``mask`` says that the condition at input ``j`` is
    irredundant; its side is the output: ``w.x_j + b > 0`` when bit ``j`` of
    ``function`` is 1, ``< 0`` when it is 0.  Conditions are listed ``>0``
    ones first, each in decreasing input order (as
    :meth:`~pfmap.geometry.perceptron.regions.PerceptronRegions.conditions_text` does).

    Parameters
    ----------
    function : int
        The truth table (bit ``j``: output on input ``j``).
    mask : int
        The irredundant conditions (bit ``j``: the condition at input ``j``).
    n : int
        Number of inputs (at most 6).
    encoding : {"01", "pm1"}
        The input cube.
    bias : bool
        Whether there is a bias.
    names : sequence of str, optional
        One name per parameter (default :func:`variable_names`).

    Returns
    -------
    str

    Raises
    ------
    PfmapError
        If ``names`` has the wrong length, or ``mask`` names an input without a condition.

    Examples
    --------
    >>> conditions_from_mask(8, 0b1110, 2)            # AND on {0,1}^2
    'x+y+z>0, x+z<0, y+z<0'
    """
    encoding = validate_encoding(encoding)
    names = list(names) if names is not None else variable_names(n, bias)
    if len(names) != n + (1 if bias else 0):
        raise PfmapError(f"expected {n + (1 if bias else 0)} parameter names; got {len(names)}")
    points = boolean_inputs(n, encoding).astype(np.int64)
    function, mask = int(function), int(mask)
    pos, neg = [], []
    for j in range(2**n - 1, -1, -1):
        if not mask >> j & 1:
            continue
        row = list(points[j]) + ([1] if bias else [])
        if not any(row):
            raise PfmapError(f"input {j} has no condition (its pre-activation is always 0); mask bit {j} is wrong")
        (pos if function >> j & 1 else neg).append(linear_form(row, names))
    return ", ".join([f + ">0" for f in pos] + [f + "<0" for f in neg])
