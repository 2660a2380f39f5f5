"""Complexity measures against published values, closed forms and independent brute force."""

import itertools
import math
import zlib
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from pfmap import PfmapError
from pfmap.complexity import (MEASURES, add_complexity_columns, average_sensitivity, binary_entropy,
                              complexity_table, compressed_length, critical_sample_ratio, formula_size,
                              fourier_l1, k_lz, lz76_phrase_count, walsh_hadamard)


def cube(n):
    return list(itertools.product((0, 1), repeat=n))  # MSB-first, the pfmap input order


def table_of(n, rule):
    return "".join(str(int(bool(rule(x)))) for x in cube(n))


# ---------------------------------------------------------------------------
# K_LZ


def test_k_lz_published_values():
    # REFERENCES.md / Dingle et al. 2018 / Valle-Pérez et al. 2019, N = 128
    parity7 = table_of(7, lambda x: sum(x) % 2)
    assert k_lz("0" * 128) == 7.0
    assert k_lz("1" * 128) == 7.0
    assert k_lz("01" * 64) == 21.0
    assert k_lz("0001" * 32) == 24.5
    assert k_lz("0011" * 32) == 28.0
    assert k_lz(parity7) == 91.0


def test_lz76_kaspar_schuster_example():
    # the worked example of Kaspar & Schuster (1987): 0.001.10.100.1000.101
    assert lz76_phrase_count("0001101001000101") == 6


def brute_phrase_count(s):
    """LZ76 as 'shortest word not seen before': grow the phrase until it is not a substring
    of everything preceding its last symbol (an independent formulation)."""
    count, start = 0, 0
    while start < len(s):
        length = 1
        while start + length <= len(s) and s[start:start + length] in s[:start + length - 1]:
            length += 1
        count += 1
        start += length
    return count


def brute_k_lz(s):
    if len(set(s)) == 1:
        return math.log2(len(s))
    return math.log2(len(s)) * (brute_phrase_count(s) + brute_phrase_count(s[::-1])) / 2


def test_k_lz_matches_brute_force_on_random_strings():
    rng = np.random.default_rng(20240601)
    strings = []
    for length in list(range(1, 40)) + [64, 100, 128, 128, 128, 200, 256]:
        for p in (0.5, 0.1, 0.9):
            for _ in range(4):
                strings.append("".join("01"[int(b)] for b in (rng.random(length) < p)))
    # periodic and nearly periodic strings stress the overlapping copies
    strings += ["0011" * 32, "0110" * 32, "001" * 42 + "01", "0" * 127 + "1", "1" + "0" * 127]
    for s in strings:
        assert lz76_phrase_count(s) == brute_phrase_count(s), s
        assert k_lz(s) == pytest.approx(brute_k_lz(s), abs=1e-12), s
    by_length = {}
    for s in strings:
        by_length.setdefault(len(s), []).append(s)
    for length, group in by_length.items():  # the vectorised path agrees with the scalar one
        np.testing.assert_allclose(k_lz(group), [brute_k_lz(s) for s in group], atol=1e-12)


# ---------------------------------------------------------------------------
# entropy and compression


def test_binary_entropy_closed_form():
    for s in ("0001", "0" * 7 + "1" * 3, "01" * 5, "1" * 9):
        p = s.count("1") / len(s)
        expected = 0.0 if p in (0, 1) else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
        assert binary_entropy(s) == pytest.approx(expected, abs=1e-15)


def test_compressed_length_is_raw_deflate():
    rng = np.random.default_rng(3)
    strings = ["0" * 128, "01" * 64, "".join("01"[b] for b in rng.integers(0, 2, 128)), "0110" * 10]
    # a zlib stream is the raw DEFLATE stream plus a 2-byte header and a 4-byte Adler-32 trailer
    expected = [len(zlib.compress(s.encode(), 9)) - 6 for s in strings]
    assert compressed_length(strings).tolist() == expected
    for method in ("zlib", "lzma"):
        assert compressed_length("01" * 64, method) < compressed_length(strings[2], method)
    with pytest.raises(PfmapError):
        compressed_length("01", "gzip9")


