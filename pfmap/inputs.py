"""Input sets: the Boolean cube in a fixed order, or an explicit array of points.

Input ``j`` of the Boolean cube has ``x_i = (j >> (n-1-i)) & 1`` (most
significant bit first, the order of ``itertools.product``), so for ``n = 2``
the inputs are 00, 01, 10, 11.  The ``"pm1"`` encoding maps 0 -> -1 and
1 -> +1 and keeps the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .errors import PfmapError

ENCODINGS = ("01", "pm1")
_ENCODING_ALIASES = {
    "01": "01", "0,1": "01", "{0,1}": "01", "binary": "01",
    "pm1": "pm1", "-1,1": "pm1", "{-1,1}": "pm1", "+-1": "pm1", "pm": "pm1", "spin": "pm1",
}
MAX_CUBE_N = 20  # 2**20 inputs; beyond this the cube itself does not fit a table


def validate_encoding(encoding: str) -> str:
    """Return the canonical name (``"01"`` or ``"pm1"``) of an input encoding.

    Parameters
    ----------
    encoding : str
        ``"01"`` or ``"pm1"``, or an alias (``"{0,1}"``, ``"binary"``, ``"{-1,1}"``, ``"+-1"``, ``"spin"``, ...).

    Returns
    -------
    str
        ``"01"`` or ``"pm1"``.

    Raises
    ------
    PfmapError
        For an unknown encoding.

    Examples
    --------
    >>> validate_encoding("{-1,1}")
    'pm1'
    >>> validate_encoding("01")
    '01'
    """
    key = str(encoding).strip().lower()
    if key not in _ENCODING_ALIASES:
        raise PfmapError(f"unknown encoding {encoding!r}; use '01' for {{0,1}}^n or 'pm1' for {{-1,1}}^n")
    return _ENCODING_ALIASES[key]


def validate_n(n: int | float, *, maximum: int = MAX_CUBE_N, what: str = "n") -> int:
    """Check that ``n`` is a whole number of inputs in ``1..maximum``.

    Parameters
    ----------
    n : int
        The number of inputs (a float such as ``3.0`` is accepted).
    maximum : int
        The largest allowed value.
    what : str
        The parameter's name, for the message.

    Returns
    -------
    int

    Raises
    ------
    PfmapError
        If ``n`` is not a whole number in ``1..maximum``.

    Examples
    --------
    >>> validate_n(3)
    3
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        else:
            raise PfmapError(f"{what} must be a whole number of inputs; got {n!r}")
    n = int(n)
    if n < 1:
        raise PfmapError(f"{what} must be >= 1; got {n}")
    if n > maximum:
        raise PfmapError(f"{what} = {n} is too large here: at most {maximum}")
    return n


def boolean_inputs(n: int, encoding: str = "01") -> np.ndarray:
    """All ``2**n`` points of the Boolean cube, MSB first, as an ``int8`` array.

    Parameters
    ----------
    n : int
        The number of inputs, ``1 <= n <= 20``.
    encoding : {"01", "pm1"}
        ``{0,1}^n`` or ``{-1,1}^n``.

    Returns
    -------
    numpy.ndarray
        ``(2**n, n)`` int8; row ``j`` has ``x_i = (j >> (n-1-i)) & 1`` (mapped to -1/1 for ``"pm1"``).

    Raises
    ------
    PfmapError
        For a bad ``n`` or ``encoding``.

    Examples
    --------
    >>> boolean_inputs(2)
    array([[0, 0],
           [0, 1],
           [1, 0],
           [1, 1]], dtype=int8)
    >>> boolean_inputs(2, "pm1")[1]
    array([-1,  1], dtype=int8)
    """
    n = validate_n(n)
    encoding = validate_encoding(encoding)
    j = np.arange(2**n, dtype=np.int64)[:, None]
    shifts = np.arange(n - 1, -1, -1, dtype=np.int64)[None, :]
    bits = ((j >> shifts) & 1).astype(np.int8)
    if encoding == "pm1":
        bits = (2 * bits - 1).astype(np.int8)
    return bits


def input_index(bits: Sequence[float] | np.ndarray) -> int:
    """Index ``j`` of a cube point given as a sequence of 0/1 (or -1/1) coordinates.

    Parameters
    ----------
    bits : sequence of numbers
        The coordinates, MSB first; a coordinate counts as 1 when it is positive.

    Returns
    -------
    int
        The row of the point in :func:`boolean_inputs`.

    Examples
    --------
    >>> input_index([1, 0])
    2
    >>> input_index([-1, 1, 1])
    3
    """
    j = 0
    for b in bits:
        j = (j << 1) | (1 if b > 0 else 0)
    return j


