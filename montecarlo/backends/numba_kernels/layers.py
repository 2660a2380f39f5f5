"""The register-blocked layer kernels of the numba fast path (see :mod:`pfmap.montecarlo.backends.numba_kernels.forward`).

Two inputs times 40 outputs (ten 8-lane accumulators) over the fan-in, so
the FMA units, not memory, set the pace; zero activations are skipped from
per-row bit masks.  Hidden layers are stored with their width padded to a
multiple of 40 (:data:`BLOCK`).

References
----------
Goto, van de Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS 34(3), 2008 (register-blocked
micro-kernels).
"""

from __future__ import annotations

import math

import numpy as np

from pfmap.montecarlo.jit import njit

from pfmap.architectures import ACT_LINEAR, ACT_RELU, ACT_STEP, ACT_TANH

from pfmap.montecarlo.backends.numba_kernels.lanes import below_mask8, hsum8, positive_mask8, step8, trailing_zeros
from pfmap.montecarlo.backends.numba_kernels.simd import abs8, add8, bcast8, fma8, load8, max8, mul8, splat8, store8, zero8

BLOCK = 40  # outputs per micro-kernel pass: five 8-lane accumulators per input, two inputs


@njit(inline="always")
def _pair_block(H, r0, r1, P, wb, wstride, B, i0, masks, m0, m1, mstride, span):
    """``B[i0:i0+40] + H[r] @ W`` over one 40-wide block of outputs for rows ``r0`` and ``r1`` (ten accumulators).

    ``B[i0:]`` is the bias, or zeros.  ``masks[m + c]`` has bit ``i`` set
    when ``H[r + span * c + i]`` may be nonzero; zero activations are
    skipped by walking the set bits of the two rows' union (consecutive
    inputs of the cube mostly share their zeros).
    """
    a0 = load8(B, i0)
    a1 = load8(B, i0 + 8)
    a2 = load8(B, i0 + 16)
    a3 = load8(B, i0 + 24)
    a4 = load8(B, i0 + 32)
    c0, c1, c2, c3, c4 = a0, a1, a2, a3, a4
    for chunk in range(mstride):
        bits = masks[m0 + chunk] | masks[m1 + chunk]
        first = span * chunk
        while bits != 0:
            k = first + trailing_zeros(bits)
            bits &= bits - 1
            h = bcast8(H, r0 + k)
            g = bcast8(H, r1 + k)
            o = wb + k * wstride
            w = load8(P, o)
            a0 = fma8(h, w, a0)
            c0 = fma8(g, w, c0)
            w = load8(P, o + 8)
            a1 = fma8(h, w, a1)
            c1 = fma8(g, w, c1)
            w = load8(P, o + 16)
            a2 = fma8(h, w, a2)
            c2 = fma8(g, w, c2)
            w = load8(P, o + 24)
            a3 = fma8(h, w, a3)
            c3 = fma8(g, w, c3)
            w = load8(P, o + 32)
            a4 = fma8(h, w, a4)
            c4 = fma8(g, w, c4)
    return a0, a1, a2, a3, a4, c0, c1, c2, c3, c4


@njit()
def dense_layer(H, hstride, rows, P, woff, wstride, boff, Z, masks, mstride, span):
    """``Z[j, :] = b + H[j, :] @ W`` for ``j < rows`` (rows even; ``Z`` has row stride ``wstride``).

    Parameters
    ----------
    H, hstride, rows
        Input rows (flat float32), their stride and count.
    P, woff, wstride, boff
        The parameter buffer and the layer's offsets.
    Z
        Output pre-activations.
    masks, mstride, span
        Nonzero-unit masks of the input rows.

    Returns
    -------
    None
        ``Z`` is filled in place.

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo.backends import tables_from_parameters
    >>> rng = np.random.default_rng(0); arch = MLP(3, (9, 5), "tanh")
    >>> params = rng.normal(size=(4, arch.n_parameters))
    >>> bool(np.array_equal(tables_from_parameters(arch, params), tables_from_parameters(arch, params, backend="numpy")))
    True
    """
    for o0 in range(0, wstride, BLOCK):
        for j in range(0, rows, 2):
            a0, a1, a2, a3, a4, c0, c1, c2, c3, c4 = _pair_block(
                H, j * hstride, (j + 1) * hstride, P, woff + o0, wstride, P, boff + o0, masks, j * mstride,
                (j + 1) * mstride, mstride, span)
            z0 = j * wstride + o0
            z1 = z0 + wstride
            store8(Z, z0, a0)
            store8(Z, z0 + 8, a1)
            store8(Z, z0 + 16, a2)
            store8(Z, z0 + 24, a3)
            store8(Z, z0 + 32, a4)
            store8(Z, z1, c0)
            store8(Z, z1 + 8, c1)
            store8(Z, z1 + 16, c2)
            store8(Z, z1 + 24, c3)
            store8(Z, z1 + 32, c4)


