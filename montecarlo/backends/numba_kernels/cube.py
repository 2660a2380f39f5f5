"""Kernels for the Boolean cube ``{0,1}^n``: the one-add-per-input first layer and the folding of affine units.

On the cube (MSB first) input ``j`` with top set bit ``t`` is input
``j - 2**t`` with feature ``n-1-t`` switched on, so any affine function of
the inputs costs one vector add per input (:func:`cube_first_layer`), and a
relu unit ``relu(z) = z + relu(-z)`` splits into such an affine part and a
part that is zero on most inputs (:func:`linear_units`).

References
----------
Valle-Pérez, Camargo, Louis, ICLR 2019 (networks on {0,1}^7); Higham, Accuracy and Stability of Numerical
Algorithms, 2nd ed., §3.1 (the rounding bounds).
"""

from __future__ import annotations

import numpy as np

from pfmap.montecarlo.jit import njit

from pfmap.architectures import ACT_RELU
from pfmap.montecarlo.backends.numba_kernels.layers import BLOCK
from pfmap.montecarlo.backends.numba_kernels.lanes import positive_mask8, step8
from pfmap.montecarlo.backends.numba_kernels.simd import add8, bcast8, fma8, load8, max8, mul8, splat8, store8, zero8


@njit()
def uses_linear_units(cube, act, depth):
    """Whether :func:`forward_network` folds the affine part of first-layer units into per-input tables.

    On the cube with relu and two hidden layers (the second fused with the
    output), see :func:`linear_units`.  The error coefficients depend on it.

    Parameters
    ----------
    cube : bool
        Inputs are {0,1}^n.
    act : int
        The activation's code.
    depth : int
        Layers of weights.

    Returns
    -------
    bool

    Examples
    --------
    >>> bool(uses_linear_units(True, ACT_RELU, 3)), bool(uses_linear_units(False, ACT_RELU, 3))
    (True, False)
    """
    return cube and act == ACT_RELU and depth == 3


@njit()
def fold_signs(n, P, woff0, wstride0, boff0, signs):
    """-1 for the first-layer units positive at the cube's centre (active on about half of ``{0,1}^n`` or more).

    Any choice of units gives the same sums (see :func:`linear_units`); this
    one keeps each unit nonzero on at most about half of the inputs.  Padding
    units are 0 at the centre and keep +1.

    Parameters
    ----------
    n, P, woff0, wstride0, boff0
        Inputs, parameters and the first layer's offsets.
    signs
        float32 output, one per unit.

    Returns
    -------
    None
        ``signs`` is filled in place.

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo.backends import tables_from_parameters
    >>> rng = np.random.default_rng(0); arch = MLP(4, (9, 5), "relu")
    >>> params = rng.normal(size=(4, arch.n_parameters))
    >>> bool(np.array_equal(tables_from_parameters(arch, params), tables_from_parameters(arch, params, backend="numpy")))
    True
    """
    half, one, minus_two = splat8(np.float32(0.5)), splat8(np.float32(1.0)), splat8(np.float32(-2.0))
    for q in range(0, wstride0, 8):
        centre = zero8()
        for i in range(n):
            centre = add8(centre, load8(P, woff0 + i * wstride0 + q))
        centre = fma8(half, centre, load8(P, boff0 + q))
        store8(signs, q, fma8(minus_two, step8(centre), one))


