"""The backend registry and its one dispatch: which code draws and evaluates a batch of networks.

Each backend registers two callables, looked up (and imported) only when a
request reaches it, so that torch is never imported by a numba run:

* ``tables(arch, input_set, count, *, key, first, device, threads, stats)``:
  packed truth tables of networks ``first .. first+count-1`` of a chunk;
* ``forward(arch, input_set, params, *, threads, stats)``: packed tables of given
  canonical parameter rows (float32-rounded).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from pfmap.architectures import MLP
from pfmap.errors import PfmapError
from pfmap.inputs import InputSet, as_input_set

from pfmap.montecarlo.backends.layout import NetworkLayout
from pfmap.montecarlo.rng import chunk_key


@dataclass(frozen=True)
class Backend:
    """One registered backend: where its two entry points live and which devices it runs on.

    Attributes
    ----------
    name : str
        The registry key (``"numpy"``, ``"numba"``, ``"torch"``).
    module : str
        The module that defines the entry points, imported on first use.
    tables : str
        Name of its ``tables(arch, input_set, count, *, key, first, device, threads, stats)`` callable.
    forward : str
        Name of its ``forward(arch, input_set, params, *, threads, stats)`` callable.
    devices : tuple of str
        Device kinds it runs on (``"cpu"``, ``"cuda"``).
    deterministic_with : str
        The backend whose rows it reproduces exactly (itself, or numpy's stream).

    Examples
    --------
    >>> REGISTRY["numba"].devices, callable(REGISTRY["numpy"].load("tables"))
    (('cpu',), True)
    """

    name: str
    module: str
    tables: str
    forward: str
    devices: tuple[str, ...]
    deterministic_with: str  # the backend whose rows it reproduces exactly (itself, or numpy's stream)

    def load(self, which: str) -> Callable[..., np.ndarray]:
        """The callable ``which`` (``"tables"`` or ``"forward"``), importing the backend's module on first use.

        Parameters
        ----------
        which : str
            ``tables`` or ``forward``.

        Returns
        -------
        callable
        """
        return getattr(importlib.import_module(self.module), getattr(self, which))


REGISTRY = {
    "numpy": Backend("numpy", "pfmap.montecarlo.backends.numpy_backend", "layout_tables", "layout_forward",
                     ("cpu",), "numpy"),
    "numba": Backend("numba", "pfmap.montecarlo.backends.numba_backend", "layout_tables", "layout_forward",
                     ("cpu",), "numpy"),
    "torch": Backend("torch", "pfmap.montecarlo.backends.torch_backend", "torch_tables", "forward_parameters",
                     ("cpu", "cuda"), "torch"),
}
BACKENDS = tuple(REGISTRY)
DEFAULT_BACKEND = "numba"


def validate_backend(backend: str | None) -> str:
    """Canonical backend name (None means the default, numba).

    Parameters
    ----------
    backend : str or None
        ``"numpy"``, ``"numba"`` or ``"torch"``, in any case; None for the default.

    Returns
    -------
    str
        The registered name.

    Raises
    ------
    PfmapError
        For a name that is not registered.

    Examples
    --------
    >>> validate_backend(None), validate_backend("NumPy")
    ('numba', 'numpy')
    """
    if backend is None:
        return DEFAULT_BACKEND
    key = str(backend).strip().lower()
    if key not in REGISTRY:
        raise PfmapError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    return key


def resolve_backend(backend: str | None, device: str = "cpu") -> tuple[str, str]:
    """Decide a ``(backend, device)`` request: the one rule every entry point uses.

    No backend and a CUDA device means torch (the only backend with a GPU
    path); a CPU-only backend asked for a GPU is refused; a CUDA device with
    no GPU visible is refused by the torch backend itself when it runs.

    Parameters
    ----------
    backend : str or None
        A registered backend name, or None for the default (numba; torch for ``device="cuda"``).
    device : str
        ``"cpu"`` or ``"cuda[:k]"``.

    Returns
    -------
    tuple of str
        ``(backend, device)``, canonical.

    Raises
    ------
    PfmapError
        For an unknown backend or device, or a device the backend does not run on.

    Examples
    --------
    >>> resolve_backend(None, "cuda")
    ('torch', 'cuda')
    >>> resolve_backend("numpy")
    ('numpy', 'cpu')
    """
    dev = str(device).strip().lower()
    kind = dev.split(":")[0]
    if kind not in ("cpu", "cuda"):
        raise PfmapError(f"unknown device {device!r}; use cpu or cuda")
    if backend is None and kind == "cuda":
        backend = "torch"
    name = validate_backend(backend)
    if kind not in REGISTRY[name].devices:
        raise PfmapError(f"the {name} backend runs on the CPU; use backend='torch' for device={device!r}")
    return name, dev


def resolve_key(seed: int | np.random.SeedSequence | np.uint64) -> np.uint64:
    """A chunk key from an int seed (chunk 0 of it), a ``SeedSequence`` or a key itself.

    Parameters
    ----------
    seed : int, numpy.random.SeedSequence or numpy.uint64
        A whole number >= 0 (chunk 0 of that seed), a seed sequence, or a chunk key
        from :func:`pfmap.montecarlo.rng.chunk_key`.

    Returns
    -------
    numpy.uint64
        The key of the counter-based stream.

    Raises
    ------
    PfmapError
        For anything else.

    Examples
    --------
    >>> bool(resolve_key(7) == chunk_key(7, 0))
    True
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed.generate_state(1, np.uint64)[0]
    if isinstance(seed, np.uint64):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and int(seed) >= 0:
        return chunk_key(int(seed), 0)
    raise PfmapError(f"seed must be a whole number >= 0, a numpy SeedSequence or a uint64 chunk key; got {seed!r}")


def sample_tables(arch: MLP, count: int, *, seed: int | np.random.SeedSequence | np.uint64 = 0,
                  inputs: str | ArrayLike | InputSet | None = None, backend: str | None = None, first: int = 0,
                  device: str = "cpu", threads: int | None = None, stats: dict | None = None) -> np.ndarray:
    """Packed truth tables of networks ``first .. first+count-1`` of the chunk given by ``seed``.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture, carrying its prior.
    count : int
        How many networks.
    seed : int, numpy.random.SeedSequence or numpy.uint64
        The stream (see :func:`resolve_key`): a seed means chunk 0 of that seed.
    inputs : None, str, array or pfmap.InputSet
        The input set (None: the cube ``{0,1}^n``; ``"pm1"``: ``{-1,1}^n``; or explicit points).
    backend : str, optional
        ``"numpy"``, ``"numba"`` (default) or ``"torch"``.
    first : int
        Index of the first network within the chunk.
    device : str
        ``"cpu"`` or ``"cuda"`` (torch only).
    threads : int, optional
        numba threads (default: all).
    stats : dict, optional
        Filled with counters of the fast path (``fallback_inputs``).

    Returns
    -------
    numpy.ndarray
        ``(count, ceil(m/64))`` uint64 (``pfmap.truthtable`` packing: bit ``j`` of a
        row is the output on input ``j``).  numpy and numba return identical rows;
        torch draws its own networks.

    Raises
    ------
    PfmapError
        For a negative count or first, an unknown backend or device, or inputs that do not fit ``arch``.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> from pfmap.truthtable import words_to_strings
    >>> t = sample_tables(Perceptron(2), 5, seed=0, backend="numpy")
    >>> bool(np.array_equal(t, sample_tables(Perceptron(2), 5, seed=0, backend="numba")))
    True
    >>> len(words_to_strings(t, 4)[0])
    4

    References
    ----------
    Valle-Pérez, Camargo, Louis, ICLR 2019; Mingard et al., arXiv:1909.11522 (2019).
    """
    name, dev = resolve_backend(backend, device)
    input_set = as_input_set(inputs, arch.n)
    count, first = int(count), int(first)
    if count < 0 or first < 0:
        raise PfmapError(f"count and first must be >= 0; got count={count}, first={first}")
    return REGISTRY[name].load("tables")(arch, input_set, count, key=resolve_key(seed), first=first, device=dev,
                                         threads=threads, stats=stats)


def tables_from_parameters(arch: MLP, params: ArrayLike, inputs: str | ArrayLike | InputSet | None = None,
                           *, backend: str | None = None, threads: int | None = None,
                           stats: dict | None = None) -> np.ndarray:
    """Packed truth tables of given networks: ``params`` is ``(B, P)`` in the canonical layout.

    Parameters are rounded to float32 first, as drawn ones are.  Useful to
    evaluate chosen networks (near-ties, trained weights) on every backend.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture.
    params : array_like
        ``(networks, arch.n_parameters)`` rows in the canonical layout
        (:class:`~pfmap.montecarlo.backends.layout.NetworkLayout`).
    inputs : None, str, array or pfmap.InputSet
        The input set, as in :func:`sample_tables`.
    backend : str, optional
        ``"numpy"``, ``"numba"`` (default) or ``"torch"`` (CPU).
    threads, stats
        As in :func:`sample_tables`.

    Returns
    -------
    numpy.ndarray
        ``(networks, ceil(m/64))`` uint64 packed truth tables.

    Raises
    ------
    PfmapError
        If ``params`` has the wrong shape.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> and_gate = np.array([[1.0, 1.0, -1.5]])  # w1, w2, b: fires on 11 only
    >>> tables_from_parameters(Perceptron(2), and_gate).tolist()
    [[8]]

    References
    ----------
    Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1 (the certified float32 signs).
    """
    name = validate_backend(backend)
    params = canonical_parameters(arch, params)
    input_set = as_input_set(inputs, arch.n)
    return REGISTRY[name].load("forward")(arch, input_set, params, threads=threads, stats=stats)


def canonical_parameters(arch: MLP, params: ArrayLike) -> np.ndarray:
    """``params`` as contiguous float32 rows of ``arch``'s canonical layout, checked.

    Parameters
    ----------
    arch : pfmap.MLP or pfmap.Perceptron
        The architecture.
    params : array_like
        ``(networks, arch.n_parameters)`` numbers.

    Returns
    -------
    numpy.ndarray
        float32, C-contiguous.

    Raises
    ------
    PfmapError
        If the shape does not fit ``arch``.

    Examples
    --------
    >>> from pfmap import Perceptron
    >>> canonical_parameters(Perceptron(2), [[1, 1, -1.5]]).dtype
    dtype('float32')
    """
    layout = NetworkLayout.of(arch)
    params = np.ascontiguousarray(np.asarray(params, dtype=np.float64).astype(np.float32))
    if params.ndim != 2 or params.shape[1] != layout.n_parameters:
        raise PfmapError(f"params must have shape (networks, {layout.n_parameters}) for {arch.describe()}; "
                         f"got {params.shape}")
    return params

