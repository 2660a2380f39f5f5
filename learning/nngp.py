"""NNGP kernels: the covariance of the final pre-activation of a fully connected net under its prior.

The recursion (Neal 1996; Lee et al. 2018; Cho and Saul 2009 for the
arc-cosine kernels) starts from the input layer,
``K0(x, x') = var_b + var_w(n) x.x'``, and for every hidden layer of width
``w`` with activation ``phi`` sets
``K(x, x') = var_b + w var_w(w) E[phi(u) phi(v)]``, ``(u, v)`` centred
Gaussian with the previous layer's covariance.  With fan-in scaling
``w var_w(w) = sigma_w**2``.  The covariance is exact for one hidden layer at
any width (it only needs the independence of the last weights); beyond one
hidden layer the recursion is the infinite-width limit (the Gaussian process
the net converges to).  A perceptron is depth 0: the linear kernel.
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from pfmap.architectures import MLP
from pfmap.errors import PfmapError
from pfmap.priors import GaussianPrior, UniformPrior

DUAL_ACTIVATIONS = ("relu", "step", "erf", "linear", "tanh")
DEFAULT_BLOCK = 512


def layer_variances(arch: MLP) -> list[tuple[float, float]]:
    """``(var_w(fan_in) * fan_in_factor, var_b)`` for every weight layer, input layer first.

    The first entry is ``(var_w(n), var_b)`` (it multiplies ``x.x'``); each
    later entry is ``(w var_w(w), var_b)`` for the layer fed by a hidden layer
    of width ``w``.  A :class:`~pfmap.priors.UniformPrior` on ``[-a, a]`` is
    replaced by the Gaussian of the same variance ``a**2 / 3``.

    Parameters
    ----------
    arch : MLP or Perceptron
        The network; it carries the prior.

    Returns
    -------
    list of (float, float)
        One pair per weight layer (``arch.depth`` pairs).

    Raises
    ------
    PfmapError
        If ``arch`` is not an architecture.

    Examples
    --------
    >>> from pfmap import MLP, GaussianPrior
    >>> layer_variances(MLP(4, (10,), "relu", GaussianPrior(sigma_w=2, fan_in_scaling=True)))
    [(1.0, 1.0), (4.0, 1.0)]
    >>> layer_variances(MLP(4, (10,), "relu"))
    [(1.0, 1.0), (10.0, 1.0)]
    """
    if not isinstance(arch, MLP):
        raise PfmapError(f"arch must be a pfmap MLP or Perceptron; got {type(arch).__name__}")
    prior = arch.prior
    fan_ins = arch.layer_sizes[:-1]
    out = []
    for layer, fan_in in enumerate(fan_ins):
        if isinstance(prior, GaussianPrior):
            var_w = float(prior.weight_variance(fan_in))
            var_b = float(prior.bias_variance())
        elif isinstance(prior, UniformPrior):
            var_w = float(prior.a_w) ** 2 / 3.0
            var_b = float(prior.a_b) ** 2 / 3.0 if prior.bias else 0.0
        else:  # pragma: no cover - MLP validates its prior
            raise PfmapError(f"prior must be a GaussianPrior or UniformPrior; got {prior!r}")
        out.append((var_w if layer == 0 else fan_in * var_w, var_b))
    return out


def dual_activation(activation: str, k11: ArrayLike, k12: ArrayLike, k22: ArrayLike) -> np.ndarray:
    """``E[phi(u) phi(v)]`` for ``(u, v)`` centred Gaussian with variances ``k11, k22`` and covariance ``k12``.

    Closed forms: relu (arc-cosine kernel of order 1,
    ``sqrt(k11 k22) (sin t + (pi - t) cos t) / (2 pi)``), step (Heaviside
    0/1, order 0: ``P(u > 0, v > 0) = (pi - t) / (2 pi)``), erf
    (``(2/pi) asin(2 k12 / sqrt((1 + 2 k11)(1 + 2 k22)))``), linear
    (``k12``); ``t = arccos(k12 / sqrt(k11 k22))``.  tanh has no closed form:
    it is replaced by a positive mixture of erf's, ``tanh(x) ~ sum_i a_i
    erf(b_i x)`` (exact in the limit, since ``sech**2`` is a Gaussian scale
    mixture), fitted once with ``sup |error| = tanh_mixture()[2]`` (about
    2e-10), so the tanh value is within ``eps (2 + eps)`` of the exact
    expectation.  A variance of 0 means the unit is identically 0.

    Parameters
    ----------
    activation : str
        One of relu, step, erf, linear, tanh.
    k11, k12, k22 : array_like
        Broadcastable arrays of variances and covariance.

    Returns
    -------
    numpy.ndarray
        The expectation, broadcast shape.

    Raises
    ------
    PfmapError
        For an unknown activation.

    Examples
    --------
    >>> float(dual_activation("step", 1.0, 0.0, 1.0))
    0.25
    >>> float(dual_activation("relu", 2.0, 2.0, 2.0))   # E[relu(u)^2] = k / 2
    1.0
    >>> round(float(dual_activation("tanh", 1.0, 0.3, 1.0)), 9)
    0.110668386

    References
    ----------
    Cho and Saul, "Kernel methods for deep learning", NIPS 2009; Williams,
    "Computing with infinite networks", NIPS 1996 (erf); Andrews and Mallows,
    "Scale mixtures of normal distributions", JRSS B 36 (1974) (the logistic,
    hence tanh, as a Gaussian scale mixture).
    """
    key = str(activation).strip().lower()
    if key not in DUAL_ACTIVATIONS:
        raise PfmapError(f"activation must be one of {', '.join(DUAL_ACTIVATIONS)}; got {activation!r}")
    k11, k12, k22 = (np.asarray(a, dtype=float) for a in (k11, k12, k22))
    if key == "linear":
        return np.broadcast_to(k12, np.broadcast_shapes(k11.shape, k12.shape, k22.shape)).copy()
    if key == "erf":
        return (2.0 / math.pi) * np.arcsin(np.clip(2.0 * k12 / np.sqrt((1.0 + 2.0 * k11) * (1.0 + 2.0 * k22)), -1, 1))
    if key == "tanh":
        shape = np.broadcast_shapes(k11.shape, k12.shape, k22.shape)
        flat = [np.ascontiguousarray(np.broadcast_to(v, shape)).ravel() for v in (k11, k12, k22)]
        a, b, _ = tanh_mixture()
        out = np.empty(flat[1].shape)
        _tanh_dual(_tanh_factors(flat[0], b), flat[1], _tanh_factors(flat[2], b), a, out)
        return out.reshape(shape)
    norm = np.sqrt(k11 * k22)
    safe = np.where(norm > 0, norm, 1.0)
    theta = np.arccos(np.clip(k12 / safe, -1.0, 1.0))
    if key == "relu":
        value = norm * (np.sin(theta) + (math.pi - theta) * np.cos(theta)) / (2.0 * math.pi)
    else:  # step
        value = (math.pi - theta) / (2.0 * math.pi)
    return np.where(norm > 0, value, 0.0)


@functools.lru_cache(maxsize=1)
def tanh_mixture() -> tuple[np.ndarray, np.ndarray, float]:
    """Weights ``a``, scales ``b`` and sup error ``eps`` of ``tanh(x) ~ sum_i a_i erf(b_i x)`` (a_i > 0).

    Fitted by non-negative least squares on a grid of ``x`` in ``[0, 40]``
    with 24 geometric scales in ``[0.1, 10]``; ``eps`` is the largest
    absolute error on 400,001 points of ``[0, 60]`` (beyond, both sides are
    1 to double precision; both are odd).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, float)
        ``a``, ``b``, ``eps``.

    Examples
    --------
    >>> a, b, eps = tanh_mixture()
    >>> bool(abs(a.sum() - 1) < 1e-8 and eps < 1e-8)
    True
    """
    x = np.concatenate([np.linspace(0, 5, 2001), np.linspace(5, 40, 2001)[1:]])
    scales = np.geomspace(0.1, 10.0, 24)
    weights, _ = optimize.nnls(special.erf(np.outer(x, scales)), np.tanh(x), maxiter=10_000)
    keep = weights > 0
    a, b = weights[keep], scales[keep]
    grid = np.linspace(0, 60, 400_001)
    eps = float(np.max(np.abs(special.erf(np.outer(grid, b)) @ a - np.tanh(grid))))
    return a, b, eps


def _dual_diagonal(activation: str, k: np.ndarray) -> np.ndarray:
    """``E[phi(u)^2]`` for ``u ~ N(0, k)``."""
    if activation == "relu":
        return k / 2.0
    if activation == "step":
        return np.where(k > 0, 0.5, 0.0)
    if activation == "linear":
        return k.copy()
    return dual_activation(activation, k, k, k)


def _tanh_factors(k: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sqrt(2) b_t / sqrt(1 + 2 b_t**2 k)``: with them the erf kernel is ``asin(k12 f_s(k11) f_t(k22))``."""
    return math.sqrt(2.0) * b[None, :] / np.sqrt(1.0 + 2.0 * b[None, :] ** 2 * k[:, None])