@njit()
def linear_units(n, P, woff0, wstride0, boff0, woff1, wstride1, boff1, signs, units, E):
    """Fold the first-layer units with ``signs = -1`` into per-input ends ``E`` of the second layer's sums.

    On ``{0,1}^n`` a relu unit is ``relu(z) = z + relu(-z)``, and ``z`` is
    affine: ``b1_k + sum_i x_i W1_ik``.  For the units active on most inputs
    (:func:`fold_signs`) the affine part goes in once for all inputs: with
    ``c = b2 + sum_k b1_k W2_k`` and ``M_i = sum_k W1_ik W2_k`` over those
    units, input ``j`` ends with ``c + sum_{i: x_i = 1} M_i``, and the pair
    kernel only sees ``relu(-z)``, nonzero where the unit is inactive (the
    first layer stores it so, see :func:`cube_first_layer`).  Each unit is
    then nonzero on at most about half the inputs: on the 7-40-40-1 net the
    pair kernel's work drops by two thirds.  The ends are sums of one row of
    a table over the high features and one over the low features (built by
    the same one-add-per-input recursion as the first layer), plus
    ``M_{n-1}`` for odd inputs.  Returns the offsets for :func:`pfmap.montecarlo.backends.numba_kernels.layers.dense_output`
    and that of a row of zeros in ``E``.

    Rounding: a term passes through at most ``K + n + 2`` roundings instead
    of ``K + 1`` (the pair kernel's sums start from zero and the ends are
    added last), and a folded unit's ``z`` appears twice (in the affine
    part and, negated, in ``relu(-z)``), so the sum of magnitudes at most
    doubles; :meth:`pfmap.montecarlo.backends.layout.NetworkLayout.error_coefficients`
    accounts for both.  The first layer's own error passes through as for
    relu: ``z + relu(-z_float32)`` is within it of ``relu(z)``.

    Parameters
    ----------
    n, P
        Inputs and parameters.
    woff0, wstride0, boff0
        The first layer's offsets.
    woff1, wstride1, boff1
        The second layer's.
    signs
        From :func:`fold_signs`.
    units
        int64 scratch.
    E
        The per-input tables (filled).

    Returns
    -------
    tuple
        ``(ends, zero_row)`` for :func:`pfmap.montecarlo.backends.numba_kernels.layers.dense_output`.

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo.backends import tables_from_parameters
    >>> rng = np.random.default_rng(0); arch = MLP(5, (12, 7), "relu")
    >>> params = rng.normal(size=(4, arch.n_parameters))
    >>> bool(np.array_equal(tables_from_parameters(arch, params), tables_from_parameters(arch, params, backend="numpy")))
    True
    """
    count = 0
    for k in range(wstride0):
        if signs[k] < 0:
            units[count] = k
            count += 1
    low_bits = (n - 1) // 2
    high_bits = n - 1 - low_bits
    high = np.int64(0)  # not a literal: the two dense_output calls then share one compiled signature
    low = high + (1 << high_bits) * wstride1
    moff = low + (1 << low_bits) * wstride1
    coff = moff + n * wstride1
    zoff = coff + wstride1
    for o0 in range(0, wstride1, 8):
        store8(E, zoff + o0, zero8())
    # rows 0..n-1 of M, then c, two at a time: ten independent accumulators; the unit count is the same
    # on every pass, so the loop exits are predicted
    for o0 in range(0, wstride1, BLOCK):
        for i in range(0, n + 1, 2):
            a0, a1, a2, a3, a4 = _starting_sums(P, boff1 + o0, i == n)
            c0, c1, c2, c3, c4 = _starting_sums(P, boff1 + o0, i + 1 == n)
            first = woff0 + i * wstride0 if i < n else boff0
            second = woff0 + (i + 1) * wstride0 if i + 1 < n else boff0
            for u in range(count):
                k = units[u]
                h = bcast8(P, first + k)
                g = bcast8(P, second + k)
                w = woff1 + k * wstride1 + o0
                x = load8(P, w)
                a0, c0 = fma8(h, x, a0), fma8(g, x, c0)
                x = load8(P, w + 8)
                a1, c1 = fma8(h, x, a1), fma8(g, x, c1)
                x = load8(P, w + 16)
                a2, c2 = fma8(h, x, a2), fma8(g, x, c2)
                x = load8(P, w + 24)
                a3, c3 = fma8(h, x, a3), fma8(g, x, c3)
                x = load8(P, w + 32)
                a4, c4 = fma8(h, x, a4), fma8(g, x, c4)
            r = moff + i * wstride1 + o0
            store8(E, r, a0)
            store8(E, r + 8, a1)
            store8(E, r + 16, a2)
            store8(E, r + 24, a3)
            store8(E, r + 32, a4)
            if i + 1 <= n:
                r += wstride1
                store8(E, r, c0)
                store8(E, r + 8, c1)
                store8(E, r + 16, c2)
                store8(E, r + 24, c3)
                store8(E, r + 32, c4)
    # the high table starts from c and takes features 0..high_bits-1; the low table starts from zeros and
    # takes the features after them, up to n-2; feature n-1 is the odd inputs' M_{n-1}
    cube_first_layer(high_bits, E, moff, wstride1, coff, E[high:], E, units, np.bool_(False), signs)
    cube_first_layer(low_bits, E, moff + high_bits * wstride1, wstride1, zoff, E[low:], E, units, np.bool_(False),
                     signs)
    return (wstride1, high, low, low_bits, moff + (n - 1) * wstride1), zoff


@njit(inline="always")
def _starting_sums(P, b, bias):
    """Zeros for a row of ``M``; the second layer's biases for ``c``."""
    if bias:
        return load8(P, b), load8(P, b + 8), load8(P, b + 16), load8(P, b + 24), load8(P, b + 32)
    return zero8(), zero8(), zero8(), zero8(), zero8()


