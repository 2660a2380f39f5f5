"""The shared vocabulary: input order, truth-table encodings, priors, architectures, table I/O."""

import itertools
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from pfmap import (MLP, GaussianPrior, InputSet, Perceptron, PfmapError, UniformPrior, boolean_inputs, hex_to_string,
                   int_to_string, make_prior, pack_bits, read_table, string_to_hex, string_to_int, strings_to_words,
                   unpack_bits, words_to_ints, words_to_strings, write_table)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_cube_order_is_itertools_product(n):
    assert boolean_inputs(n).tolist() == [list(p) for p in itertools.product((0, 1), repeat=n)]
    assert boolean_inputs(n, "pm1").tolist() == [list(p) for p in itertools.product((-1, 1), repeat=n)]


def test_and_is_0001_and_int_8():
    x = boolean_inputs(2)
    table = "".join(str(int(a and b)) for a, b in x)
    assert table == "0001" and string_to_int(table) == 8 and string_to_hex(table) == "0x8"


def test_packing_round_trips_against_python_ints():
    rng = np.random.default_rng(3)
    for m in (1, 4, 63, 64, 65, 128, 1024):
        bits = rng.integers(0, 2, size=(20, m), dtype=np.uint8)
        words = pack_bits(bits)
        strings = ["".join(map(str, row)) for row in bits]
        assert words_to_strings(words, m) == strings
        assert np.array_equal(unpack_bits(words, m), bits)
        assert np.array_equal(strings_to_words(strings), words)
        # independent: bit j of the integer is output j
        assert words_to_ints(words) == [sum(int(b) << j for j, b in enumerate(row)) for row in bits]
        assert [int_to_string(v, m) for v in words_to_ints(words)] == strings
        assert [hex_to_string(string_to_hex(s), m) for s in strings] == strings


@pytest.mark.parametrize("bad", ["", "012", "abc", None])
def test_bad_truth_tables_are_refused(bad):
    with pytest.raises(PfmapError):
        string_to_int(bad)


def test_priors_are_exact_and_validated():
    assert GaussianPrior(sigma_w=0.1).sigma_w == Fraction(1, 10)
    assert GaussianPrior(sigma_w=2, fan_in_scaling=True).weight_variance(8) == Fraction(1, 2)
    assert UniformPrior(a_w="2/3").a_w == Fraction(2, 3)
    for kwargs in ({"sigma_w": -1}, {"sigma_b": 0}, {"sigma_w": float("nan")}, {"sigma_w": "x"}):
        with pytest.raises(PfmapError):
            make_prior("gaussian", **kwargs)
    with pytest.raises(PfmapError, match="unknown prior"):
        make_prior("laplace")
    with pytest.raises(PfmapError, match="Gaussian prior only"):
        make_prior("uniform", fan_in_scaling=True)


def test_architectures_are_validated():
    assert MLP(7, "40,40").n_parameters == 7 * 40 + 40 * 40 + 40 + 40 + 40 + 1
    assert MLP(3, (2,), prior=GaussianPrior(bias=False)).n_parameters == 3 * 2 + 2
    assert Perceptron(3).layer_sizes == (3, 1)
    for bad in ({"widths": "40,0"}, {"widths": "a"}, {"activation": "gelu"}, {"n": 0}):
        kwargs = {"n": 2, **bad}
        with pytest.raises(PfmapError):
            MLP(**kwargs)


def test_input_sets():
    s = InputSet.from_array(np.eye(3))
    assert (s.n, s.size, s.is_cube) == (3, 3, False)
    with pytest.raises(PfmapError):
        InputSet.from_array([1, 2, 3])
    with pytest.raises(PfmapError):
        InputSet.from_array([[np.nan]])


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_tables_round_trip_and_keep_leading_zeros(tmp_path, suffix):
    df = pd.DataFrame({"function": ["0001", "0111"], "probability": [1 / 48, 0.123456789012345678],
                       "exact": [Fraction(1, 48), None]})
    df.attrs["pfmap"] = {"engine": "test"}
    path = tmp_path / f"t{suffix}"
    write_table(df, path)
    back = read_table(path)
    assert back["function"].tolist() == ["0001", "0111"]
    assert back["probability"].tolist() == pytest.approx(df["probability"].tolist(), rel=1e-15)
    assert str(back["exact"].iloc[0]) == "1/48"
    if suffix != ".csv":
        assert back.attrs["pfmap"] == {"engine": "test"}


def test_corrupt_or_unfit_tables_give_one_line(tmp_path):
    p = tmp_path / "bad.parquet"
    p.write_bytes(b"not parquet")
    with pytest.raises(PfmapError, match="cannot read table"):
        read_table(p)
    q = tmp_path / "nofunc.csv"
    q.write_text("a,b\n1,2\n")
    with pytest.raises(PfmapError, match="no 'function' column"):
        read_table(q)
    with pytest.raises(PfmapError, match="no such table"):
        read_table(tmp_path / "missing.csv")
