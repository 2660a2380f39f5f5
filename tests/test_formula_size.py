"""Exact formula sizes against values derived another way.

An explicit enumeration of every formula tree with up to k gates (n <= 3),
the published maxima 3, 9, 15 (n = 2, 3, 4) attained by parity, closed-form
bounds (a function of r essential inputs needs r - 1 gates; a minimal SOP
with L literals is a formula with L - 1 gates), and symmetry.
"""

import itertools

import numpy as np
import pytest

from pfmap.errors import PfmapError
from pfmap.formula import sop_literals_terms
from pfmap.formula_size import (FORMULA_SIZE_MEASURES, GATES, formula_size_columns, formula_size_table,
                                formula_sizes)


def all_bits(n):
    """Row f: the outputs of the function with integer form f (bit j = output on input j)."""
    m = 1 << n
    return ((np.arange(1 << m)[:, None] >> np.arange(m)[None, :]) & 1).astype(np.uint8)


def to_index(bits):
    return bits.astype(np.int64) @ (np.int64(1) << np.arange(bits.shape[1], dtype=np.int64))


def literal_masks(n, constants=True):
    m = 1 << n
    full = (1 << m) - 1
    leaves = [0, full] if constants else []
    for i in range(n):
        x = sum(1 << j for j in range(m) if (j >> (n - 1 - i)) & 1)
        leaves += [x, full ^ x]
    return leaves


def shapes(k):
    """Every binary tree with k internal nodes ('L' a leaf, a pair a gate)."""
    if k == 0:
        yield "L"
        return
    for left in range(k):
        for a in shapes(left):
            for b in shapes(k - 1 - left):
                yield (a, b)


def brute_force_sizes(n, k_max, ops, constants=True):
    """Least gate count of each function over every explicit formula tree with <= k_max gates (-1: none).

    Each tree shape is evaluated for all leaf and gate choices at once: leaf t
    varies along axis t, gate u along axis (k+1)+u, so the result holds one
    entry per formula tree.
    """
    full = (1 << (1 << n)) - 1
    leaves = np.array(literal_masks(n, constants), dtype=np.int64)
    found = np.full(1 << (1 << n), -1)
    for k in range(k_max + 1):
        dims = 2 * k + 1

        def evaluate(shape, counter):
            if shape == "L":
                axis = counter["leaf"]
                counter["leaf"] += 1
                return leaves.reshape([-1 if d == axis else 1 for d in range(dims)])
            a, b = evaluate(shape[0], counter), evaluate(shape[1], counter)
            axis = k + 1 + counter["gate"]
            counter["gate"] += 1
            return np.concatenate([op(a, b, full) for op in ops], axis=axis)

        for shape in shapes(k):
            values = np.unique(evaluate(shape, {"leaf": 0, "gate": 0}))
            fresh = values[found[values] < 0]
            found[fresh] = k
    return found


AND = lambda a, b, full: a & b  # noqa: E731
OR = lambda a, b, full: a | b  # noqa: E731
XOR = lambda a, b, full: a ^ b  # noqa: E731
XNOR = lambda a, b, full: full ^ (a ^ b)  # noqa: E731
AND_TYPE = [AND, OR, lambda a, b, f: a & (f ^ b), lambda a, b, f: (f ^ a) & b, lambda a, b, f: f ^ (a & b),
            lambda a, b, f: f ^ (a | b), lambda a, b, f: a | (f ^ b), lambda a, b, f: (f ^ a) | b]


def check_against_brute_force(table, brute, k_max, constants=True):
    if not constants:   # without constant leaves, 0 and 1 cost a gate (x & ~x); by convention they cost 0
        assert brute[0] == brute[-1] == 1 and table[0] == table[-1] == 0
        table, brute = table[1:-1], brute[1:-1]
    reached = brute >= 0
    assert reached.sum() > 0
    np.testing.assert_array_equal(table[reached], brute[reached])
    assert (table[~reached] > k_max).all()


def test_n2_by_hand():
    assert formula_sizes(["0001", "0111", "0100", "1110"]).tolist() == [1, 1, 1, 1]   # AND, OR, x0&~x1, NAND
    assert formula_sizes(["0110", "1001"]).tolist() == [3, 3]                          # (x&~y)|(~x&y)
    assert formula_sizes(["0011", "1100", "0101", "1010", "0000", "1111"]).tolist() == [0] * 6
    # 2 constants + 4 literals; 8 AND-type functions; XOR and XNOR
    assert np.bincount(formula_size_table(2)).tolist() == [6, 8, 0, 2]
    assert np.bincount(formula_size_table(2, gates="andorxor")).tolist() == [6, 10]
    assert formula_size_table(0).tolist() == [0, 0] and formula_size_table(1).tolist() == [0, 0, 0, 0]


def test_brute_force_n2_every_basis():
    check_against_brute_force(formula_size_table(2), brute_force_sizes(2, 3, [AND, OR]), 3)
    check_against_brute_force(formula_size_table(2, gates="andorxor"),
                              brute_force_sizes(2, 2, [AND, OR, XOR, XNOR]), 2)
    assert (brute_force_sizes(2, 3, [AND, OR]) >= 0).all()   # every function is reached by 3 gates


def test_brute_force_andor_n3():
    check_against_brute_force(formula_size_table(3), brute_force_sizes(3, 4, [AND, OR]), 4)


def test_brute_force_andor_n3_all_and_type_gates():
    # NAND, NOR and gates with a negated input give the same sizes (complement closure)
    check_against_brute_force(formula_size_table(3), brute_force_sizes(3, 3, AND_TYPE, constants=False), 3,
                              constants=False)


