"""Activation functions: forward, derivative beside it, learnable parameters, formula and source.

Every array carries a leading replica axis R: an input ``z`` has shape (R, batch, *features).
Learnable parameters are shaped so they broadcast against it: one per layer ``(R, 1, ..., 1)``
or one per unit (channel, last axis) ``(R, 1, ..., 1, units)``. Their gradients are summed over
the batch (and, for one-per-layer parameters, the feature axes), never over the replica axis.

Every activation is numerically stable for any finite float32 / float64 input: no overflow,
invalid or divide-by-zero warnings in forward, derivative or backward (underflow to 0 is fine),
and float32 in gives float32 out.
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np
from scipy.special import erfc

from .errors import ParameterError, UnknownNameError

_REGISTRY: dict[str, type[Activation]] = {}  # canonical names and aliases
_SQRT2 = math.sqrt(2.0)


def register(cls):
    """Class decorator: make ``cls`` available by ``cls.name`` and its ``aliases``."""
    for key in (cls.name, *cls.aliases):
        _REGISTRY[key] = cls
    return cls


# ---------------------------------------------------------------------------------------------
# small helpers


def _as_float(z) -> np.ndarray:
    """``z`` as an array; integer and boolean input becomes float64, floats keep their dtype."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)  # kind: cheaper than issubdtype


def _finite(owner: str, param: str, value) -> float:
    """A finite real number (not a bool), as a Python float, or ParameterError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ParameterError(f"{owner} {param}", value, "a finite number")
    return float(value)


def _positive(owner: str, param: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        math.isfinite(value) and value > 0
    ):
        raise ParameterError(f"{owner} {param}", value, "a finite number > 0")
    return float(value)


def _flag(owner: str, param: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{owner} {param}", value, "True or False")
    return bool(value)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) in four in-place passes (the exp(-|x|) form took eight).

    For x below about -88 (float32; -709 in float64) e^-x overflows to inf and 1 / (1 + inf) is
    0, the exact limit: that overflow is expected and silenced. Accurate to a few ulp in both
    tails (1 + e^-x never cancels).
    """
    with np.errstate(over="ignore"):
        e = np.exp(np.negative(x))
    e += 1
    return np.reciprocal(e, out=e)


def _sigmoid_prime(x: np.ndarray) -> np.ndarray:
    """sigmoid'(x) = e / (1 + e)^2 with e = exp(-|x|): symmetric and accurate in both tails."""
    e = np.exp(-np.abs(x))
    d = 1 / (1 + e)
    return e * d * d


def _store_grad(grads: dict, key: str, x: np.ndarray) -> None:
    """Write ``x`` summed to the shape of ``grads[key]`` INTO that array (callers keep references).

    Sums over the axes where the gradient has 1 (batch; features for one-per-layer parameters),
    keepdims, and never over the replica axis 0.
    """
    g = grads[key]
    axes = tuple(i for i, (n, m) in enumerate(zip(x.shape, g.shape)) if m == 1 and n != 1 and i > 0)
    if axes:
        np.sum(x, axis=axes, keepdims=True, out=g)
    else:
        g[...] = x


def _cap(dtype, factor):
    """The largest |z| for which factor * z stays finite in ``dtype`` (never below its max/|f|).

    ``factor`` is a Python float or a parameter array; the result keeps float32 as float32.
    """
    big = np.finfo(dtype).max * (1 - 1e-6)  # a margin for rounding in factor * cap
    if np.ndim(factor) == 0:
        return float(big) / max(abs(float(factor)), 1.0)
    return big / np.maximum(np.abs(factor), 1)


def _param_shape(n_replicas: int, feature_shape: tuple[int, ...], per_unit: bool):
    """(R, 1, ..., 1) for one per layer, (R, 1, ..., 1, units) for one per unit (last axis)."""
    shape = [int(n_replicas), 1] + [1] * len(feature_shape)
    if per_unit:
        if not feature_shape:
            raise ParameterError("feature_shape", feature_shape, "at least one feature axis")
        shape[-1] = int(feature_shape[-1])
    return tuple(shape)


# ---------------------------------------------------------------------------------------------
# the base class


