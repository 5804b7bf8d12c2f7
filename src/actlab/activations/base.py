"""The Activation base class and the helpers its subclasses share.

Every array carries a leading replica axis R: an input ``z`` has shape (R, batch, *features).
Learnable parameters are shaped so they broadcast against it: one per layer ``(R, 1, ..., 1)``
or one per unit (channel, last axis) ``(R, 1, ..., 1, units)``. Their gradients are summed over
the batch (and, for one-per-layer parameters, the feature axes), never over the replica axis.

A subclass writes its formula once, as two methods side by side:

- ``f(z)`` -> a, the forward formula;
- ``df(z, a)`` -> f'(z), the derivative, given the input and the output forward computed
  (sigmoid's a (1 - a) needs only a); a 0/1 mask or anything that multiplies ``grad_a`` will do.

``backward`` (training) and ``derivative`` (plots and probes) both go through ``vjp(z, a, g)``
= g * f'(z), so the derivative is written once. A subclass may override ``vjp`` instead of
``df`` where a fused form is cheaper (Maxout, whose output is narrower than its input).
Learnable activations add ``param_grads(z, a, grad_a)``, the gradients of their parameters.
"""

from __future__ import annotations

import math

import numpy as np

from ..buffers import OutputBuffers
from ..errors import ParameterError, check_flag, is_real
from .kernels import blocked, forward_blocked, kernel_for, vjp_blocked

SQRT2 = math.sqrt(2.0)