@njit()
def dense_output(H, hstride, rows, P, woff, wstride, B, boff, E, ends, voff, c, masks, mstride, span, relu, zout):
    """``zout[j] = c + v . act(B[boff:] + H[j, :] @ W + end_j)``: the last hidden layer and the output unit at once.

    ``end_j`` comes from ``E`` as laid out by :func:`pfmap.montecarlo.backends.numba_kernels.cube.linear_units` (``ends``
    = ``(stride, high, low, low_bits, odd)`` offsets): ``E[high + (m >>
    low_bits) stride] + E[low + (m & (2**low_bits - 1)) stride]`` with ``m =
    j // 2``, plus ``E[odd]`` for odd ``j``; with the bias in ``B`` it is a
    row of zeros (``stride`` 0).  The hidden pre-activations stay in
    registers; ``act`` is relu or the identity.

    Parameters
    ----------
    H, hstride, rows
        Input rows, stride, count.
    P, woff, wstride
        Parameters and the last hidden layer's weights.
    B, boff
        Where its biases (or starting sums) are.
    E, ends
        Per-input end rows (:func:`pfmap.montecarlo.backends.numba_kernels.cube.linear_units`).
    voff, c
        The output unit's weights and bias.
    masks, mstride, span
        Nonzero-unit masks.
    relu : bool
        relu (else linear) hidden units.
    zout
        Output pre-activations, one per row (filled).

    Returns
    -------
    None
        ``zout`` is filled in place.

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo.backends import tables_from_parameters
    >>> rng = np.random.default_rng(0); arch = MLP(3, (9, 5), "relu")
    >>> params = rng.normal(size=(4, arch.n_parameters))
    >>> bool(np.array_equal(tables_from_parameters(arch, params), tables_from_parameters(arch, params, backend="numpy")))
    True
    """
    stride, high, low, low_bits, odd = ends
    low_mask = (1 << low_bits) - 1
    for j in range(rows):
        zout[j] = c
    zero = zero8()
    for o0 in range(0, wstride, BLOCK):
        v0 = load8(P, voff + o0)
        v1 = load8(P, voff + o0 + 8)
        v2 = load8(P, voff + o0 + 16)
        v3 = load8(P, voff + o0 + 24)
        v4 = load8(P, voff + o0 + 32)
        for j in range(0, rows, 2):
            a0, a1, a2, a3, a4, c0, c1, c2, c3, c4 = _pair_block(
                H, j * hstride, (j + 1) * hstride, P, woff + o0, wstride, B, boff + o0, masks, j * mstride,
                (j + 1) * mstride, mstride, span)
            h = high + (j >> (1 + low_bits)) * stride + o0
            q = low + ((j >> 1) & low_mask) * stride + o0
            e0, e1, e2 = add8(load8(E, h), load8(E, q)), add8(load8(E, h + 8), load8(E, q + 8)), \
                add8(load8(E, h + 16), load8(E, q + 16))
            e3, e4 = add8(load8(E, h + 24), load8(E, q + 24)), add8(load8(E, h + 32), load8(E, q + 32))
            a0, a1, a2, a3, a4 = add8(a0, e0), add8(a1, e1), add8(a2, e2), add8(a3, e3), add8(a4, e4)
            d = odd + o0
            c0, c1 = add8(c0, add8(e0, load8(E, d))), add8(c1, add8(e1, load8(E, d + 8)))
            c2, c3 = add8(c2, add8(e2, load8(E, d + 16))), add8(c3, add8(e3, load8(E, d + 24)))
            c4 = add8(c4, add8(e4, load8(E, d + 32)))
            if relu:
                a0, a1, a2, a3, a4 = max8(a0, zero), max8(a1, zero), max8(a2, zero), max8(a3, zero), max8(a4, zero)
                c0, c1, c2, c3, c4 = max8(c0, zero), max8(c1, zero), max8(c2, zero), max8(c3, zero), max8(c4, zero)
            s = fma8(a4, v4, fma8(a3, v3, fma8(a2, v2, fma8(a1, v1, mul8(a0, v0)))))
            t = fma8(c4, v4, fma8(c3, v3, fma8(c2, v2, fma8(c1, v1, mul8(c0, v0)))))
            zout[j] += hsum8(s)
            zout[j + 1] += hsum8(t)