def test_brute_force_andorxor_n3():
    table = formula_size_table(3, gates="andorxor")
    brute = brute_force_sizes(3, 4, [AND, OR, XOR], constants=False)
    assert (brute >= 0).all()   # the whole table is verified
    check_against_brute_force(table, brute, 4, constants=False)
    # XNOR and constant leaves change nothing
    check_against_brute_force(table, brute_force_sizes(3, 3, [AND, OR, XOR, XNOR]), 3)


@pytest.mark.parametrize("n, hardest", [(1, 0), (2, 3), (3, 9), (4, 15)])
def test_published_maxima_attained_by_parity(n, hardest):
    table = formula_size_table(n)
    parity = sum(1 << j for j in range(1 << n) if bin(j).count("1") % 2)
    assert table.max() == hardest
    assert table[parity] == hardest and table[((1 << (1 << n)) - 1) ^ parity] == hardest
    if n in (2, 4):   # Khrapchenko: n**2 leaves, n**2 - 1 gates
        assert hardest == n * n - 1


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_parity_with_xor_needs_n_minus_1(n):
    parity = "".join(str(bin(j).count("1") % 2) for j in range(1 << n))
    complement = "".join("10"[int(c)] for c in parity)
    assert formula_sizes([parity, complement], gates="andorxor").tolist() == [n - 1, n - 1]


@pytest.mark.parametrize("n", [2, 3, 4])
def test_essential_inputs_lower_bound(n):
    # a tree whose leaves mention r distinct inputs has >= r - 1 gates; AND of n literals attains it
    bits = all_bits(n)
    m = 1 << n
    essential = sum((bits != bits[:, [j ^ (1 << i) for j in range(m)]]).any(axis=1) for i in range(n))
    conjunctions = [1 << j for j in range(m)]   # one minterm: an AND of n literals
    for gates in GATES:
        table = formula_size_table(n, gates=gates)
        assert (table >= np.maximum(essential - 1, 0)).all()
        assert (table[conjunctions] == n - 1).all()


def test_sop_upper_bound_and_basis_order_n4():
    # an SOP/POS with L literals is a formula with L - 1 gates; XOR only adds gates
    bits = all_bits(4)
    sop, _, heuristic = sop_literals_terms(bits, 4)
    pos, _, _ = sop_literals_terms(1 - bits, 4)
    andor, andorxor = formula_size_table(4), formula_size_table(4, gates="andorxor")
    nonconstant = slice(1, -1)
    assert not heuristic
    assert (andor[nonconstant] <= np.minimum(sop, pos)[nonconstant] - 1).all()
    assert (andorxor <= andor).all() and andorxor.max() < andor.max()


def transformed(n, permutation, negate):
    """Column map j -> T(j): g(x) = f(x permuted, inputs in `negate` flipped)."""
    m = 1 << n
    out = []
    for j in range(m):
        x = [(j >> (n - 1 - i)) & 1 for i in range(n)]
        y = [x[permutation[i]] ^ (negate >> i & 1) for i in range(n)]
        out.append(sum(b << (n - 1 - i) for i, b in enumerate(y)))
    return out


def test_invariance_full_group_n3():
    bits = all_bits(3)
    full = (1 << 8) - 1
    for gates in GATES:
        table = formula_size_table(3, gates=gates)
        for permutation in itertools.permutations(range(3)):
            for negate in range(8):
                image = to_index(bits[:, transformed(3, permutation, negate)])
                np.testing.assert_array_equal(table[image], table)
                np.testing.assert_array_equal(table[full ^ image], table)


def test_invariance_generators_n4():
    # a transposition, a 4-cycle and one negation generate the input group; plus output complement
    bits = all_bits(4)
    everything = np.arange(1 << 16)
    for gates in GATES:
        table = formula_size_table(4, gates=gates)
        np.testing.assert_array_equal(table[0xFFFF ^ everything], table)
        for permutation, negate in [((1, 0, 2, 3), 0), ((1, 2, 3, 0), 0), ((0, 1, 2, 3), 1)]:
            image = to_index(bits[:, transformed(4, permutation, negate)])
            assert sorted(image.tolist()) == everything.tolist()
            np.testing.assert_array_equal(table[image], table)


def test_input_forms_and_columns():
    strings = ["01101001", "00010111", "00000000", "01010101"]
    bits = np.array([[int(c) for c in s] for s in strings], dtype=np.uint8)
    np.testing.assert_array_equal(formula_sizes(bits), formula_sizes(strings))
    assert formula_sizes(strings[0]) == 9 and isinstance(formula_sizes(strings[0]), int)
    assert formula_sizes([]).tolist() == []
    columns = formula_size_columns(strings)
    assert tuple(columns) == FORMULA_SIZE_MEASURES
    assert columns["formula_andorxor"].tolist() == formula_sizes(strings, gates="andorxor").tolist()


def test_refusals():
    with pytest.raises(PfmapError, match=r"n <= 4.*2\*\*32") as refusal:
        formula_sizes(["0" * 32])
    assert "\n" not in str(refusal.value) and str(refusal.value).startswith("functions")
    with pytest.raises(PfmapError, match=r"n <= 4.*2\*\*32"):
        formula_size_table(5)
    with pytest.raises(PfmapError, match="length 2\\*\\*n"):
        formula_sizes(["010"])
    with pytest.raises(PfmapError, match="one length"):
        formula_sizes(["01", "0110"])
    with pytest.raises(PfmapError, match="0s and 1s"):
        formula_sizes(["01a0"])
    with pytest.raises(PfmapError, match="gates"):
        formula_sizes(["0110"], gates="nand")