@njit()
def cube_first_layer(n, P, woff, wstride, boff, Z, H, masks, relu, signs):
    """Pre-activations ``Z`` of the first layer on ``{0,1}^n`` (MSB first) by one add per input and unit.

    Input ``j`` with top set bit ``t`` is input ``j - 2**t`` plus the weight
    row of feature ``n-1-t``, which stays in registers while its rows are
    built.  With ``relu``, ``H = relu(signs * Z)`` (``signs`` is +1, or -1
    for the units of :func:`linear_units`) and its nonzero patterns go to
    ``masks`` in the same pass (as :func:`pfmap.montecarlo.backends.numba_kernels.layers.activate_rows` would), and ``Z``
    keeps only the rows that later rows start from.

    Parameters
    ----------
    n, P, woff, wstride, boff
        Inputs, parameters and the layer's offsets.
    Z, H
        Pre-activations and activations (filled).
    masks
        Nonzero-unit masks (filled).
    relu : bool
        Apply relu with ``signs``.
    signs
        Per-unit +1/-1.

    Returns
    -------
    None
        ``Z``, ``H`` and ``masks`` are filled in place.

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo.backends import tables_from_parameters
    >>> rng = np.random.default_rng(0); arch = MLP(3, (9, 5), "relu")
    >>> params = rng.normal(size=(4, arch.n_parameters))
    >>> bool(np.array_equal(tables_from_parameters(arch, params), tables_from_parameters(arch, params, backend="numpy")))
    True
    """
    blocks = wstride // BLOCK
    zero = zero8()
    for o0 in range(0, wstride, BLOCK):
        for q in range(0, BLOCK, 8):
            store8(Z, o0 + q, load8(P, boff + o0 + q))
        if relu:
            s0, s1, s2, s3, s4 = (load8(signs, o0), load8(signs, o0 + 8), load8(signs, o0 + 16),
                                  load8(signs, o0 + 24), load8(signs, o0 + 32))
            bits = 0
            for q in range(0, BLOCK, 8):
                z = max8(mul8(load8(P, boff + o0 + q), load8(signs, o0 + q)), zero)
                store8(H, o0 + q, z)
                bits |= positive_mask8(z) << q
            masks[o0 // BLOCK] = bits
        for t in range(n):
            bit = 1 << t
            wrow = woff + (n - 1 - t) * wstride + o0
            w0 = load8(P, wrow)
            w1 = load8(P, wrow + 8)
            w2 = load8(P, wrow + 16)
            w3 = load8(P, wrow + 24)
            w4 = load8(P, wrow + 32)
            keep = t < n - 1 or not relu  # the last pass's rows are nobody's source
            for j in range(bit, 2 * bit):
                src = (j - bit) * wstride + o0
                dst = j * wstride + o0
                z0 = add8(load8(Z, src), w0)
                z1 = add8(load8(Z, src + 8), w1)
                z2 = add8(load8(Z, src + 16), w2)
                z3 = add8(load8(Z, src + 24), w3)
                z4 = add8(load8(Z, src + 32), w4)
                if keep:
                    store8(Z, dst, z0)
                    store8(Z, dst + 8, z1)
                    store8(Z, dst + 16, z2)
                    store8(Z, dst + 24, z3)
                    store8(Z, dst + 32, z4)
                if relu:
                    z0, z1, z2 = max8(mul8(z0, s0), zero), max8(mul8(z1, s1), zero), max8(mul8(z2, s2), zero)
                    z3, z4 = max8(mul8(z3, s3), zero), max8(mul8(z4, s4), zero)
                    store8(H, dst, z0)
                    store8(H, dst + 8, z1)
                    store8(H, dst + 16, z2)
                    store8(H, dst + 24, z3)
                    store8(H, dst + 32, z4)
                    masks[j * blocks + o0 // BLOCK] = (positive_mask8(z0) | (positive_mask8(z1) << 8)
                                                        | (positive_mask8(z2) << 16) | (positive_mask8(z3) << 24)
                                                        | (positive_mask8(z4) << 32))


@njit()
def cube_perceptron(n, P, woff, c, zout):
    """A perceptron's outputs ``zout[j] = c + w . x_j`` on ``{0,1}^n`` (MSB first): one add per input.

    Parameters
    ----------
    n : int
        Inputs.
    P : numpy.ndarray
        The parameter buffer (float32).
    woff : int
        Where the weights start.
    c : float
        The bias.
    zout : numpy.ndarray
        float32 outputs (filled, ``2**n`` of them).

    Returns
    -------
    None
        ``zout`` is filled in place.

    Examples
    --------
    >>> z = np.zeros(4, dtype=np.float32)
    >>> cube_perceptron(2, np.array([1.0, 2.0], dtype=np.float32), 0, np.float32(-1.5), z); z.tolist()
    [-1.5, 0.5, -0.5, 1.5]
    """
    zout[0] = c
    for t in range(n):
        bit = 1 << t
        w = P[woff + n - 1 - t]
        for j in range(bit, 2 * bit):
            zout[j] = zout[j - bit] + w
