"""The certified sign: every float32 output whose sign its error bound does not decide is recomputed in float64.

:func:`pack_signs` turns one network's float32 output pre-activations into
its packed truth table, sending each input with ``|z| <= bound`` (or, for a
step net, flagged uncertain) to :func:`reference_output`, the float64
reference forward pass on that one input.  See
:mod:`pfmap.montecarlo.backends.numba_kernels.forward` for the bound.

References
----------
Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1 (the rounding bounds).
"""

from __future__ import annotations

import math

import numpy as np

from pfmap.architectures import ACT_RELU, ACT_STEP, ACT_TANH
from pfmap.montecarlo.backends.numba_kernels.lanes import below_mask8, positive_mask8, trailing_zeros
from pfmap.montecarlo.backends.numba_kernels.simd import abs8, load8, splat8
from pfmap.montecarlo.jit import njit

_U64_ONE = np.uint64(1)


@njit()
def reference_output(P, spec, x, act, h0, h1):
    """Float64 output pre-activation of one network on one input ``x`` (the fallback).

    Parameters
    ----------
    P, spec
        The parameter buffer and layer table.
    x
        One input (float64).
    act : int
    h0, h1
        float64 scratch.

    Returns
    -------
    float

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo.backends import tables_from_parameters
    >>> rng = np.random.default_rng(0); arch = MLP(3, (9, 5), "tanh")
    >>> params = rng.normal(size=(4, arch.n_parameters))
    >>> bool(np.array_equal(tables_from_parameters(arch, params), tables_from_parameters(arch, params, backend="numpy")))
    True
    """
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


@njit()
def pack_signs(zout, rows, bound, act, uncertain, P, spec, X64, h0, h1, out_row):
    """Write the sign bits of ``zout[:rows]`` into ``out_row``, recomputing uncertain inputs in float64.

    Returns the number of inputs recomputed.

    Parameters
    ----------
    zout, rows, bound
        The float32 outputs, how many, their error bound.
    act : int
        The activation's code.
    uncertain
        Per-input flags (step nets).
    P, spec, X64
        Parameters, layer table, float64 inputs (for the reference).
    h0, h1
        float64 scratch.
    out_row
        The packed table (uint64, filled).

    Returns
    -------
    int
        Inputs recomputed in float64.

    Examples
    --------
    >>> from pfmap import MLP
    >>> from pfmap.montecarlo.backends import tables_from_parameters
    >>> arch = MLP(3, (4,), "step"); params = np.random.default_rng(1).normal(size=(8, arch.n_parameters))
    >>> bool(np.array_equal(tables_from_parameters(arch, params), tables_from_parameters(arch, params, backend="numpy")))
    True
    """
    # a float32 threshold at least the float64 bound: float32 rounding loses at most 2**-24
    threshold = splat8(np.float32(bound * (1.0 + 2.0**-22)))
    fallbacks = 0
    for w in range(out_row.shape[0]):
        first = 64 * w
        stop = min(rows, first + 64)
        positive = np.uint64(0)
        unsure = np.uint64(0)
        for j in range(first, stop, 8):
            z = load8(zout, j)
            shift = np.uint64(j - first)
            positive |= np.uint64(positive_mask8(z)) << shift
            unsure |= np.uint64(below_mask8(abs8(z), threshold)) << shift
        if stop - first < 64:
            valid = (_U64_ONE << np.uint64(stop - first)) - _U64_ONE
            positive &= valid
            unsure &= valid
        if act == ACT_STEP:
            for j in range(first, stop):
                if uncertain[j]:
                    unsure |= _U64_ONE << np.uint64(j - first)
        while unsure != 0:
            lane = trailing_zeros(unsure)
            unsure &= unsure - _U64_ONE
            bit = _U64_ONE << np.uint64(lane)
            fallbacks += 1
            if reference_output(P, spec, X64[first + lane], act, h0, h1) > 0:
                positive |= bit
            else:
                positive &= ~bit
        out_row[w] = positive
    return fallbacks