def as_float(z) -> np.ndarray:
    """``z`` as an array; integer and boolean input becomes float64, floats keep their dtype."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)  # kind: cheaper than issubdtype


def finite(owner: str, param: str, value) -> float:
    """A finite real number (not a bool), as a Python float, or ParameterError."""
    if not is_real(value) or not math.isfinite(value):
        raise ParameterError(f"{owner} {param}", value, "a finite number")
    return float(value)


def positive(owner: str, param: str, value) -> float:
    """A finite real number > 0, as a Python float, or ParameterError."""
    if not is_real(value) or not (math.isfinite(value) and value > 0):
        raise ParameterError(f"{owner} {param}", value, "a finite number > 0")
    return float(value)


def flag(owner: str, param: str, value) -> bool:
    """True or False (numpy's bool too), or ParameterError."""
    return check_flag(f"{owner} {param}", value)


def float_cap(dtype, factor):
    """The largest |z| for which factor * z stays finite in ``dtype`` (never below its max/|f|).

    ``factor`` is a Python float or a parameter array; the result keeps float32 as float32.
    """
    big = np.finfo(dtype).max * (1 - 1e-6)  # a margin for rounding in factor * cap
    if np.ndim(factor) == 0:
        return float(big) / max(abs(float(factor)), 1.0)
    return big / np.maximum(np.abs(factor), 1)


def param_shape(n_replicas: int, feature_shape: tuple[int, ...], per_unit: bool):
    """(R, 1, ..., 1) for one per layer, (R, 1, ..., 1, units) for one per unit (last axis)."""
    shape = [int(n_replicas), 1] + [1] * len(feature_shape)
    if per_unit:
        if not feature_shape:
            raise ParameterError("feature_shape", feature_shape, "at least one feature axis")
        shape[-1] = int(feature_shape[-1])
    return tuple(shape)


def store_grad(grads: dict, key: str, x: np.ndarray) -> None:
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


class Activation:
    """Base class. Subclasses set ``name``, ``formula`` and implement ``f`` and ``df`` (or ``vjp``).

    ``forward(z)`` keeps z and its output for ``backward(grad_a)``, which returns ``grad_z`` and,
    for learnable activations, writes the parameter gradients into ``self.grads`` (same shapes
    as ``self.params``; overwritten in place on every backward, not accumulated, so a trainer
    may hold references to these arrays; likewise update ``self.params`` in place).
    ``derivative(z)`` and ``act(z)`` keep nothing: they may be called at any time.

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
    learnable = False  # True (or a property) for activations with parameters

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.config: dict = {}  # constructor arguments: type(self)(**self.config) is a fresh copy
        self._seen = None  # (z, a) of the last forward, or (kernel cache, None), for backward
        self._kernel = None  # the kernel of the last forward (kernels.kernel_for), if any
        self.out = OutputBuffers()  # the kernels' output arrays: fresh, or kept while training

    # --- the formula: subclasses ------------------------------------------------------------
    def f(self, z: np.ndarray) -> np.ndarray:
        """The forward formula a = f(z), elementwise (Maxout: over groups of ``pieces``)."""
        raise NotImplementedError

    def df(self, z: np.ndarray, a: np.ndarray):
        """f'(z), given z and a = f(z): an array, mask or scalar that multiplies ``grad_a``."""
        raise NotImplementedError

    def vjp(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """grad_z = grad_a * f'(z): the one derivative path of backward and derivative."""
        return grad_a * self.df(z, a)

    def param_grads(self, z, a, grad_a) -> dict[str, np.ndarray]:
        """Learnable activations: dL/dparam per element (summed into ``self.grads`` by backward)."""
        return {}

    def build(self, n_replicas: int, feature_shape: tuple[int, ...], dtype) -> None:
        """Create learnable parameters for ``n_replicas`` and features of ``feature_shape``."""

    # --- what callers use -------------------------------------------------------------------
    def forward(self, z: np.ndarray) -> np.ndarray:
        """a = f(z); keeps z and a for ``backward``.

        A learnable activation nobody built builds itself from the first input of shape
        (R, batch, *features); a plain array with fewer axes uses the initial parameter values.
        """
        z = as_float(z)
        if self.learnable and not self.params and z.ndim >= 2:
            self.build(z.shape[0], z.shape[2:], z.dtype)
        self._kernel = kernel = kernel_for(self)  # same numbers, fewer passes (kernels.py)
        if kernel is None:
            a = self.f(z)
            self._seen = (z, a)
            return a
        return self._kernel_forward(kernel, z)

    def _kernel_forward(self, kernel, z):
        """a = f(z) through ``kernel``, keeping what its backward needs."""
        if blocked(kernel, z):  # an array beyond the caches: block by block (kernels.py)
            a, cache = forward_blocked(kernel, self, z)
        else:
            a, cache = kernel.forward(self, z)
        self._kernel, self._seen = kernel, (cache, None)
        return a

    def backward(self, grad_a: np.ndarray) -> np.ndarray:
        """grad_z from grad_a, for the z of the last ``forward``; fills ``self.grads``."""
        if self._seen is None:
            raise RuntimeError(
                f"{self.name}.backward: call forward(z) first (backward uses the z it saw); "
                f"for f'(z) without a forward pass use derivative(z)"
            )
        z, a = self._seen
        kernel = self._kernel
        if kernel is not None:  # the kernel's forward kept what its backward needs
            return self._kernel_backward(kernel, z, grad_a)
        if self.params:
            for key, value in self.param_grads(z, a, grad_a).items():
                store_grad(self.grads, key, value)
        return self.vjp(z, a, grad_a)

    def _kernel_backward(self, kernel, cache, grad_a):
        """grad_z through ``kernel`` from the ``cache`` its forward kept; fills ``self.grads``."""
        fused = getattr(kernel, "backward", None)  # grad_z and parameter grads in one pass
        if fused is not None and self.params:
            grad_z, grads = fused(self, cache, grad_a)
            for key, value in grads.items():
                store_grad(self.grads, key, value)
            return grad_z
        if self.params:
            for key, value in kernel.param_grads(self, cache, grad_a).items():
                store_grad(self.grads, key, value)
        if blocked(kernel, grad_a):
            return vjp_blocked(kernel, self, cache, grad_a)
        return kernel.vjp(self, cache, grad_a)

    def step_fns(self, z_shape: tuple, dtype):
        """(forward, backward) for the Trainer's steps on float input of shape ``z_shape``:
        ``forward`` and ``backward`` with the kernel chosen once and no per-call checks
        (as_float, build, kernel_for, the forward-first check), through the same
        ``_kernel_forward`` / ``_kernel_backward`` (so the same numbers, bit for bit); or None
        (no kernel, parameters not built) where the plain methods are used. Valid while the
        configuration stays as it is now."""
        kernel = kernel_for(self)
        if kernel is None or np.dtype(dtype).kind != "f" or (self.learnable and not self.params):
            return None
        kernel_forward, kernel_backward = self._kernel_forward, self._kernel_backward

        def forward(z):
            return kernel_forward(kernel, z)

        def backward(grad_a):
            return kernel_backward(kernel, self._seen[0], grad_a)

        return forward, backward

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """f'(z), elementwise (for plots and probes): the vjp of a gradient of ones."""
        z = as_float(z)
        a = self.f(z)
        return self.vjp(z, a, np.ones_like(a))

    def __call__(self, z):
        return self.f(as_float(z))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"{type(self).__name__}({args})"
