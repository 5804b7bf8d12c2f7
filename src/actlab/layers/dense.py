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

    def step_fns(self, x_shape: tuple, dtype, need_input_grad: bool):
        """(forward, backward) for the Trainer's steps on inputs of shape ``x_shape`` (R, b,
        fan_in) and ``dtype``: ``forward`` and ``backward`` with every lookup done once, the
        same numpy calls into the same kept arrays (so the same numbers, bit for bit), or None
        where they do not apply (another dtype than W's, or not 3-D) and the plain methods
        are used. Valid while W, b and their gradients are the arrays they are now."""
        W, b, gW, gb = self.params["W"], self.params["b"], self.grads["W"], self.grads["b"]
        if len(x_shape) != 3 or np.dtype(dtype) != W.dtype or x_shape[0] != W.shape[0]:
            return None
        z = self.out.get("z", (*x_shape[:-1], W.shape[2]), W.dtype)  # the arrays affine and
        dx = self.out.get("dx", x_shape, W.dtype) if need_input_grad else None  # rows_grad keep
        WT = W.transpose(0, 2, 1)  # a view: it follows the in-place updates of W
        matmul, add, reduce = np.matmul, np.add, np.add.reduce
        generic = self.backward

        def forward(x):
            self.input = x
            matmul(x, W, out=z)
            add(z, b, out=z)
            return z

        def backward(g):
            if g.dtype != W.dtype or g.ndim != 3:  # what rows_grad would give another dtype
                return generic(g, need_input_grad)
            matmul(self.input.transpose(0, 2, 1), g, out=gW)
            reduce(g, axis=(1,), keepdims=True, out=gb)
            return None if dx is None else matmul(g, WT, out=dx)

        return forward, backward

    def __repr__(self):
        return f"Dense({self.fan_in} -> {self.fan_out}, replicas={self.W.shape[0]})"
