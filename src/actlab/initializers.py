"""Weight initializations, by name.

Each initializer draws one (fan_in, fan_out) matrix from one replica's Generator, so a replica
initialised inside a stack of R is bit-identical to the same seed initialised alone.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ParameterError, UnknownNameError

# name -> (description for `actlab list`,
#          function(rng, fan_in, fan_out, gain, arg, shape) -> float64 array of ``shape``).
# fan_in / fan_out set the scale; ``shape`` is what is drawn ((fan_in, fan_out) for Dense).
_INITIALIZERS: dict[str, tuple[str, object]] = {}


def _register(name: str, description: str):
    def wrap(fn):
        _INITIALIZERS[name] = (description, fn)
        return fn

    return wrap


@_register("prototype", "U(-1, 1): the seed's prototype, independent of the layer size")
def _prototype(rng, fan_in, fan_out, gain, arg, shape):
    return rng.uniform(-1.0, 1.0, size=shape)


@_register("standard", "U(+-1/sqrt(fan_in)): the 'standard' init of Glorot & Bengio 2010")
def _standard(rng, fan_in, fan_out, gain, arg, shape):
    bound = 1.0 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape)


@_register("xavier_uniform", "U(+-gain*sqrt(6/(fan_in+fan_out))) (Glorot & Bengio 2010)")
def _xavier_uniform(rng, fan_in, fan_out, gain, arg, shape):
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=shape)


@_register("xavier_normal", "N(0, gain^2 * 2/(fan_in+fan_out)) (Glorot & Bengio 2010)")
def _xavier_normal(rng, fan_in, fan_out, gain, arg, shape):
    return rng.normal(0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), size=shape)


@_register("he_uniform", "U(+-sqrt(6/fan_in)) (He et al. 2015, arXiv 1502.01852)")
def _he_uniform(rng, fan_in, fan_out, gain, arg, shape):
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, size=shape)


@_register("he_normal", "N(0, 2/fan_in) (He et al. 2015, arXiv 1502.01852)")
def _he_normal(rng, fan_in, fan_out, gain, arg, shape):
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)


@_register("lecun_normal", "N(0, 1/fan_in) (LeCun 1998; for SELU, Klambauer et al. 2017)")
def _lecun_normal(rng, fan_in, fan_out, gain, arg, shape):
    return rng.normal(0.0, math.sqrt(1.0 / fan_in), size=shape)


@_register("small", "N(0, 0.01^2): small random weights")
def _small(rng, fan_in, fan_out, gain, arg, shape):
    return rng.normal(0.0, 0.01, size=shape)


@_register("normal:STD", "N(0, STD^2), e.g. normal:0.05")
def _normal(rng, fan_in, fan_out, gain, arg, shape):
    return rng.normal(0.0, arg, size=shape)


@_register("uniform:A", "U(-A, A), e.g. uniform:0.5")
def _uniform(rng, fan_in, fan_out, gain, arg, shape):
    return rng.uniform(-arg, arg, size=shape)


@_register(
    "auto",
    "He normal for the ReLU family, LeCun normal for SELU, "
    "Xavier uniform with the activation's gain for tanh, sigmoid and the rest",
)
def _auto(rng, fan_in, fan_out, gain, arg, shape):  # resolved by resolve_init before drawing
    raise AssertionError("auto is resolved by resolve_init")


def available_initializers() -> list[str]:
    """The initializer names, as `actlab list` prints them (NAME:ARG for parameterised ones)."""
    return sorted(_INITIALIZERS)


def describe_initializers() -> list[tuple[str, str]]:
    return [(name, _INITIALIZERS[name][0]) for name in available_initializers()]


def parse_init(spec: str) -> tuple[str, float | None]:
    """Split ``'normal:0.05'`` into ``('normal:STD', 0.05)``; validate the name and argument."""
    if not isinstance(spec, str):
        raise ParameterError("init", spec, "an initializer name such as 'auto' or 'normal:0.05'")
    name, _, arg_text = spec.partition(":")
    if name in ("normal", "uniform"):
        key = f"{name}:{'STD' if name == 'normal' else 'A'}"
        try:
            arg = float(arg_text)
        except ValueError:
            raise ParameterError("init", spec, f"{name}:X with X a positive number") from None
        if not (math.isfinite(arg) and arg > 0):
            raise ParameterError("init", spec, f"{name}:X with X a positive number")
        return key, arg
    if arg_text or name not in _INITIALIZERS:
        names = [n.split(":")[0] + (":X" if ":" in n else "") for n in _INITIALIZERS]
        raise UnknownNameError("init", spec, names)
    return name, None


def resolve_init(spec: str, activation) -> str:
    """The concrete initializer that ``auto`` means for ``activation`` (by its family)."""
    name, _ = parse_init(spec)
    if name != "auto":
        return spec
    family = getattr(activation, "family", "other")
    if family == "relu":
        return "he_normal"
    if family == "selu":
        return "lecun_normal"
    return "xavier_uniform"


def init_weights(
    spec: str, rngs, fan_in: int, fan_out: int, activation=None, dtype=np.float32, fans=None
):
    """Weights of shape (R, fan_in, fan_out), replica r drawn from ``rngs[r]``.

    ``activation`` supplies the gain for the Xavier forms (torch.nn.init.calculate_gain values).
    ``fans``: an optional (fan_in, fan_out) pair that sets the scale instead, while the drawn
    matrix keeps the shape (fan_in, fan_out) of the positional arguments. A convolution draws
    its im2col matrix (K*C_in, C_out) with fans (K*C_in, K*C_out): see actlab.layers.conv_fans.
    """
    name, arg = parse_init(resolve_init(spec, activation))
    gain = float(getattr(activation, "gain", 1.0)) if activation is not None else 1.0
    draw = _INITIALIZERS[name][1]
    shape = (fan_in, fan_out)
    if fans is not None:
        try:
            scale_in, scale_out = (int(f) for f in fans)
        except (TypeError, ValueError):
            scale_in = scale_out = 0
        if scale_in <= 0 or scale_out <= 0:
            raise ParameterError("init fans", fans, "a pair of positive integers (fan_in, fan_out)")
    else:
        scale_in, scale_out = shape
    drawn = [draw(rng, scale_in, scale_out, gain, arg, shape) for rng in rngs]
    return np.stack(drawn).astype(dtype)