# ---------------------------------------------------------------------------
# measures on the cube


def fourier_coefficients(s, n):
    """Exact hat F(S) = 2^-n sum_x (-1)^f(x) (-1)^(x.S) as Fractions, by the definition."""
    xs = cube(n)
    out = {}
    for subset in cube(n):
        total = sum((-1) ** int(s[j]) * (-1) ** sum(a * b for a, b in zip(x, subset)) for j, x in enumerate(xs))
        out[subset] = Fraction(total, 2**n)
    return out


def brute_sensitivities(s, n):
    xs = cube(n)
    index = {x: j for j, x in enumerate(xs)}
    per_input = []
    for j, x in enumerate(xs):
        flips = [index[x[:i] + (1 - x[i],) + x[i + 1:]] for i in range(n)]
        per_input.append(sum(s[j] != s[k] for k in flips))
    return per_input


def cube_functions():
    rng = np.random.default_rng(11)
    funcs = [(n, format(v, f"0{2**n}b")) for n in (1, 2, 3) for v in range(2 ** 2**n)]
    funcs += [(4, "".join("01"[b] for b in rng.integers(0, 2, 16))) for _ in range(60)]
    funcs += [(5, "".join("01"[b] for b in rng.integers(0, 2, 32))) for _ in range(10)]
    return funcs


def test_cube_measures_against_definitions():
    for n, s in cube_functions():
        coeffs = fourier_coefficients(s, n)
        assert sum(c * c for c in coeffs.values()) == 1  # Parseval: the brute force is sound
        l1 = sum(abs(c) for c in coeffs.values())
        assert fourier_l1(s) == float(l1)  # dyadic rational: exact in floating point
        sens = brute_sensitivities(s, n)
        assert average_sensitivity(s) == pytest.approx(sum(sens) / 2**n, abs=1e-15)
        # total influence = sum_S |S| hat F(S)^2 (O'Donnell 2014, Thm 2.38): a second, spectral route
        spectral = sum(sum(S) * c * c for S, c in coeffs.items())
        assert average_sensitivity(s) == pytest.approx(float(spectral), abs=1e-12)
        assert critical_sample_ratio(s) == pytest.approx(sum(v > 0 for v in sens) / 2**n, abs=1e-15)
    group = [s for n, s in cube_functions() if n == 3]
    np.testing.assert_array_equal(walsh_hadamard(np.array([[int(c) for c in s] for s in group], np.uint8), 3)
                                  .astype(object) / 8, [[fourier_coefficients(s, 3)[S] for S in cube(3)]
                                                        for s in group])


def test_cube_measures_known_functions():
    for n in (2, 5, 7):
        parity = table_of(n, lambda x: sum(x) % 2)
        dictator = table_of(n, lambda x: x[0])
        assert average_sensitivity(parity) == n and fourier_l1(parity) == 1.0
        assert average_sensitivity(dictator) == 1 and critical_sample_ratio(dictator) == 1.0
        and_n = table_of(n, all)
        # AND: hat F(S) = +-2^(1-n) for S != 0 and 1 - 2^(1-n) at S = 0
        assert fourier_l1(and_n) == pytest.approx((2**n - 1) * 2 ** (1 - n) + 1 - 2 ** (1 - n))
        assert average_sensitivity(and_n) == pytest.approx(n * 2 ** (1 - n))  # 2n/2^n
        assert critical_sample_ratio(and_n) == pytest.approx((n + 1) / 2**n)


def test_non_cube_lengths_give_nan_for_cube_measures():
    df = complexity_table(["011", "0101010101", "0110"])
    assert df.loc[:1, ["critical_sample_ratio", "average_sensitivity", "fourier_l1", "sop_literals",
                       "boolean_complexity"]].isna().all().all()
    assert df.loc[:1, ["k_lz", "entropy", "compressed_length"]].notna().all().all()
    assert df.loc[2, "average_sensitivity"] == 2.0
    assert df.loc[1, "k_lz"] == pytest.approx(brute_k_lz("0101010101"))