@njit()
def activate_rows(Z, stride, rows, width, act, T, uncertain, masks):
    """Apply the activation in place and record each row's nonzero units, one 40-bit mask per 40-wide block.

    For step, rows with a pre-activation within ``T`` of 0 are flagged uncertain.

    Parameters
    ----------
    Z, stride, rows, width
        Pre-activations, row stride, rows, units.
    act : int
        The activation's code.
    T
        Per-unit thresholds (step: the certified band).
    uncertain
        Per-row flags (step).
    masks
        Nonzero-unit masks (filled).

    Returns
    -------
    None
        ``Z``, ``uncertain`` and ``masks`` are updated in place.

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo.backends import tables_from_parameters
    >>> rng = np.random.default_rng(0); arch = MLP(3, (9, 5), "step")
    >>> params = rng.normal(size=(4, arch.n_parameters))
    >>> bool(np.array_equal(tables_from_parameters(arch, params), tables_from_parameters(arch, params, backend="numpy")))
    True
    """
    blocks = stride // BLOCK
    if act == ACT_RELU:
        zero = zero8()
        for j in range(rows):
            for blk in range(blocks):
                r = j * stride + BLOCK * blk
                # build the mask in a register: a read-modify-write per vector would chain store forwarding
                bits = 0
                for q in range(0, BLOCK, 8):
                    z = max8(load8(Z, r + q), zero)
                    store8(Z, r + q, z)
                    bits |= positive_mask8(z) << q
                masks[j * blocks + blk] = bits
    elif act == ACT_STEP:
        for j in range(rows):
            for blk in range(blocks):
                r = j * stride + BLOCK * blk
                bits = 0
                for q in range(0, BLOCK, 8):
                    z = load8(Z, r + q)
                    if below_mask8(abs8(z), load8(T, BLOCK * blk + q)) != 0:
                        uncertain[j] = True
                    z = step8(z)
                    store8(Z, r + q, z)
                    bits |= positive_mask8(z) << q
                masks[j * blocks + blk] = bits
    else:
        for j in range(rows):
            if act == ACT_TANH:
                for i in range(j * stride, (j + 1) * stride):
                    Z[i] = np.float32(math.tanh(Z[i]))
            for blk in range(blocks):
                valid = min(BLOCK, width - BLOCK * blk)
                masks[j * blocks + blk] = (np.int64(1) << valid) - 1 if valid > 0 else 0


@njit()
def magnitude(P, woff, wstride, boff, K, Ain, Aout):
    """``Aout >= |b| + |W|^T Ain``, an upper bound despite float32 rounding (``wstride`` a multiple of 40).

    A float32 sum of ``K + 1`` non-negative terms is at least ``(1 - (K+1) u)``
    times the exact one (``u = 2**-24``), so multiplying by a float32 factor
    ``c >= (1 + (2K + 4) u) / (1 - u)`` covers it, the final rounding included.

    Parameters
    ----------
    P, woff, wstride, boff, K
        Parameters, the layer's offsets and fan-in.
    Ain, Aout
        Magnitude bounds below and (filled) above.

    Returns
    -------
    None
        ``Aout`` is filled in place.

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo.backends import tables_from_parameters
    >>> rng = np.random.default_rng(0); arch = MLP(3, (9, 5), "linear")
    >>> params = rng.normal(size=(4, arch.n_parameters))
    >>> bool(np.array_equal(tables_from_parameters(arch, params), tables_from_parameters(arch, params, backend="numpy")))
    True
    """
    inflate = splat8(np.float32(1.0 + (2 * K + 4) * 2.0**-24 + 2.0**-21))
    for o0 in range(0, wstride, BLOCK):
        a0 = abs8(load8(P, boff + o0))
        a1 = abs8(load8(P, boff + o0 + 8))
        a2 = abs8(load8(P, boff + o0 + 16))
        a3 = abs8(load8(P, boff + o0 + 24))
        a4 = abs8(load8(P, boff + o0 + 32))
        for k in range(K):
            h = splat8(Ain[k])
            o = woff + k * wstride + o0
            a0 = fma8(h, abs8(load8(P, o)), a0)
            a1 = fma8(h, abs8(load8(P, o + 8)), a1)
            a2 = fma8(h, abs8(load8(P, o + 16)), a2)
            a3 = fma8(h, abs8(load8(P, o + 24)), a3)
            a4 = fma8(h, abs8(load8(P, o + 32)), a4)
        store8(Aout, o0, mul8(a0, inflate))
        store8(Aout, o0 + 8, mul8(a1, inflate))
        store8(Aout, o0 + 16, mul8(a2, inflate))
        store8(Aout, o0 + 24, mul8(a3, inflate))
        store8(Aout, o0 + 32, mul8(a4, inflate))
