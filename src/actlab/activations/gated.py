"""Self-gated activations: z times a smooth gate of z (Swish / SiLU, GELU, Mish)."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError
from ..numerics import erfc, sigmoid, softplus
from .base import SQRT2, Activation, finite, flag, float_cap, param_shape
from .registry import register


@register
class Swish(Activation):
    """Swish: f(z) = z * sigmoid(beta z); beta = 1 is SiLU (alias "silu").

    f'(z) = s + beta z s (1 - s) with s = sigmoid(beta z);  df/dbeta = z^2 s (1 - s).
    Defaults: beta = 1.0, trainable=False; trainable=True learns one beta per replica,
    shape (R, 1, ..., 1). Reference: Ramachandran, Zoph & Le 2017, arXiv 1710.05941
    (SiLU: Elfwing et al. 2017, arXiv 1702.03118; Hendrycks & Gimpel 2016).
    """

    name = "swish"
    aliases = ("silu",)
    formula = "f(z) = z * sigmoid(beta*z)   (beta = 1)"
    reference = "Ramachandran et al. 2017, arXiv 1710.05941"
    family = "relu"
    gain = SQRT2
    positional = "beta"

    def __init__(self, beta: float = 1.0, trainable: bool = False):
        super().__init__()
        self.beta = finite(self.name, "beta", beta)
        self.trainable = flag(self.name, "trainable", trainable)
        self.config = {"beta": self.beta, "trainable": self.trainable}

    @property
    def learnable(self):
        return self.trainable

    def build(self, n_replicas, feature_shape, dtype):
        if not self.trainable:
            return
        shape = param_shape(n_replicas, tuple(feature_shape), False)
        self.params = {"beta": np.full(shape, self.beta, dtype=dtype)}
        self.grads = {"beta": np.zeros(shape, dtype=dtype)}

    def _gate(self, z):
        """t = beta z (kept finite: |beta| > 1 could overflow at the float range edge), s(t)."""
        beta = self.params.get("beta", self.beta)
        if np.ndim(beta) == 0 and abs(beta) <= 1:
            t = z if beta == 1 else beta * z  # SiLU: t is z itself, no copy
        else:
            cap = float_cap(z.dtype, beta)
            t = beta * np.clip(z, -cap, cap)  # sigmoid is saturated long before the cap
        return t, sigmoid(t)

    def f(self, z):
        return z * self._gate(z)[1]

    def vjp(self, z, a, grad_a):  # f'(z) = s + t s (1 - s), in one temporary
        t, s = self._gate(z)
        d = np.subtract(1, s, dtype=np.result_type(grad_a, s))
        d *= s  # sigmoid'(t) = s (1 - s)
        d *= t
        d += s
        d *= grad_a
        return d

    def param_grads(self, z, a, grad_a):
        # df/dbeta = z * (z s'): z s' first, so z^2 never overflows where s' is 0
        s = self._gate(z)[1]
        return {"beta": grad_a * ((z * (s * (1 - s))) * z)}


@register
class GELU(Activation):
    """Gaussian error linear unit: f(z) = z Phi(z), Phi the standard normal CDF.

    approximate="none" (default): Phi(z) = erfc(-z / sqrt 2) / 2;
    f'(z) = Phi(z) + z phi(z), phi(z) = exp(-z^2 / 2) / sqrt(2 pi).
    approximate="tanh": f(z) = 0.5 z (1 + tanh(u)), u = sqrt(2/pi) (z + 0.044715 z^3)
    (torch.nn.GELU(approximate='tanh')). z is clipped to +-40 inside phi and u, where both
    are saturated anyway, so z^2 and z^3 never overflow.
    Reference: Hendrycks & Gimpel 2016, arXiv 1606.08415.
    """

    name = "gelu"
    formula = "f(z) = z * Phi(z)   (Phi: normal CDF; approximate='tanh' optional)"
    reference = "Hendrycks & Gimpel 2016, arXiv 1606.08415"
    family = "relu"
    gain = SQRT2
    positional = "approximate"
    _K = math.sqrt(2.0 / math.pi)
    _C = 0.044715
    _CLIP = 40.0  # |z| beyond this: phi(z) == 0 and tanh(u) == +-1 in float64 already

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ParameterError("gelu approximate", approximate, "'none' or 'tanh'")
        self.approximate = approximate
        self.config = {"approximate": approximate}

    def _tanh_u(self, z):
        zc = np.clip(z, -self._CLIP, self._CLIP)
        return zc, np.tanh(self._K * (zc + self._C * zc * zc * zc))

    def f(self, z):
        if self.approximate == "tanh":
            return 0.5 * z * (1 + self._tanh_u(z)[1])
        return z * (0.5 * erfc(z * (-1 / SQRT2)))

    def df(self, z, a):
        if self.approximate == "tanh":
            zc, t = self._tanh_u(z)
            du = self._K * (1 + 3 * self._C * zc * zc)
            return 0.5 * (1 + t) + 0.5 * zc * (1 - t * t) * du
        zc = np.clip(z, -self._CLIP, self._CLIP)
        pdf = np.exp(-0.5 * zc * zc) * (1 / math.sqrt(2 * math.pi))
        return 0.5 * erfc(z * (-1 / SQRT2)) + zc * pdf


@register
class Mish(Activation):
    """Mish: f(z) = z tanh(softplus(z)).

    f'(z) = tanh(sp) + z sigmoid(z) (1 - tanh(sp)^2), sp = softplus(z); sigmoid(z) is computed
    as -expm1(-sp) and z sigmoid(z) is formed before the sech^2 factor, so nothing overflows.
    Reference: Misra 2019, arXiv 1908.08681.
    """

    name = "mish"
    formula = "f(z) = z * tanh(log(1 + exp(z)))"
    reference = "Misra 2019, arXiv 1908.08681"
    family = "relu"
    gain = SQRT2

    def f(self, z):
        return z * np.tanh(softplus(z))

    def df(self, z, a):
        sp = softplus(z)
        t = np.tanh(sp)
        return t + (z * -np.expm1(-sp)) * (1 - t * t)