# ---------------------------------------------------------------------------
# two-level formula size


def brute_min_sop(s, n):
    """(literals, terms) of a minimum SOP: all subsets of brute-force prime implicants."""
    ones = {x for j, x in enumerate(cube(n)) if s[j] == "1"}
    if not ones:
        return 0, 0
    cubes = list(itertools.product((0, 1, None), repeat=n))

    def members(c):
        return {x for x in cube(n) if all(v is None or v == xi for v, xi in zip(c, x))}

    implicants = [c for c in cubes if members(c) <= ones]
    primes = [c for c in implicants if not any(d != c and members(c) < members(d) for d in implicants)]
    best = None
    for r in range(1, len(primes) + 1):
        for chosen in itertools.combinations(primes, r):
            if set().union(*(members(c) for c in chosen)) == ones:
                cost = (sum(v is not None for c in chosen for v in c), r)
                best = cost if best is None or cost < best else best
    return best


def test_exact_formula_size_matches_brute_force_n_le_3():
    funcs = [format(v, f"0{2**n}b") for n in (1, 2, 3) for v in range(2 ** 2**n)]
    df = pd.concat([formula_size([f for f in funcs if len(f) == 2**n]) for n in (1, 2, 3)], ignore_index=True)
    assert not df["formula_heuristic"].any()
    for i, s in enumerate(funcs):
        n = int(math.log2(len(s)))
        sop = brute_min_sop(s, n)
        pos = brute_min_sop(s.translate(str.maketrans("01", "10")), n)
        assert (df.loc[i, "sop_literals"], df.loc[i, "sop_terms"]) == sop, s
        assert (df.loc[i, "pos_literals"], df.loc[i, "pos_terms"]) == pos, s
        assert df.loc[i, "boolean_complexity"] == min(sop[0], pos[0])


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_formula_size_known_functions(n):
    parity = table_of(n, lambda x: sum(x) % 2)
    and_n = table_of(n, all)
    df = formula_size([parity, and_n])
    assert df["formula_heuristic"].tolist() == [n > 4] * 2
    # parity: 2^(n-1) minterms of n literals each, for both forms; AND: 1 term, its POS n one-literal clauses
    assert df.loc[0, ["sop_terms", "sop_literals", "pos_terms", "pos_literals"]].tolist() == \
        [2 ** (n - 1), n * 2 ** (n - 1), 2 ** (n - 1), n * 2 ** (n - 1)]
    assert df.loc[1, ["sop_terms", "sop_literals", "pos_terms", "pos_literals"]].tolist() == [1, n, n, n]


def test_heuristic_majority5():
    maj5 = table_of(5, lambda x: sum(x) >= 3)
    df = formula_size(maj5)  # all C(5,3) = 10 primes are essential, so the heuristic is exact here
    assert df.loc[0, ["sop_terms", "sop_literals", "pos_terms", "pos_literals"]].tolist() == [10, 30, 10, 30]


