"""The numpy side shared by both backends (parameter layout, random streams) and the batched torch trainer.

Layout.  A network's parameters are one flat float64 vector, layer by layer:
the weights of layer ``l`` as a ``fan_in x fan_out`` row-major block (a layer
is ``x @ W + b``), then its ``fan_out`` biases (absent without bias).

Streams.  Run ``r`` of a job with ``seed`` and ``chunk_size`` is run
``j = r % chunk_size`` of chunk ``k = r // chunk_size``; it draws its initial
parameters from ``SeedSequence(seed, spawn_key=(k, j, 0))`` (child 0 of child
``j`` of child ``k`` of ``SeedSequence(seed)``: one ``standard_normal`` draw
of all parameters times the prior's standard deviations, or for the uniform
prior ``a * (2 u - 1)`` with ``u`` from ``random``), and a 64-bit shuffle key
from ``(k, j, 1)`` (:func:`initial_state`).  In epoch ``e`` (0-based) training
point ``i`` gets the sort key ``splitmix64(key + (e * m + i + 1) * 0x9E3779B97F4A7C15)``
and the epoch's minibatch order is the stable argsort of those keys
(:func:`epoch_orders`; i.i.d. uniform 64-bit keys give a uniformly random
permutation, up to ties of probability < m**2 / 2**65).  A counter-based hash
rather than a sequential generator, so that the numba kernel computes the same
orders in compiled code with no state to carry.

Torch trainer.  The same maths as :mod:`pfmap.learning.sgd_numba`, with
tensors: layer ``l`` of the ``A`` active networks is ``W[l]`` of shape
``(A, fan_in, fan_out)`` and ``b[l]`` of shape ``(A, 1, fan_out)``; a step
gathers each network's own minibatch, runs the forward pass with
``baddbmm``, the backward pass by hand (the gradient of the mean loss, no
autograd) and the optimiser update elementwise.  At the end of each epoch
every network is checked on all of S; those that are done (fitted
``epochs_after_fit`` epochs ago, or at ``max_epochs``) are written out and
dropped from the tensors, so a frozen network is never touched again and its
optimiser state goes with it.  float64 throughout, on the CPU or a CUDA
device.  torch is an optional extra, imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from pfmap.architectures import ACT_RELU, ACT_TANH, MLP
from pfmap.errors import PfmapError
from pfmap.priors import GaussianPrior
from pfmap.validation import check_seed, check_whole

from .sgd_numba import SPLITMIX

DEFAULT_CHUNK_SIZE = 1000  # runs per chunk: chunk k draws from child k of SeedSequence(seed)
EVAL_POINTS = 1024  # the end-of-epoch check runs over S in slices of this many points
BACKENDS = ("auto", "numba", "torch")
# "auto" trains nets up to this size with the numba kernel on the CPU.  Measured on the 2-core machine: the numba
# kernel is 7.5x torch's batched CPU trainer on 784-128-128-1 MNIST (117,121 parameters; Adam, batch 32; 4.6 against
# 0.62 runs/s), and far ahead on 7-40-40-1; larger nets were not measured, so they stay with torch.
NUMBA_MAX_PARAMETERS = 200_000


def parameter_offsets(layer_sizes: Sequence[int], bias: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """Offsets of each layer's weight block and biases in the flat parameter vector, and its length.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n, widths..., 1)``.
    bias : bool
        Whether the layers have biases.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, int)
        Weight offsets, bias offsets (int64, one per layer) and the number of parameters.

    Examples
    --------
    >>> w, b, total = parameter_offsets((2, 2, 1), True)
    >>> w.tolist(), b.tolist(), total
    ([0, 6], [4, 8], 9)
    """
    w_off, b_off, pos = [], [], 0
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        w_off.append(pos)
        pos += fan_in * fan_out
        b_off.append(pos)
        pos += fan_out if bias else 0
    return np.array(w_off, dtype=np.int64), np.array(b_off, dtype=np.int64), pos


def epoch_orders(shuffle_keys: ArrayLike, epoch: int, m: int) -> np.ndarray:
    """Minibatch order of each run in ``epoch`` (0-based): the stable argsort of its splitmix64 sort keys.

    Parameters
    ----------
    shuffle_keys : array_like of uint64, shape (runs,)
    epoch, m : int
        The epoch (from 0) and ``|S|``.

    Returns
    -------
    numpy.ndarray of int64, shape (runs, m)
        Each row a permutation of ``range(m)``; the minibatches are its consecutive slices.

    Examples
    --------
    >>> order = epoch_orders(np.arange(3, dtype=np.uint64), 5, 4)
    >>> order.shape, sorted(order[0].tolist())
    ((3, 4), [0, 1, 2, 3])
    """
    golden, mix1, mix2 = SPLITMIX
    keys = np.asarray(shuffle_keys, dtype=np.uint64).reshape(-1, 1)
    z = keys + (np.uint64(epoch) * np.uint64(m) + np.arange(1, m + 1, dtype=np.uint64))[None, :] * golden
    z = (z ^ (z >> np.uint64(30))) * mix1
    z = (z ^ (z >> np.uint64(27))) * mix2
    return np.argsort(z ^ (z >> np.uint64(31)), axis=1, kind="stable")


def initial_state(arch: MLP, *, runs: int, first_run: int = 0, seed: int = 0,
                  chunk_size: int = DEFAULT_CHUNK_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Initial parameters and shuffle keys of runs ``first_run .. first_run + runs - 1`` (the module's streams).

    Parameters
    ----------
    arch : MLP or Perceptron
        The architecture; its prior draws the parameters.
    runs, first_run : int
        Which runs.
    seed, chunk_size : int
        The job's seed and chunk size (run ``r`` is run ``r % chunk_size`` of chunk ``r // chunk_size``).

    Returns
    -------
    params : numpy.ndarray, shape (runs, arch.n_parameters)
        float64, in the flat layout (:func:`parameter_offsets`).
    shuffle_keys : numpy.ndarray of uint64, shape (runs,)

    Raises
    ------
    PfmapError
        For a negative ``runs``/``first_run``/``seed`` or ``chunk_size`` < 1.

    Examples
    --------
    >>> from pfmap import MLP, GaussianPrior
    >>> params, keys = initial_state(MLP(2, (2,), "relu", GaussianPrior()), runs=3, seed=1)
    >>> params.shape, keys.dtype.name
    ((3, 9), 'uint64')
    >>> bool((initial_state(MLP(2, (2,)), runs=1, first_run=2, seed=1)[0] == params[2]).all())
    True
    """
    runs = check_whole(runs, "runs")
    first_run = check_whole(first_run, "first_run")
    seed = check_seed(seed)
    chunk_size = check_whole(chunk_size, "chunk_size", minimum=1)
    scale = _prior_scales(arch)
    gaussian = isinstance(arch.prior, GaussianPrior)
    params = np.empty((runs, scale.size), dtype=np.float64)
    keys = np.empty(runs, dtype=np.uint64)
    for i in range(runs):
        k, j = divmod(first_run + i, chunk_size)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k, j, 0)))
        params[i] = rng.standard_normal(scale.size) if gaussian else 2.0 * rng.random(scale.size) - 1.0
        keys[i] = np.random.SeedSequence(seed, spawn_key=(k, j, 1)).generate_state(1, np.uint64)[0]
    params *= scale
    return params, keys


