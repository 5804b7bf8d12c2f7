"""Saturating activations: the step, the logistic sigmoid, tanh, softsign.

Each keeps its output in a bounded range; where it saturates its derivative vanishes
(Glorot & Bengio 2010), the seed's first lesson.
"""

from __future__ import annotations

import numpy as np

from ..numerics import sigmoid
from .base import SQRT2, Activation
from .registry import register


@register
class Step(Activation):
    """Heaviside step: f(z) = 1 if z > 0 else 0; f'(z) = 0 everywhere (undefined at 0).

    The threshold unit of the perceptron, which the seed rejects for backpropagation: its
    derivative is zero wherever it exists, so no gradient reaches the weights.
    Reference: McCulloch & Pitts 1943; Rosenblatt 1958.
    """

    name = "step"
    aliases = ("heaviside",)
    formula = "f(z) = 1 if z > 0 else 0"
    reference = "McCulloch & Pitts 1943; Rosenblatt 1958"
    family = "relu"
    gain = SQRT2

    def f(self, z):
        return (z > 0).astype(z.dtype)

    def vjp(self, z, a, grad_a):  # f'(z) = 0: nothing passes (not even a NaN from inf * 0)
        return np.zeros_like(grad_a)


@register
class Sigmoid(Activation):
    """Logistic sigmoid: f(z) = 1 / (1 + e^-z), f'(z) = f(z) (1 - f(z)).

    Computed so that no input overflows (actlab.numerics.sigmoid). Saturates at 0 and 1, where
    its gradient vanishes (Glorot & Bengio 2010); the seed's first activation.
    Reference: Rumelhart, Hinton & Williams 1986 (backpropagation with the logistic unit).
    """

    name = "sigmoid"
    aliases = ("logistic",)
    formula = "f(z) = 1 / (1 + exp(-z))"
    reference = "Rumelhart, Hinton & Williams 1986"
    family = "sigmoid"
    gain = 1.0

    def f(self, z):
        return sigmoid(z)

    def df(self, z, a):  # a (1 - a): only the output is needed
        d = np.subtract(1, a)
        d *= a
        return d


@register
class Tanh(Activation):
    """Hyperbolic tangent: f(z) = tanh(z), f'(z) = 1 - tanh(z)^2.

    Zero-centred sigmoid with range (-1, 1). Reference: LeCun et al. 1998, "Efficient BackProp".
    """

    name = "tanh"
    formula = "f(z) = tanh(z)"
    reference = "LeCun et al. 1998, Efficient BackProp"
    family = "tanh"
    gain = 5.0 / 3.0

    def f(self, z):
        return np.tanh(z)

    def df(self, z, a):  # 1 - a^2
        d = np.multiply(a, a)
        np.subtract(1, d, out=d)
        return d


@register
class Softsign(Activation):
    """Softsign: f(z) = z / (1 + |z|), f'(z) = 1 / (1 + |z|)^2 (computed as (1/(1+|z|))^2).

    Like tanh but with polynomial, not exponential, tails.
    Reference: Glorot & Bengio 2010 (after Bergstra et al. 2009).
    """

    name = "softsign"
    formula = "f(z) = z / (1 + |z|)"
    reference = "Glorot & Bengio 2010"
    family = "tanh"
    gain = 1.0

    def f(self, z):
        return z / (1 + np.abs(z))

    def df(self, z, a):
        r = 1 / (1 + np.abs(z))
        return r * r
