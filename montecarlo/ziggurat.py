"""Normal and uniform parameters from 32-bit halves of the stream's words: a 256-layer ziggurat.

Parameter ``p`` of a network comes from half ``p % 2`` (low 32 bits first) of
word ``p // 2`` of its stream (:mod:`pfmap.montecarlo.rng`).  A half gives a
standard normal through a 256-layer ziggurat: 8 bits choose the layer, 1 bit
the sign, 23 bits the uniform ``u`` (disjoint bits, as Doornik 2005
recommends).  The proposal is accepted at once when ``u < limit[layer]``, an
exact integer test that the point lies in the layer's core.  The ~1.5% of
proposals that fall outside go, in parameter order, through the exact wedge
and tail rejection tests in float64 (:func:`finish_normal`), which draw from
the words at ``t >= 2**31``: each wedge attempt takes two words, ``t`` for the
wedge's uniform and ``t + 1`` (low half) for the replacement proposal; each
tail attempt takes two words.  So the distribution is the standard normal up
to the 23-bit grid of the uniform (steps of at most ``3.9 * 2**-23``).

Rounding (stream ``counter-splitmix64-ziggurat/2``): a Gaussian parameter is
``float32(float32(z) * float32(scale))``, where the fast path computes
``float32(z) = float32(u) * width32[index]`` in float32 with
``width32 = float32(+-x[layer] * 2**-23)`` (:data:`FAST_TABLE`).  Each
parameter is thus within ``4 * 2**-24`` (relative) of ``scale * z``, the
exact ziggurat sample (the first stream, ``/1``, rounded it once, in float64,
and took one slow word per wedge attempt).  Float32 lets eight proposals run
at once (:func:`pfmap.montecarlo.backends.numba_kernels.proposals.normal_proposals8`): a
2001-parameter network costs ~1.3 ns per normal here instead of ~3.3 ns.  The
uniform prior: a half gives ``2u - 1`` with ``u`` on the same 23-bit grid
(exact in float64, :func:`uniform_pm1`) and the parameter is
``float32(scale * (2u - 1))``.  Every backend uses these float32 values
exactly, so the float32 forward pass has no parameter rounding error (see
:mod:`pfmap.montecarlo.backends.numba_kernels.forward`).

References
----------
Marsaglia, Tsang, "The ziggurat method for generating random variables", J. Stat. Softw. 5(8), 2000.
Doornik, "An improved ziggurat method to generate normal random samples", 2005.
Marsaglia, "Generating a variable from the tail of the normal distribution", Technometrics 6 (1964).
"""

from __future__ import annotations

import math

import numpy as np

from pfmap.montecarlo.jit import njit
from pfmap.montecarlo.rng import GAMMA, mix64, uniform53

_S9, _S11 = np.uint64(9), np.uint64(11)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO_M23 = 2.0**-23
_TWO_M53 = 2.0**-53
LAYERS = 256


