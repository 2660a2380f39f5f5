"""Probabilities with rigorous error bounds, and Sheppard's closed forms (sums of arcsines).

* :class:`CertifiedProbability`: a float, a rigorous bound on its error, the
  certified ball and, when known, a simplified sympy closed form;
* :class:`ArcsineSum`: ``constant + sum c asin(sqrt(rational)) / pi``, exact,
  the shape of every closed form here (orthant probabilities up to dimension
  3, solid angles of cones up to dimension 3);
* :func:`closed_form`: Sheppard's orthant probabilities in dimension <= 3.

References
----------
W. F. Sheppard, "On the application of the theory of error to cases of normal
distribution and normal correlation", Phil. Trans. R. Soc. A 192, 1899.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import sympy
from flint import arb, fmpq


@dataclass(frozen=True)
class CertifiedProbability:
    """A probability with a rigorous error bound: ``|true - probability| <= error``.

    Attributes
    ----------
    probability : float
        The value: the float nearest the ball's midpoint.
    error : float
        A rigorous bound on ``|true - probability|``; 0 when ``exact`` is given.
    exact : sympy expression or None
        A simplified closed form when one is known (``probability`` is then within rounding of it).
    ball : flint.arb or None
        The certified enclosure the value came from (not shown in the repr, not compared).

    Examples
    --------
    >>> p = CertifiedProbability.from_ball(arb(1) / 3)
    >>> p.probability, p.error < 1e-15, p.exact is None
    (0.3333333333333333, True, True)
    """

    probability: float
    error: float
    exact: object = None
    ball: arb | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_ball(cls, ball: arb, exact: object = None) -> "CertifiedProbability":
        """From a certified ball; with ``exact`` (a closed form) the error is 0.

        Parameters
        ----------
        ball : flint.arb
            A finite ball containing the probability.
        exact : sympy expression, optional
            Its closed form, when known.

        Returns
        -------
        CertifiedProbability

        Raises
        ------
        RuntimeError
            If ``ball`` is not finite.

        Examples
        --------
        >>> CertifiedProbability.from_ball(arb(1) / 4).error
        0.0
        """
        value, bound = ball_to_float(ball)
        return cls(value, 0.0 if exact is not None else bound, exact, ball)


def ball_to_float(ball: arb) -> tuple[float, float]:
    """Nearest float to the ball's midpoint and a float bound on its distance to any point of the ball.

    Parameters
    ----------
    ball : flint.arb
        A certified enclosure.

    Returns
    -------
    tuple of float
        ``(value, bound)``: every point of ``ball`` lies in ``[value - bound, value + bound]``.

    Raises
    ------
    RuntimeError
        If ``ball`` is not finite (a failed certified computation).

    Examples
    --------
    >>> value, bound = ball_to_float(arb.pi())
    >>> value == math.pi and 0 < bound < 1e-15
    True
    """
    if not ball.is_finite():
        raise RuntimeError("a certified computation returned a non-finite ball")
    value = float(ball.mid())
    gap = (ball - arb(value)).abs_upper()  # exact upper bound at working precision, rounded up
    bound = float(gap)
    return value, math.nextafter(bound, math.inf) if bound > 0 else 0.0


@dataclass
class ArcsineSum:
    """``constant + sum coefficient * asin(sign * sqrt(square)) / pi`` with exact rationals.

    The shape of every closed form here (orthant probabilities up to
    dimension 3, solid angles of cones up to dimension 3); kept canonical
    (positive arguments, like terms merged) so that the sympy expression is
    simplified and the ball is certified.

    Attributes
    ----------
    constant : Fraction
        The rational constant.
    terms : dict of Fraction to Fraction
        ``square -> coefficient``: the term ``coefficient * asin(sqrt(square)) / pi``, ``0 < square <= 1/2``.

    Examples
    --------
    >>> s = ArcsineSum(Fraction(1, 8))
    >>> for _ in range(3):
    ...     s.add(Fraction(1, 4), Fraction(1, 2), Fraction(1, 1))   # three correlations 1/2
    >>> s.expression()
    1/4
    """

    constant: Fraction = Fraction(0)
    terms: dict = field(default_factory=dict)  # square -> coefficient (argument sqrt(square) >= 0)

    def add(self, coefficient: Fraction, numerator: Fraction, denominator_square: Fraction) -> None:
        """Add ``coefficient * asin(numerator / sqrt(denominator_square)) / pi``.

        Examples
        --------
        >>> s = ArcsineSum()
        >>> s.add(Fraction(1), Fraction(1), Fraction(4))       # asin(1/2) / pi = 1/6
        >>> s.expression()
        1/6
        """
        if numerator == 0 or coefficient == 0:
            return
        sign = 1 if numerator > 0 else -1
        square = numerator * numerator / denominator_square
        if square > Fraction(1, 2):
            # asin(sqrt(s)) = pi/2 - asin(sqrt(1 - s)): arguments <= 1/sqrt(2) make complementary angles cancel
            self.constant += sign * coefficient / 2
            square, sign = 1 - square, -sign
            if square == 0:
                return
        self.terms[square] = self.terms.get(square, Fraction(0)) + sign * coefficient

    def __iadd__(self, other: "ArcsineSum") -> "ArcsineSum":
        self.constant += other.constant
        for square, c in other.terms.items():
            self.terms[square] = self.terms.get(square, Fraction(0)) + c
        return self

    def expression(self):
        """The sum as a simplified sympy expression.

        Examples
        --------
        >>> ArcsineSum(Fraction(1, 4)).expression()
        1/4
        """
        expr = sympy.Rational(self.constant.numerator, self.constant.denominator)
        for square, c in sorted(self.terms.items()):
            if c:
                arg = sympy.sqrt(sympy.Rational(square.numerator, square.denominator))
                expr += sympy.Rational(c.numerator, c.denominator) * sympy.asin(arg) / sympy.pi
        return sympy.expand(expr)

    def ball(self) -> arb:
        """The sum as a certified ``arb`` ball at the working precision.

        Examples
        --------
        >>> ArcsineSum(Fraction(1, 4)).ball()
        0.250000000000000
        """
        total = arb(as_fmpq(self.constant))
        for square, c in self.terms.items():
            if c:
                total += arb(as_fmpq(c)) * arb(as_fmpq(square)).sqrt().asin() / arb.pi()
        return total


def as_fmpq(x: Fraction) -> fmpq:
    """A Fraction as a python-flint ``fmpq``.

    Parameters
    ----------
    x : Fraction
        The exact rational.

    Returns
    -------
    flint.fmpq
        The same number.

    Examples
    --------
    >>> as_fmpq(Fraction(-3, 4))
    -3/4
    """
    return fmpq(x.numerator, x.denominator)


def closed_form(S: list[list[Fraction]]) -> ArcsineSum:
    """Sheppard's closed form of ``P(Y > 0)`` for an exact covariance in dimension ``d <= 3``.

    ``1/2``, ``1/4 + asin(rho)/(2 pi)`` and ``1/8 + sum asin(rho_ij)/(4 pi)``.

    Parameters
    ----------
    S : list of lists of Fraction
        A positive definite covariance of dimension 1, 2 or 3 (as from
        :func:`~pfmap.geometry.cones.orthant.rational_covariance`).

    Returns
    -------
    ArcsineSum
        The probability, exactly.

    Examples
    --------
    >>> closed_form([[Fraction(1), Fraction(1, 2)], [Fraction(1, 2), Fraction(1)]]).expression()
    1/3

    References
    ----------
    W. F. Sheppard, Phil. Trans. R. Soc. A 192, 1899.
    """
    d = len(S)
    if d == 1:
        return ArcsineSum(Fraction(1, 2))
    out = ArcsineSum(Fraction(1, 2**d))
    coefficient = Fraction(1, 2) if d == 2 else Fraction(1, 4)
    for i, j in itertools.combinations(range(d), 2):
        out.add(coefficient, S[i][j], S[i][i] * S[j][j])
    return out
