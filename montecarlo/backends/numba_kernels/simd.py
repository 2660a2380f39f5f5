"""Eight-lane float32 vectors for numba kernels, so that accumulators stay in registers.

LLVM's auto-vectoriser only vectorises innermost loops; the small matrix
products of the sampler need a register-blocked micro-kernel (a few vector
accumulators live across the loop over the reduction index), which numba
cannot express with arrays.  ``Vec8`` is a numba value type whose data model
is the LLVM type ``<8 x float>``; the intrinsics below load, store, broadcast,
fuse-multiply-add and compare such values.  On AVX2 machines a ``Vec8`` is one
``ymm`` register; elsewhere LLVM splits it into narrower registers, still
correct.  :func:`normal_proposals8` is the eight-lane fast path of the
ziggurat in :mod:`pfmap.montecarlo.ziggurat`.

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

    Examples
    --------
    >>> str(vec8)
    'Vec8'
    """

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
        vptr = builder.bitcast(ptr, ir.PointerType(_LLVM_VEC))
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
        vptr = builder.bitcast(ptr, ir.PointerType(_LLVM_VEC))
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
        vec = builder.insert_element(ir.Constant(_LLVM_VEC, ir.Undefined), scalar, ir.Constant(ir.IntType(32), 0))
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
    >>> @numba.njit
    ... def f():
    ...     return hsum8(zero8())
    >>> float(f())
    0.0
    """
    def codegen(context, builder, sig, args):
        return ir.Constant(_LLVM_VEC, [0.0] * LANES)

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
        bits = builder.fcmp_ordered(">", args[0], ir.Constant(_LLVM_VEC, [0.0] * LANES))
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
        positive = builder.fcmp_ordered(">", args[0], ir.Constant(_LLVM_VEC, [0.0] * LANES))
        return builder.select(positive, ir.Constant(_LLVM_VEC, [1.0] * LANES), ir.Constant(_LLVM_VEC, [0.0] * LANES))

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


def _typed_data(context, builder, arrtype, arr, element):
    ary = context.make_array(arrtype)(context, builder, arr)
    return builder.bitcast(ary.data, ir.PointerType(element))


def _c_array(arr, dtype):
    return isinstance(arr, types.Array) and arr.dtype == dtype and arr.layout == "C" and arr.ndim == 1


@intrinsic
def normal_proposals8(typingctx, words, q, table, scales, out, o):
    """Ziggurat proposals for the eight halves of ``words[q:q+4]``; returns the bit mask of the lanes to redo.

    Half ``h`` (32 bits, low half of a word first) has ``index = h & 511`` and
    ``u = h >> 9``; ``table[index]`` (int64) holds the float32 bits of the
    signed, pre-scaled layer width in its low 32 bits and the fast-accept limit
    in its high 32 bits.  Lane ``l`` stores ``float32(float32(u * width) *
    scales[2q + l])`` at ``out[o + l]`` and sets bit ``l`` of the result when
    ``u >= limit`` (the proposal must go through the exact wedge or tail test).
    Only ``table`` is read at data-dependent places: eight scalar loads, which
    beat AVX2 gathers on the AMD Zen 3 this was tuned on (~1.5 cycles per
    gathered element there).

    Examples
    --------
    >>> import numba, numpy as np
    >>> from pfmap.montecarlo import draws, rng, ziggurat
    >>> @numba.njit
    ... def first_block(key, out):
    ...     words = np.empty(4, dtype=np.uint64)
    ...     rng.stream_words(rng.stream_base(key, 0), 4, words)
    ...     return normal_proposals8(words, 0, ziggurat.FAST_TABLE, np.ones(8, dtype=np.float32), out, 0)
    >>> out = np.empty(8, dtype=np.float32)
    >>> redo = first_block(rng.chunk_key(1, 0), out)
    >>> done = [(redo >> lane) & 1 == 0 for lane in range(8)]
    >>> bool(np.array_equal(out[done], draws.draw_parameters(rng.chunk_key(1, 0), 0, 1, np.ones(8), True)[0][done]))
    True

    References
    ----------
    Marsaglia, Tsang, "The ziggurat method for generating random variables", J. Stat. Softw. 5(8), 2000.
    """
    if not (_c_array(words, types.uint64) and _c_array(table, types.int64) and _c_array(scales, types.float32)
            and _c_array(out, types.float32) and isinstance(q, types.Integer) and isinstance(o, types.Integer)):
        return None
    i8, i32, i64, f32 = ir.IntType(8), ir.IntType(32), ir.IntType(64), ir.FloatType()

    def vector(element, n):
        return ir.VectorType(element, n)

    def codegen(context, builder, sig, args):
        word_arr, q, table_arr, scale_arr, out_arr, o = args
        q = context.cast(builder, q, sig.args[1], types.int64)
        o = context.cast(builder, o, sig.args[5], types.int64)
        word_base = _typed_data(context, builder, sig.args[0], word_arr, i64)
        table_base = _typed_data(context, builder, sig.args[2], table_arr, i64)
        halves = builder.load(builder.bitcast(builder.gep(word_base, [q]), ir.PointerType(vector(i64, 4))), align=8)
        u = builder.lshr(builder.bitcast(halves, vector(i32, 8)), ir.Constant(vector(i32, 8), [9] * 8))
        # entries of lanes 0 1 4 5 2 3 6 7, so that splitting width from limit is one in-lane shuffle each
        entries = ir.Constant(vector(i64, 8), ir.Undefined)
        for slot, lane in enumerate((0, 1, 4, 5, 2, 3, 6, 7)):
            word = builder.load(builder.gep(word_base, [builder.add(q, ir.Constant(i64, lane // 2))]), align=8)
            if lane % 2:
                word = builder.lshr(word, ir.Constant(i64, 32))
            index = builder.and_(word, ir.Constant(i64, 511))
            entry = builder.load(builder.gep(table_base, [index]), align=8)
            entries = builder.insert_element(entries, entry, ir.Constant(i32, slot))
        entries = builder.bitcast(entries, vector(i32, 16))
        even = ir.Constant(vector(i32, 8), [0, 2, 8, 10, 4, 6, 12, 14])
        odd = ir.Constant(vector(i32, 8), [1, 3, 9, 11, 5, 7, 13, 15])
        width = builder.bitcast(builder.shuffle_vector(entries, entries, even), vector(f32, 8))
        limit = builder.shuffle_vector(entries, entries, odd)
        redo = builder.icmp_signed(">=", u, limit)
        z = builder.fmul(builder.sitofp(u, vector(f32, 8)), width)
        scale_base = _typed_data(context, builder, sig.args[3], scale_arr, f32)
        scale_ptr = builder.gep(scale_base, [builder.shl(q, ir.Constant(i64, 1))])
        z = builder.fmul(z, builder.load(builder.bitcast(scale_ptr, ir.PointerType(vector(f32, 8))), align=4))
        out_ptr = builder.gep(_typed_data(context, builder, sig.args[4], out_arr, f32), [o])
        builder.store(z, builder.bitcast(out_ptr, ir.PointerType(vector(f32, 8))), align=4)
        return builder.zext(builder.bitcast(redo, i8), i64)

    return types.int64(words, q, table, scales, out, o), codegen
