"""Activation functions: forward, derivative beside it, learnable parameters, formula and source.

Every array carries a leading replica axis R: an input ``z`` has shape (R, batch, *features).
Every activation is numerically stable for any finite float32 / float64 input: no overflow,
invalid or divide-by-zero warnings in forward, derivative or backward (underflow to 0 is fine),
and float32 in gives float32 out.

Modules: ``base`` (the Activation class: f and df side by side, one derivative path),
``registry`` (names, specs such as "leaky_relu:0.1", ``get_activation``), one module per family
(``sigmoid_like``, ``relu_like``, ``exponential``, ``gated``, ``maxout``), ``custom``
(registration checked by finite differences) and ``describe`` (what ``actlab list`` prints).
"""

from .base import Activation
from .custom import check_derivative, register_activation, unregister_activation
from .describe import describe
from .exponential import ELU, SELU
from .gated import GELU, Mish, Swish
from .maxout import Maxout
from .registry import available_activations, get_activation, register
from .relu_like import Identity, LeakyReLU, PReLU, ReLU, Softplus
from .sigmoid_like import Sigmoid, Softsign, Step, Tanh

__all__ = [
    "ELU",
    "GELU",
    "SELU",
    "Activation",
    "Identity",
    "LeakyReLU",
    "Maxout",
    "Mish",
    "PReLU",
    "ReLU",
    "Sigmoid",
    "Softplus",
    "Softsign",
    "Step",
    "Swish",
    "Tanh",
    "available_activations",
    "check_derivative",
    "describe",
    "get_activation",
    "register",
    "register_activation",
    "unregister_activation",
]
