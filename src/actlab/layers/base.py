"""The parameter layer: weights W and bias b, their gradients, and the input it saw.

Every array carries a leading replica axis R. A parameter layer arranges its input as rows
(a Dense layer's input as it is; a convolution's receptive fields, im2col) and computes
z = rows W + b with W of shape (R, fan_in, fan_out). Backward (chain rule):
dL/dW = rows^T g, dL/db = g summed over every axis but the replica and the channel axes,
dL/drows = g W^T.

Contract shared with the layers without parameters (pool, flatten): ``params`` / ``grads``
dicts of arrays of equal shapes, ``forward(x)`` keeps what ``backward`` needs,
``backward(grad_out, need_input_grad=True)`` OVERWRITES the gradients in place (``out=``; the
Network re-points params and grads at views of one flat buffer) and returns dL/dx or None,
and ``output_shape(input_shape)`` gives the per-sample output shape or a ShapeError.
"""

from __future__ import annotations

import numpy as np

from ..buffers import OutputBuffers


class ParamLayer:
    """Base of Dense and the convolutions: W (R, fan_in, fan_out), b (R, 1, ..., 1, fan_out).

    ``input``: the x of the last ``forward`` (probes read it; None before the first forward).
    """

    kind = "param"

    def __init__(self, W: np.ndarray, b: np.ndarray):
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.input = None
        self.out = OutputBuffers()  # fresh outputs, or kept ones during training steps

    @property
    def W(self):
        return self.params["W"]

    @property
    def b(self):
        return self.params["b"]

    @property
    def fan_out(self) -> int:
        return self.params["W"].shape[2]

    def affine(self, rows: np.ndarray) -> np.ndarray:
        """rows W + b, for rows of shape (R, n, fan_in) and b broadcasting against the result."""
        params = self.params
        W = params["W"]
        shape = (*rows.shape[:-1], W.shape[2])
        z = np.matmul(rows, W, out=self.out.get("z", shape, _result_dtype(rows, W)))
        z += params["b"]
        return z

    def fill_grads(self, rows: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
        """dW = rows^T g and db = sum of g, written in place; returns g as (R, n, fan_out)."""
        grads = self.grads
        g = (
            grad_out
            if grad_out.ndim == 3
            else grad_out.reshape(grad_out.shape[0], -1, self.fan_out)
        )
        np.matmul(rows.transpose(0, 2, 1), g, out=grads["W"])
        # np.add.reduce: np.sum without its wrapper's overhead
        np.add.reduce(
            grad_out, axis=tuple(range(1, grad_out.ndim - 1)), keepdims=True, out=grads["b"]
        )
        return g

    def rows_grad(self, g: np.ndarray) -> np.ndarray:
        """dL/drows = g W^T."""
        W = self.params["W"]
        shape = (*g.shape[:-1], W.shape[1])
        return np.matmul(
            g, W.transpose(0, 2, 1), out=self.out.get("dx", shape, _result_dtype(g, W))
        )


def _result_dtype(a: np.ndarray, b: np.ndarray):
    """The dtype of a product of a and b (np.result_type, skipped when they agree: per call)."""
    return a.dtype if a.dtype == b.dtype else np.result_type(a, b)
