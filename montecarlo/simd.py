"""Eight-lane float32 vectors for numba kernels, so that accumulators stay in registers.

LLVM's auto-vectoriser only vectorises innermost loops; the small matrix
products of the sampler need a register-blocked micro-kernel (a few vector
accumulators live across the loop over the reduction index), which numba
cannot express with arrays.  ``Vec8`` is a numba value type whose data model
is the LLVM type ``<8 x float>``; the intrinsics below load, store, broadcast,
fuse-multiply-add and compare such values.  On AVX2 machines a ``Vec8`` is one
``ymm`` register; elsewhere LLVM splits it into narrower registers, still
correct.

Examples
--------
>>> import numba, numpy as np
>>> @numba.njit
... def axpy8(a, x, y):
...     store8(y, 0, fma8(splat8(a), load8(x, 0), load8(y, 0)))
>>> x = np.arange(8, dtype=np.float32); y = np.ones(8, dtype=np.float32)
>>> axpy8(np.float32(2), x, y); y.tolist()
[1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0]

References
----------
Goto, van de Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS 34(3), 2008 (register-blocked micro-kernels).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

LANES = 8


class Vec8Type(types.Type):
    def __init__(self):
        super().__init__(name="Vec8")


vec8 = Vec8Type()
_LLVM_VEC = ir.VectorType(ir.FloatType(), LANES)


@register_model(Vec8Type)
class _Vec8Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _LLVM_VEC)


def _element_pointer(context, builder, arrtype, arr, index):
    ary = context.make_array(arrtype)(context, builder, arr)
    base = builder.bitcast(ary.data, ir.PointerType(ir.FloatType()))
    return builder.gep(base, [index])


def _check_array(arr):
    return isinstance(arr, types.Array) and arr.dtype == types.float32 and arr.layout == "C"


@intrinsic
def load8(typingctx, arr, offset):
    """Eight consecutive float32 of a C-contiguous array, from flat index ``offset`` (unaligned)."""
    if not (_check_array(arr) and isinstance(offset, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0],
                               context.cast(builder, args[1], sig.args[1], types.intp))
        vptr = builder.bitcast(ptr, ir.PointerType(_LLVM_VEC))
        return builder.load(vptr, align=4)

    return vec8(arr, offset), codegen


@intrinsic
def store8(typingctx, arr, offset, value):
    """Store a ``Vec8`` at flat index ``offset`` of a C-contiguous float32 array."""
    if not (_check_array(arr) and isinstance(offset, types.Integer) and value == vec8):
        return None

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0],
                               context.cast(builder, args[1], sig.args[1], types.intp))
        vptr = builder.bitcast(ptr, ir.PointerType(_LLVM_VEC))
        builder.store(args[2], vptr, align=4)
        return context.get_dummy_value()

    return types.none(arr, offset, value), codegen


@intrinsic
def splat8(typingctx, x):
    """A ``Vec8`` with every lane equal to ``x`` (converted to float32)."""
    if not isinstance(x, (types.Float, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        scalar = context.cast(builder, args[0], sig.args[0], types.float32)
        vec = ir.Constant(_LLVM_VEC, ir.Undefined)
        vec = builder.insert_element(vec, scalar, ir.Constant(ir.IntType(32), 0))
        return builder.shuffle_vector(vec, vec, ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES))

    return vec8(x), codegen


def _declare(builder, name, arity):
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(_LLVM_VEC, [_LLVM_VEC] * arity), name)


def _binary(op):
    @intrinsic
    def fn(typingctx, a, b):
        if not (a == vec8 and b == vec8):
            return None

        def codegen(context, builder, sig, args):
            return op(builder, args[0], args[1])

        return vec8(a, b), codegen

    return fn


add8 = _binary(lambda b, x, y: b.fadd(x, y))
sub8 = _binary(lambda b, x, y: b.fsub(x, y))
mul8 = _binary(lambda b, x, y: b.fmul(x, y))


def _fmax(builder, x, y):
    # llvm.maxnum, not compare-and-select: LLVM turns "store select(z > 0, z, 0)" back into
    # its own address into a masked store, which is microcoded and ~10x slower on AMD Zen
    return builder.call(_declare(builder, "llvm.maxnum.v8f32", 2), [x, y])


max8 = _binary(_fmax)


@intrinsic
def fma8(typingctx, a, b, c):
    """``a * b + c`` lane-wise with one rounding (``llvm.fma``)."""
    if not (a == vec8 and b == vec8 and c == vec8):
        return None

    def codegen(context, builder, sig, args):
        return builder.call(_declare(builder, "llvm.fma.v8f32", 3), args)

    return vec8(a, b, c), codegen


@intrinsic
def zero8(typingctx):
    """The zero ``Vec8``."""
    def codegen(context, builder, sig, args):
        return ir.Constant(_LLVM_VEC, [0.0] * LANES)

    return vec8(), codegen


@intrinsic
def abs8(typingctx, a):
    """Lane-wise ``|a|``."""
    if a != vec8:
        return None

    def codegen(context, builder, sig, args):
        return builder.call(_declare(builder, "llvm.fabs.v8f32", 1), args)

    return vec8(a), codegen


@intrinsic
def positive_mask8(typingctx, a):
    """Bit ``l`` set iff lane ``l`` of ``a`` is > 0 (an int64 in 0..255)."""
    if a != vec8:
        return None

    def codegen(context, builder, sig, args):
        bits = builder.fcmp_ordered(">", args[0], ir.Constant(_LLVM_VEC, [0.0] * LANES))
        packed = builder.bitcast(bits, ir.IntType(LANES))
        return builder.zext(packed, ir.IntType(64))

    return types.int64(a), codegen


@intrinsic
def below_mask8(typingctx, a, b):
    """Bit ``l`` set iff lane ``l`` of ``a`` is <= lane ``l`` of ``b`` (an int64 in 0..255)."""
    if not (a == vec8 and b == vec8):
        return None

    def codegen(context, builder, sig, args):
        bits = builder.fcmp_unordered("<=", args[0], args[1])
        packed = builder.bitcast(bits, ir.IntType(LANES))
        return builder.zext(packed, ir.IntType(64))

    return types.int64(a, b), codegen


@intrinsic
def lane8(typingctx, a, index):
    """Lane ``index`` of ``a`` as a float32."""
    if not (a == vec8 and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        idx = context.cast(builder, args[1], sig.args[1], types.int32)
        return builder.extract_element(args[0], idx)

    return types.float32(a, index), codegen


@intrinsic
def hsum8(typingctx, a):
    """Sum of the eight lanes of ``a`` (a float32), by halving shuffles."""
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
    """Lane-wise Heaviside step: 1.0 where ``a > 0``, else 0.0."""
    if a != vec8:
        return None

    def codegen(context, builder, sig, args):
        positive = builder.fcmp_ordered(">", args[0], ir.Constant(_LLVM_VEC, [0.0] * LANES))
        return builder.select(positive, ir.Constant(_LLVM_VEC, [1.0] * LANES), ir.Constant(_LLVM_VEC, [0.0] * LANES))

    return vec8(a), codegen


@intrinsic
def trailing_zeros(typingctx, x):
    """Index of the lowest set bit of a nonzero int64 (``llvm.cttz``: one ``tzcnt``)."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        value = context.cast(builder, args[0], sig.args[0], types.int64)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), [ir.IntType(64), ir.IntType(1)]),
                                            "llvm.cttz.i64")
        return builder.call(fn, [value, ir.Constant(ir.IntType(1), 1)])

    return types.int64(x), codegen
