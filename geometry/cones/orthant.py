"""Certified orthant probabilities ``P(Y > 0)`` for ``Y ~ N(0, Sigma)`` with an exact rational ``Sigma``.

The public entry points, the validation of the matrix and the dispatch by
dimension; the orthant probability depends only on the correlations
``rho_ij = Sigma_ij / sqrt(Sigma_ii Sigma_jj)``, square roots of rationals:

* ``d = 1, 2, 3``: Sheppard's closed forms ``1/2``, ``1/4 + asin(rho)/(2 pi)``
  and ``1/8 + sum asin(rho_ij)/(4 pi)``, a sympy expression and a ball
  (:mod:`~pfmap.geometry.cones.orthant_closed`);
* ``d = 4, 5``: Plackett's reduction to one integral of elementary functions,
  certified by python-flint's ball-arithmetic integrator; odd ``d`` reduces
  exactly to lower dimensions (:mod:`~pfmap.geometry.cones.orthant_plackett`);
* ``d = 6``: Plackett's reduction along a 3 + 3 block path, twice, to a double
  integral of elementary functions, with a proven quadrature bound and
  rigorous rounding in compiled double precision
  (:mod:`~pfmap.geometry.cones.orthant_dimension6`).

References
----------
W. F. Sheppard, Phil. Trans. R. Soc. A 192, 1899.
R. L. Plackett, "A reduction formula for normal multivariate integrals", Biometrika 41, 1954.
D. R. Childs, "Reduction of the multivariate normal integral to characteristic form", Biometrika 54, 1967.
F. Johansson, "Numerical integration in arbitrary-precision ball arithmetic", ICMS 2018.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

from flint import arb, ctx
from numpy.typing import ArrayLike

from pfmap.errors import PfmapError

from pfmap.geometry.cones.orthant_closed import ArcsineSum, CertifiedProbability, ball_to_float, closed_form
from pfmap.geometry.cones.orthant_plackett import clear_cache as clear_plackett_cache
from pfmap.geometry.cones.orthant_plackett import low_dimensional_ball

if TYPE_CHECKING:
    import sympy

__all__ = ["ArcsineSum", "CertifiedProbability", "DEFAULT_TOLERANCE", "MAX_ORTHANT_DIMENSION", "ball_to_float",
           "check_options", "clear_cache", "closed_form", "orthant_probability", "orthant_probability_ball",
           "orthant_probability_balls", "orthant_probability_exact", "rational_covariance", "with_precision"]

MAX_ORTHANT_DIMENSION = 6
DEFAULT_TOLERANCE = 1e-15
PATHS = ("identity", "pairs")
METHODS = ("auto", "plackett", "reduction")
_T = TypeVar("_T")


# ---------------------------------------------------------------------------
# validation


def rational_covariance(cov: ArrayLike) -> list[list[Fraction]]:
    """Read a covariance matrix exactly and check it is symmetric positive definite.

    Parameters
    ----------
    cov : square matrix (nested lists or a numpy array)
        Entries may be ints, Fractions, sympy Rationals or strings like
        ``"1/2"``; floats are read as the decimals they print as.

    Returns
    -------
    list of lists of Fraction

    Raises
    ------
    PfmapError
        Not square, not symmetric, a non-rational entry, dimension above 6, or
        not positive definite.

    Examples
    --------
    >>> rational_covariance([[1, "1/2"], [0.5, 1]])
    [[Fraction(1, 1), Fraction(1, 2)], [Fraction(1, 2), Fraction(1, 1)]]
    >>> rational_covariance([[1, 2], [2, 1]])
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: the covariance matrix is not positive definite (leading minor 2 is -3); orthant probabilities need a nondegenerate Gaussian
    """
    try:
        rows = [list(r) for r in (cov.tolist() if hasattr(cov, "tolist") else cov)]
    except TypeError:
        raise PfmapError("the covariance must be a square matrix (a list of rows)") from None
    d = len(rows)
    if d == 0 or any(len(r) != d for r in rows):
        raise PfmapError(f"the covariance must be a non-empty square matrix; got row lengths {[len(r) for r in rows]}")
    if d > MAX_ORTHANT_DIMENSION:
        raise PfmapError(f"orthant probabilities are certified up to dimension {MAX_ORTHANT_DIMENSION}; got {d}")
    S = [[_exact(v) for v in r] for r in rows]
    if any(S[i][j] != S[j][i] for i in range(d) for j in range(i)):
        raise PfmapError("the covariance matrix must be symmetric")
    for k, minor in enumerate(_leading_minors(S), start=1):
        if minor <= 0:
            raise PfmapError(f"the covariance matrix is not positive definite (leading minor {k} is {minor}); "
                             "orthant probabilities need a nondegenerate Gaussian")
    return S


def _exact(value) -> Fraction:
    value = value.item() if hasattr(value, "dtype") else value  # numpy scalars as Python numbers
    if isinstance(value, bool):
        raise PfmapError(f"covariance entries must be numbers; got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise PfmapError(f"covariance entries must be finite; got {value!r}")
    if hasattr(value, "p") and hasattr(value, "q"):  # a sympy Rational
        return Fraction(int(value.p), int(value.q))
    try:
        return Fraction(repr(value) if isinstance(value, float) else value)
    except (ValueError, TypeError, ZeroDivisionError):
        raise PfmapError(f"covariance entries must be rational numbers; got {value!r}") from None


def _leading_minors(S: list[list[Fraction]]) -> list[Fraction]:
    """Exact leading principal minors (stops at the first zero pivot)."""
    a = [row[:] for row in S]
    d, det, out = len(a), Fraction(1), []
    for k in range(d):
        if a[k][k] == 0:
            return out + [Fraction(0)]  # a zero pivot without pivoting means a zero leading minor
        det *= a[k][k]
        out.append(det)
        for i in range(k + 1, d):
            f = a[i][k] / a[k][k]
            for j in range(k, d):
                a[i][j] -= f * a[k][j]
    return out


# ---------------------------------------------------------------------------
# public entry points


def _precision_for(tolerance: float) -> int:
    """Working precision in bits for a target error ``tolerance``."""
    return max(64, int(-math.log2(tolerance)) + 24)


def orthant_probability_exact(cov: ArrayLike) -> sympy.Expr:
    """Closed form of ``P(Y > 0)``, ``Y ~ N(0, cov)``, as a simplified sympy expression (dimension <= 3).

    Parameters
    ----------
    cov : square matrix
        As in :func:`rational_covariance`.

    Returns
    -------
    sympy expression

    Raises
    ------
    PfmapError
        For an invalid matrix, or dimension 4 and above (no elementary closed form).

    Examples
    --------
    >>> orthant_probability_exact([[1, "1/2", "1/2"], ["1/2", 1, "1/2"], ["1/2", "1/2", 1]])
    1/4
    >>> orthant_probability_exact([[2, 1], [1, 3]])
    asin(sqrt(6)/6)/(2*pi) + 1/4

    References
    ----------
    W. F. Sheppard, Phil. Trans. R. Soc. A 192, 1899.
    """
    S = rational_covariance(cov)
    if len(S) > 3:
        raise PfmapError(f"no elementary closed form in dimension {len(S)}; use orthant_probability for a "
                         "certified value")
    return closed_form(S).expression()


def check_options(path: str, method: str, tolerance: float) -> None:
    """Reject unknown paths and methods and tolerances outside [1e-30, 1e-3] with one-line messages.

    Parameters
    ----------
    path, method, tolerance : as in :func:`orthant_probability`.

    Raises
    ------
    PfmapError
        Naming the parameter and the values it accepts.

    Examples
    --------
    >>> check_options("identity", "auto", 1e-15)
    >>> check_options("diagonal", "auto", 1e-15)
    Traceback (most recent call last):
    ...
    pfmap.errors.PfmapError: unknown Plackett path 'diagonal'; use one of identity, pairs
    """
    if path not in PATHS:
        raise PfmapError(f"unknown Plackett path {path!r}; use one of {', '.join(PATHS)}")
    if method not in METHODS:
        raise PfmapError(f"unknown orthant method {method!r}; use one of {', '.join(METHODS)}")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 1e-30 <= tolerance <= 1e-3:
        raise PfmapError(f"tolerance must be a number between 1e-30 and 1e-3; got {tolerance!r}")


def orthant_probability(cov: ArrayLike, *, path: str = "identity", method: str = "auto",
                        tolerance: float = DEFAULT_TOLERANCE) -> CertifiedProbability:
    """Certified ``P(Y > 0)`` for ``Y ~ N(0, cov)``, ``cov`` exact, dimension 1 to 6.

    Parameters
    ----------
    cov : square matrix
        Exact covariance (ints, Fractions, sympy Rationals, strings such as
        ``"1/2"``; floats read as the decimals they print as), positive definite.
    path : {"identity", "pairs"}
        Plackett path in dimensions 4 and 5: from independence, or from the
        matrix that keeps the correlations of coordinates (0, 1) and (2, 3).
        Dimension 6 always walks the 3 + 3 block path.
    method : {"auto", "plackett", "reduction"}
        In dimension 5: ``"reduction"`` (the default ``"auto"``: five
        4-dimensional integrals) or ``"plackett"`` (one 5-dimensional integral).
    tolerance : float
        Target of the error bound; in dimension 6 at least
        :data:`~pfmap.geometry.cones.orthant_dimension6.TOLERANCE_FLOOR` (1e-12).

    Returns
    -------
    CertifiedProbability
        ``exact`` holds the simplified sympy closed form in dimension <= 3; in
        dimensions 4 to 6 ``error`` is a rigorous bound of the order of
        ``tolerance``.  The alternatives compute the same number differently,
        which tests use as checks.

    Raises
    ------
    PfmapError
        For a matrix that is not square, symmetric, rational and positive
        definite of dimension <= 6, or for an unknown option.

    Examples
    --------
    >>> half = "1/2"
    >>> p = orthant_probability([[1 if i == j else half for j in range(4)] for i in range(4)])
    >>> abs(p.probability - 1 / 5) <= p.error < 1e-14      # equicorrelated 1/2: 1/(d + 1)
    True
    >>> orthant_probability([[1, 0], [0, 1]]).exact
    1/4

    >>> p6 = orthant_probability([[1 if i == j else half for j in range(6)] for i in range(6)])
    >>> abs(p6.probability - 1 / 7) <= p6.error < 1e-11
    True

    References
    ----------
    R. L. Plackett, Biometrika 41, 1954 (the reduction formula);
    D. R. Childs, Biometrika 54, 1967; F. Johansson, ICMS 2018 (certified integration).
    """
    check_options(path, method, tolerance)
    S = rational_covariance(cov)
    if len(S) <= 3:
        closed = closed_form(S)
        return CertifiedProbability.from_ball(with_precision(tolerance, closed.ball), closed.expression())
    return CertifiedProbability.from_ball(orthant_probability_ball(S, path=path, method=method, tolerance=tolerance))


def orthant_probability_ball(S: list[list[Fraction]], *, path: str = "identity", method: str = "auto",
                             tolerance: float = DEFAULT_TOLERANCE) -> arb:
    """Ball enclosure of ``P(Y > 0)`` for a validated rational matrix (see :func:`rational_covariance`).

    Parameters
    ----------
    S : list of lists of Fraction
        Output of :func:`rational_covariance` (dimension 1 to 6).
    path, method, tolerance : as in :func:`orthant_probability`.

    Returns
    -------
    flint.arb
        Contains the exact probability.

    Examples
    --------
    >>> ball = orthant_probability_ball([[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]])
    >>> ball.contains(arb(1) / 4)
    True
    """
    if len(S) == 6:
        from pfmap.geometry.cones.orthant_dimension6 import orthant6_ball   # numba kernels: only when needed

        return orthant6_ball(S, tolerance=tolerance)
    return with_precision(tolerance, lambda: low_dimensional_ball(S, path, float(tolerance), method=method))


def orthant_probability_balls(matrices: Sequence[list[list[Fraction]]], *, path: str = "identity",
                              method: str = "auto", tolerance: float = DEFAULT_TOLERANCE,
                              workers: int | None = None) -> list[arb]:
    """:func:`orthant_probability_ball` for many validated matrices; dimension 6 ones in one parallel batch.

    Parameters
    ----------
    matrices : list
        Outputs of :func:`rational_covariance`, of any dimensions up to 6.
    path, method, tolerance : as in :func:`orthant_probability`.
    workers : int, optional
        Threads for the dimension-6 batch (default: every core this process may use).

    Returns
    -------
    list of flint.arb
        In the order of ``matrices``.

    Examples
    --------
    >>> eye = [[Fraction(int(i == j)) for j in range(6)] for i in range(6)]
    >>> [b.contains(arb(1) / 64) for b in orthant_probability_balls([eye, [[Fraction(1)]]])]
    [True, False]
    """
    out: list = [None] * len(matrices)
    six = [k for k, S in enumerate(matrices) if len(S) == 6]
    if six:
        from pfmap.geometry.cones.orthant_dimension6 import orthant6_balls   # numba kernels: only when needed

        for k, ball in zip(six, orthant6_balls([matrices[k] for k in six], tolerance=tolerance, workers=workers)):
            out[k] = ball
    for k, S in enumerate(matrices):
        if out[k] is None:
            out[k] = orthant_probability_ball(S, path=path, method=method, tolerance=tolerance)
    return out


def clear_cache() -> None:
    """Forget every remembered orthant integral (dimensions 4 to 6), for timing them afresh.

    Examples
    --------
    >>> clear_cache()
    """
    clear_plackett_cache()
    if "pfmap.geometry.cones.orthant_dimension6" in sys.modules:      # nothing remembered if never imported
        sys.modules["pfmap.geometry.cones.orthant_dimension6"].clear_cache()


def with_precision(tolerance: float, compute: Callable[[], _T]) -> _T:
    """Run ``compute()`` at the ball precision that ``tolerance`` needs (at least 64 bits).

    The precision is ``max(64, floor(-log2(tolerance)) + 24)`` bits; the previous one is restored afterwards.

    Parameters
    ----------
    tolerance : float
        Target error (positive).
    compute : callable
        Called without arguments.

    Returns
    -------
    object
        What ``compute()`` returns.

    Examples
    --------
    >>> with_precision(1e-15, lambda: ctx.prec)
    73
    """
    old = ctx.prec
    ctx.prec = _precision_for(tolerance)
    try:
        return compute()
    finally:
        ctx.prec = old
