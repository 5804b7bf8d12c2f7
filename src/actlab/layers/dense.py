"""The fully connected layer."""

from __future__ import annotations

import numpy as np

from .base import ParamLayer
from .shapes import ShapeError, positive_int


class Dense(ParamLayer):
    """Affine map z = x W + b, batched over replicas.

    x: (R, batch, fan_in), W: (R, fan_in, fan_out), b: (R, 1, fan_out).
    Backward (chain rule): dL/dW = x^T g, dL/db = sum_batch g, dL/dx = g W^T.
    """

    kind = "dense"
    n = 0  # spatial axes of its input

    def __init__(self, W: np.ndarray, b: np.ndarray, name=None):
        super().__init__(W, b)
        self.name = name or self.kind

    @classmethod
    def shape_from_spec(cls, spec, input_shape, label, widen=1):
        """Output shape of a ``dense:UNITS`` spec (``widen`` x units before a maxout)."""
        if len(input_shape) != 1:
            raise ShapeError(
                label, f"dense needs flat input; add flatten before it (input shape {input_shape})"
            )
        return (positive_int(label, "units", spec["units"]) * widen,)

    @classmethod
    def from_spec(cls, spec, input_shape, output_shape, draw):
        W = draw(input_shape[0], output_shape[0])
        return cls(W, np.zeros((W.shape[0], 1, W.shape[2]), dtype=W.dtype))

    @property
    def fan_in(self) -> int:
        return self.W.shape[1]

    def output_shape(self, input_shape) -> tuple[int, ...]:
        if tuple(input_shape) != (self.fan_in,):
            raise ShapeError(self.name, f"needs input ({self.fan_in},); got {tuple(input_shape)}")
        return (self.fan_out,)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.input = x
        return self.affine(x)

    def backward(self, grad_z: np.ndarray, need_input_grad: bool = True):
        g = self.fill_grads(self.input, grad_z)
        return self.rows_grad(g) if need_input_grad else None

    def __repr__(self):
        return f"Dense({self.fan_in} -> {self.fan_out}, replicas={self.W.shape[0]})"
