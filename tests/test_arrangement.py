"""Regions of the perceptron arrangement against published counts and independent computations."""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from pfmap.geometry.perceptron.regions import measure_orbits, perceptron_regions
from pfmap import PfmapError, boolean_inputs

# OEIS A000609 (bias, either encoding) and the resonance-arrangement counts (no bias, {0,1}^n)
A000609 = [2, 4, 14, 104, 1882, 94572]
NO_BIAS_01 = [None, 2, 6, 32, 370, 11292]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("encoding", ["01", "pm1"])
def test_counts_with_bias_match_a000609(n, encoding):
    if n == 5 and encoding == "pm1":
        pytest.skip("n = 5 with bias runs once, for {0,1}")
    assert len(perceptron_regions(n, encoding, bias=True)) == A000609[n]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_counts_without_bias(n):
    assert len(perceptron_regions(n, "01", bias=False)) == NO_BIAS_01[n]
    # {-1,1}^n without bias: self-dual threshold functions, as many as A000609(n-1)
    assert len(perceptron_regions(n, "pm1", bias=False)) == A000609[n - 1]


def _outputs_from_witnesses(reg):
    x = reg.points.astype(np.int64)
    w = reg.witnesses[:, :reg.n]
    pre = w @ x.T
    if reg.bias:
        pre = pre + reg.witnesses[:, reg.n:]
    return pre


@pytest.mark.parametrize("encoding", ["01", "pm1"])
@pytest.mark.parametrize("bias", [True, False])
def test_witnesses_realise_their_functions(encoding, bias):
    reg = perceptron_regions(4, encoding, bias)
    pre = _outputs_from_witnesses(reg)          # exact integers
    tables = ["".join("1" if v > 0 else "0" for v in row) for row in pre]
    assert tables == reg.functions
    assert len(set(tables)) == len(tables)
    zero_allowed = np.zeros(2**4, dtype=bool)
    if encoding == "01" and not bias:
        zero_allowed[0] = True                  # w.0 = 0: output 0 always
    assert np.all((pre != 0) | zero_allowed[None, :])


def _grid_functions(n, encoding, bias, wmax):
    """Independent brute force: every function of integer weights |w_i| <= wmax (half-integer biases)."""
    x = boolean_inputs(n, encoding).astype(np.int64)
    ws = np.array(list(itertools.product(range(-wmax, wmax + 1), repeat=n)), dtype=np.int64)
    pre = ws @ x.T * 2                                     # doubled so that biases can be odd integers
    found = set()
    biases = range(-(2 * n * wmax + 1), 2 * n * wmax + 2, 2) if bias else [0]
    always_zero = ~np.any(x != 0, axis=1)                 # the origin of {0,1}^n without bias
    for b in biases:
        z = pre + b
        strict = np.all((z != 0) | always_zero[None, :], axis=1)  # a tie is not a strict realisation
        found.update(row.tobytes() for row in np.packbits(z[strict] > 0, axis=1))
    return {"".join("1" if v else "0" for v in np.unpackbits(np.frombuffer(k, np.uint8))[:2**n]) for k in found}


@pytest.mark.parametrize("n,encoding,bias,wmax", [
    (2, "01", True, 2), (3, "01", True, 3), (3, "pm1", True, 3), (4, "01", True, 4),
    (3, "01", False, 3), (4, "01", False, 5), (3, "pm1", False, 3), (4, "pm1", False, 4),
])
def test_same_functions_as_integer_grid_search(n, encoding, bias, wmax):
    assert set(perceptron_regions(n, encoding, bias).functions) == _grid_functions(n, encoding, bias, wmax)


def _irredundant_by_lp(rows):
    """Row k is irredundant iff min row_k.u over {other rows . u >= 0, |u| <= 1} is negative."""
    out = []
    for k in range(len(rows)):
        others = np.delete(rows, k, axis=0)
        res = linprog(rows[k].astype(float), A_ub=-others.astype(float), b_ub=np.zeros(len(others)),
                      bounds=[(-1, 1)] * rows.shape[1], method="highs")
        out.append(res.fun < -1e-9)
    return np.array(out)


@pytest.mark.parametrize("n,encoding,bias", [(2, "01", True), (3, "01", True), (3, "pm1", True),
                                             (3, "01", False), (4, "pm1", False)])
def test_conditions_are_the_irredundant_ones(n, encoding, bias):
    reg = perceptron_regions(n, encoding, bias)
    for i in range(len(reg)):
        all_rows = reg.signs[i][:, None].astype(np.int64) * reg.normals
        assert np.array_equal(_irredundant_by_lp(all_rows), reg.facets[i])


def test_two_input_conditions_of_the_seed_discussion():
    reg = perceptron_regions(2)
    text = dict(zip(reg.functions, (reg.conditions_text(i) for i in range(len(reg)))))
    assert text["0001"] == "x+y+z>0, x+z<0, y+z<0"          # AND
    assert "0110" not in text and "1001" not in text         # xor, xnor impossible
    counts = dict(zip(reg.functions, reg.n_conditions.tolist()))
    four = {f for f, c in counts.items() if c == 4}
    three = {f for f, c in counts.items() if c == 3}
    assert four == {"0000", "1111", "0011", "1100", "0101", "1010"}   # constants and dictators
    assert len(three) == 8


def test_measure_orbit_counts():
    # input permutations and output complement on {0,1}^n: 2, 5, 17, 89 orbits (REFERENCES.md)
    assert [len(set(measure_orbits(perceptron_regions(n)).tolist())) for n in (1, 2, 3, 4)] == [2, 5, 17, 89]


def test_too_large_n_is_one_line_with_the_region_count():
    with pytest.raises(PfmapError, match=r"n = 6 has 15,028,134 threshold functions.*pfmap.montecarlo.sample"):
        perceptron_regions(6)
