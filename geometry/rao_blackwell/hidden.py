"""The sampled half of the Rao-Blackwell estimate: hidden parameters from uniforms, and the output layer's normals.

A row of uniforms in (0, 1) holds one hidden-parameter sample, layer by
layer, the weights row by row and then the biases; each becomes a normal
(inverse distribution function, :func:`normal_quantile`) or a uniform on
``[-1, 1]``, times the prior's scale.  The forward pass on every input
gives the last hidden layer's features ``phi(x)``, and the output unit's
whitened normals ``g_x = S (phi(x), 1)`` (``S`` the output parameters'
scales), the input of the cell kernels.

References
----------
M. J. Wichura, "Algorithm AS 241: the percentage points of the normal distribution", Appl. Stat. 37, 1988.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_TINY = 2.0 ** -64
_BELOW_ONE = 1.0 - 2.0 ** -53


@numba.njit(cache=True, nogil=True)
def _activate(z, act):
    if act == 0:
        return z if z > 0.0 else 0.0
    if act == 1:
        return math.tanh(z)
    if act == 2:
        return 1.0 if z > 0.0 else 0.0
    return z


@numba.njit(cache=True, nogil=True)
def normal_quantile(p):
    """Inverse of the standard normal distribution function (Wichura's AS 241, relative error ~1e-16).

    Parameters
    ----------
    p : float
        A probability in (0, 1).

    Returns
    -------
    float
        ``z`` with ``Phi(z) = p``.

    Examples
    --------
    >>> round(normal_quantile(0.975), 12)
    1.959963984540

    References
    ----------
    M. J. Wichura, "Algorithm AS 241: the percentage points of the normal distribution", Appl. Stat. 37, 1988.
    """
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r
                        + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                      + 133.14166789178437745) * r + 3.387132872796366608) \
            / (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r
                   + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                 + 42.313330701600911252) * r + 1.0)
    r = p if q < 0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        value = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                     + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                   + 4.6303378461565452959) * r + 1.42343711074968357734) \
            / (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                   + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                 + 2.05319162663775882187) * r + 1.0)
    else:
        r -= 5.0
        value = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                      + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) * r
                    + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772) \
            / (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                   + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                 + 0.59983220655588793769) * r + 1.0)
    return -value if q < 0 else value


@numba.njit(cache=True, nogil=True)
def hidden_workspace(m, n, widths, d):
    """Scratch arrays for :func:`output_normals`.

    Parameters
    ----------
    m, n : int
        Inputs (rows of the input set) and their dimension.
    widths : numpy.ndarray
        Hidden widths (int64).
    d : int
        The output layer's dimension.

    Returns
    -------
    tuple
        ``(features, next_layer, weights, biases, g)``; ``g`` is ``(m, d)``.

    Examples
    --------
    >>> [a.shape for a in hidden_workspace(4, 2, np.array([3]), 4)]
    [(4, 3), (4, 3), (3, 3), (3,), (4, 4)]
    """
    widest = n
    for w in widths:
        widest = max(widest, w)
    return (np.empty((m, widest)), np.empty((m, widest)), np.empty((widest, widest)), np.zeros(widest),
            np.empty((m, d)))


@numba.njit(cache=True, nogil=True)
def output_normals(row, inputs, widths, weight_scales, bias_scales, gaussian, act, out_scales, bias, features,
                   nxt, weights, biases, g):
    """Fill ``g`` with the output unit's whitened normals ``S (phi(x), 1)`` for one hidden sample.

    Parameters
    ----------
    row : numpy.ndarray
        Uniforms in (0, 1): the hidden parameters layer by layer (weights row by row, then biases), then any
        entries the output-layer kernel uses.
    inputs : numpy.ndarray
        ``(m, n)`` input points.
    widths : numpy.ndarray
        Hidden widths (int64).
    weight_scales, bias_scales : numpy.ndarray
        Per hidden layer, the prior's scale of a weight and of a bias.
    gaussian : bool
        Normal parameters (inverse distribution function) or uniform on ``[-1, 1]``, times the scales.
    act : int
        Activation code (:data:`pfmap.architectures.ACTIVATION_CODES`).
    out_scales : numpy.ndarray
        Scales of the output unit's parameters (the weights, then the bias).
    bias : bool
        Whether the layers have biases.
    features, nxt, weights, biases, g : numpy.ndarray
        Scratch from :func:`hidden_workspace`; ``g`` receives the normals.

    Returns
    -------
    int
        The number of uniforms used; the row's further entries are free for the output-layer kernel.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0]])                        # n = 1, one hidden unit, relu
    >>> ws = hidden_workspace(2, 1, np.array([1]), 2)
    >>> output_normals(np.array([0.975, 0.5]), x, np.array([1]), np.array([1.0]), np.array([1.0]), True, 0,
    ...                np.array([2.0, 3.0]), True, *ws)
    2
    >>> ws[-1].round(6).tolist()                            # w = 1.96, b = 0: phi = (0, 1.96), times 2; bias 3
    [[0.0, 3.0], [3.919928, 3.0]]
    """
    m, n = inputs.shape
    layers = len(widths)
    fan = n
    col = 0
    for x in range(m):
        for j in range(n):
            features[x, j] = inputs[x, j]
    for layer in range(layers):
        h = widths[layer]
        for i in range(h):
            for j in range(fan):
                u = min(max(row[col], _TINY), _BELOW_ONE)
                col += 1
                weights[i, j] = weight_scales[layer] * (normal_quantile(u) if gaussian else 2.0 * u - 1.0)
        if bias:
            for i in range(h):
                u = min(max(row[col], _TINY), _BELOW_ONE)
                col += 1
                biases[i] = bias_scales[layer] * (normal_quantile(u) if gaussian else 2.0 * u - 1.0)
        for x in range(m):
            for i in range(h):
                z = biases[i]
                for j in range(fan):
                    z += weights[i, j] * features[x, j]
                nxt[x, i] = _activate(z, act)
        for x in range(m):
            for i in range(h):
                features[x, i] = nxt[x, i]
        fan = h
    h_last = widths[layers - 1]
    for x in range(m):
        for i in range(h_last):
            g[x, i] = features[x, i] * out_scales[i]
        if bias:
            g[x, h_last] = out_scales[h_last]
    return col
