"""The numba fast path: draw, evaluate in float32 with a certified sign, fall back to float64.

One network at a time per thread, all its inputs at once:

* parameters are drawn (:mod:`montecarlo.rng`) straight into a padded float32
  buffer: layer ``l``'s weights as a ``fan_in x Wp`` row-major block (``Wp``
  the width rounded up to a multiple of 40, zeros in the padding), then its
  biases; the output unit's weights and bias last;
* on ``{0,1}^n`` the first layer costs one vector add per input and unit:
  input ``j`` with top set bit ``t`` is input ``j - 2**t`` plus the weight row
  of feature ``n-1-t``;
* every other layer is a register-blocked micro-kernel: two inputs times 40
  outputs (ten 8-lane accumulators) over the fan-in, so the FMA units, not
  memory, set the pace.

Certified sign.  Let ``u = 2**-24``.  Every float32 pre-activation of layer
``l`` differs from the exact one (same float32 parameters, exact arithmetic)
by at most ``kappa_l * A_l``, where ``A_l`` bounds ``|b| + sum |w| |h|`` over
all inputs (propagated with ``|W|``: ``A_1 = |W_1| max|x| + |b_1|``,
``A_{l+1} = |W_{l+1}| act(A_l) + |b_{l+1}|``) and
``kappa_{l+1} = kappa_l (1 + u') + (fan_in + 1) u'`` with ``u' = 1.01 u``
(Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1: a
sum of ``d`` products in any order errs by at most ``gamma_d`` times the sum
of magnitudes; relu and linear are 1-Lipschitz and shrink magnitudes; tanh
adds its own few-ulp error).  The float64 reference errs by the same
expression with ``u = 2**-53``.  If ``|z_out| > (kappa32 + kappa64) * A_out``
then the float32 sign, the exact sign and the float64 reference's sign agree.
Otherwise, and for a step net whenever a hidden pre-activation is within its
own bound of 0 (a step is not continuous), that input is recomputed in
float64.  The fast path's function can then differ from the float64
reference's only where the reference's own sign is not determined by its
rounding (``|z| < ~1e-15 A``), which happens with probability ~1e-14 per
input.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .rng import draw_network
from .simd import (abs8, add8, below_mask8, fma8, hsum8, load8, max8, positive_mask8, splat8, step8, store8,
                   trailing_zeros, zero8)

BLOCK = 40  # outputs per micro-kernel pass: five 8-lane accumulators per input, two inputs
ACT_RELU, ACT_TANH, ACT_STEP, ACT_LINEAR = 0, 1, 2, 3
ACTIVATION_CODES = {"relu": ACT_RELU, "tanh": ACT_TANH, "step": ACT_STEP, "linear": ACT_LINEAR}


@numba.njit(inline="always", cache=True)
def _act8(z, act):
    if act == ACT_RELU:
        return max8(z, zero8())
    if act == ACT_STEP:
        return step8(z)
    return z  # linear; tanh is applied lane by lane afterwards


@numba.njit(cache=True)
def _dense_layer(H, hstride, rows, K, P, woff, wstride, boff, Z, zstride, masks, mstride):
    """``Z[j, :] = b + H[j, :K] @ W`` for ``j < rows`` (rows even), 40 outputs per pass.

    ``masks[j * mstride + c]`` has bit ``b`` set when ``H[j, 64c + b]`` may be
    nonzero; zero activations (relu, step, sparse data) are skipped, a pair of
    inputs at a time, by walking the set bits of the pair's union.
    """
    for o0 in range(0, wstride, BLOCK):
        wb = woff + o0
        for j in range(0, rows, 2):
            a0 = load8(P, boff + o0)
            a1 = load8(P, boff + o0 + 8)
            a2 = load8(P, boff + o0 + 16)
            a3 = load8(P, boff + o0 + 24)
            a4 = load8(P, boff + o0 + 32)
            c0, c1, c2, c3, c4 = a0, a1, a2, a3, a4
            r0 = j * hstride
            r1 = r0 + hstride
            for chunk in range(mstride):
                bits = masks[j * mstride + chunk] | masks[(j + 1) * mstride + chunk]
                while bits != 0:
                    k = 64 * chunk + trailing_zeros(bits)
                    bits &= bits - 1
                    h = splat8(H[r0 + k])
                    g = splat8(H[r1 + k])
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
            z0 = j * zstride + o0
            z1 = z0 + zstride
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


@numba.njit(cache=True)
def _cube_first_layer(n, P, woff, wstride, boff, Z):
    """Pre-activations of the first layer on ``{0,1}^n`` (MSB first) by one add per input."""
    for v in range(0, wstride, 8):
        store8(Z, v, load8(P, boff + v))
    for t in range(n):
        bit = 1 << t
        wrow = woff + (n - 1 - t) * wstride
        for j in range(bit, 2 * bit):
            src = (j - bit) * wstride
            dst = j * wstride
            for v in range(0, wstride, 8):
                store8(Z, dst + v, add8(load8(Z, src + v), load8(P, wrow + v)))


@numba.njit(cache=True)
def _activate_rows(Z, stride, rows, width, act, T, uncertain, masks, mstride):
    """Apply the activation in place and record each row's nonzero pattern in ``masks``.

    For step, rows with a pre-activation within ``T`` of 0 are flagged uncertain.
    """
    for j in range(rows):
        r = j * stride
        for chunk in range(mstride):
            masks[j * mstride + chunk] = 0
        if act == ACT_RELU or act == ACT_STEP:
            for c0 in range(0, stride, 64):
                # build each 64-bit word in a register: a read-modify-write per vector would chain
                # store-to-load forwarding latencies
                bits = 0
                for v in range(c0, min(stride, c0 + 64), 8):
                    z = load8(Z, r + v)
                    if act == ACT_STEP:
                        if below_mask8(abs8(z), load8(T, v)) != 0:
                            uncertain[j] = True
                        z = step8(z)
                    else:
                        z = max8(z, zero8())
                    store8(Z, r + v, z)
                    bits |= positive_mask8(z) << (v - c0)
                masks[j * mstride + (c0 >> 6)] = bits
        else:
            if act == ACT_TANH:
                for i in range(stride):
                    Z[r + i] = np.float32(math.tanh(Z[r + i]))
            for i in range(width):
                masks[j * mstride + (i >> 6)] |= np.int64(1) << (i & 63)


@numba.njit(cache=True)
def _magnitude(P, woff, wstride, boff, K, Ain, Aout):
    """``Aout >= |b| + |W|^T Ain``, an upper bound despite float32 rounding.

    A float32 sum of ``K + 1`` non-negative terms is at least ``(1 - (K+1) u)``
    times the exact one, so inflating by ``1 + (2K + 4) u`` (``u = 2**-24``, the
    final rounding included) covers it.
    """
    for o0 in range(0, wstride, 8):
        acc = abs8(load8(P, boff + o0))
        for k in range(K):
            acc = fma8(splat8(Ain[k]), abs8(load8(P, woff + k * wstride + o0)), acc)
        store8(Aout, o0, acc)
    inflate = 1.0 + (2 * K + 4) * 2.0**-24
    for i in range(wstride):
        Aout[i] = np.float32(np.float64(Aout[i]) * inflate)


@numba.njit(cache=True)
def forward_network(P, spec, X, xmask, xmax, cube, act, kappa, H0, H1, M0, M1, A0, A1, T, zout, uncertain):
    """Float32 output pre-activations of one network on all inputs, with per-input certification.

    ``spec`` rows are ``(fan_in, woff, wstride, boff)`` per layer, the output
    layer last (its ``wstride`` is 1 and its weights a plain vector).  ``X``
    is the flat ``(rows, n)`` float32 input matrix (unused on the cube),
    ``xmask`` its nonzero patterns (see :func:`_dense_layer`), ``kappa[l]``
    the float32+float64 error coefficients of layer ``l``'s pre-activations.
    Sets ``zout[j]`` and ``uncertain[j]``.
    """
    rows = zout.shape[0]
    depth = spec.shape[0]
    n = spec[0, 0]
    for j in range(rows):
        uncertain[j] = False
    # magnitudes of the inputs
    for k in range(n):
        A0[k] = xmax[k]
    Hin, Hout = H0, H1
    Min, Mout = M0, M1
    Ain, Aout = A0, A1
    hstride = n
    padded = rows + (rows & 1)
    for layer in range(depth - 1):
        K, woff, wstride, boff = spec[layer, 0], spec[layer, 1], spec[layer, 2], spec[layer, 3]
        _magnitude(P, woff, wstride, boff, K, Ain, Aout)
        if layer == 0 and cube:
            _cube_first_layer(n, P, woff, wstride, boff, Hout)
        elif layer == 0:
            _dense_layer(X, n, padded, K, P, woff, wstride, boff, Hout, wstride, xmask, (n + 63) // 64)
        else:
            _dense_layer(Hin, hstride, padded, K, P, woff, wstride, boff, Hout, wstride, Min, (hstride + 63) // 64)
        if act == ACT_STEP:
            width = spec[layer + 1, 0]
            for i in range(wstride):
                # padding units are exactly 0 with bound 0: never uncertain
                T[i] = np.float32(kappa[layer] * Aout[i] * 1.000001) if i < width else np.float32(-1.0)
        _activate_rows(Hout, wstride, padded, spec[layer + 1, 0], act, T, uncertain, Mout, (wstride + 63) // 64)
        if act == ACT_STEP:
            for i in range(wstride):
                Aout[i] = 1.0
        elif act == ACT_TANH:
            for i in range(wstride):
                Aout[i] = min(Aout[i], np.float32(1.0))
        Hin, Hout = Hout, Hin
        Min, Mout = Mout, Min
        Ain, Aout = Aout, Ain
        hstride = wstride
    # output unit
    K, woff, boff = spec[depth - 1, 0], spec[depth - 1, 1], spec[depth - 1, 3]
    c = P[boff]
    if depth == 1:
        if cube:
            _cube_perceptron(n, P, woff, c, zout)
        else:
            for j in range(rows):
                s = c
                for k in range(n):
                    s += X[j * n + k] * P[woff + k]
                zout[j] = s
    else:
        for j in range(rows):
            r = j * hstride
            acc = zero8()
            for v in range(0, hstride, 8):
                acc = fma8(load8(Hin, r + v), load8(P, woff + v), acc)
            zout[j] = hsum8(acc) + c
    a_out = np.float64(abs(c))
    for k in range(K):
        a_out += abs(np.float64(P[woff + k])) * np.float64(Ain[k])
    bound = kappa[depth - 1] * a_out * (1 + 1e-5) + 1e-30
    for j in range(rows):
        if abs(np.float64(zout[j])) <= bound:
            uncertain[j] = True


@numba.njit(cache=True)
def _cube_perceptron(n, P, woff, c, zout):
    zout[0] = c
    for t in range(n):
        bit = 1 << t
        w = P[woff + n - 1 - t]
        for j in range(bit, 2 * bit):
            zout[j] = zout[j - bit] + w


@numba.njit(cache=True)
def reference_output(P, spec, x, act, h0, h1):
    """Float64 output pre-activation of one network on one input ``x`` (the fallback)."""
    depth = spec.shape[0]
    n = spec[0, 0]
    for k in range(n):
        h0[k] = x[k]
    hin, hout = h0, h1
    for layer in range(depth - 1):
        K, woff, wstride, boff = spec[layer, 0], spec[layer, 1], spec[layer, 2], spec[layer, 3]
        for i in range(spec[layer + 1, 0]):
            s = np.float64(P[boff + i])
            for k in range(K):
                s += hin[k] * np.float64(P[woff + k * wstride + i])
            if act == ACT_RELU:
                s = max(s, 0.0)
            elif act == ACT_STEP:
                s = 1.0 if s > 0 else 0.0
            elif act == ACT_TANH:
                s = math.tanh(s)
            hout[i] = s
        hin, hout = hout, hin
    K, woff, boff = spec[depth - 1, 0], spec[depth - 1, 1], spec[depth - 1, 3]
    s = np.float64(P[boff])
    for k in range(K):
        s += hin[k] * np.float64(P[woff + k])
    return s


@numba.njit(parallel=True, cache=True)
def sample_batch(key, first, count, scales, positions, gaussian, buffer_size, spec, X, xmask, X64, xmax, cube, act,
                 kappa, max_width, words, out, fallbacks, given):
    """Truth tables (packed uint64 rows of ``out``) of networks ``first .. first+count-1`` of a chunk.

    With a non-empty ``given`` (count x P canonical float32 parameters) those
    networks are evaluated instead of drawn.
    """
    rows = X64.shape[0]
    blocks = fallbacks.shape[0]
    per = (count + blocks - 1) // blocks
    for blk in numba.prange(blocks):
        P = np.zeros(buffer_size, dtype=np.float32)
        pending = np.empty(scales.shape[0], dtype=np.int64)
        padded_rows = rows + (rows & 1)
        H0 = np.zeros(padded_rows * max_width, dtype=np.float32)
        H1 = np.zeros(padded_rows * max_width, dtype=np.float32)
        M0 = np.zeros(padded_rows * ((max_width + 63) // 64), dtype=np.int64)
        M1 = np.zeros(padded_rows * ((max_width + 63) // 64), dtype=np.int64)
        A0 = np.zeros(max_width, dtype=np.float32)
        A1 = np.zeros(max_width, dtype=np.float32)
        T = np.zeros(max_width, dtype=np.float32)
        h0 = np.zeros(max_width, dtype=np.float64)
        h1 = np.zeros(max_width, dtype=np.float64)
        zout = np.empty(rows, dtype=np.float32)
        uncertain = np.empty(rows, dtype=np.bool_)
        n_fallback = 0
        for b in range(blk * per, min(count, (blk + 1) * per)):
            if given.shape[0]:
                for p in range(positions.shape[0]):
                    P[positions[p]] = given[b, p]
            else:
                draw_network(key, first + b, scales, gaussian, P, positions, pending)
            forward_network(P, spec, X, xmask, xmax, cube, act, kappa, H0, H1, M0, M1, A0, A1, T, zout, uncertain)
            for w in range(words):
                out[b, w] = 0
            for j in range(rows):
                positive = zout[j] > 0
                if uncertain[j]:
                    n_fallback += 1
                    positive = reference_output(P, spec, X64[j], act, h0, h1) > 0
                if positive:
                    out[b, j >> 6] |= np.uint64(1) << np.uint64(j & 63)
        fallbacks[blk] = n_fallback
