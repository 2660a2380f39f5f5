"""The fused numba kernel: many small networks trained at once, one per thread, every epoch in compiled code.

Each ``prange`` iteration trains one network from its initial parameters to
the end (fitted plus ``epochs_after_fit`` epochs, or ``max_epochs``): its
minibatch orders, forward and backward passes, optimiser steps and the
end-of-epoch check on all of S, with per-network scratch arrays and no Python
work per step or epoch.  The parameter layout and the minibatch-order hash
are those of :mod:`pfmap.learning.sgd_torch` (its numpy twin
:func:`~pfmap.learning.sgd_torch.epoch_orders` gives the same orders).

float64, because SGD runs for hundreds of epochs and the backends are
compared run by run.  These tiny layers are bound by loads, stores and loop
overheads rather than by vector width (float32 would buy little); what pays
is keeping a layer's accumulators in registers: four-lane float64 vectors
(``_Vec4``, one AVX2 register, fused multiply-adds), 16 outputs at a time,
walking only the nonzero inputs (relu units and {0,1} inputs are zero about
half the time).  Sums run in a fixed order (no ``fastmath``), so a run is
reproducible bit for bit for a given machine and C library (``exp``, ``tanh``).
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

from pfmap.architectures import ACT_RELU, ACT_TANH

LOSS_CODES = {"ce": 0, "mse": 1}
OPT_CODES = {"sgd": 0, "adam": 1}

# splitmix64 (Steele, Lea, Flood, OOPSLA 2014): the step and the two multipliers of its finaliser
SPLITMIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
_GOLDEN, _MIX1, _MIX2 = SPLITMIX
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


class _Vec4Type(types.Type):
    """Four float64 lanes (one AVX2 ``ymm`` register), so that a layer's accumulators stay in registers."""

    def __init__(self):
        super().__init__(name="Vec4d")


_vec4 = _Vec4Type()
_LLVM_VEC4 = ir.VectorType(ir.DoubleType(), 4)


@register_model(_Vec4Type)
class _Vec4Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _LLVM_VEC4)


def _vec4_pointer(context, builder, sig, args):
    ary = context.make_array(sig.args[0])(context, builder, args[0])
    index = context.cast(builder, args[1], sig.args[1], types.intp)
    return builder.bitcast(builder.gep(ary.data, [index]), ir.PointerType(_LLVM_VEC4))


def _is_c_float64(arr):
    return isinstance(arr, types.Array) and arr.dtype == types.float64 and arr.layout == "C"


@intrinsic
def _load4(typingctx, arr, offset):
    """``arr.flat[offset:offset + 4]`` as a vector (unaligned load)."""
    if not (_is_c_float64(arr) and isinstance(offset, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        return builder.load(_vec4_pointer(context, builder, sig, args), align=8)

    return _vec4(arr, offset), codegen


@intrinsic
def _store4(typingctx, arr, offset, value):
    """``arr.flat[offset:offset + 4] = value``."""
    if not (_is_c_float64(arr) and isinstance(offset, types.Integer) and value == _vec4):
        return None

    def codegen(context, builder, sig, args):
        builder.store(args[2], _vec4_pointer(context, builder, sig, args), align=8)
        return context.get_dummy_value()

    return types.none(arr, offset, value), codegen


@intrinsic
def _splat4(typingctx, x):
    """Four copies of the float64 ``x``."""
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, sig, args):
        scalar = context.cast(builder, args[0], sig.args[0], types.float64)
        vec = builder.insert_element(ir.Constant(_LLVM_VEC4, ir.Undefined), scalar, ir.Constant(ir.IntType(32), 0))
        return builder.shuffle_vector(vec, vec, ir.Constant(ir.VectorType(ir.IntType(32), 4), [0] * 4))

    return _vec4(x), codegen


@intrinsic
def _fma4(typingctx, a, b, c):
    """``a * b + c`` lane by lane, rounded once (``llvm.fma``: the same result on every machine)."""
    if not (a == _vec4 and b == _vec4 and c == _vec4):
        return None

    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_LLVM_VEC4, [_LLVM_VEC4] * 3),
                                            "llvm.fma.v4f64")
        return builder.call(fn, args)

    return _vec4(a, b, c), codegen


