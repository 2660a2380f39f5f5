"""The numba fast path: draw, evaluate in float32 with a certified sign, fall back to float64.

One network at a time per thread, all its inputs at once:

* parameters are drawn (:mod:`pfmap.montecarlo.rng`) straight into a padded float32
  buffer: layer ``l``'s weights as a ``fan_in x Wp`` row-major block (``Wp``
  the width rounded up to a multiple of 40, zeros in the padding), then its
  biases; the output unit's weights and bias last;
* on ``{0,1}^n`` the first layer costs one vector add per input and unit:
  input ``j`` with top set bit ``t`` is input ``j - 2**t`` plus the weight row
  of feature ``n-1-t``;
* every other layer is a register-blocked micro-kernel: two inputs times 40
  outputs (ten 8-lane accumulators) over the fan-in, so the FMA units, not
  memory, set the pace; it walks only the units that are nonzero for either
  input (relu and step zeros, about half on the cube), from per-row bit masks;
* with relu or linear hidden units the last hidden layer and the output unit
  are one pass: each pair's 40 accumulators go through the activation and the
  dot product with the output weights in registers, so the last hidden layer
  is never stored;
* on the cube with two relu layers, the first-layer units active on most
  inputs are split as ``relu(z) = z + relu(-z)``: their affine part ``z``
  reaches the second layer through a per-input table built once per network
  (:func:`pfmap.montecarlo.backends.numba_kernels.cube.linear_units`), so every unit is nonzero on at most about half of
  the inputs and the micro-kernel does a third of the work it did.

Certified sign.  Let ``u = 2**-24``.  Every float32 pre-activation of layer
``l`` differs from the exact one (same float32 parameters, exact arithmetic)
by at most ``kappa_l * A_l``, where ``A_l`` bounds ``|b| + sum |w| |h|`` over
all inputs (propagated with ``|W|``: ``A_1 = |W_1| max|x| + |b_1|``,
``A_{l+1} = |W_{l+1}| act(A_l) + |b_{l+1}|``) and
``kappa_{l+1} = kappa_l (1 + u') + (fan_in + 1) u'`` with ``u' = 1.01 u``
(Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1: a
sum of ``d`` products in any order errs by at most ``gamma_d`` times the sum
of magnitudes; relu and linear are 1-Lipschitz and shrink magnitudes; tanh
adds its own few-ulp error; with :func:`pfmap.montecarlo.backends.numba_kernels.cube.linear_units` the second layer's
term is ``2 (fan_in + n + 3) u'``).  The float64 reference errs by the same
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

import numpy as np

from pfmap.architectures import ACT_LINEAR, ACT_RELU, ACT_STEP, ACT_TANH
from pfmap.montecarlo.backends.numba_kernels.atomics import fetch_add
from pfmap.montecarlo.backends.numba_kernels.certify import pack_signs
from pfmap.montecarlo.backends.numba_kernels.cube import (cube_first_layer, cube_perceptron, fold_signs, linear_units,
                                                          uses_linear_units)
from pfmap.montecarlo.backends.numba_kernels.layers import (BLOCK, activate_rows, dense_layer, dense_output,
                                                            magnitude)
from pfmap.montecarlo.backends.numba_kernels.lanes import hsum8
from pfmap.montecarlo.backends.numba_kernels.simd import fma8, load8, zero8
from pfmap.montecarlo.draws import draw_network, draw_scratch
from pfmap.montecarlo.jit import njit

@njit()
def forward_network(P, spec, X, xmask, xmax, cube, act, kappa, H0, H1, M0, M1, A0, A1, T, zout, uncertain, rows,
                    units, zeros):
    """Float32 output pre-activations ``zout[:rows]`` of one network on all inputs; returns their error bound.

    ``spec`` rows are ``(fan_in, woff, wstride, boff)`` per layer, the output
    layer last (its ``wstride`` is 1 and its weights a plain vector).  ``X``
    is the flat ``(rows, n)`` float32 input matrix (unused on the cube),
    ``xmask`` its nonzero patterns (64 features per word), ``kappa[l]`` the
    float32+float64 error coefficients of layer ``l``'s pre-activations.  An
    input whose ``|zout|`` is at most the returned bound, or (step) whose
    ``uncertain`` flag is set, needs the float64 reference.  ``H0`` holds
    ``rows + n + 8`` rows; ``units`` is int64 scratch of
    :func:`pfmap.montecarlo.backends.numba_kernels.cube.linear_units`; ``zeros`` float32 zeros, at least 40.

    Parameters
    ----------
    P, spec
        The parameter buffer and its layer table.
    X, xmask, xmax
        Inputs, their nonzero masks and magnitudes.
    cube : bool
        Inputs are {0,1}^n.
    act : int
        The activation's code.
    kappa
        Error coefficients per layer.
    H0, H1, M0, M1, A0, A1, T
        Scratch.
    zout, uncertain
        Outputs (filled).
    rows : int
        Inputs.
    units, zeros
        Scratch.

    Returns
    -------
    float
        The error bound of every ``zout``.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo.backends import float32_outputs
    >>> z, bound = float32_outputs(Perceptron(2), np.array([[1.0, 1.0, -1.5]]))   # forward_network, one network
    >>> z.tolist(), bool(bound[0] < 1e-5)
    ([[-1.5, -0.5, -0.5, 0.5]], True)
    """
    depth = spec.shape[0]
    n = spec[0, 0]
    if act == ACT_STEP:
        for j in range(rows):
            uncertain[j] = False
    for k in range(n):
        A0[k] = xmax[k]
    Hin, Hout = H0, H1
    Min, Mout = M0, M1
    Ain, Aout = A0, A1
    hstride = n
    padded = rows + (rows & 1)
    # relu/linear: the last hidden layer feeds the output unit in registers (unless it is the cube layer)
    fused = depth >= 2 and (act == ACT_RELU or act == ACT_LINEAR) and not (depth == 2 and cube)
    done = False
    for layer in range(depth - 1):
        K, woff, wstride, boff = spec[layer, 0], spec[layer, 1], spec[layer, 2], spec[layer, 3]
        magnitude(P, woff, wstride, boff, K, Ain, Aout)
        if layer == 0:
            H, masks, mstride, span = X, xmask, (n + 63) // 64, 64
        else:
            H, masks, mstride, span = Hin, Min, hstride // BLOCK, BLOCK
        if fused and layer == depth - 2:
            voff, c = spec[depth - 1, 1], P[spec[depth - 1, 3]]
            if layer == 1 and uses_linear_units(cube, act, depth):
                # Hout (the first layer's pre-activations) is free: it takes the starting rows
                ends, zero_row = linear_units(n, P, spec[0, 1], spec[0, 2], spec[0, 3], woff, wstride, boff, T,
                                               units, Hout)
                # the pair kernel's sums start from zeros and the ends come last
                dense_output(H, hstride, padded, P, woff, wstride, Hout, zero_row, Hout, ends, voff, c, masks,
                              mstride, span, np.bool_(True), zout)
            else:
                no_ends = np.int64(0)  # typed like linear_units' ends, so that dense_output compiles once
                dense_output(H, hstride, padded, P, woff, wstride, P, boff, zeros,
                              (no_ends, no_ends, no_ends, no_ends, no_ends), voff, c, masks, mstride, span,
                              act == ACT_RELU, zout)
            Ain, Aout = Aout, Ain
            done = True
            break
        if layer == 0 and cube and act == ACT_RELU:
            # T is free without step units: it holds the signs of the folded units
            if uses_linear_units(cube, act, depth):
                fold_signs(n, P, woff, wstride, boff, T)
            else:
                for i in range(wstride):
                    T[i] = np.float32(1.0)
            # Hin is free at the first layer: it holds the pre-activations
            cube_first_layer(n, P, woff, wstride, boff, Hin, Hout, Mout, np.bool_(True), T)
        else:
            if layer == 0 and cube:
                cube_first_layer(n, P, woff, wstride, boff, Hout, Hout, Mout, np.bool_(False), T)
            else:
                dense_layer(H, hstride, padded, P, woff, wstride, boff, Hout, masks, mstride, span)
            if act == ACT_STEP:
                width = spec[layer + 1, 0]
                for i in range(wstride):
                    # padding units are exactly 0 with bound 0: never uncertain
                    T[i] = np.float32(kappa[layer] * Aout[i] * 1.000001) if i < width else np.float32(-1.0)
            activate_rows(Hout, wstride, padded, spec[layer + 1, 0], act, T, uncertain, Mout)
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
    K, woff, boff = spec[depth - 1, 0], spec[depth - 1, 1], spec[depth - 1, 3]
    c = P[boff]
    if done:
        pass
    elif depth == 1 and cube:
        cube_perceptron(n, P, woff, c, zout)
    elif depth == 1:
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
    # two partial sums: one float64 add chain of length K would be the slowest step here
    even = odd = 0.0
    for k in range(0, K - 1, 2):
        even += abs(np.float64(P[woff + k])) * np.float64(Ain[k])
        odd += abs(np.float64(P[woff + k + 1])) * np.float64(Ain[k + 1])
    if K % 2:
        even += abs(np.float64(P[woff + K - 1])) * np.float64(Ain[K - 1])
    return kappa[depth - 1] * (abs(np.float64(c)) + even + odd) * (1 + 1e-5) + 1e-30


@njit()
def _linear_scratch(max_width):
    """``(units, zeros)`` for :func:`forward_network`."""
    return np.zeros(max_width, dtype=np.int64), np.zeros(max(max_width, BLOCK), dtype=np.float32)


@njit()
def float32_outputs(given, positions, buffer_size, spec, X, xmask, xmax, cube, act, kappa, max_width, rows):
    """Float32 output pre-activations ``(networks, rows)`` of given canonical parameters and their error bounds.

    The fast path's numbers before the sign is taken (for tests of the certified bound).

    Parameters
    ----------
    given
        float32 canonical rows.
    positions, buffer_size, spec
        The layout.
    X, xmask, xmax, cube
        The inputs.
    act, kappa, max_width, rows

    Returns
    -------
    tuple of numpy.ndarray
        ``(z, bounds)``.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> from pfmap.montecarlo.backends import float32_outputs
    >>> float32_outputs(Perceptron(1), np.array([[2.0, -1.0]]))[0].tolist()
    [[-1.0, 1.0]]
    """
    count = given.shape[0]
    z = np.empty((count, rows), dtype=np.float32)
    bounds = np.empty(count, dtype=np.float64)
    padded_rows = rows + (rows & 1)
    P = np.zeros(buffer_size, dtype=np.float32)
    H0 = np.zeros((padded_rows + spec[0, 0] + 8) * max_width, dtype=np.float32)
    H1 = np.zeros(padded_rows * max_width, dtype=np.float32)
    mask_words = padded_rows * max(1, (max_width + BLOCK - 1) // BLOCK, (max_width + 63) // 64)
    M0 = np.zeros(mask_words, dtype=np.int64)
    M1 = np.zeros(mask_words, dtype=np.int64)
    A0 = np.zeros(max_width, dtype=np.float32)
    A1 = np.zeros(max_width, dtype=np.float32)
    T = np.zeros(max_width, dtype=np.float32)
    zout = np.zeros(padded_rows + 8, dtype=np.float32)
    uncertain = np.zeros(rows, dtype=np.bool_)
    units, zeros = _linear_scratch(max_width)
    for b in range(count):
        for p in range(positions.shape[0]):
            P[positions[p]] = given[b, p]
        bounds[b] = forward_network(P, spec, X, xmask, xmax, cube, act, kappa, H0, H1, M0, M1, A0, A1, T, zout,
                                    uncertain, rows, units, zeros)
        for j in range(rows):
            z[b, j] = zout[j]
    return z, bounds


@njit(nogil=True)
def sample_blocks(key, first, count, per, next_block, scales, scales32, positions, blocks, gaussian, buffer_size,
                  spec, X, xmask, X64, xmax, cube, act, kappa, max_width, out, given):
    """Truth tables (packed uint64 rows of ``out``) of networks ``first .. first+count-1`` of a chunk.

    Networks go in blocks of ``per``: each call (one per thread, the GIL
    released) takes the next block from the shared counter ``next_block[0]``
    until none is left, so the threads share the work dynamically and the
    rows do not depend on which thread computed them.  With a non-empty
    ``given`` (count x P canonical float32 parameters) those networks are
    evaluated instead of drawn.  Returns the number of inputs this call
    recomputed in float64.

    Parameters
    ----------
    key, first, count
        The chunk's key and the networks.
    per, next_block
        Networks per block; the shared block counter.
    scales, scales32, positions, blocks, gaussian
        The draw plan.
    buffer_size, spec
        The layout.
    X, xmask, X64, xmax, cube
        The inputs.
    act, kappa, max_width
    out
        ``(count, words)`` uint64 tables (filled).
    given
        Parameter rows to evaluate, or an empty array.

    Returns
    -------
    int
        How many inputs this call recomputed in float64 (``out`` is filled in place).

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo import sample_tables
    >>> a = sample_tables(MLP(3, (5,)), 100, seed=2, threads=1)   # one call of sample_blocks
    >>> bool(np.array_equal(a, sample_tables(MLP(3, (5,)), 100, seed=2, threads=2)))   # two, sharing the blocks
    True
    """
    rows = X64.shape[0]
    P = np.zeros(buffer_size, dtype=np.float32)
    words, redo, spill = draw_scratch(blocks.shape[0])
    padded_rows = rows + (rows & 1)
    H0 = np.zeros((padded_rows + X64.shape[1] + 8) * max_width, dtype=np.float32)
    H1 = np.zeros(padded_rows * max_width, dtype=np.float32)
    mask_words = padded_rows * max(1, (max_width + BLOCK - 1) // BLOCK, (max_width + 63) // 64)
    M0 = np.zeros(mask_words, dtype=np.int64)
    M1 = np.zeros(mask_words, dtype=np.int64)
    A0 = np.zeros(max_width, dtype=np.float32)
    A1 = np.zeros(max_width, dtype=np.float32)
    T = np.zeros(max_width, dtype=np.float32)
    h0 = np.zeros(max_width, dtype=np.float64)
    h1 = np.zeros(max_width, dtype=np.float64)
    zout = np.zeros(padded_rows + 8, dtype=np.float32)
    uncertain = np.zeros(rows, dtype=np.bool_)
    units, zeros = _linear_scratch(max_width)
    n_fallback = 0
    while True:
        start = fetch_add(next_block, 0, 1) * per
        if start >= count:
            break
        for b in range(start, min(count, start + per)):
            if given.shape[0]:
                for p in range(positions.shape[0]):
                    P[positions[p]] = given[b, p]
            else:
                draw_network(key, first + b, scales, scales32, gaussian, positions, blocks, P, words, redo, spill)
            bound = forward_network(P, spec, X, xmask, xmax, cube, act, kappa, H0, H1, M0, M1, A0, A1, T, zout,
                                    uncertain, rows, units, zeros)
            n_fallback += pack_signs(zout, rows, bound, act, uncertain, P, spec, X64, h0, h1, out[b])
    return n_fallback