@dataclass(frozen=True, eq=False)
class InputSet:
    """A finite, ordered set of input points.

    ``points`` is an ``(m, n)`` array; ``encoding`` is ``"01"`` or ``"pm1"``
    for a Boolean cube and ``None`` for explicit data such as images.
    Build one with :meth:`cube` or :meth:`from_array`.

    Parameters
    ----------
    points : numpy.ndarray
        ``(m, n)``: one row per input.
    encoding : {"01", "pm1"} or None
        The cube's encoding, or None for explicit points.
    name : str
        A label (``"{0,1}^3"``, a data set's name).

    Examples
    --------
    >>> s = InputSet.cube(3, "pm1")
    >>> s.n, s.size, s.encoding
    (3, 8, 'pm1')
    >>> InputSet.from_array([[0.5, 1.0], [2.0, 0.0]]).size
    2
    """

    points: np.ndarray
    encoding: str | None = None
    name: str = "points"

    @classmethod
    def cube(cls, n: int, encoding: str = "01") -> "InputSet":
        """The Boolean cube ``{0,1}^n`` or ``{-1,1}^n`` (see :func:`boolean_inputs`).

        Parameters
        ----------
        n : int
            The number of inputs.
        encoding : {"01", "pm1"}
            The encoding.

        Returns
        -------
        InputSet

        Raises
        ------
        PfmapError
            For a bad ``n`` or ``encoding``.

        Examples
        --------
        >>> InputSet.cube(2).name
        '{0,1}^2'
        """
        encoding = validate_encoding(encoding)
        name = "{0,1}^%d" % n if encoding == "01" else "{-1,1}^%d" % n
        return cls(boolean_inputs(n, encoding), encoding, name)

    @classmethod
    def from_array(cls, points, name: str = "points") -> "InputSet":
        """Explicit input points (images, data), in the order given.

        Parameters
        ----------
        points : array_like
            A non-empty ``(m, n)`` array of finite numbers.
        name : str
            A label.

        Returns
        -------
        InputSet
            With ``encoding`` None.

        Raises
        ------
        PfmapError
            If ``points`` is not a non-empty 2-D array of finite numbers.

        Examples
        --------
        >>> InputSet.from_array(np.eye(3)).n
        3
        """
        arr = np.asarray(points)
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise PfmapError(f"input points must be a non-empty 2-D array (points x features); got shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.number) or not np.all(np.isfinite(arr)):
            raise PfmapError("input points must be finite numbers")
        return cls(arr, None, name)

    @property
    def n(self) -> int:
        """The number of features of each point."""
        return int(self.points.shape[1])

    @property
    def size(self) -> int:
        """The number of points."""
        return int(self.points.shape[0])

    @property
    def is_cube(self) -> bool:
        """Whether the points are a Boolean cube in pfmap's order."""
        return self.encoding is not None


def as_input_set(inputs: str | ArrayLike | InputSet | None = None, n: int | None = None) -> InputSet:
    """Normalise ``inputs`` (None, an encoding name, an array or an InputSet).

    ``None`` means the cube ``{0,1}^n``; a string is an encoding of the cube.

    Parameters
    ----------
    inputs : None, str, array_like or InputSet
        What to normalise.
    n : int, optional
        The number of inputs the network expects (needed for a cube; checked otherwise).

    Returns
    -------
    InputSet

    Raises
    ------
    PfmapError
        If ``n`` is missing for a cube, or the points have another number of features than ``n``.

    Examples
    --------
    >>> as_input_set("pm1", 2).points.tolist()
    [[-1, -1], [-1, 1], [1, -1], [1, 1]]
    """
    if isinstance(inputs, InputSet):
        result = inputs
    elif inputs is None or isinstance(inputs, str):
        if n is None:
            raise PfmapError("the number of inputs n is needed to build the Boolean cube")
        result = InputSet.cube(n, inputs or "01")
    else:
        result = InputSet.from_array(inputs)
    if n is not None and result.n != n:
        raise PfmapError(f"the inputs have {result.n} features but the network expects n = {n}")
    return result