def test_heuristic_is_a_valid_cover_and_never_below_the_minimum():
    from pfmap.formula import heuristic_costs, exact_sop_costs, greedy_cover

    bits = ((np.arange(1 << 16)[:, None] >> np.arange(16)[None, :]) & 1).astype(np.uint8)  # every 4-input function
    heuristic = heuristic_costs(bits, 4)
    exact = exact_sop_costs(4)
    assert (heuristic[:, 0] >= exact // 4096).all()
    assert ((heuristic[:, 0] > exact // 4096) | (heuristic[:, 1] >= exact % 4096)).all()
    rng = np.random.default_rng(5)
    for n in (4, 5, 6):
        for row in rng.integers(0, 2, (25, 2**n)).astype(np.uint8):
            chosen = greedy_cover(row, n)
            covered = np.zeros(2**n, bool)
            for code in chosen:
                digits = [(code // 3**i) % 3 for i in range(n)]
                mem = [j for j, x in enumerate(cube(n)) if all(d == 2 or d == xi for d, xi in zip(digits, x))]
                assert row[mem].all()  # an implicant
                covered[mem] = True
            assert (covered == row.astype(bool)).all()  # the cover is exactly f


# ---------------------------------------------------------------------------
# tables


def test_add_complexity_columns_keeps_existing_and_validates():
    df = pd.DataFrame({"function": ["0001", "0111"], "probability": [0.3, 0.7], "n_conditions": [3, 3]})
    out = add_complexity_columns(df)
    assert out["n_conditions"].tolist() == [3, 3]
    assert set(MEASURES) <= set(out.columns)
    assert out["k_lz"].tolist() == [brute_k_lz("0001"), brute_k_lz("0111")]
    pre = df.assign(k_lz=[-1.0, -1.0])
    assert add_complexity_columns(pre, ["k_lz"])["k_lz"].tolist() == [-1.0, -1.0]
    assert add_complexity_columns(pre, ["k_lz"], overwrite=True)["k_lz"].tolist() == out["k_lz"].tolist()
    with pytest.raises(PfmapError, match="unknown complexity measure"):
        complexity_table(["01"], ["kolmogorov"])
    with pytest.raises(PfmapError, match="0s and 1s"):
        k_lz(["0102"])
    with pytest.raises(PfmapError, match="function"):
        add_complexity_columns(pd.DataFrame({"probability": [1.0]}))


# ---------------------------------------------------------------------------
# exact minimal formula sizes as table columns


def test_exact_formula_columns_in_a_table():
    parity4 = table_of(4, lambda x: sum(x) % 2)
    majority3 = table_of(3, lambda x: sum(x) >= 2)
    df = complexity_table([parity4, majority3, "0110", "1" * 32, "0" * 7],
                          measures=["formula_andor", "formula_andorxor", "boolean_complexity"])
    # Khrapchenko: parity of n inputs needs n^2 leaves, n^2 - 1 AND/OR gates; with XOR n - 1 gates
    assert df["formula_andor"].tolist()[:3] == [15, 4, 3]
    assert df["formula_andorxor"].tolist()[:3] == [3, 4, 1]
    assert df[["formula_andor", "formula_andorxor"]].iloc[3:].isna().all().all()   # n = 5 and a non-cube
    assert df["boolean_complexity"].iloc[3] == 0          # the two-level measures still run at n = 5


def test_exact_formula_sizes_respect_the_two_level_bound():
    # a minimal SOP (or POS) with L >= 1 literals is an AND/OR formula of L - 1 gates; XOR only helps
    funcs = [format(v, "016b") for v in range(0, 65536, 97)]
    df = complexity_table(funcs, measures=["formula_andor", "formula_andorxor", "boolean_complexity"])
    bound = np.maximum(df["boolean_complexity"] - 1, 0)
    assert (df["formula_andor"] <= bound).all() and (df["formula_andorxor"] <= df["formula_andor"]).all()
    assert (df["formula_andor"] < bound).any()            # sharing-free formulas beat two levels somewhere


def test_exact_formula_sizes_refused_only_when_named_for_large_n():
    big = ["01" * 16, "0" * 32]
    with pytest.raises(PfmapError, match="measures: formula_andor is exact for functions of n <= 4"):
        complexity_table(big, measures=["formula_andor"])
    with pytest.raises(PfmapError, match="formula_andorxor"):
        add_complexity_columns(pd.DataFrame({"function": big}), ["k_lz", "formula_andorxor"])
    out = add_complexity_columns(pd.DataFrame({"function": big}))      # the default set: NaN, no refusal
    assert out["formula_andor"].isna().all() and out["k_lz"].notna().all()