def ziggurat_tables(layers: int = LAYERS) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Layer edges ``x`` (decreasing, ``x[layers] = 0``), heights ``f = exp(-x**2/2)`` and fast-accept limits.

    ``r``, where the tail starts, is solved by bisection so that the top layer
    closes at ``x = 0``; every layer then has the same area ``v``.

    Parameters
    ----------
    layers : int
        The number of layers.

    Returns
    -------
    tuple
        ``(x, f, limit, r, v)``: ``layers + 1`` float64 edges and heights, ``layers`` int64 fast-accept limits
        (on a 23-bit uniform), the tail's start ``r`` and the common layer area ``v``.

    Examples
    --------
    >>> x, f, limit, r, v = ziggurat_tables()
    >>> round(r, 6), bool(abs(x[0] * f[1] - v) < 1e-12)    # Marsaglia & Tsang's r for 256 layers
    (3.654153, True)
    """
    def density(x):
        return math.exp(-0.5 * x * x)

    def build(r):
        v = r * density(r) + math.sqrt(math.pi / 2) * math.erfc(r / math.sqrt(2))
        x = [v / density(r), r]  # x[0]: width of the base strip that also stands for the tail
        while len(x) < layers:
            y = density(x[-1]) + v / x[-1]
            if y >= 1.0:
                return x, v, y
            x.append(math.sqrt(-2.0 * math.log(y)))
        return x, v, density(x[-1]) + v / x[-1]

    lo, hi = 2.0, 5.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        x, v, y = build(mid)
        if len(x) < layers or y > 1.0:
            lo = mid  # layers too thick: the stack closes early, so the tail must start further out
        else:
            hi = mid
        if hi - lo <= 4e-16 * hi:
            break
    x, v, _ = build(hi)
    x = np.array(x + [0.0], dtype=np.float64)
    f = np.exp(-0.5 * x * x)
    # a 23-bit uniform u is inside layer i's core when u * x[i] < x[i+1]
    limit = np.ceil(x[1:] / x[:-1] * 2.0**23).astype(np.int64)
    return x, f, limit, hi, v


ZIG_X, ZIG_F, ZIG_LIMIT, ZIG_R, ZIG_V = ziggurat_tables()
_ZIG_INV_R = 1.0 / ZIG_R


# the layer (8 bits) and the sign (1 bit) index one table of signed, pre-scaled widths
_SIGNED_STEP = np.concatenate([ZIG_X[:LAYERS], -ZIG_X[:LAYERS]]) * 2.0**-23
_SIGNED_LIMIT = np.concatenate([ZIG_LIMIT, ZIG_LIMIT])
_INDEX_MASK = np.uint64(2 * LAYERS - 1)
# the fast path's table: float32 bits of the signed width (low 32 bits) and the limit (high 32 bits)
FAST_TABLE = (_SIGNED_STEP.astype(np.float32).view(np.uint32).astype(np.int64)
              | (_SIGNED_LIMIT.astype(np.int64) << 32))


def squeeze_offsets(x: np.ndarray = ZIG_X, f: np.ndarray = ZIG_F, margin: float = 1e-9
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per layer ``(accept, reject)``: a wedge point with ``u < s + accept`` lies under the density, one with
    ``u >= s + reject`` above it; only points in between need ``exp``.

    In layer ``i`` the wedge point is ``(|x|, f[i] + u (f[i+1] - f[i]))`` and
    ``s = (x[i] - |x|) / (x[i] - x[i+1])``, so ``u < s`` means "under the
    chord".  The density lies under its chord where it is convex (``|x| >= 1``)
    and above it where concave (``|x| <= 1``), and never further from it than
    ``h**2 / 8 * max|f''|`` (linear interpolation error), with ``h`` the layer
    width and ``|f''(x)| = |x**2 - 1| exp(-x**2/2)`` bounded by its end values
    times ``f[i+1]``.  ``margin`` covers the rounding of ``s`` and ``u``; the
    one layer that straddles ``x = 1`` always uses ``exp``.

    Parameters
    ----------
    x, f : numpy.ndarray
        The ziggurat's edges and heights.
    margin : float
        Room for rounding.

    Returns
    -------
    tuple of numpy.ndarray
        ``(accept, reject)``, one entry per layer.

    Examples
    --------
    >>> accept, reject = squeeze_offsets()
    >>> bool((accept <= 0).all() and (reject >= 0).all())
    True
    """
    accept = np.full(LAYERS, -2.0)
    reject = np.full(LAYERS, 2.0)
    for i in range(1, LAYERS):
        lo, hi = x[i + 1], x[i]
        bend = (hi - lo) ** 2 / 8 * max(abs(lo * lo - 1), abs(hi * hi - 1)) * f[i + 1]
        deviation = 1.01 * bend / (f[i + 1] - f[i]) + margin
        if lo >= 1.0:
            accept[i], reject[i] = -deviation, margin
        elif hi <= 1.0:
            accept[i], reject[i] = -margin, deviation
    return accept, reject


_SQUEEZE_ACCEPT, _SQUEEZE_REJECT = squeeze_offsets()
# indexed by under + 2 above + 4 replacement-accepted: 1 where one wedge attempt settles the draw
_DECIDED = np.array([0, 1, 0, 1, 0, 1, 1, 1], dtype=np.int64)
_INV_WIDTH = np.concatenate([[0.0], 1.0 / (ZIG_X[1:LAYERS] - ZIG_X[2:LAYERS + 1])])


@njit(inline="always")
def fast_normal(half):
    """Ziggurat proposal from 32 bits in float64: (value, layer, accepted at once).

    ``u23 * (x[layer] * 2**-23)`` is the same double as ``(u23 * 2**-23) * x[layer]``
    (scaling by a power of two is exact), with one table load instead of a sign branch.

    Parameters
    ----------
    half : numpy.uint64
        32 random bits.

    Returns
    -------
    tuple
        ``(value, layer, accepted)``.

    Examples
    --------
    >>> value, layer, accepted = fast_normal(np.uint64(0))   # u = 0 in layer 0: the point 0, accepted
    >>> float(value), int(layer), bool(accepted)
    (0.0, 0, True)
    """
    index = np.int64(half & _INDEX_MASK)
    u23 = np.int64(half >> _S9)
    return np.float64(u23) * _SIGNED_STEP[index], index & 0xFF, u23 < _SIGNED_LIMIT[index]