@intrinsic
def _sum4(typingctx, a, b):
    """The sum of the eight lanes of ``a`` and ``b``, in a fixed order: ((a0+b0)+(a1+b1)) + ((a2+b2)+(a3+b3))."""
    if not (a == _vec4 and b == _vec4):
        return None

    def codegen(context, builder, sig, args):
        s = builder.fadd(args[0], args[1])
        lane = [builder.extract_element(s, ir.Constant(ir.IntType(32), k)) for k in range(4)]
        return builder.fadd(builder.fadd(lane[0], lane[1]), builder.fadd(lane[2], lane[3]))

    return types.float64(a, b), codegen


@numba.njit(cache=True)
def _order(key, epoch, m, keys, order):
    """``epoch_orders`` for one run, written into ``order`` (``keys`` is scratch)."""
    base = np.uint64(epoch) * np.uint64(m)
    for i in range(m):
        z = key + (base + np.uint64(i + 1)) * _GOLDEN
        z = (z ^ (z >> _S30)) * _MIX1
        z = (z ^ (z >> _S27)) * _MIX2
        keys[i] = z ^ (z >> _S31)
    order[:] = np.argsort(keys, kind="mergesort")  # stable, like numpy's stable argsort


@numba.njit(cache=True)
def _combine(c, c0, c1, c_step, count, mat, m0, m_step, cols, bias, b0, out, o0, o1, idx):
    """Two linear combinations of the rows of ``mat``, sharing its loads (the kernel's one inner loop).

    ``out[o0 + o] = bias[b0 + o] + sum_j c[c0 + j c_step] mat[m0 + j m_step + o]`` for ``o < cols``
    (no bias if ``b0 < 0``), and the same with ``c1``, ``o1``.  Walks only the
    ``j < count`` where either coefficient is nonzero (a zero one adds an exact
    0), 16 outputs at a time in eight vector registers.  Used for a layer's
    forward pass (``c`` two inputs, ``mat`` the weights), two rows of its weight
    gradient (``c`` two input units over the minibatch, ``mat`` the deltas) and
    its bias gradient (``c`` ones).  ``c1 == c0``, ``o1 == o0`` computes one.
    """
    k = 0
    for j in range(count):
        idx[k] = j
        k += 1 if (c[c0 + j * c_step] != 0.0) | (c[c1 + j * c_step] != 0.0) else 0
    o = 0
    while o + 16 <= cols:
        if b0 >= 0:
            u0, u1, u2, u3 = _load4(bias, b0 + o), _load4(bias, b0 + o + 4), _load4(bias, b0 + o + 8), \
                _load4(bias, b0 + o + 12)
        else:
            u0, u1, u2, u3 = _splat4(0.0), _splat4(0.0), _splat4(0.0), _splat4(0.0)
        v0, v1, v2, v3 = u0, u1, u2, u3
        for t in range(k):
            j = idx[t]
            x, y = _splat4(c[c0 + j * c_step]), _splat4(c[c1 + j * c_step])
            w = m0 + j * m_step + o
            w0, w1, w2, w3 = _load4(mat, w), _load4(mat, w + 4), _load4(mat, w + 8), _load4(mat, w + 12)
            u0, v0 = _fma4(x, w0, u0), _fma4(y, w0, v0)
            u1, v1 = _fma4(x, w1, u1), _fma4(y, w1, v1)
            u2, v2 = _fma4(x, w2, u2), _fma4(y, w2, v2)
            u3, v3 = _fma4(x, w3, u3), _fma4(y, w3, v3)
        _store4(out, o0 + o, u0)
        _store4(out, o0 + o + 4, u1)
        _store4(out, o0 + o + 8, u2)
        _store4(out, o0 + o + 12, u3)
        _store4(out, o1 + o, v0)
        _store4(out, o1 + o + 4, v1)
        _store4(out, o1 + o + 8, v2)
        _store4(out, o1 + o + 12, v3)
        o += 16
    while o + 4 <= cols:
        u0 = _load4(bias, b0 + o) if b0 >= 0 else _splat4(0.0)
        v0 = u0
        for t in range(k):
            j = idx[t]
            w0 = _load4(mat, m0 + j * m_step + o)
            u0, v0 = _fma4(_splat4(c[c0 + j * c_step]), w0, u0), _fma4(_splat4(c[c1 + j * c_step]), w0, v0)
        _store4(out, o0 + o, u0)
        _store4(out, o1 + o, v0)
        o += 4
    while o < cols:
        su = bias[b0 + o] if b0 >= 0 else 0.0
        sv = su
        for t in range(k):
            j = idx[t]
            su += c[c0 + j * c_step] * mat[m0 + j * m_step + o]
            sv += c[c1 + j * c_step] * mat[m0 + j * m_step + o]
        out[o0 + o] = su
        out[o1 + o] = sv
        o += 1