@numba.njit(parallel=True, cache=True)
def _tanh_dual(f11, k12, f22, a, out):  # pragma: no cover - compiled
    t = a.shape[0]
    for e in numba.prange(k12.shape[0]):
        total = 0.0
        for i in range(t):
            ci = k12[e] * f11[e, i]
            inner = 0.0
            for j in range(t):
                inner += a[j] * math.asin(min(1.0, max(-1.0, ci * f22[e, j])))
            total += a[i] * inner
        out[e] = total * (2.0 / math.pi)


def nngp_kernel(arch: MLP, X: ArrayLike, X2: ArrayLike | None = None, *, block: int = DEFAULT_BLOCK) -> np.ndarray:
    """NNGP kernel ``K[i, j] = Cov(z(X[i]), z(X2[j]))`` of the final pre-activation ``z`` of ``arch``.

    Weights ``N(0, sigma_w**2 / fan_in)`` with fan-in scaling, else
    ``N(0, sigma_w**2)``; biases ``N(0, sigma_b**2)`` (none with
    ``bias=False``).  A :class:`~pfmap.priors.UniformPrior` is replaced by
    the variance-matched Gaussian (``a**2 / 3``): the covariance is still
    exact for one hidden layer, but the output is then only asymptotically
    Gaussian.  Activations relu, step, linear in closed form; tanh through
    an erf mixture within ~5e-10 of the exact expectation per layer (see
    :func:`dual_activation`; ~200 arcsines per entry and layer: about 6 s
    per million entries and layer on 2 busy cores).  The kernel is built in ``block x block``
    tiles, so the memory beyond the result is ``O(block**2)``.

    Parameters
    ----------
    arch : MLP or Perceptron
        The network; it carries the prior.
    X : array_like, shape (m, arch.n)
        Points (rows) with ``arch.n`` features.
    X2 : array_like, shape (m2, arch.n), optional
        Second set of points; defaults to ``X`` (the result is then symmetric).
    block : int, optional
        Tile size.

    Returns
    -------
    numpy.ndarray, shape (m, m2)
        The kernel, float64.

    Raises
    ------
    PfmapError
        If the points do not have ``arch.n`` features, are not finite, or
        ``block`` is not a positive integer.

    Examples
    --------
    >>> import numpy as np
    >>> from pfmap import MLP, Perceptron
    >>> from pfmap.inputs import boolean_inputs
    >>> nngp_kernel(Perceptron(2), boolean_inputs(2))      # 1 + x.x'
    array([[1., 1., 1., 1.],
           [1., 2., 1., 2.],
           [1., 1., 2., 2.],
           [1., 2., 2., 3.]])
    >>> K = nngp_kernel(MLP(2, (50,), "step"), [[1.0, 0.0], [0.0, 1.0]])
    >>> K.round(3).tolist()                  # 1 + 50 E[step step]: rho 1 -> 1/2, rho 1/2 -> 1/3
    [[26.0, 17.667], [17.667, 26.0]]

    References
    ----------
    Lee, Bahri, Novak, Schoenholz, Pennington, Sohl-Dickstein, "Deep neural
    networks as Gaussian processes", ICLR 2018; Cho and Saul, NIPS 2009.
    """
    variances = layer_variances(arch)
    A = _points(X, arch.n, "X")
    B = A if X2 is None else _points(X2, arch.n, "X2")
    block = _positive_int(block, "block")
    activation = arch.activation
    hidden = variances[1:]
    var_w0, var_b0 = variances[0]

    def diagonal(P):
        k = var_b0 + var_w0 * np.einsum("ij,ij->i", P, P)
        out = [k]
        for var_w, var_b in hidden:
            k = var_b + var_w * _dual_diagonal(activation, k)
            out.append(k)
        return out

    diag_a = diagonal(A)
    diag_b = diag_a if X2 is None else diagonal(B)
    K = np.empty((A.shape[0], B.shape[0]))
    for i0 in range(0, A.shape[0], block):
        i1 = min(i0 + block, A.shape[0])
        j_start = i0 if X2 is None else 0
        for j0 in range(j_start, B.shape[0], block):
            j1 = min(j0 + block, B.shape[0])
            k = var_b0 + var_w0 * (A[i0:i1] @ B[j0:j1].T)
            for layer, (var_w, var_b) in enumerate(hidden):
                k = var_b + var_w * dual_activation(activation, diag_a[layer][i0:i1, None], k,
                                                    diag_b[layer][None, j0:j1])
            K[i0:i1, j0:j1] = k
            if X2 is None and j0 != i0:
                K[j0:j1, i0:i1] = k.T
    if X2 is None:
        np.fill_diagonal(K, diag_a[-1])  # the diagonal from the exact one-variable formulas
    return K


def _points(X, n: int, name: str) -> np.ndarray:
    try:
        A = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise PfmapError(f"{name} must be a numeric array of points (rows) x features") from None
    if A.ndim == 1 and n == 1:
        A = A[:, None]
    if A.ndim != 2 or A.shape[1] != n:
        raise PfmapError(f"{name} must have shape (points, {n}) for this architecture; got {A.shape}")
    if not np.isfinite(A).all():
        raise PfmapError(f"{name} contains NaN or infinite values; give finite features")
    return A


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise PfmapError(f"{name} must be a positive integer; got {value!r}")
    return int(value)
