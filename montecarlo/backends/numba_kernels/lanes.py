"""Comparisons, masks and reductions of ``Vec8`` values, and the bit scan the fast path walks its masks with.

Examples
--------
>>> import numba, numpy as np
>>> from pfmap.montecarlo.backends.numba_kernels.simd import load8
>>> @numba.njit
... def positives(x):
...     return positive_mask8(load8(x, 0)), hsum8(load8(x, 0))
>>> positives(np.array([1, -1, 0, 2, 0, 0, 0, 3], dtype=np.float32))
(137, 5.0)

References
----------
The LLVM Language Reference Manual (``fcmp``, ``bitcast`` of ``<8 x i1>``, ``llvm.cttz``).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from pfmap.montecarlo.backends.numba_kernels.simd import LANES, LLVM_VEC8, load8, splat8, vec8  # noqa: F401


@intrinsic
def positive_mask8(typingctx, a):
    """Bit ``l`` set iff lane ``l`` of ``a`` is > 0.

    Parameters
    ----------
    a : Vec8
        The lanes.

    Returns
    -------
    int
        In 0..255.

    Examples
    --------
    >>> import numba, numpy as np
    >>> @numba.njit
    ... def f(x):
    ...     return positive_mask8(load8(x, 0))
    >>> int(f(np.array([1, -1, 0, 2, 0, 0, 0, 3], dtype=np.float32)))
    137
    """
    if a != vec8:
        return None

    def codegen(context, builder, sig, args):
        bits = builder.fcmp_ordered(">", args[0], ir.Constant(LLVM_VEC8, [0.0] * LANES))
        packed = builder.bitcast(bits, ir.IntType(LANES))
        return builder.zext(packed, ir.IntType(64))

    return types.int64(a), codegen


@intrinsic
def below_mask8(typingctx, a, b):
    """Bit ``l`` set iff lane ``l`` of ``a`` is <= lane ``l`` of ``b``.

    Parameters
    ----------
    a, b : Vec8
        The lanes.

    Returns
    -------
    int
        In 0..255.

    Examples
    --------
    >>> import numba, numpy as np
    >>> @numba.njit
    ... def f(x):
    ...     return below_mask8(load8(x, 0), splat8(1.0))
    >>> int(f(np.array([1, 2, 0, 2, 2, 2, 2, 2], dtype=np.float32)))
    5
    """
    if not (a == vec8 and b == vec8):
        return None

    def codegen(context, builder, sig, args):
        bits = builder.fcmp_unordered("<=", args[0], args[1])
        packed = builder.bitcast(bits, ir.IntType(LANES))
        return builder.zext(packed, ir.IntType(64))

    return types.int64(a, b), codegen


@intrinsic
def lane8(typingctx, a, index):
    """Lane ``index`` of ``a`` as a float32.

    Parameters
    ----------
    a : Vec8
        The lanes.
    index : int
        0..7.

    Returns
    -------
    float

    Examples
    --------
    >>> import numba, numpy as np
    >>> @numba.njit
    ... def f(x):
    ...     return lane8(load8(x, 0), 5)
    >>> float(f(np.arange(8, dtype=np.float32)))
    5.0
    """
    if not (a == vec8 and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        idx = context.cast(builder, args[1], sig.args[1], types.int32)
        return builder.extract_element(args[0], idx)

    return types.float32(a, index), codegen


@intrinsic
def hsum8(typingctx, a):
    """Sum of the eight lanes of ``a`` (a float32), by halving shuffles.

    Parameters
    ----------
    a : Vec8
        The lanes.

    Returns
    -------
    float

    Examples
    --------
    >>> import numba, numpy as np
    >>> @numba.njit
    ... def f(x):
    ...     return hsum8(load8(x, 0))
    >>> float(f(np.arange(8, dtype=np.float32)))
    28.0
    """
    if a != vec8:
        return None

    def codegen(context, builder, sig, args):
        v = args[0]
        i32 = ir.IntType(32)
        hi = builder.shuffle_vector(v, v, ir.Constant(ir.VectorType(i32, 4), [4, 5, 6, 7]))
        lo = builder.shuffle_vector(v, v, ir.Constant(ir.VectorType(i32, 4), [0, 1, 2, 3]))
        s4 = builder.fadd(lo, hi)
        s2 = builder.fadd(builder.shuffle_vector(s4, s4, ir.Constant(ir.VectorType(i32, 2), [0, 1])),
                          builder.shuffle_vector(s4, s4, ir.Constant(ir.VectorType(i32, 2), [2, 3])))
        return builder.fadd(builder.extract_element(s2, ir.Constant(i32, 0)),
                            builder.extract_element(s2, ir.Constant(i32, 1)))

    return types.float32(a), codegen


@intrinsic
def step8(typingctx, a):
    """Lane-wise Heaviside step: 1.0 where ``a > 0``, else 0.0.

    Parameters
    ----------
    a : Vec8
        The lanes.

    Returns
    -------
    Vec8

    Examples
    --------
    >>> import numba, numpy as np
    >>> @numba.njit
    ... def f(x):
    ...     return hsum8(step8(load8(x, 0)))
    >>> float(f(np.array([1, -1, 0, 2, 0, 0, 0, 3], dtype=np.float32)))
    3.0
    """
    if a != vec8:
        return None

    def codegen(context, builder, sig, args):
        positive = builder.fcmp_ordered(">", args[0], ir.Constant(LLVM_VEC8, [0.0] * LANES))
        return builder.select(positive, ir.Constant(LLVM_VEC8, [1.0] * LANES), ir.Constant(LLVM_VEC8, [0.0] * LANES))

    return vec8(a), codegen


@intrinsic
def trailing_zeros(typingctx, x):
    """Index of the lowest set bit of a nonzero int64 (``llvm.cttz``: one ``tzcnt``).

    Parameters
    ----------
    x : int
        Nonzero.

    Returns
    -------
    int

    Examples
    --------
    >>> import numba, numpy as np
    >>> @numba.njit
    ... def f(x):
    ...     return trailing_zeros(x)
    >>> int(f(np.int64(40)))
    3
    """
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        value = context.cast(builder, args[0], sig.args[0], types.int64)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.IntType(1)]),
                                            "llvm.cttz.i64")
        return builder.call(fn, [value, ir.Constant(ir.IntType(1), 1)])

    return types.int64(x), codegen
