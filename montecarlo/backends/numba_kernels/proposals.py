"""The eight-lane fast path of the ziggurat (:mod:`pfmap.montecarlo.ziggurat`) as one LLVM intrinsic.

References
----------
Marsaglia, Tsang, "The ziggurat method for generating random variables", J. Stat. Softw. 5(8), 2000.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic


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

    Parameters
    ----------
    words : numpy.ndarray
        uint64 stream words.
    q : int
        The first word of the block.
    table : numpy.ndarray
        int64 :data:`pfmap.montecarlo.ziggurat.FAST_TABLE`.
    scales : numpy.ndarray
        float32 scales.
    out : numpy.ndarray
        float32 parameters (filled).
    o : int
        Where the block goes in ``out``.

    Returns
    -------
    int
        The mask of the lanes left to the exact tests.

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
    >>> bool(np.array_equal(out[done], draws.draw_parameters(rng.chunk_key(1, 0), 0, 1, scales=np.ones(8), gaussian=True)[0][done]))
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
