"""P_SGD(f|S): many networks trained from the prior and stopped at 100% training accuracy; the functions they find.

A job is an architecture (its prior draws the initialisations), a training
set S (``X_train``, labels ``y_train`` in {0, 1}), a test set E (``X_test``)
and the optimiser settings.  Run ``r`` draws its initialisation and its
minibatch orders from its own descendants of child ``r // chunk_size`` of
``numpy.random.SeedSequence(seed)`` (:mod:`pfmap.learning.sgd_torch`), so
its result depends only on the job, ``seed``, ``chunk_size`` and ``r``, never
on how many networks are trained together, and is the same on both backends
up to float64 rounding.

The maths, the same in both backends: the loss is the minibatch mean of
binary cross-entropy on the logit (``loss="ce"``) or of ``(z - t)**2`` with
targets ``t = 2 y - 1`` in {-1, +1} on the output pre-activation ``z``
(``loss="mse"``), so that ``z > 0`` means label 1 either way; the last
minibatch of an epoch is smaller when ``batch_size`` does not divide ``|S|``.
SGD is ``v = momentum v + g; p -= lr v`` (torch's convention); Adam is
torch's (bias-corrected, ``eps`` added to ``sqrt(v_hat)``); relu'(0) = 0.  At
the end of every epoch each network is checked on all of S; the first epoch
at which it labels S correctly is its ``fit_epoch`` (>= 1: S is not checked
before training), and ``epochs_after_fit`` epochs later it is frozen (no
further update of its parameters or optimiser state).  Networks not fitted
after ``max_epochs`` epochs are reported as not fitted.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pfmap import __version__
from pfmap.architectures import ACT_RELU, ACTIVATION_CODES, MLP
from pfmap.errors import PfmapError
from pfmap.intervals import wilson_interval
from pfmap.progress import progress_bar
from pfmap.tables import sort_table
from pfmap.truthtable import pack_bits, unpack_bits, words_to_strings
from pfmap.validation import check_positive, check_seed, check_whole, parse_count

from .sgd_numba import LOSS_CODES, OPT_CODES, train_networks
from .sgd_torch import (DEFAULT_CHUNK_SIZE, choose_backend, epoch_orders, group_size, initial_state,
                        parameter_offsets, train_networks_torch)

__all__ = ["DEFAULT_CHUNK_SIZE", "DEFAULT_MAX_EPOCHS", "TrainResult", "epoch_orders", "initial_state", "train_chunk",
           "train_table"]

DEFAULT_MAX_EPOCHS = 20_000  # the cap of Mingard et al.'s scripts
_LOSS_ALIASES = {"ce": "ce", "cross_entropy": "ce", "cross-entropy": "ce", "bce": "ce", "mse": "mse"}


@dataclass
class TrainResult:
    """What :func:`train_chunk` returns: one entry per run, in run order.

    Attributes
    ----------
    run : numpy.ndarray of int64
        The runs' global indices.
    test_words : numpy.ndarray of uint64, shape (runs, words)
        The labels on E packed as in :func:`pfmap.truthtable.pack_bits`.
    n_test : int
        ``|E|``.
    fitted : numpy.ndarray of bool
        Whether the run labelled all of S correctly at the end of some epoch.
    fit_epoch : numpy.ndarray of int64
        The first such epoch (1-based), -1 if none.
    epochs : numpy.ndarray of int64
        Epochs trained (``fit_epoch + epochs_after_fit``, or ``max_epochs``).
    fits_at_end : numpy.ndarray of bool
        Whether the final network labels S correctly (differs from ``fitted``
        only with ``epochs_after_fit > 0``).
    test_error : numpy.ndarray of float64
        Fraction of E labelled unlike ``y_test`` (NaN without ``y_test``).
    parameters : numpy.ndarray of float64 or None
        Final parameters, shape (runs, n_parameters), with ``return_parameters=True``.
    config : dict
        The job (JSON-able).

    Examples
    --------
    >>> import numpy as np
    >>> res = TrainResult(run=np.arange(2), test_words=np.array([[1], [2]], dtype=np.uint64), n_test=2,
    ...                   fitted=np.array([True, False]), fit_epoch=np.array([3, -1]), epochs=np.array([3, 9]),
    ...                   fits_at_end=np.array([True, False]), test_error=np.full(2, np.nan), parameters=None,
    ...                   config={})
    >>> len(res), res.functions(), res.test_bits().tolist()
    (2, ['10', '01'], [[1, 0], [0, 1]])
    """

    run: np.ndarray
    test_words: np.ndarray
    n_test: int
    fitted: np.ndarray
    fit_epoch: np.ndarray
    epochs: np.ndarray
    fits_at_end: np.ndarray
    test_error: np.ndarray
    parameters: np.ndarray | None
    config: dict

    def __len__(self) -> int:
        return int(self.run.size)

    def functions(self) -> list[str]:
        """The labels on E of every run as strings of '0'/'1' (E's order); see the class example.

        Returns
        -------
        list of str
        """
        return words_to_strings(self.test_words, self.n_test)

    def test_bits(self) -> np.ndarray:
        """The labels on E as a ``(runs, |E|)`` uint8 array; see the class example.

        Returns
        -------
        numpy.ndarray of uint8
        """
        return unpack_bits(self.test_words, self.n_test)


def train_chunk(arch: MLP, X_train: ArrayLike, y_train: ArrayLike, X_test: ArrayLike,
                y_test: ArrayLike | None = None, *, runs: int, first_run: int = 0, seed: int = 0,
                chunk_size: int = DEFAULT_CHUNK_SIZE, optimizer: str = "sgd", lr: float = 0.01, batch_size: int = 8,
                loss: str = "ce", momentum: float = 0.0, betas: tuple[float, float] = (0.9, 0.999),
                eps: float = 1e-8, max_epochs: int = DEFAULT_MAX_EPOCHS, epochs_after_fit: int = 0,
                backend: str = "auto", device: str = "cpu", return_parameters: bool = False,
                networks_at_once: int | None = None,
                on_progress: Callable[[int, int], object] | None = None) -> TrainResult:
    """Train runs ``first_run .. first_run + runs - 1`` of a job and record the function each finds on E.

    A pure function of its arguments (picklable in and out): the unit of work
    of run folders and Dask.  See the module docstring for the maths and the
    random streams.

    Parameters
    ----------
    arch : MLP or Perceptron
        relu, tanh or linear hidden units (a perceptron trains as one linear unit with a logit).
    X_train : array_like, shape (m, arch.n)
        The training points S.
    y_train : array_like, shape (m,)
        Their labels, 0 or 1.
    X_test : array_like, shape (k, arch.n)
        The test points E; a function is the string of labels on them, in order.
    y_test : array_like, shape (k,), optional
        Test labels, for the test error of every run.
    runs, first_run : int
        How many runs, and the global index of the first.
    seed, chunk_size : int
        Randomness (run ``r``: child ``r % chunk_size`` of child ``r // chunk_size`` of ``SeedSequence(seed)``).
    optimizer : {"sgd", "adam"}
    lr : float
        Learning rate, > 0.
    batch_size : int
        Minibatch size, ``1 .. m``.
    loss : {"ce", "mse"}
        Binary cross-entropy on the logit, or squared error against targets -1/+1.
    momentum : float
        SGD momentum in [0, 1).
    betas : (float, float)
        Adam's beta1, beta2 in [0, 1).
    eps : float
        Adam's epsilon, > 0.
    max_epochs : int
        The cap; runs not fitted by then are reported as not fitted.
    epochs_after_fit : int
        Epochs trained after the first fitting epoch before freezing.
    backend : {"auto", "numba", "torch"}
        "auto": the numba kernel for nets up to
        :data:`pfmap.learning.sgd_torch.NUMBA_MAX_PARAMETERS` parameters on the CPU, else torch.
    device : str
        "cpu", or "cuda"/"cuda:1" (torch).
    return_parameters : bool
        Also return the final parameters.
    networks_at_once : int, optional
        Networks trained together in memory (default: by size); does not change results.
    on_progress : callable, optional
        ``on_progress(runs_done, fitted_so_far)``, called after each group of networks.

    Returns
    -------
    TrainResult

    Raises
    ------
    PfmapError
        For bad data (shapes, labels not 0/1, non-finite points), ``lr`` <= 0,
        ``batch_size`` outside ``1 .. m``, an unknown ``optimizer``/``loss``/
        ``backend``, ``momentum`` outside [0, 1) or with Adam, ``max_epochs`` < 1,
        a step-activation net, torch missing for the torch backend, or a CUDA
        device without a GPU.

    Examples
    --------
    >>> from pfmap import MLP, GaussianPrior, boolean_inputs
    >>> X = boolean_inputs(2)
    >>> res = train_chunk(MLP(2, (2,), "relu", GaussianPrior()), X[:3], [0, 1, 1], X[3:], [1],
    ...                   runs=20, seed=0, lr=0.1, batch_size=1, max_epochs=500)
    >>> len(res), int(res.fitted.sum())
    (20, 15)
    >>> res.fit_epoch[:6].tolist(), res.functions()[:3]
    ([2, -1, 12, 29, 12, -1], ['1', '1', '1'])
    """
    job = _prepare(arch, X_train, y_train, X_test, y_test, optimizer, lr, batch_size, loss, momentum, betas, eps,
                   max_epochs, epochs_after_fit, backend, device)
    runs = check_whole(runs, "runs")
    first_run = check_whole(first_run, "first_run")
    seed, chunk_size = check_seed(seed), check_whole(chunk_size, "chunk_size", minimum=1)
    n_params = arch.n_parameters
    if networks_at_once is None:
        group = group_size(job["backend"], arch.layer_sizes, n_params, m=job["x_train"].shape[0],
                           batch=job["scalars"]["batch"], device=job["device"])
    else:
        group = check_whole(networks_at_once, "networks_at_once", minimum=1)
    k = job["x_test"].shape[0]
    final = np.empty((runs, n_params)) if return_parameters else None
    bits = np.zeros((runs, k), dtype=np.uint8)
    fit_epoch = np.full(runs, -1, dtype=np.int64)
    epochs = np.zeros(runs, dtype=np.int64)
    fits_at_end = np.zeros(runs, dtype=bool)
    for start in range(0, runs, group):
        stop = min(runs, start + group)
        params, keys = initial_state(arch, runs=stop - start, first_run=first_run + start, seed=seed,
                                     chunk_size=chunk_size)
        out = _train_group(job, arch, params, keys)
        params, bits[start:stop], fit_epoch[start:stop], epochs[start:stop], fits_at_end[start:stop] = out
        if final is not None:
            final[start:stop] = params
        if on_progress is not None:
            on_progress(stop, int((fit_epoch[:stop] > 0).sum()))
    y_test = job["y_test"]
    test_error = (bits != y_test).mean(axis=1) if y_test is not None else np.full(runs, np.nan)
    config = dict(job["config"], seed=seed, chunk_size=chunk_size)
    return TrainResult(run=np.arange(first_run, first_run + runs, dtype=np.int64), test_words=pack_bits(bits),
                       n_test=k, fitted=fit_epoch > 0, fit_epoch=fit_epoch, epochs=epochs, fits_at_end=fits_at_end,
                       test_error=test_error, parameters=final, config=config)


def _train_group(job: dict, arch: MLP, params: np.ndarray, keys: np.ndarray):
    """Train one group with the job's backend; returns (final params, bits, fit_epoch, epochs, fits_at_end)."""
    s = job["scalars"]
    if job["backend"] == "torch":
        return train_networks_torch(params, keys, arch.layer_sizes, bias=arch.bias, x_train=job["x_train"],
                                    y_train=job["y_train"], x_test=job["x_test"], device=job["device"], **s)
    runs = params.shape[0]
    bits = np.zeros((runs, job["x_test"].shape[0]), dtype=np.uint8)
    fit_epoch, epochs = np.zeros(runs, dtype=np.int64), np.zeros(runs, dtype=np.int64)
    fits_at_end = np.zeros(runs, dtype=np.bool_)
    sizes = np.asarray(arch.layer_sizes, dtype=np.int64)
    w_off, b_off, _ = parameter_offsets(arch.layer_sizes, arch.bias)
    train_networks(params, keys, sizes, w_off, b_off, bool(arch.bias), job["x_train"], job["y_train"], job["x_test"],
                   s["act"], s["loss"], s["opt"], s["lr"], s["momentum"], s["beta1"], s["beta2"], s["eps"],
                   s["batch"], s["max_epochs"], s["after"], bits, fit_epoch, epochs, fits_at_end)
    return params, bits, fit_epoch, epochs, fits_at_end


def train_table(arch: MLP, X_train: ArrayLike, y_train: ArrayLike, X_test: ArrayLike,
                y_test: ArrayLike | None = None, *, runs: int, seed: int = 0,
                chunk_size: int = DEFAULT_CHUNK_SIZE, optimizer: str = "sgd", lr: float = 0.01, batch_size: int = 8,
                loss: str = "ce", momentum: float = 0.0, betas: tuple[float, float] = (0.9, 0.999),
                eps: float = 1e-8, max_epochs: int = DEFAULT_MAX_EPOCHS, epochs_after_fit: int = 0,
                backend: str = "auto", device: str = "cpu", progress: bool | str = False) -> pd.DataFrame:
    """P_SGD(f|S): train ``runs`` networks chunk by chunk and tabulate the functions the fitted ones found on E.

    Parameters
    ----------
    arch, X_train, y_train, X_test, y_test
        As in :func:`train_chunk`.
    runs : int
        Number of training runs (``1e5`` accepted).
    seed, chunk_size, optimizer, lr, batch_size, loss, momentum, betas, eps, max_epochs, epochs_after_fit
        As in :func:`train_chunk`.
    backend, device
        As in :func:`train_chunk`.
    progress : bool or "auto"
        A progress bar over runs.

    Returns
    -------
    pandas.DataFrame
        One row per function found by a fitted run: ``function`` (labels on
        E), ``probability`` (count / fitted runs), ``count``, ``ci_low``,
        ``ci_high`` (95% Wilson interval), ``test_error`` (of the function
        against ``y_test``; NaN without it), ``mean_epochs`` (mean ``fit_epoch``
        of its runs); sorted by count (descending), then function.
        ``df.attrs["not_fitted"]`` counts the runs that never fitted S;
        ``df.attrs["pfmap"]`` holds the job, ``fitted``/``not_fitted`` and the
        mean test error of the fitted runs with its standard error.

    Raises
    ------
    PfmapError
        As :func:`train_chunk`; also for ``runs`` < 1.

    Examples
    --------
    >>> from pfmap import MLP, GaussianPrior, boolean_inputs
    >>> X = boolean_inputs(2)
    >>> df = train_table(MLP(2, (2,), "relu", GaussianPrior()), X[:3], [0, 1, 1], X[3:], [1],
    ...                  runs=50, seed=0, lr=0.1, batch_size=1, max_epochs=500)
    >>> list(df.columns)
    ['function', 'probability', 'count', 'ci_low', 'ci_high', 'test_error', 'mean_epochs']
    >>> int(df["count"].sum()) + df.attrs["not_fitted"]
    50

    References
    ----------
    Mingard, Valle-Pérez, Skalse, Louis, "Is SGD a Bayesian sampler? Well, almost", JMLR 22 (2021).
    """
    runs = parse_count(runs, "runs")
    chunk_size = check_whole(chunk_size, "chunk_size", minimum=1)
    settings = dict(seed=seed, chunk_size=chunk_size, optimizer=optimizer, lr=lr, batch_size=batch_size, loss=loss,
                    momentum=momentum, betas=betas, eps=eps, max_epochs=max_epochs, epochs_after_fit=epochs_after_fit,
                    backend=backend, device=device)
    results = []
    seen: set = set()
    fitted_so_far = 0
    with progress_bar(runs, progress=progress, desc="training", unit="run", unit_scale=False) as bar:
        for first in range(0, runs, chunk_size):
            results.append(train_chunk(arch, X_train, y_train, X_test, y_test, runs=min(chunk_size, runs - first),
                                       first_run=first, **settings,
                                       on_progress=lambda done, fitted, first=first: bar.update(first + done - bar.n)))
            last = results[-1]
            fitted_so_far += int(last.fitted.sum())
            seen.update(map(tuple, last.test_words[last.fitted].tolist()))
            bar.set_postfix(fitted=fitted_so_far, distinct=len(seen), refresh=False)
    fitted = np.concatenate([r.fitted for r in results])
    words = np.concatenate([r.test_words for r in results])[fitted]
    fit_epochs = np.concatenate([r.fit_epoch for r in results])[fitted]
    errors = np.concatenate([r.test_error for r in results])[fitted]
    n_fit, k = int(fitted.sum()), results[0].n_test
    keys, first_of, inverse, counts = np.unique(words, axis=0, return_index=True,
                                                return_inverse=True, return_counts=True)
    low, high = wilson_interval(counts, max(n_fit, 1))
    columns = {"function": words_to_strings(keys, k) if n_fit else [], "probability": counts / max(n_fit, 1),
               "count": counts, "ci_low": low, "ci_high": high, "test_error": errors[first_of],
               "mean_epochs": np.bincount(inverse.ravel(), weights=fit_epochs, minlength=len(counts)) / counts}
    df = sort_table(pd.DataFrame(columns))
    df = df[["function", "probability", "count", "ci_low", "ci_high", "test_error", "mean_epochs"]]
    config = results[0].config
    mean_err = float(errors.mean()) if n_fit and not np.isnan(errors).any() else math.nan
    stderr = float(errors.std(ddof=1) / math.sqrt(n_fit)) if n_fit > 1 and not math.isnan(mean_err) else math.nan
    df.attrs["not_fitted"] = runs - n_fit
    df.attrs["pfmap"] = dict(config, engine="learning", producer="train_table", runs=runs, fitted=n_fit,
                             not_fitted=runs - n_fit, distinct=int(len(df)), interval="wilson 95%",
                             mean_test_error=mean_err, mean_test_error_stderr=stderr,
                             mean_fit_epoch=float(fit_epochs.mean()) if n_fit else math.nan,
                             pfmap_version=__version__)
    return df


def _prepare(arch, X_train, y_train, X_test, y_test, optimizer, lr, batch_size, loss, momentum, betas, eps,
             max_epochs, epochs_after_fit, backend, device) -> dict:
    """Validate a job at the boundary; return its arrays, kernel scalars, backend and JSON-able config."""
    if not isinstance(arch, MLP):
        raise PfmapError(f"arch must be a pfmap MLP or Perceptron; got {type(arch).__name__}")
    if arch.activation == "step" and not arch.is_perceptron:
        raise PfmapError("arch has step activations, whose gradient is 0 almost everywhere: SGD cannot train them; "
                         "use activation relu, tanh or linear")
    x_train = _points(X_train, arch.n, "X_train")
    m = x_train.shape[0]
    y = _labels(y_train, m, "y_train")
    x_test = _points(X_test, arch.n, "X_test")
    y_te = None if y_test is None else _labels(y_test, x_test.shape[0], "y_test").astype(np.uint8)
    opt = str(optimizer).strip().lower()
    if opt not in OPT_CODES:
        raise PfmapError(f"unknown optimizer {optimizer!r}; use 'sgd' or 'adam'")
    loss_key = _LOSS_ALIASES.get(str(loss).strip().lower().replace(" ", "_"))
    if loss_key is None:
        raise PfmapError(f"unknown loss {loss!r}; use 'ce' (cross-entropy on the logit) or 'mse'")
    lr = check_positive(lr, "lr")
    batch = check_whole(batch_size, "batch_size", minimum=1, maximum=m)
    momentum = _unit_interval(momentum, "momentum")
    if opt == "adam" and momentum != 0.0:
        raise PfmapError("momentum applies to optimizer='sgd'; Adam's moments are set by betas")
    try:
        beta1, beta2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise PfmapError(f"betas must be two numbers (beta1, beta2) in [0, 1); got {betas!r}") from None
    beta1, beta2 = _unit_interval(beta1, "betas[0]"), _unit_interval(beta2, "betas[1]")
    eps = check_positive(eps, "eps")
    max_epochs = check_whole(max_epochs, "max_epochs", minimum=1)
    after = check_whole(epochs_after_fit, "epochs_after_fit")
    backend, device = choose_backend(backend, device, arch.n_parameters)
    act = ACT_RELU if arch.is_perceptron else ACTIVATION_CODES[arch.activation]
    scalars = dict(act=act, loss=LOSS_CODES[loss_key], opt=OPT_CODES[opt], lr=lr, momentum=momentum, beta1=beta1,
                   beta2=beta2, eps=eps, batch=batch, max_epochs=max_epochs, after=after)
    digest = hashlib.sha256()
    for a in (x_train, y, x_test):
        digest.update(a.tobytes())
    config = {"architecture": arch.to_dict(), "description": arch.describe(), "optimizer": opt, "lr": lr,
              "batch_size": batch, "loss": loss_key, "mse_targets": "-1/+1", "momentum": momentum,
              "betas": [beta1, beta2], "eps": eps, "max_epochs": max_epochs, "epochs_after_fit": after,
              "n_train": m, "n_test": int(x_test.shape[0]), "data_sha256": digest.hexdigest()[:16],
              "backend": backend, "device": device, "dtype": "float64"}
    return {"x_train": x_train, "y_train": y, "x_test": x_test, "y_test": y_te, "scalars": scalars,
            "backend": backend, "device": device, "config": config}


def _points(X, n: int, name: str) -> np.ndarray:
    try:
        x = np.ascontiguousarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise PfmapError(f"{name} must be a 2-D array of numbers (points x {n} features)") from None
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] != n:
        raise PfmapError(f"{name} must have shape (points, {n}) for this architecture; got {x.shape}")
    if not np.isfinite(x).all():
        raise PfmapError(f"{name} must be finite numbers (no NaN or inf)")
    return x


def _labels(y, rows: int, name: str) -> np.ndarray:
    try:
        labels = np.asarray(y, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise PfmapError(f"{name} must be {rows} labels 0 or 1") from None
    if labels.shape != (rows,) or not np.all((labels == 0) | (labels == 1)):
        raise PfmapError(f"{name} must be {rows} labels 0 or 1, one per point")
    return np.ascontiguousarray(labels)


def _unit_interval(value, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise PfmapError(f"{name} must be a number in [0, 1); got {value!r}") from None
    if not 0.0 <= x < 1.0:
        raise PfmapError(f"{name} must be a number in [0, 1); got {value!r}")
    return x
