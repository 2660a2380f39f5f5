"""The canonical parameter layout shared by every backend, and the numba fast path's padded buffer.

Parameter order: layer by layer, the weights as a ``fan_in x fan_out``
row-major block (input unit major), then that layer's biases when the prior
has them; the output unit's weights and bias last.  A weight has scale
``prior.weight_scale(fan_in)`` and a bias ``prior.bias_scale()`` (standard
deviation or half-width).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pfmap.architectures import ACT_STEP, ACT_TANH, ACTIVATION_CODES
from pfmap.montecarlo.backends.numba_kernels.layers import BLOCK

_U32 = 2.0**-24 * 1.01  # unit roundoff with room for gamma_d's denominator
_U64 = 2.0**-53 * 1.01
_TANH_ULPS = 4  # float32/float64 tanh errs by at most a few ulp of |tanh| <= the magnitude bound


@dataclass(frozen=True, eq=False)
class NetworkLayout:
    """Where each parameter lives, its scale, and the fast path's padded buffer.

    Attributes
    ----------
    sizes : tuple of int
        Layer widths, inputs first and the output unit (1) last.
    act : int
        The hidden activation's code (:data:`pfmap.architectures.ACTIVATION_CODES`).
    gaussian : bool
        Gaussian prior (else uniform).
    bias : bool
        Whether the prior has biases.
    scales : numpy.ndarray
        ``(P,)`` float64 scale of each canonical parameter (standard deviation or half-width).
    positions : numpy.ndarray
        ``(P,)`` int64 offset of each canonical parameter in the padded buffer.
    spec : numpy.ndarray
        ``(depth, 4)`` int64 rows ``(fan_in, woff, wstride, boff)`` of the padded buffer.
    buffer_size : int
        float32 elements of the padded buffer.
    max_width : int
        The widest padded layer.

    Examples
    --------
    >>> from pfmap import MLP, GaussianPrior
    >>> lay = NetworkLayout.of(MLP(2, (3,), "relu", GaussianPrior(sigma_w=2, fan_in_scaling=True)))
    >>> lay.n_parameters, round(float(lay.scales[0]) ** 2, 12), lay.scales[6:9].tolist()
    (13, 2.0, [1.0, 1.0, 1.0])

    References
    ----------
    Valle-Pérez et al., ICLR 2019 (weights N(0, sigma_w^2 / fan_in), biases N(0, sigma_b^2)).
    """

    sizes: tuple
    act: int
    gaussian: bool
    bias: bool
    scales: np.ndarray          # (P,) float64
    positions: np.ndarray       # (P,) int64: canonical index -> padded buffer offset
    spec: np.ndarray            # (depth, 4) int64: fan_in, woff, wstride, boff
    buffer_size: int
    max_width: int

    @property
    def n_parameters(self) -> int:
        return int(self.scales.shape[0])

    @property
    def depth(self) -> int:
        return len(self.sizes) - 1

    @classmethod
    def of(cls, arch) -> "NetworkLayout":
        prior = arch.prior
        sizes = tuple(arch.layer_sizes)
        depth = len(sizes) - 1
        scales, positions, spec = [], [], []
        offset = 0

        def take(size):
            nonlocal offset
            start = offset
            offset += -(-size // 8) * 8  # keep blocks 32-byte aligned
            return start

        for layer in range(depth):
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            last = layer == depth - 1
            # hidden layers are padded to whole 40-wide micro-kernel passes; the output
            # weights to the padded width of the layer below, which the dot product reads
            wstride = -(-fan_out // BLOCK) * BLOCK if not last else 1
            width_below = spec[-1][2] if spec else fan_in
            woff = take(fan_in * wstride if not last else max(width_below, fan_in))
            boff = take(wstride + 8)
            spec.append((fan_in, woff, wstride, boff))
            w_scale = prior.weight_scale(fan_in)
            for k in range(fan_in):
                for i in range(fan_out):
                    scales.append(w_scale)
                    positions.append(woff + k * wstride + i if not last else woff + k)
            if prior.bias:
                for i in range(fan_out):
                    scales.append(prior.bias_scale())
                    positions.append(boff + i)
        widths = [s[2] for s in spec[:-1]] + [sizes[0]]
        return cls(sizes, ACTIVATION_CODES[arch.activation], prior.kind == "gaussian", prior.bias,
                   np.array(scales, dtype=np.float64), np.array(positions, dtype=np.int64),
                   np.array(spec, dtype=np.int64), offset + 8, max(widths))

    def error_coefficients(self, explicit_points: bool, linear_units: bool = False) -> np.ndarray:
        """``kappa[l]``: float32 plus float64 rounding bound of layer ``l``'s pre-activations, per unit of magnitude.

        ``linear_units``: the second layer's float32 sums take up to ``n + 1``
        more roundings over up to twice the magnitude (see
        :func:`pfmap.montecarlo.backends.numba_kernels.cube._linear_units`).
        """
        k32 = k64 = 0.0
        out = []
        for layer in range(self.depth):
            fan_in = self.sizes[layer]
            terms = fan_in + 1 if not (layer == 1 and linear_units) else 2 * (fan_in + self.sizes[0] + 3)
            k32 = k32 * (1 + _U32) + terms * _U32 + (_U32 if layer == 0 and explicit_points else 0.0)
            k64 = k64 * (1 + _U64) + (fan_in + 1) * _U64
            out.append(k32 + k64)
            if self.act == ACT_TANH:
                k32 += _TANH_ULPS * _U32
                k64 += _TANH_ULPS * _U64
            elif self.act == ACT_STEP:
                k32 = k64 = 0.0  # certified steps are exact
        return np.array(out, dtype=np.float64)

    def split(self, params: np.ndarray):
        """Yield ``(W, b)`` per layer from canonical parameter rows ``(B, P)``; ``b`` is None without biases."""
        at = 0
        for layer in range(self.depth):
            fan_in, fan_out = self.sizes[layer], self.sizes[layer + 1]
            W = params[:, at:at + fan_in * fan_out].reshape(-1, fan_in, fan_out)
            at += fan_in * fan_out
            b = None
            if self.bias:
                b = params[:, at:at + fan_out].reshape(-1, 1, fan_out)
                at += fan_out
            yield W, b

