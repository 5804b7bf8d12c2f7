"""Activation functions: forward, derivative beside it, learnable parameters, formula and source.

Every array carries a leading replica axis R: an input ``z`` has shape (R, batch, *features).
Learnable parameters are shaped so they broadcast against it: one per layer ``(R, 1, ..., 1)``
or one per unit (channel, last axis) ``(R, 1, ..., 1, units)``.
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError, UnknownNameError

_REGISTRY: dict[str, type["Activation"]] = {}


def register(cls):
    """Class decorator: make ``cls`` available by ``cls.name``."""
    _REGISTRY[cls.name] = cls
    return cls


class Activation:
    """Base class. Subclasses set ``name``, ``formula`` and implement ``_f`` and ``_df``.

    ``forward(z)`` caches what ``backward`` needs; ``backward(grad_a)`` returns ``grad_z`` and, for
    learnable activations, adds the parameter gradients into ``self.grads``.
    """

    name = "activation"
    formula = ""
    pieces = 1  # Maxout: the Dense layer before produces ``pieces`` times the units
    family = "other"  # "relu" (ReLU family: He init), "selu", "sigmoid", "tanh", "linear"

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._z = None

    def build(self, n_replicas: int, feature_shape: tuple[int, ...], dtype) -> None:
        """Create learnable parameters for ``n_replicas`` and features of ``feature_shape``."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._z = z
        return self._f(z)

    def backward(self, grad_a: np.ndarray) -> np.ndarray:
        return grad_a * self._df(self._z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """f'(z), elementwise (for plots and probes)."""
        return self._df(np.asarray(z))

    def __call__(self, z):
        return self._f(np.asarray(z))

    def __repr__(self):
        return f"{type(self).__name__}()"