@numba.njit(cache=True, inline="always")
def _dot(p, w, x, x0, x1, count):
    """``p[w:w+count]`` dotted with ``x[x0:x0+count]`` and with ``x[x1:x1+count]``: eight partial sums each in two
    vectors, then a fixed-order reduction."""
    u0, u1, v0, v1 = _splat4(0.0), _splat4(0.0), _splat4(0.0), _splat4(0.0)
    o = 0
    while o + 8 <= count:
        w0, w1 = _load4(p, w + o), _load4(p, w + o + 4)
        u0, u1 = _fma4(w0, _load4(x, x0 + o), u0), _fma4(w1, _load4(x, x0 + o + 4), u1)
        v0, v1 = _fma4(w0, _load4(x, x1 + o), v0), _fma4(w1, _load4(x, x1 + o + 4), v1)
        o += 8
    if o + 4 <= count:
        w0 = _load4(p, w + o)
        u0, v0 = _fma4(w0, _load4(x, x0 + o), u0), _fma4(w0, _load4(x, x1 + o), v0)
        o += 4
    su, sv = _sum4(u0, u1), _sum4(v0, v1)
    while o < count:
        su += p[w + o] * x[x0 + o]
        sv += p[w + o] * x[x1 + o]
        o += 1
    return su, sv


@numba.njit(cache=True, inline="always")
def _forward(p, sizes, w_off, b_off, has_bias, act, a, r0, r1, batch, width, idx):
    """Forward passes of the inputs in rows ``r0`` and ``r1`` of layer 0 of ``a`` (may be equal); fills every layer."""
    depth = sizes.shape[0] - 1
    for l in range(depth):
        fan_in, fan_out = sizes[l], sizes[l + 1]
        s0, s1 = (l * batch + r0) * width, (l * batch + r1) * width
        o0, o1 = s0 + batch * width, s1 + batch * width
        if fan_out == 1:  # the output unit: dot products
            bias = p[b_off[l]] if has_bias else 0.0
            z0, z1 = _dot(p, w_off[l], a, s0, s1, fan_in)
            a[o0], a[o1] = z0 + bias, z1 + bias
        else:
            _combine(a, s0, s1, 1, fan_in, p, w_off[l], fan_out, fan_out, p, b_off[l] if has_bias else -1, a, o0, o1,
                     idx)
        if l < depth - 1:
            for out in range(o0, o1 + 1, max(o1 - o0, 1)):  # the row r0, then r1 if it is another row
                if act == ACT_RELU:
                    for o in range(out, out + fan_out):
                        a[o] = max(a[o], 0.0)
                elif act == ACT_TANH:
                    for o in range(out, out + fan_out):
                        a[o] = np.tanh(a[o])


@numba.njit(cache=True, inline="always")
def _sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + np.exp(-z))
    e = np.exp(z)
    return e / (1.0 + e)


