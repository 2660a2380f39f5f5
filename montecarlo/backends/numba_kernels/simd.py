"""Eight-lane float32 vectors for numba kernels, so that accumulators stay in registers.

LLVM's auto-vectoriser only vectorises innermost loops; the small matrix
products of the sampler need a register-blocked micro-kernel (a few vector
accumulators live across the loop over the reduction index), which numba
cannot express with arrays.  ``Vec8`` is a numba value type whose data model
is the LLVM type ``<8 x float>``; the intrinsics below load, store, broadcast,
and fuse-multiply-add such values.  On AVX2 machines a ``Vec8`` is one
``ymm`` register; elsewhere LLVM splits it into narrower registers, still
correct.  Comparisons, masks and reductions of ``Vec8`` values are in
:mod:`~pfmap.montecarlo.backends.numba_kernels.lanes`; the eight-lane fast path
of the ziggurat is :mod:`~pfmap.montecarlo.backends.numba_kernels.proposals`.

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
    """numba's type of eight float32 lanes (LLVM ``<8 x float>``); :data:`vec8` is its one instance.

    Attributes
    ----------
    name : str
        ``"Vec8"``, numba's name of the type (the constructor takes no arguments).

    Examples
    --------
    >>> str(vec8)
    'Vec8'
    """

    def __init__(self):
        super().__init__(name="Vec8")


vec8 = Vec8Type()
LLVM_VEC8 = ir.VectorType(ir.FloatType(), LANES)


@register_model(Vec8Type)
class _Vec8Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, LLVM_VEC8)


def _element_pointer(context, builder, arrtype, arr, index):
    ary = context.make_array(arrtype)(context, builder, arr)
    base = builder.bitcast(ary.data, ir.PointerType(ir.FloatType()))
    return builder.gep(base, [index])


def _check_array(arr):
    return isinstance(arr, types.Array) and arr.dtype == types.float32 and arr.layout == "C"


@intrinsic
def load8(typingctx, arr, offset):
    """Eight consecutive float32 of a C-contiguous array, from flat index ``offset`` (unaligned).

    Parameters
    ----------
    arr : numpy.ndarray
        C-contiguous float32.
    offset : int
        Flat index of the first lane.

    Returns
    -------
    Vec8

    Examples
    --------
    >>> import numba, numpy as np
    >>> from pfmap.montecarlo.backends.numba_kernels.lanes import lane8
    >>> @numba.njit
    ... def f(x):
    ...     return lane8(load8(x, 1), 7)
    >>> float(f(np.arange(9, dtype=np.float32)))
    8.0
    """
    if not (_check_array(arr) and isinstance(offset, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0],
                               context.cast(builder, args[1], sig.args[1], types.intp))
        vptr = builder.bitcast(ptr, ir.PointerType(LLVM_VEC8))
        return builder.load(vptr, align=4)

    return vec8(arr, offset), codegen


@intrinsic
def store8(typingctx, arr, offset, value):
    """Store a ``Vec8`` at flat index ``offset`` of a C-contiguous float32 array.

    Parameters
    ----------
    arr : numpy.ndarray
        C-contiguous float32.
    offset : int
        Flat index of the first lane.
    value : Vec8
        The lanes.

    Returns
    -------
    None

    Examples
    --------
    >>> import numba, numpy as np
    >>> @numba.njit
    ... def f(x):
    ...     store8(x, 0, splat8(2.0))
    >>> x = np.zeros(8, dtype=np.float32); f(x); x.tolist()
    [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    """
    if not (_check_array(arr) and isinstance(offset, types.Integer) and value == vec8):
        return None

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0],
                               context.cast(builder, args[1], sig.args[1], types.intp))
        vptr = builder.bitcast(ptr, ir.PointerType(LLVM_VEC8))
        builder.store(args[2], vptr, align=4)
        return context.get_dummy_value()

    return types.none(arr, offset, value), codegen


@intrinsic
def bcast8(typingctx, arr, offset):
    """A ``Vec8`` with every lane equal to ``arr[offset]`` (one broadcast load, no negative-index wrap).

    Parameters
    ----------
    arr : numpy.ndarray
        C-contiguous float32.
    offset : int
        The element.

    Returns
    -------
    Vec8

    Examples
    --------
    >>> import numba, numpy as np
    >>> from pfmap.montecarlo.backends.numba_kernels.lanes import hsum8, lane8
    >>> @numba.njit
    ... def f(x):
    ...     return hsum8(bcast8(x, 2))
    >>> float(f(np.arange(4, dtype=np.float32)))
    16.0
    """
    if not (_check_array(arr) and isinstance(offset, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        ptr = _element_pointer(context, builder, sig.args[0], args[0],
                               context.cast(builder, args[1], sig.args[1], types.intp))
        scalar = builder.load(ptr, align=4)
        vec = builder.insert_element(ir.Constant(LLVM_VEC8, ir.Undefined), scalar, ir.Constant(ir.IntType(32), 0))
        return builder.shuffle_vector(vec, vec, ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES))

    return vec8(arr, offset), codegen


@intrinsic
def splat8(typingctx, x):
    """A ``Vec8`` with every lane equal to ``x`` (converted to float32).

    Parameters
    ----------
    x : float or int
        The value.

    Returns
    -------
    Vec8

    Examples
    --------
    >>> import numba, numpy as np
    >>> from pfmap.montecarlo.backends.numba_kernels.lanes import hsum8, lane8
    >>> @numba.njit
    ... def f():
    ...     return hsum8(splat8(0.5))
    >>> float(f())
    4.0
    """
    if not isinstance(x, (types.Float, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        scalar = context.cast(builder, args[0], sig.args[0], types.float32)
        vec = ir.Constant(LLVM_VEC8, ir.Undefined)
        vec = builder.insert_element(vec, scalar, ir.Constant(ir.IntType(32), 0))
        return builder.shuffle_vector(vec, vec, ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES))

    return vec8(x), codegen


def _declare(builder, name, arity):
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(LLVM_VEC8, [LLVM_VEC8] * arity), name)


def _binary(op, doc):
    def fn(typingctx, a, b):
        if not (a == vec8 and b == vec8):
            return None

        def codegen(context, builder, sig, args):
            return op(builder, args[0], args[1])

        return vec8(a, b), codegen

    fn.__doc__ = doc
    return intrinsic(fn)


_BINARY_DOC = """Lane-wise ``{what}`` of two ``Vec8`` values{note}.

    Parameters
    ----------
    a, b : Vec8
        The operands.

    Returns
    -------
    Vec8

    Examples
    --------
    >>> import numba
    >>> from pfmap.montecarlo.backends.numba_kernels.lanes import lane8
    >>> @numba.njit
    ... def f():
    ...     return lane8({name}(splat8(3.0), splat8(2.0)), 0)
    >>> float(f())
    {value}
    """

add8 = _binary(lambda b, x, y: b.fadd(x, y), _BINARY_DOC.format(what="a + b", note="", name="add8", value="5.0"))
sub8 = _binary(lambda b, x, y: b.fsub(x, y), _BINARY_DOC.format(what="a - b", note="", name="sub8", value="1.0"))
mul8 = _binary(lambda b, x, y: b.fmul(x, y), _BINARY_DOC.format(what="a * b", note="", name="mul8", value="6.0"))


def _fmax(builder, x, y):
    # llvm.maxnum, not compare-and-select: LLVM turns "store select(z > 0, z, 0)" back into
    # its own address into a masked store, which is microcoded and ~10x slower on AMD Zen
    return builder.call(_declare(builder, "llvm.maxnum.v8f32", 2), [x, y])


max8 = _binary(_fmax, _BINARY_DOC.format(what="max(a, b)", note=" (``llvm.maxnum``: a NaN lane yields the other "
                                                                     "operand)", name="max8", value="3.0"))


@intrinsic
def fma8(typingctx, a, b, c):
    """``a * b + c`` lane-wise with one rounding (``llvm.fma``).

    Parameters
    ----------
    a, b, c : Vec8
        The operands.

    Returns
    -------
    Vec8

    Examples
    --------
    >>> import numba, numpy as np
    >>> from pfmap.montecarlo.backends.numba_kernels.lanes import hsum8, lane8
    >>> @numba.njit
    ... def f():
    ...     return lane8(fma8(splat8(3.0), splat8(2.0), splat8(1.0)), 0)
    >>> float(f())
    7.0
    """
    if not (a == vec8 and b == vec8 and c == vec8):
        return None

    def codegen(context, builder, sig, args):
        return builder.call(_declare(builder, "llvm.fma.v8f32", 3), args)

    return vec8(a, b, c), codegen


@intrinsic
def zero8(typingctx):
    """The zero ``Vec8``.

    Parameters
    ----------
    none

    Returns
    -------
    Vec8

    Examples
    --------
    >>> import numba, numpy as np
    >>> from pfmap.montecarlo.backends.numba_kernels.lanes import hsum8, lane8
    >>> @numba.njit
    ... def f():
    ...     return hsum8(zero8())
    >>> float(f())
    0.0
    """
    def codegen(context, builder, sig, args):
        return ir.Constant(LLVM_VEC8, [0.0] * LANES)

    return vec8(), codegen


@intrinsic
def abs8(typingctx, a):
    """Lane-wise ``|a|``.

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
    >>> from pfmap.montecarlo.backends.numba_kernels.lanes import hsum8, lane8
    >>> @numba.njit
    ... def f():
    ...     return lane8(abs8(splat8(-1.5)), 3)
    >>> float(f())
    1.5
    """
    if a != vec8:
        return None

    def codegen(context, builder, sig, args):
        return builder.call(_declare(builder, "llvm.fabs.v8f32", 1), args)

    return vec8(a), codegen