def _prior_scales(arch: MLP) -> np.ndarray:
    """Per-parameter standard deviation (Gaussian prior) or half-width (uniform prior), in the flat layout."""
    sizes = arch.layer_sizes
    parts = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        parts.append(np.full(fan_in * fan_out, arch.prior.weight_scale(fan_in)))
        if arch.bias:
            parts.append(np.full(fan_out, arch.prior.bias_scale()))
    return np.concatenate(parts)


def _activate(z, act: int):
    import torch

    if act == ACT_RELU:
        return torch.relu(z)
    if act == ACT_TANH:
        return torch.tanh(z)
    return z


def _output(weights, biases, x, act: int):
    """Output pre-activations ``(A, rows)`` of every network on shared points ``x`` ``(rows, n)``."""
    h = x
    for l, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w if b is None else b + h @ w  # (rows, n) @ (A, n, out) broadcasts to (A, rows, out)
        if l < len(weights) - 1:
            h = _activate(h, act)
    return h[..., 0]


def _labels(weights, biases, x, act: int):
    """Boolean ``(A, rows)``: output pre-activation > 0, over ``x`` in slices."""
    import torch

    parts = [_output(weights, biases, x[s:s + EVAL_POINTS], act) > 0 for s in range(0, x.shape[0], EVAL_POINTS)]
    return torch.cat(parts, dim=1)