@numba.njit(cache=True)
def _gradient(p, g, sizes, w_off, b_off, has_bias, act, loss, a, dd, ones, batch, width, idx, x_train, y_train,
              order, start, bs):
    """The gradient of the mean loss over the minibatch ``order[start:start+bs]`` into ``g``.

    ``dd`` holds two ``batch x width`` blocks: the loss's gradient with respect
    to the current layer's pre-activations and the one below, alternating.
    """
    depth = sizes.shape[0] - 1
    n = sizes[0]
    half = batch * width
    for r in range(bs):
        for i in range(n):
            a[r * width + i] = x_train[order[start + r], i]
    for r in range(0, bs, 2):  # two rows at a time (an odd last row paired with itself)
        _forward(p, sizes, w_off, b_off, has_bias, act, a, r, min(r + 1, bs - 1), batch, width, idx)
    for r in range(bs):
        z = a[(depth * batch + r) * width]
        y = y_train[order[start + r]]
        dd[r * width] = (_sigmoid(z) - y) / bs if loss == 0 else 2.0 * (z - (2.0 * y - 1.0)) / bs
    cur = 0
    for l in range(depth - 1, -1, -1):
        fan_in, fan_out, w0 = sizes[l], sizes[l + 1], w_off[l]
        a0 = l * half
        nxt = half - cur
        if fan_out == 1:  # the output unit's weight gradient: the input rows weighted by the deltas
            _combine(dd, cur, cur, width, bs, a, a0, width, fan_in, g, -1, g, w0, w0, idx)
        else:  # rows i, i + 1 of the weight gradient: input units over the minibatch times the deltas
            for i in range(0, fan_in, 2):
                j = min(i + 1, fan_in - 1)
                _combine(a, a0 + i, a0 + j, width, bs, dd, cur, width, fan_out, g, -1, g, w0 + i * fan_out,
                         w0 + j * fan_out, idx)
        if has_bias:  # the bias gradient: the deltas summed over the minibatch (coefficients all 1)
            _combine(ones, 0, 0, 0, bs, dd, cur, width, fan_out, g, -1, g, b_off[l], b_off[l], idx)
        if l == 0:
            break
        if fan_out == 1:  # below the output unit: d[r] W[:, 0], times the activation's derivative
            for r in range(bs):
                row, below, dr = a0 + r * width, nxt + r * width, dd[cur + r * width]
                for i in range(fan_in):
                    ai = a[row + i]
                    s = p[w0 + i] * dr
                    if act == ACT_RELU:
                        s = s if ai > 0.0 else 0.0
                    elif act == ACT_TANH:
                        s *= 1.0 - ai * ai
                    dd[below + i] = s
        else:  # W d[r], times the activation's derivative, two rows at a time (an odd last row twice)
            for r in range(0, bs, 2):
                q = min(r + 1, bs - 1)
                ra, rb = a0 + r * width, a0 + q * width
                for i in range(fan_in):
                    xa, xb = a[ra + i], a[rb + i]
                    if act == ACT_RELU and xa <= 0.0 and xb <= 0.0:  # relu'(z) = [z > 0]: both units off
                        su, sv = 0.0, 0.0
                    else:
                        su, sv = _dot(p, w0 + i * fan_out, dd, cur + r * width, cur + q * width, fan_out)
                        if act == ACT_RELU:
                            su, sv = (su if xa > 0.0 else 0.0), (sv if xb > 0.0 else 0.0)
                        elif act == ACT_TANH:
                            su, sv = su * (1.0 - xa * xa), sv * (1.0 - xb * xb)
                    dd[nxt + r * width + i] = su
                    dd[nxt + q * width + i] = sv
        cur = nxt


@numba.njit(cache=True)
def _first_mistake(p, sizes, w_off, b_off, has_bias, act, a, batch, width, idx, x, y, start):
    """The first row of ``x``, from ``start`` on (wrapping around), whose label is not ``y``; -1 if none.

    Starting where the last check failed finds a mistake after one or two
    forward passes in most epochs before the fit.
    """
    n, m = sizes[0], x.shape[0]
    out = (sizes.shape[0] - 1) * batch * width  # row 0 of the output layer
    for t in range(m):
        j = (start + t) % m
        for i in range(n):
            a[i] = x[j, i]
        _forward(p, sizes, w_off, b_off, has_bias, act, a, 0, 0, batch, width, idx)
        if (a[out] > 0.0) != (y[j] > 0.5):
            return j
    return -1


