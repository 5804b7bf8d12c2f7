"""Exponential linear units: ELU and the self-normalizing SELU."""

from __future__ import annotations

import numpy as np

from .base import SQRT2, Activation, finite, flag, float_cap, param_shape, positive
from .registry import register


@register
class ELU(Activation):
    """Exponential linear unit: f(z) = z if z > 0 else alpha (e^z - 1).

    f'(z) = 1 if z > 0 else alpha e^z = f(z) + alpha (computed from the output).
    Default alpha = 1.0. Computed with expm1(min(z, 0)), so no input overflows.
    Reference: Clevert, Unterthiner & Hochreiter 2015, arXiv 1511.07289.
    """

    name = "elu"
    formula = "f(z) = z if z > 0 else alpha*(exp(z) - 1)   (alpha = 1)"
    reference = "Clevert et al. 2015, arXiv 1511.07289"
    family = "relu"
    gain = SQRT2
    positional = "alpha"

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = finite(self.name, "alpha", alpha)
        self.config = {"alpha": self.alpha}

    def f(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def vjp(self, z, a, grad_a):  # f'(z) = 1 if z > 0 else a + alpha
        return np.where(z > 0, grad_a, grad_a * (a + self.alpha))


@register
class SELU(Activation):
    """Scaled ELU: f(z) = scale * (z if z > 0 else alpha (e^z - 1)).

    f'(z) = scale if z > 0 else scale alpha e^z.
    Constants (Klambauer et al. 2017; torch.nn.SELU): alpha = 1.6732632423543772848170429916717,
    scale (lambda) = 1.0507009873554804934193349852946. With LeCun-normal init the activations
    keep mean 0 and variance 1 with depth. trainable=True makes "scale" and "alpha" learnable,
    one per replica, shape (R, 1, ..., 1); fixed by default:
    df/dscale = f(z) / scale, df/dalpha = scale (e^z - 1) where z <= 0.
    Inputs so large that scale * z would exceed the float range saturate at its largest value.
    Reference: Klambauer et al. 2017, arXiv 1706.02515.
    """

    name = "selu"
    formula = "f(z) = scale * (z if z > 0 else alpha*(exp(z) - 1))   (alpha 1.6733, scale 1.0507)"
    reference = "Klambauer et al. 2017, arXiv 1706.02515"
    family = "selu"
    gain = 0.75
    ALPHA = 1.6732632423543772848170429916717
    SCALE = 1.0507009873554804934193349852946

    def __init__(self, alpha: float = ALPHA, scale: float = SCALE, trainable: bool = False):
        super().__init__()
        self.alpha = positive(self.name, "alpha", alpha)
        self.scale = positive(self.name, "scale", scale)
        self.trainable = flag(self.name, "trainable", trainable)
        self.config = {"alpha": self.alpha, "scale": self.scale, "trainable": self.trainable}

    @property
    def learnable(self):
        return self.trainable

    def build(self, n_replicas, feature_shape, dtype):
        if not self.trainable:
            return
        shape = param_shape(n_replicas, tuple(feature_shape), False)
        self.params = {
            "scale": np.full(shape, self.scale, dtype=dtype),
            "alpha": np.full(shape, self.alpha, dtype=dtype),
        }
        self.grads = {k: np.zeros(shape, dtype=dtype) for k in self.params}

    def _values(self):
        return self.params.get("scale", self.scale), self.params.get("alpha", self.alpha)

    def _unscaled(self, z, scale, alpha):
        """(z if z > 0 else alpha (e^z - 1)) and e^z - 1, with z capped so scale * z is finite."""
        em1 = np.expm1(np.minimum(z, 0))
        return np.where(z > 0, np.minimum(z, float_cap(z.dtype, scale)), alpha * em1), em1

    def f(self, z):
        scale, alpha = self._values()
        return scale * self._unscaled(z, scale, alpha)[0]

    def vjp(self, z, a, grad_a):  # f'(z) = scale if z > 0 else scale alpha e^z
        scale, alpha = self._values()
        return scale * np.where(z > 0, grad_a, grad_a * (alpha * np.exp(np.minimum(z, 0))))

    def param_grads(self, z, a, grad_a):
        scale, alpha = self._values()
        g, em1 = self._unscaled(z, scale, alpha)
        return {"scale": grad_a * g, "alpha": np.where(z > 0, 0, grad_a * (scale * em1))}
