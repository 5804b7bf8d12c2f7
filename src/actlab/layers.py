"""Layers with a hand-written backward pass. Arrays carry a leading replica axis R."""

from __future__ import annotations

import numpy as np


class Dense:
    """Affine map z = x W + b, batched over replicas.

    x: (R, batch, fan_in), W: (R, fan_in, fan_out), b: (R, 1, fan_out).
    Backward (chain rule): dL/dW = x^T g, dL/db = sum_batch g, dL/dx = g W^T.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray):
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self._x = None

    @property
    def W(self):
        return self.params["W"]

    @property
    def b(self):
        return self.params["b"]

    @property
    def fan_in(self) -> int:
        return self.W.shape[1]

    @property
    def fan_out(self) -> int:
        return self.W.shape[2]

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        params = self.params
        z = np.matmul(x, params["W"])
        z += params["b"]
        return z

    def backward(self, grad_z: np.ndarray, need_input_grad: bool = True):
        grads = self.grads
        np.matmul(self._x.transpose(0, 2, 1), grad_z, out=grads["W"])
        np.add.reduce(grad_z, axis=1, keepdims=True, out=grads["b"])  # np.sum, minus its wrapper
        if not need_input_grad:
            return None
        return np.matmul(grad_z, self.params["W"].transpose(0, 2, 1))

    def __repr__(self):
        return f"Dense({self.fan_in} -> {self.fan_out}, replicas={self.W.shape[0]})"
