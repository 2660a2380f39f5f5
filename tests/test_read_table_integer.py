"""``read_table`` on the exact Parquet tables that store functions as 64-bit integers (issue 14, item 3).

``pfmap table perceptron --n 6 --out t.parquet`` (perceptron_table_file)
writes ``function`` as ``uint64``, bit j the output on input j.  The same
writer at n = 3 is read back and compared with the in-memory table of
:func:`pfmap.geometry.perceptron_table`, computed by another code path.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pfmap import PfmapError, UniformPrior
from pfmap.geometry import perceptron_table
from pfmap.geometry.perceptron import perceptron_table_file
from pfmap.tables import read_table


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    path = tmp_path_factory.mktemp("int") / "t3.parquet"
    perceptron_table_file(3, path, workers=1)
    return path


def test_file_stores_integers(written):
    assert pq.read_schema(written).field("function").type == pa.uint64()


def test_strings_match_the_in_memory_table(written):
    got = read_table(written)
    want = perceptron_table(3)
    assert got["function"].map(type).eq(str).all()
    assert len(got) == len(want) == 104                              # threshold functions of 3 inputs (A000609)
    assert set(got["function"]) == set(want["function"])
    merged = got.merge(want, on="function", suffixes=("_file", "_memory"))
    assert len(merged) == 104
    np.testing.assert_allclose(merged["probability_file"], merged["probability_memory"], rtol=1e-12, atol=0)
    assert (merged["n_ones_file"] == merged["n_ones_memory"]).all()
    assert (merged["function"].str.count("1") == merged["n_ones_file"]).all()


def test_integers_kept_on_request(written):
    strings = read_table(written)["function"]
    ints = read_table(written, functions="integers")["function"]
    assert ints.dtype == np.uint64
    # bit j of the integer is character j of the string, decoded here one bit at a time
    decoded = ["".join(str((int(v) >> j) & 1) for j in range(8)) for v in ints]
    assert decoded == strings.tolist()


def test_top_and_columns_on_an_integer_table(written):
    full = read_table(written)
    head = read_table(written, top=5, columns=["probability"])
    assert head.columns.tolist() == ["function", "probability"]
    assert head["function"].tolist() == full["function"].head(5).tolist()


def test_box_prior_file_too(tmp_path):
    path = tmp_path / "box.parquet"
    perceptron_table_file(2, path, prior=UniformPrior(), workers=1)
    got = read_table(path).set_index("function")["exact"].to_dict()
    want = perceptron_table(2, UniformPrior()).set_index("function")["exact"].map(str).to_dict()
    assert got == want and got["0001"] == "1/48"                       # AND


def test_integers_without_metadata_are_refused(tmp_path):
    path = tmp_path / "bare.parquet"
    pq.write_table(pa.table({"function": pa.array([1, 8], type=pa.uint64()), "probability": [0.5, 0.5]}), path)
    with pytest.raises(PfmapError, match="metadata"):
        read_table(path)


def test_unknown_functions_mode(written):
    with pytest.raises(PfmapError, match="functions"):
        read_table(written, functions="hex")