@numba.njit(cache=True)
def _train_one(p, key, sizes, w_off, b_off, has_bias, x_train, y_train, x_test, act, loss, opt, lr, momentum,
               beta1, beta2, eps, batch, max_epochs, after, bits):
    """Train one network in place; its test labels go to ``bits``. Returns (fit_epoch, epochs, fits_at_end)."""
    m, n = x_train.shape
    depth = sizes.shape[0] - 1
    width = 0
    for l in range(depth + 1):
        width = max(width, sizes[l])
    P = p.shape[0]
    a = np.zeros((depth + 1) * batch * width)
    dd = np.zeros(2 * batch * width)
    ones = np.ones(1)
    idx = np.zeros(max(width, batch), dtype=np.int64)
    g, s1, s2 = np.zeros(P), np.zeros(P), np.zeros(P)
    keys = np.zeros(m, dtype=np.uint64)
    order = np.zeros(m, dtype=np.int64)
    steps, fit_epoch, epochs, fits, mistake = 0, -1, 0, False, 0
    for e in range(max_epochs):
        _order(key, e, m, keys, order)
        for start in range(0, m, batch):
            bs = min(batch, m - start)
            _gradient(p, g, sizes, w_off, b_off, has_bias, act, loss, a, dd, ones, batch, width, idx, x_train,
                      y_train, order, start, bs)
            steps += 1
            if opt == 0:
                if momentum == 0.0:
                    for k in range(P):
                        p[k] -= lr * g[k]
                else:
                    for k in range(P):
                        s1[k] = momentum * s1[k] + g[k]
                        p[k] -= lr * s1[k]
            else:
                c1 = 1.0 - beta1**steps
                c2 = np.sqrt(1.0 - beta2**steps)
                step = lr / c1
                for k in range(P):
                    s1[k] = beta1 * s1[k] + (1.0 - beta1) * g[k]
                    s2[k] = beta2 * s2[k] + (1.0 - beta2) * g[k] * g[k]
                    p[k] -= step * s1[k] / (np.sqrt(s2[k]) / c2 + eps)
        epochs = e + 1
        mistake = _first_mistake(p, sizes, w_off, b_off, has_bias, act, a, batch, width, idx, x_train, y_train,
                                 max(mistake, 0))
        fits = mistake < 0
        if fits and fit_epoch < 0:
            fit_epoch = epochs
        if fit_epoch >= 0 and epochs >= fit_epoch + after:
            break
    out = depth * batch * width
    for j in range(x_test.shape[0]):
        for i in range(n):
            a[i] = x_test[j, i]
        _forward(p, sizes, w_off, b_off, has_bias, act, a, 0, 0, batch, width, idx)
        bits[j] = 1 if a[out] > 0.0 else 0
    return fit_epoch, epochs, fits


@numba.njit(parallel=True, cache=True)
def train_networks(params, shuffle_keys, sizes, w_off, b_off, has_bias, x_train, y_train, x_test, act, loss, opt,
                   lr, momentum, beta1, beta2, eps, batch, max_epochs, after, bits, fit_epoch, epochs, fits_at_end):
    """Train every row of ``params`` in place, one network per ``prange`` iteration, and fill the output arrays.

    Parameters
    ----------
    params : numpy.ndarray, float64, shape (runs, P)
        Initial parameters (the flat layout); overwritten with the final ones.
    shuffle_keys : numpy.ndarray, uint64, shape (runs,)
        Each run's minibatch-order key.
    sizes, w_off, b_off : numpy.ndarray of int64
        Layer sizes and the offsets of :func:`pfmap.learning.sgd_torch.parameter_offsets`.
    has_bias : bool
    x_train, y_train, x_test : numpy.ndarray, float64
        S (points, 0/1 labels) and E's points.
    act, loss, opt : int
        Codes: ``pfmap.architectures.ACTIVATION_CODES``, :data:`LOSS_CODES`, :data:`OPT_CODES`.
    lr, momentum, beta1, beta2, eps : float
    batch, max_epochs, after : int
        Minibatch size, the cap, ``epochs_after_fit``.
    bits, fit_epoch, epochs, fits_at_end : numpy.ndarray
        Outputs, one row or entry per run: labels on E (uint8), first fitting epoch (-1 if none), epochs
        trained, whether the final network fits S.

    Returns
    -------
    None
        The results are written into ``params``, ``bits``, ``fit_epoch``, ``epochs`` and ``fits_at_end``.

    Examples
    --------
    >>> x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]]); y = np.array([0.0, 1.0, 1.0])
    >>> p = np.array([[0.5, -0.5, 0.0]]); fit = np.zeros(1, dtype=np.int64); ep = fit.copy()
    >>> bits = np.zeros((1, 1), dtype=np.uint8); ok = np.zeros(1, dtype=np.bool_)
    >>> sizes = np.array([2, 1]); w_off, b_off = np.array([0]), np.array([2])
    >>> train_networks(p, np.zeros(1, dtype=np.uint64), sizes, w_off, b_off, True, x, y, x[:1], 0, 0, 0, 1.0,
    ...                0.0, 0.9, 0.999, 1e-8, 1, 100, 0, bits, fit, ep, ok)
    >>> int(fit[0]) > 0, bool(ok[0]), int(bits[0, 0])
    (True, True, 0)
    """
    for r in numba.prange(params.shape[0]):
        f, e, ok = _train_one(params[r], shuffle_keys[r], sizes, w_off, b_off, has_bias, x_train, y_train, x_test,
                              act, loss, opt, lr, momentum, beta1, beta2, eps, batch, max_epochs, after, bits[r])
        fit_epoch[r] = f
        epochs[r] = e
        fits_at_end[r] = ok