def train_networks_torch(params: np.ndarray, shuffle_keys: np.ndarray, layer_sizes: Sequence[int], *, bias: bool,
                         x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, act: int, loss: int, opt: int,
                         lr: float, momentum: float, beta1: float, beta2: float, eps: float, batch: int,
                         max_epochs: int, after: int, device: str = "cpu"
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train the rows of ``params`` as batched tensors: the twin of :func:`pfmap.learning.sgd_numba.train_networks`.

    Parameters
    ----------
    params : numpy.ndarray, float64, shape (runs, P)
        Initial parameters in the flat layout (not modified).
    shuffle_keys : numpy.ndarray of uint64, shape (runs,)
    layer_sizes : sequence of int
    bias : bool
    x_train, y_train, x_test : numpy.ndarray, float64
        S (points, 0/1 labels) and E's points.
    act, loss, opt, lr, momentum, beta1, beta2, eps, batch, max_epochs, after
        As for the numba kernel.
    device : str
        A torch device ("cpu", "cuda", "cuda:1").

    Returns
    -------
    tuple of numpy.ndarray
        ``(final_params, test_bits, fit_epoch, epochs, fits_at_end)``, one row or entry per run.

    Examples
    --------
    >>> x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]]); y = np.array([0.0, 1.0, 1.0])
    >>> out = train_networks_torch(np.array([[0.5, -0.5, 0.0]]), np.zeros(1, dtype=np.uint64), (2, 1), bias=True,
    ...                            x_train=x, y_train=y, x_test=x[:1], act=0, loss=0, opt=0, lr=1.0,
    ...                            momentum=0.0, beta1=0.9, beta2=0.999, eps=1e-8, batch=1, max_epochs=100, after=0)
    >>> int(out[2][0]) > 0, bool(out[4][0]), int(out[1][0, 0])
    (True, True, 0)
    """
    import torch

    dev = torch.device(device)
    f64 = torch.float64
    runs, m = params.shape[0], x_train.shape[0]
    depth = len(layer_sizes) - 1
    w_off, b_off, _ = parameter_offsets(layer_sizes, bias)
    p0 = torch.as_tensor(params, dtype=f64, device=dev)
    weights, biases = [], []
    for l in range(depth):
        fan_in, fan_out = layer_sizes[l], layer_sizes[l + 1]
        weights.append(p0[:, w_off[l]:w_off[l] + fan_in * fan_out].reshape(runs, fan_in, fan_out).clone())
        biases.append(p0[:, b_off[l]:b_off[l] + fan_out].reshape(runs, 1, fan_out).clone() if bias else None)
    tensors = weights + [b for b in biases if b is not None]
    state1 = [torch.zeros_like(t) for t in tensors] if (opt == 1 or momentum != 0.0) else []
    state2 = [torch.zeros_like(t) for t in tensors] if opt == 1 else []
    x = torch.as_tensor(x_train, dtype=f64, device=dev)
    y = torch.as_tensor(y_train, dtype=f64, device=dev)
    y_bool = y > 0.5
    xt = torch.as_tensor(x_test, dtype=f64, device=dev)

    final = np.array(params, dtype=np.float64, copy=True)
    bits = np.zeros((runs, x_test.shape[0]), dtype=np.uint8)
    fit_epoch = np.full(runs, -1, dtype=np.int64)
    epochs = np.zeros(runs, dtype=np.int64)
    fits_at_end = np.zeros(runs, dtype=bool)
    active = np.arange(runs)
    steps = 0
    for e in range(max_epochs):
        orders = torch.as_tensor(epoch_orders(shuffle_keys[active], e, m), device=dev)
        for start in range(0, m, batch):
            idx = orders[:, start:start + batch]
            bs = idx.shape[1]
            h = x[idx]
            acts = [h]
            for l in range(depth):
                h = torch.bmm(h, weights[l]) if biases[l] is None else torch.baddbmm(biases[l], h, weights[l])
                if l < depth - 1:
                    h = _activate(h, act)
                    acts.append(h)
            target = y[idx].unsqueeze(2)
            d = (torch.sigmoid(h) - target) / bs if loss == 0 else 2.0 * (h - (2.0 * target - 1.0)) / bs
            grads_w, grads_b = [None] * depth, [None] * depth
            for l in range(depth - 1, -1, -1):
                grads_w[l] = torch.bmm(acts[l].transpose(1, 2), d)
                if biases[l] is not None:
                    grads_b[l] = d.sum(dim=1, keepdim=True)
                if l > 0:
                    d = torch.bmm(d, weights[l].transpose(1, 2))
                    if act == ACT_RELU:
                        d = d * (acts[l] > 0)
                    elif act == ACT_TANH:
                        d = d * (1.0 - acts[l] * acts[l])
            grads = grads_w + [g for g in grads_b if g is not None]
            steps += 1
            _update(tensors, grads, state1, state2, opt, lr, momentum, beta1, beta2, eps, steps)
        fits = _labels(weights, biases, x, act).eq(y_bool).all(dim=1).cpu().numpy()
        fit_epoch[active[fits & (fit_epoch[active] < 0)]] = e + 1
        done = (fit_epoch[active] >= 0) & (e + 1 >= fit_epoch[active] + after)
        if e + 1 == max_epochs:
            done[:] = True
        if done.any():
            rows = active[done]
            epochs[rows] = e + 1
            fits_at_end[rows] = fits[done]
            sel = torch.as_tensor(np.flatnonzero(done), device=dev)
            bits[rows] = _labels([w[sel] for w in weights], [None if b is None else b[sel] for b in biases], xt,
                                 act).cpu().numpy()
            for l in range(depth):
                fan_in, fan_out = layer_sizes[l], layer_sizes[l + 1]
                final[rows, w_off[l]:w_off[l] + fan_in * fan_out] = weights[l][sel].reshape(len(rows), -1).cpu().numpy()
                if bias:
                    final[rows, b_off[l]:b_off[l] + fan_out] = biases[l][sel].reshape(len(rows), -1).cpu().numpy()
            keep = torch.as_tensor(np.flatnonzero(~done), device=dev)
            active = active[~done]
            if active.size == 0:
                break
            weights = [w[keep] for w in weights]
            biases = [None if b is None else b[keep] for b in biases]
            tensors = weights + [b for b in biases if b is not None]
            state1 = [s[keep] for s in state1]
            state2 = [s[keep] for s in state2]
    return final, bits, fit_epoch, epochs, fits_at_end


def _update(tensors, grads, state1, state2, opt, lr, momentum, beta1, beta2, eps, steps):
    """One optimiser step in place, the formulas of the numba kernel (torch.optim's SGD and Adam conventions)."""
    if opt == 0:
        for k, (t, g) in enumerate(zip(tensors, grads)):
            if momentum != 0.0:
                state1[k].mul_(momentum).add_(g)
                g = state1[k]
            t.sub_(lr * g)
        return
    c1 = 1.0 - beta1**steps
    c2 = (1.0 - beta2**steps) ** 0.5
    for t, g, s1, s2 in zip(tensors, grads, state1, state2):
        s1.mul_(beta1).add_((1.0 - beta1) * g)
        s2.mul_(beta2).add_((1.0 - beta2) * g * g)
        t.sub_((lr / c1) * s1 / (s2.sqrt() / c2 + eps))


def choose_backend(backend: str, device: str, n_parameters: int) -> tuple[str, str]:
    """The backend and device of a job: ``"auto"`` is numba on the CPU up to 200,000 parameters, else torch.

    Parameters
    ----------
    backend : {"auto", "numba", "torch"}
    device : str
        "cpu" or "cuda[:k]".
    n_parameters : int
        The net's size.

    Returns
    -------
    (str, str)
        The backend and the device, canonical.

    Raises
    ------
    PfmapError
        For an unknown backend or device, numba off the CPU, torch missing, or no GPU.

    Examples
    --------
    >>> choose_backend("auto", "cpu", 2001)              # 7-40-40-1
    ('numba', 'cpu')
    >>> choose_backend("auto", "cpu", 117_121)           # 784-128-128-1: numba is 7.5x torch on the CPU here
    ('numba', 'cpu')
    """
    key = str(backend).strip().lower()
    if key not in BACKENDS:
        raise PfmapError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    dev = str(device).strip().lower()
    if dev != "cpu" and not dev.startswith("cuda"):
        raise PfmapError(f"unknown device {device!r}; use 'cpu' or 'cuda'")
    if key == "numba" and dev != "cpu":
        raise PfmapError(f"backend='numba' runs on the CPU; use device='cpu', or backend='torch' for {device!r}")
    if key == "auto":
        small = n_parameters <= NUMBA_MAX_PARAMETERS or not _torch_available()
        key = "numba" if dev == "cpu" and small else "torch"
    if key == "torch":
        _check_torch_device(dev)
    return key, dev


def group_size(backend: str, layer_sizes: Sequence[int], n_parameters: int, *, m: int, batch: int, device: str) -> int:
    """Networks trained together (results do not depend on it): numba by parameter memory, torch by a budget.

    Parameters
    ----------
    backend : {"numba", "torch"}
    layer_sizes : sequence of int
    n_parameters, m, batch : int
        The net's size, ``|S|`` and the minibatch size.
    device : str

    Returns
    -------
    int

    Examples
    --------
    >>> group_size("numba", (7, 40, 40, 1), 2001, m=32, batch=8, device="cpu")
    4096
    """
    if backend == "numba":
        return int(min(4096, max(64, 2**24 // n_parameters)))
    widths = list(layer_sizes[1:])
    per_network = 8 * (6 * n_parameters + 3 * min(m, EVAL_POINTS) * max(widths) + 3 * batch * sum(widths))
    budget = 2**30 if device == "cpu" else 2**33  # 1 GiB on the CPU, 8 GiB on a GPU
    return int(min(65536, max(1, budget // per_network)))


def _torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _check_torch_device(device: str) -> None:
    """Refuse when torch is missing or ``device`` is a CUDA device that torch cannot see."""
    if not _torch_available():
        raise PfmapError("backend='torch' needs torch, an optional extra: pip install 'pfmap[torch]'")
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise PfmapError(f"device={device!r} but torch sees no CUDA GPU here; use device='cpu'")
