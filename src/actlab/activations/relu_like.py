"""Piecewise-linear units and their smooth cousin: identity, ReLU, Leaky ReLU, PReLU, softplus."""

from __future__ import annotations

import math

import numpy as np

from ..numerics import sigmoid, softplus
from .base import SQRT2, Activation, finite, flag, param_shape
from .registry import register


@register
class Identity(Activation):
    """Identity: f(z) = z, f'(z) = 1. The output of a linear model; no nonlinearity."""

    name = "identity"
    aliases = ("linear",)
    formula = "f(z) = z"
    reference = "(linear unit)"
    family = "linear"
    gain = 1.0

    def f(self, z):
        return z

    def vjp(self, z, a, grad_a):  # f'(z) = 1: the gradient passes unchanged
        return grad_a


@register
class ReLU(Activation):
    """Rectified linear unit: f(z) = max(0, z), f'(z) = 1 if z > 0 else 0 (0 at z = 0).

    Reference: Nair & Hinton 2010; Glorot, Bordes & Bengio 2011 (deep sparse rectifier networks).
    """

    name = "relu"
    formula = "f(z) = max(0, z)"
    reference = "Nair & Hinton 2010; Glorot, Bordes & Bengio 2011"
    family = "relu"
    gain = SQRT2

    def f(self, z):
        # np.clip has a SIMD loop, about 3x faster than np.maximum (which tests each element
        # for NaN) on large arrays; np.maximum has less call overhead on small ones.
        return np.clip(z, 0, np.inf) if z.size > 65536 else np.maximum(z, 0)

    def df(self, z, a):  # a 0/1 mask: grad_a * mask keeps grad_a's float dtype
        return z > 0


@register
class LeakyReLU(Activation):
    """Leaky ReLU: f(z) = z if z > 0 else slope * z; f'(z) = 1 if z > 0 else slope.

    Default slope = 0.01 (torch.nn.LeakyReLU and the seed; Keras uses 0.2 / 0.3).
    gain = sqrt(2 / (1 + slope^2)) (torch.nn.init.calculate_gain).
    Reference: Maas, Hannun & Ng 2013, "Rectifier nonlinearities improve neural network
    acoustic models".
    """

    name = "leaky_relu"
    aliases = ("lrelu",)
    formula = "f(z) = z if z > 0 else slope*z   (slope = 0.01)"
    reference = "Maas, Hannun & Ng 2013"
    family = "relu"
    gain = SQRT2 / math.sqrt(1 + 0.01**2)
    positional = "slope"

    def __init__(self, slope: float = 0.01):
        super().__init__()
        self.slope = finite(self.name, "slope", slope)
        self.config = {"slope": self.slope}
        self.gain = math.sqrt(2.0 / (1.0 + self.slope**2))

    def f(self, z):
        return np.where(z > 0, z, self.slope * z)

    def vjp(self, z, a, grad_a):  # f'(z) = 1 if z > 0 else slope, applied to grad_a directly
        return np.where(z > 0, grad_a, self.slope * grad_a)


@register
class PReLU(Activation):
    """Parametric ReLU: f(z) = z if z > 0 else a * z, with a learned slope ``a`` (param "alpha").

    f'(z) = 1 if z > 0 else a;  df/da = z if z <= 0 else 0.
    Defaults: init = 0.25; per_unit=False gives one slope per layer, shape (R, 1, ..., 1);
    per_unit=True one per unit (last axis, channels for conv), shape (R, 1, ..., 1, units).
    gain = sqrt(2 / (1 + init^2)), the He et al. 2015 init for a rectifier with slope ``init``.
    Reference: He et al. 2015, arXiv 1502.01852.
    """

    name = "prelu"
    formula = "f(z) = z if z > 0 else a*z   (a learned, init 0.25)"
    reference = "He et al. 2015, arXiv 1502.01852"
    family = "relu"
    gain = SQRT2 / math.sqrt(1 + 0.25**2)
    positional = "init"
    learnable = True

    def __init__(self, init: float = 0.25, per_unit: bool = False):
        super().__init__()
        self.init = finite(self.name, "init", init)
        self.per_unit = flag(self.name, "per_unit", per_unit)
        self.config = {"init": self.init, "per_unit": self.per_unit}
        self.gain = math.sqrt(2.0 / (1.0 + self.init**2))

    def build(self, n_replicas, feature_shape, dtype):
        shape = param_shape(n_replicas, tuple(feature_shape), self.per_unit)
        self.params = {"alpha": np.full(shape, self.init, dtype=dtype)}
        self.grads = {"alpha": np.zeros(shape, dtype=dtype)}

    def _alpha(self):
        return self.params.get("alpha", self.init)

    def f(self, z):
        return np.where(z > 0, z, self._alpha() * z)

    def vjp(self, z, a, grad_a):  # f'(z) = 1 if z > 0 else a
        return np.where(z > 0, grad_a, self._alpha() * grad_a)

    def param_grads(self, z, a, grad_a):
        return {"alpha": np.where(z > 0, 0, grad_a * z)}


@register
class Softplus(Activation):
    """Softplus: f(z) = log(1 + e^z), computed as logaddexp(0, z); f'(z) = sigmoid(z).

    A smooth ReLU. Reference: Dugas et al. 2001; Glorot, Bordes & Bengio 2011.
    """

    name = "softplus"
    formula = "f(z) = log(1 + exp(z))"
    reference = "Dugas et al. 2001; Glorot, Bordes & Bengio 2011"
    family = "relu"
    gain = SQRT2

    def f(self, z):
        return softplus(z)

    def df(self, z, a):
        return sigmoid(z)