@njit()
def finish_normal(x, layer, base, t):
    """Complete a rejected ziggurat proposal exactly, drawing from words ``t, t+1, ...``.

    A wedge attempt takes two words: ``t`` for the wedge's uniform and the low
    half of ``t + 1`` for the replacement proposal (used only when the point
    lies above the density).  A tail attempt takes two words as well.

    Parameters
    ----------
    x : float
        The rejected proposal.
    layer : int
        Its layer.
    base : numpy.uint64
        The network's stream origin (:func:`pfmap.montecarlo.rng.stream_base`).
    t : int
        The first slow word to use.

    Returns
    -------
    tuple
        ``(normal, next_t)``.

    Examples
    --------
    >>> z, t = finish_normal(0.9 * ZIG_X[5], 5, np.uint64(7), 2**31)
    >>> bool(abs(z) <= ZIG_X[5]), t > 2**31
    (True, True)
    """
    while True:
        if layer == 0:
            # the tail beyond r (Marsaglia 1964): exponential proposals, exact rejection
            while True:
                a = (np.float64(np.int64(mix64(base + GAMMA * np.uint64(t)) >> _S11)) + 1.0) * _TWO_M53
                b = (np.float64(np.int64(mix64(base + GAMMA * np.uint64(t + 1)) >> _S11)) + 1.0) * _TWO_M53
                t += 2
                xx = -math.log(a) * _ZIG_INV_R
                if -2.0 * math.log(b) > xx * xx:
                    return (ZIG_R + xx) if x > 0 else -(ZIG_R + xx), t
        u = uniform53(mix64(base + GAMMA * np.uint64(t)))
        replacement = mix64(base + GAMMA * np.uint64(t + 1)) & _LOW32
        t += 2
        # squeeze: the chord of the wedge decides most points without exp (see squeeze_offsets)
        s = (ZIG_X[layer] - abs(x)) * _INV_WIDTH[layer]
        if u < s + _SQUEEZE_ACCEPT[layer]:
            return x, t
        if u < s + _SQUEEZE_REJECT[layer] and \
                ZIG_F[layer] + u * (ZIG_F[layer + 1] - ZIG_F[layer]) < math.exp(-0.5 * x * x):
            return x, t
        x, layer, accepted = fast_normal(replacement)
        if accepted:
            return x, t


@njit(inline="always")
def finish_normal_often(x, layer, base, t):
    """:func:`finish_normal` with its common outcomes computed without branching on random data.

    About 90% of rejected proposals end after one wedge attempt decided by the
    squeeze (the point itself, or a replacement that the fast test accepts);
    only the rest, the tail included, take the general loop (a predictable branch).

    Parameters
    ----------
    x, layer, base, t
        As for :func:`finish_normal`.

    Returns
    -------
    tuple
        ``(normal, next_t)``, the same as :func:`finish_normal`'s.

    Examples
    --------
    >>> finish_normal_often(0.9 * ZIG_X[5], 5, np.uint64(7), 2**31) == finish_normal(0.9 * ZIG_X[5], 5, np.uint64(7), 2**31)
    True
    """
    u = uniform53(mix64(base + GAMMA * np.uint64(t)))
    other, _, other_fast = fast_normal(mix64(base + GAMMA * np.uint64(t + 1)) & _LOW32)
    s = (ZIG_X[layer] - abs(x)) * _INV_WIDTH[layer]
    under = u < s + _SQUEEZE_ACCEPT[layer]  # never in layer 0, whose offsets are -2 and 2
    above = u >= s + _SQUEEZE_REJECT[layer]
    # a table lookup, not "under or (above and other_fast)", which LLVM would split into branches
    if _DECIDED[np.int64(under) + 2 * np.int64(above) + 4 * np.int64(other_fast)] == 0:
        return finish_normal(x, layer, base, t)
    return (x if under else other), t + 2


@njit(inline="always")
def uniform_pm1(half):
    """The uniform prior's ``2u - 1`` from a 32-bit half (``u`` on the 23-bit grid, exact in float64).

    Parameters
    ----------
    half : numpy.uint64
        32 random bits (the top 23 are used).

    Returns
    -------
    float
        In [-1, 1).

    Examples
    --------
    >>> uniform_pm1(np.uint64(0)), uniform_pm1(np.uint64(2**31))
    (-1.0, 0.0)
    """
    return 2.0 * (np.float64(np.int64(half >> _S9)) * _TWO_M23) - 1.0