class Activation:
    """Base class. Subclasses set ``name``, ``formula`` and implement ``_f`` and ``_df``.

    ``forward(z)`` caches what ``backward`` needs; ``backward(grad_a)`` returns ``grad_z`` and, for
    learnable activations, writes the parameter gradients into ``self.grads`` (same shapes as
    ``self.params``; overwritten in place on every backward, not accumulated, so a trainer may
    hold references to these arrays; likewise update ``self.params`` in place).

    Class attributes: ``name`` (registry key), ``aliases``, ``formula`` (plain text, for
    ``actlab list``), ``reference`` (the paper), ``family`` (picks the ``auto`` init),
    ``gain`` (torch.nn.init.calculate_gain value; may be set per instance), ``pieces`` (Maxout),
    ``positional`` (the constructor parameter a spec like ``"leaky_relu:0.1"`` sets).
    """

    name = "activation"
    aliases: tuple[str, ...] = ()
    formula = ""
    reference = ""
    pieces = 1  # Maxout: the Dense layer before produces ``pieces`` times the units
    family = "other"  # "relu" (ReLU family: He init), "selu", "sigmoid", "tanh", "linear"
    gain = 1.0
    positional: str | None = None

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.config: dict = {}  # constructor arguments: ``type(self)(**self.config)`` is a fresh copy
        self._z = None

    def build(self, n_replicas: int, feature_shape: tuple[int, ...], dtype) -> None:
        """Create learnable parameters for ``n_replicas`` and features of ``feature_shape``."""

    def _ensure_built(self, z: np.ndarray) -> None:
        """Learnable activations build themselves from the first input if nobody called build."""
        if self.learnable and not self.params:
            self.build(z.shape[0], z.shape[2:], z.dtype)

    @property
    def learnable(self) -> bool:
        return False

    def forward(self, z: np.ndarray) -> np.ndarray:
        z = _as_float(z)
        self._z = z
        return self._f(z)

    def backward(self, grad_a: np.ndarray) -> np.ndarray:
        return grad_a * self._df(self._z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """f'(z), elementwise (for plots and probes)."""
        return self._df(_as_float(z))

    def __call__(self, z):
        return self._f(_as_float(z))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"{type(self).__name__}({args})"


# ---------------------------------------------------------------------------------------------
# the activations


@register
class Identity(Activation):
    """Identity: f(z) = z, f'(z) = 1. The output of a linear model; no nonlinearity."""

    name = "identity"
    aliases = ("linear",)
    formula = "f(z) = z"
    reference = "(linear unit)"
    family = "linear"
    gain = 1.0

    def _f(self, z):
        return z

    def _df(self, z):
        return np.ones_like(z)

    def forward(self, z):
        return _as_float(z)

    def backward(self, grad_a):
        return grad_a


@register
class Sigmoid(Activation):
    """Logistic sigmoid: f(z) = 1 / (1 + e^-z), f'(z) = f(z) (1 - f(z)).

    Computed from exp(-|z|) so that no input overflows. Saturates at 0 and 1, where its
    gradient vanishes (Glorot & Bengio 2010); the seed's first activation.
    Reference: Rumelhart, Hinton & Williams 1986 (backpropagation with the logistic unit).
    """

    name = "sigmoid"
    aliases = ("logistic",)
    formula = "f(z) = 1 / (1 + exp(-z))"
    reference = "Rumelhart, Hinton & Williams 1986"
    family = "sigmoid"
    gain = 1.0

    def _f(self, z):
        return _sigmoid(z)

    def _df(self, z):
        return _sigmoid_prime(z)

    def forward(self, z):
        self._a = a = _sigmoid(_as_float(z))  # backward needs only the output: a (1 - a)
        return a

    def backward(self, grad_a):
        a = self._a
        d = np.subtract(1, a, dtype=np.result_type(grad_a, a))  # one temporary, in place:
        d *= a  # a (1 - a)
        d *= grad_a
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

    def _f(self, z):
        return np.tanh(z)

    def _df(self, z):
        t = np.tanh(z)
        return 1 - t * t

    def forward(self, z):
        self._a = a = np.tanh(_as_float(z))  # backward: 1 - a^2
        return a

    def backward(self, grad_a):
        a = self._a
        d = np.multiply(a, a, dtype=np.result_type(grad_a, a))  # one temporary, in place:
        np.subtract(1, d, out=d)  # 1 - a^2
        d *= grad_a
        return d


@register
class ReLU(Activation):
    """Rectified linear unit: f(z) = max(0, z), f'(z) = 1 if z > 0 else 0 (0 at z = 0).

    Reference: Nair & Hinton 2010; Glorot, Bordes & Bengio 2011 (deep sparse rectifier networks).
    """

    name = "relu"
    formula = "f(z) = max(0, z)"
    reference = "Nair & Hinton 2010; Glorot, Bordes & Bengio 2011"
    family = "relu"
    gain = _SQRT2

    def _f(self, z):
        # np.clip has a SIMD loop, about 3x faster than np.maximum (which tests each element
        # for NaN) on large arrays; np.maximum has less call overhead on small ones.
        return np.clip(z, 0, np.inf) if z.size > 65536 else np.maximum(z, 0)

    def _df(self, z):
        return (z > 0).astype(z.dtype)

    def backward(self, grad_a):
        return grad_a * (self._z > 0)


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
    gain = _SQRT2 / math.sqrt(1 + 0.01**2)
    positional = "slope"

    def __init__(self, slope: float = 0.01):
        super().__init__()
        self.slope = _finite(self.name, "slope", slope)
        self.config = {"slope": self.slope}
        self.gain = math.sqrt(2.0 / (1.0 + self.slope**2))

    def _f(self, z):
        return np.where(z > 0, z, self.slope * z)

    def _df(self, z):
        return np.where(z > 0, z.dtype.type(1), z.dtype.type(self.slope))

    def backward(self, grad_a):
        return np.where(self._z > 0, grad_a, self.slope * grad_a)


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
    gain = _SQRT2 / math.sqrt(1 + 0.25**2)
    positional = "init"

    def __init__(self, init: float = 0.25, per_unit: bool = False):
        super().__init__()
        self.init = _finite(self.name, "init", init)
        self.per_unit = _flag(self.name, "per_unit", per_unit)
        self.config = {"init": self.init, "per_unit": self.per_unit}
        self.gain = math.sqrt(2.0 / (1.0 + self.init**2))

    @property
    def learnable(self):
        return True

    def build(self, n_replicas, feature_shape, dtype):
        shape = _param_shape(n_replicas, tuple(feature_shape), self.per_unit)
        self.params = {"alpha": np.full(shape, self.init, dtype=dtype)}
        self.grads = {"alpha": np.zeros(shape, dtype=dtype)}

    def _alpha(self):
        return self.params.get("alpha", self.init)

    def _f(self, z):
        return np.where(z > 0, z, self._alpha() * z)

    def _df(self, z):
        one = z.dtype.type(1)
        return np.where(z > 0, one, self._alpha() * one)

    def forward(self, z):
        z = _as_float(z)
        self._ensure_built(z)
        self._z = z
        return self._f(z)

    def backward(self, grad_a):
        z, alpha = self._z, self.params["alpha"]
        pos = z > 0
        _store_grad(self.grads, "alpha", np.where(pos, 0, grad_a * z))
        return np.where(pos, grad_a, alpha * grad_a)


@register
class ELU(Activation):
    """Exponential linear unit: f(z) = z if z > 0 else alpha (e^z - 1).

    f'(z) = 1 if z > 0 else alpha e^z = f(z) + alpha (backward uses the cached output).
    Default alpha = 1.0. Computed with expm1(min(z, 0)), so no input overflows.
    Reference: Clevert, Unterthiner & Hochreiter 2015, arXiv 1511.07289.
    """

    name = "elu"
    formula = "f(z) = z if z > 0 else alpha*(exp(z) - 1)   (alpha = 1)"
    reference = "Clevert et al. 2015, arXiv 1511.07289"
    family = "relu"
    gain = _SQRT2
    positional = "alpha"

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = _finite(self.name, "alpha", alpha)
        self.config = {"alpha": self.alpha}

    def _f(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def _df(self, z):
        return np.where(z > 0, z.dtype.type(1), self.alpha * np.exp(np.minimum(z, 0)))

    def forward(self, z):
        z = _as_float(z)
        self._z = z
        self._a = a = self._f(z)
        return a

    def backward(self, grad_a):
        return np.where(self._z > 0, grad_a, grad_a * (self._a + self.alpha))


@register
class SELU(Activation):
    """Scaled ELU: f(z) = scale * (z if z > 0 else alpha (e^z - 1)).

    f'(z) = scale if z > 0 else scale alpha e^z.
    Constants (Klambauer et al. 2017; torch.nn.SELU): alpha = 1.6732632423543772848170429916717,
    scale (lambda) = 1.0507009873554804934193349852946. With LeCun-normal init the activations
    keep mean 0 and variance 1 with depth. trainable=True makes "scale" and "alpha" learnable,
    one per replica, shape (R, 1, ..., 1); fixed by default.
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
        self.alpha = _positive(self.name, "alpha", alpha)
        self.scale = _positive(self.name, "scale", scale)
        self.trainable = _flag(self.name, "trainable", trainable)
        self.config = {"alpha": self.alpha, "scale": self.scale, "trainable": self.trainable}

    @property
    def learnable(self):
        return self.trainable

    def build(self, n_replicas, feature_shape, dtype):
        if not self.trainable:
            return
        shape = _param_shape(n_replicas, tuple(feature_shape), False)
        self.params = {
            "scale": np.full(shape, self.scale, dtype=dtype),
            "alpha": np.full(shape, self.alpha, dtype=dtype),
        }
        self.grads = {k: np.zeros(shape, dtype=dtype) for k in self.params}

    def _values(self):
        return self.params.get("scale", self.scale), self.params.get("alpha", self.alpha)

    def _g(self, z, scale, alpha):
        """(z if z > 0 else alpha (e^z - 1)) and e^z - 1, with z capped so scale * z stays finite."""
        em1 = np.expm1(np.minimum(z, 0))
        cap = _cap(z.dtype, scale)
        return np.where(z > 0, np.minimum(z, cap), alpha * em1), em1

    def _f(self, z):
        scale, alpha = self._values()
        return scale * self._g(z, scale, alpha)[0]

    def _df(self, z):
        scale, alpha = self._values()
        return scale * np.where(z > 0, z.dtype.type(1), alpha * np.exp(np.minimum(z, 0)))

    def forward(self, z):
        z = _as_float(z)
        self._ensure_built(z)
        scale, alpha = self._values()
        g, self._em1 = self._g(z, scale, alpha)
        self._z, self._g_cache = z, g
        return scale * g

    def backward(self, grad_a):
        z, em1, g = self._z, self._em1, self._g_cache
        scale, alpha = self._values()
        pos = z > 0
        if self.trainable:
            _store_grad(self.grads, "scale", grad_a * g)
            _store_grad(self.grads, "alpha", np.where(pos, 0, grad_a * (scale * em1)))
        return scale * np.where(pos, grad_a, grad_a * (alpha * (em1 + 1)))


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
    gain = _SQRT2
    positional = "beta"

    def __init__(self, beta: float = 1.0, trainable: bool = False):
        super().__init__()
        self.beta = _finite(self.name, "beta", beta)
        self.trainable = _flag(self.name, "trainable", trainable)
        self.config = {"beta": self.beta, "trainable": self.trainable}

    @property
    def learnable(self):
        return self.trainable

    def build(self, n_replicas, feature_shape, dtype):
        if not self.trainable:
            return
        shape = _param_shape(n_replicas, tuple(feature_shape), False)
        self.params = {"beta": np.full(shape, self.beta, dtype=dtype)}
        self.grads = {"beta": np.zeros(shape, dtype=dtype)}

    def _t(self, z):
        """beta, and t = beta z, kept finite: |beta| > 1 could overflow at the float range edge."""
        beta = self.params.get("beta", self.beta)
        if np.ndim(beta) == 0 and abs(beta) <= 1:
            return beta, (z if beta == 1 else beta * z)  # SiLU: t is z itself, no copy
        cap = _cap(z.dtype, beta)
        return beta, beta * np.clip(z, -cap, cap)  # sigmoid is saturated long before the cap

    def _f(self, z):
        return z * _sigmoid(self._t(z)[1])

    def _df(self, z):
        _, t = self._t(z)
        return _sigmoid(t) + t * _sigmoid_prime(t)

    def forward(self, z):
        z = _as_float(z)
        self._ensure_built(z)
        _, t = self._t(z)
        s = _sigmoid(t)
        self._z, self._t_cache, self._s = z, t, s
        return z * s

    def backward(self, grad_a):
        z, t, s = self._z, self._t_cache, self._s
        ds = np.subtract(1, s, dtype=np.result_type(grad_a, s))
        ds *= s  # sigmoid'(t) = s (1 - s)
        if self.trainable:
            # df/dbeta = z * (z s'): z s' first, so z^2 never overflows where s' is 0
            _store_grad(self.grads, "beta", grad_a * ((z * ds) * z))
        ds *= t  # then, in the same temporary, grad_a (s + t s')
        ds += s
        ds *= grad_a
        return ds


@register
class Maxout(Activation):
    """Maxout: f(z)_j = max_i z_(j, i), the max over ``pieces`` = k linear pieces per unit.

    The layer before produces units * k values on the last axis; they are read as (units, k)
    (consecutive groups of k) and the max is taken, so the output has ``units`` on the last axis.
    The gradient flows only to the winning piece (the first one in a tie).
    ``derivative(z)`` is the 0/1 mask of winners, in the input's shape.
    Default k = 2 (Goodfellow et al. used k = 5 on MNIST).
    Reference: Goodfellow et al. 2013, arXiv 1302.4389.
    """

    name = "maxout"
    formula = "f(z)_j = max(z_j1, ..., z_jk)   (k = 2 pieces)"
    reference = "Goodfellow et al. 2013, arXiv 1302.4389"
    family = "relu"
    gain = _SQRT2
    positional = "pieces"

    def __init__(self, pieces: int = 2):
        super().__init__()
        if isinstance(pieces, bool) or not isinstance(pieces, numbers.Integral) or pieces < 2:
            raise ParameterError("maxout pieces", pieces, "an integer >= 2")
        self.pieces = int(pieces)
        self.config = {"pieces": self.pieces}

    def _split(self, z):
        n = z.shape[-1]
        if n % self.pieces:
            raise ParameterError(
                "maxout input last axis", n, f"a multiple of pieces = {self.pieces}"
            )
        return z.reshape(*z.shape[:-1], n // self.pieces, self.pieces)

    def _f(self, z):
        return self._split(z).max(axis=-1)

    def _df(self, z):
        zs = self._split(z)
        mask = np.zeros_like(zs)
        np.put_along_axis(mask, zs.argmax(axis=-1)[..., None], 1, axis=-1)
        return mask.reshape(z.shape)

    def forward(self, z):
        z = _as_float(z)
        zs = self._split(z)
        self._idx = idx = zs.argmax(axis=-1)[..., None]
        self._shape, self._dtype = z.shape, z.dtype
        return np.take_along_axis(zs, idx, axis=-1)[..., 0]

    def backward(self, grad_a):
        idx = self._idx
        grad = np.zeros((*idx.shape[:-1], self.pieces), dtype=np.result_type(grad_a, self._dtype))
        np.put_along_axis(grad, idx, grad_a[..., None], axis=-1)
        return grad.reshape(self._shape)


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
    gain = _SQRT2

    def _f(self, z):
        return (z > 0).astype(z.dtype)

    def _df(self, z):
        return np.zeros_like(z)

    def backward(self, grad_a):
        return np.zeros_like(grad_a)


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
    gain = _SQRT2
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

    def _f(self, z):
        if self.approximate == "tanh":
            return 0.5 * z * (1 + self._tanh_u(z)[1])
        return z * (0.5 * erfc(z * (-1 / _SQRT2)))

    def _df(self, z):
        if self.approximate == "tanh":
            zc, t = self._tanh_u(z)
            du = self._K * (1 + 3 * self._C * zc * zc)
            return 0.5 * (1 + t) + 0.5 * zc * (1 - t * t) * du
        zc = np.clip(z, -self._CLIP, self._CLIP)
        pdf = np.exp(-0.5 * zc * zc) * (1 / math.sqrt(2 * math.pi))
        return 0.5 * erfc(z * (-1 / _SQRT2)) + zc * pdf


@register
class Softplus(Activation):
    """Softplus: f(z) = log(1 + e^z), computed as logaddexp(0, z); f'(z) = sigmoid(z).

    A smooth ReLU. Reference: Dugas et al. 2001; Glorot, Bordes & Bengio 2011.
    """

    name = "softplus"
    formula = "f(z) = log(1 + exp(z))"
    reference = "Dugas et al. 2001; Glorot, Bordes & Bengio 2011"
    family = "relu"
    gain = _SQRT2

    def _f(self, z):
        return np.logaddexp(0, z)

    def _df(self, z):
        return _sigmoid(z)


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

    def _f(self, z):
        return z / (1 + np.abs(z))

    def _df(self, z):
        r = 1 / (1 + np.abs(z))
        return r * r


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
    gain = _SQRT2

    def _f(self, z):
        return z * np.tanh(np.logaddexp(0, z))

    @staticmethod
    def _df_from(z, sp, t):
        return t + (z * -np.expm1(-sp)) * (1 - t * t)

    def _df(self, z):
        sp = np.logaddexp(0, z)
        return self._df_from(z, sp, np.tanh(sp))

    def forward(self, z):
        z = _as_float(z)
        sp = np.logaddexp(0, z)
        t = np.tanh(sp)
        self._z, self._sp, self._t = z, sp, t
        return z * t

    def backward(self, grad_a):
        return grad_a * self._df_from(self._z, self._sp, self._t)


# ---------------------------------------------------------------------------------------------
# lookup, description, custom registration


def available_activations(include_aliases: bool = False) -> list[str]:
    """Sorted registered names (canonical names; aliases too if asked)."""
    if include_aliases:
        return sorted(_REGISTRY)
    return sorted({cls.name for cls in _REGISTRY.values()})


def _lookup(name: str) -> type[Activation]:
    key = name.strip().lower()
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownNameError("activation", name, available_activations(True)) from None


def _parse_value(text: str):
    """The text after ':' in a spec: an int, a float, or the string itself."""
    text = text.strip()
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def get_activation(spec, **params) -> Activation:
    """A NEW activation from a name, a ``"name:value"`` string, a class or an instance.

    ``"leaky_relu:0.1"`` sets the class's first parameter (``positional``: leaky_relu slope,
    elu alpha, swish beta, maxout pieces, prelu init, gelu approximate). Keyword ``params``
    go to the constructor. An instance gives a fresh, unbuilt copy of its configuration.
    """
    if isinstance(spec, Activation):
        if params:
            raise ParameterError("activation parameters", params, "none when given an instance")
        return type(spec)(**spec.config)
    if isinstance(spec, type) and issubclass(spec, Activation):
        cls = spec
    elif isinstance(spec, str):
        name, sep, value = spec.partition(":")
        cls = _lookup(name)
        if sep:
            if cls.positional is None:
                raise ParameterError(
                    "activation", spec, f"{cls.name!r} without ':value' (it takes no parameter)"
                )
            if cls.positional in params:
                raise ParameterError(
                    f"{cls.name} {cls.positional}", params[cls.positional],
                    "given once, either in the name or as a keyword",
                )
            params[cls.positional] = _parse_value(value)
    else:
        raise ParameterError(
            "activation", spec, "a name, a 'name:value' string or an Activation instance"
        )
    allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ParameterError(
            f"{cls.name} parameter", unknown[0],
            ", ".join(allowed) if allowed else "none (it takes no parameters)",
        )
    return cls(**params)


def describe(name: str | None = None):
    """What ``actlab list`` prints: a dict per activation (all of them if ``name`` is None).

    Keys: name, aliases, formula, family, gain, reference, parameters (name -> default).
    """
    if name is None:
        return [describe(n) for n in available_activations()]
    cls = _lookup(name)
    sig = inspect.signature(cls.__init__)
    return {
        "name": cls.name,
        "aliases": list(cls.aliases),
        "formula": cls.formula,
        "family": cls.family,
        "gain": cls.gain,
        "reference": cls.reference,
        "parameters": {
            p.name: p.default for p in sig.parameters.values() if p.name != "self"
        },
    }


def _check_derivative(name, forward, derivative, *, rtol=1e-4, atol=1e-6):
    """Compare ``derivative`` with central differences in float64; ParameterError if it differs.

    Points: 201 in [-6, 6] and a few larger magnitudes. A point is skipped where the left and
    right one-sided differences (step 1e-3) disagree: a kink lies within 1e-3 of it.
    """
    z = np.concatenate([np.linspace(-6.0, 6.0, 201), [-50.0, -20.0, -10.0, 10.0, 20.0, 50.0]])
    with np.errstate(all="ignore"):
        try:
            f0 = np.asarray(forward(z), dtype=np.float64)
            given = np.asarray(derivative(z), dtype=np.float64)
            h_side = 1e-3
            left = (f0 - np.asarray(forward(z - h_side), dtype=np.float64)) / h_side
            right = (np.asarray(forward(z + h_side), dtype=np.float64) - f0) / h_side
            h = 1e-6 * np.maximum(1.0, np.abs(z))
            numeric = (
                np.asarray(forward(z + h), dtype=np.float64)
                - np.asarray(forward(z - h), dtype=np.float64)
            ) / (2 * h)
        except Exception as exc:  # a function that cannot take an array
            raise ParameterError(
                f"activation {name!r}", "forward/derivative",
                "elementwise numpy functions of one array", f"calling them failed: {exc}",
            ) from exc
        if f0.shape != z.shape or given.shape != z.shape:
            raise ParameterError(
                f"activation {name!r}", f"output shapes {f0.shape}, {given.shape}",
                f"the input's shape {z.shape} (elementwise functions)",
            )
        smooth = np.abs(left - right) <= 1e-2 * (1 + np.abs(left) + np.abs(right))
        ok = smooth & np.isfinite(numeric) & np.isfinite(given) & np.isfinite(f0)
        err = np.where(ok, np.abs(given - numeric) - (atol + rtol * np.abs(numeric)), -np.inf)
    if not ok.any():
        raise ParameterError(
            f"activation {name!r} derivative", "unchecked",
            "a derivative that can be checked at some finite, smooth point in [-6, 6]",
        )
    worst = int(np.argmax(err))
    if err[worst] > 0:
        raise ParameterError(
            f"activation {name!r} derivative",
            getattr(derivative, "__name__", derivative),
            "f'(z) matching central finite differences",
            f"differs at z={z[worst]:.6g}: derivative gives {given[worst]:.8g}, "
            f"finite differences give {numeric[worst]:.8g}",
        )


def register_activation(
    name: str,
    forward,
    derivative,
    *,
    family: str = "other",
    formula: str = "",
    reference: str = "",
    gain: float = 1.0,
    overwrite: bool = False,
) -> type[Activation]:
    """Register a custom elementwise activation from two numpy functions f(z) and f'(z).

    The derivative is checked against central finite differences in float64 first (see
    ``_check_derivative``); a wrong one is refused with a ParameterError naming the worst point.
    Returns the new Activation subclass; ``get_activation(name)`` then builds it.
    """
    if not isinstance(name, str) or not name.strip() or ":" in name:
        raise ParameterError("activation name", name, "a non-empty string without ':'")
    key = name.strip().lower()
    if key in _REGISTRY and not overwrite:
        raise ParameterError(
            "activation name", name, "a name not registered yet",
            "it already is; pass overwrite=True to replace it",
        )
    for what, fn in (("forward", forward), ("derivative", derivative)):
        if not callable(fn):
            raise ParameterError(f"activation {name!r} {what}", fn, "a callable f(z) -> array")
    _check_derivative(key, forward, derivative)

    def _f(self, z):
        return np.asarray(forward(z)).astype(z.dtype, copy=False)

    def _df(self, z):
        return np.asarray(derivative(z)).astype(z.dtype, copy=False)

    cls = type(
        "Custom_" + "".join(c if c.isalnum() else "_" for c in key),
        (Activation,),
        {
            "__doc__": f"Custom activation {key!r}: {formula or forward}.",
            "name": key, "aliases": (), "family": family, "formula": formula,
            "reference": reference or "custom", "gain": float(gain), "_f": _f, "_df": _df,
        },
    )
    if overwrite:  # drop aliases that pointed at the class being replaced
        old = _REGISTRY.get(key)
        for k in [k for k, v in _REGISTRY.items() if v is old]:
            del _REGISTRY[k]
    return register(cls)


def unregister_activation(name: str) -> None:
    """Remove a registered activation (and its aliases); mainly for tests of custom ones."""
    cls = _lookup(name)
    for k in [k for k, v in _REGISTRY.items() if v is cls]:
        del _REGISTRY[k]
