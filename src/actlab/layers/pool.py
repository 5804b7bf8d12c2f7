"""Pooling (max and average, 1-D and 2-D) and flatten: layers without parameters."""

from __future__ import annotations

import math
from itertools import product

import numpy as np

from .shapes import (
    ShapeError,
    checked_spatial_out,
    fmt,
    int_tuple,
    spatial_input,
    window_output,
    window_slices,
)


def pool_output_shape(label, input_shape, size, stride):
    """Per-sample output shape (*spatial_out, channels) of a pooling layer, or ShapeError."""
    n = len(size)
    shape = spatial_input(label, input_shape, n)
    return (*window_output(label, shape[:-1], size, stride, ((0, 0),) * n, "pool"), shape[-1])


class _Pool:
    """Shared code of the pooling layers: a ``size`` window moved by ``stride`` (default size)."""

    n = 1
    kind = "pool"

    def __init__(self, size, stride=None, name=None):
        self.name = name or self.kind
        self.size = int_tuple(self.name, "size", size, self.n)
        self.stride = (
            self.size if stride is None else int_tuple(self.name, "stride", stride, self.n)
        )
        self.params, self.grads = {}, {}
        self._shapes = {}
        self.input = self._out = None

    @classmethod
    def shape_from_spec(cls, spec, input_shape, label, widen=1):
        size = int_tuple(label, "size", spec["size"], cls.n)
        stride = spec.get("stride")
        stride = size if stride is None else int_tuple(label, "stride", stride, cls.n)
        return pool_output_shape(label, input_shape, size, stride)

    @classmethod
    def from_spec(cls, spec, input_shape, output_shape, draw):
        return cls(spec["size"], spec.get("stride"), name=spec.get("token"))

    def output_shape(self, input_shape) -> tuple[int, ...]:
        """Per-sample output shape (*spatial_out, C) for a per-sample input shape."""
        return pool_output_shape(self.name, input_shape, self.size, self.stride)

    def _offsets(self):
        return list(product(*(range(k) for k in self.size)))

    def __repr__(self):
        return f"{type(self).__name__}(size={fmt(self.size)}, stride={fmt(self.stride)})"


class _MaxPool(_Pool):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = out_spatial = checked_spatial_out(self, x)
        self.input = x
        offsets = self._offsets()
        out = x[window_slices(offsets[0], self.stride, out_spatial)].copy()
        # which offset won, per output: the first maximum (strict >), as torch
        self._argmax = idx = np.zeros(out.shape, dtype=np.int16 if len(offsets) > 127 else np.int8)
        for k, offset in enumerate(offsets[1:], 1):
            xs = x[window_slices(offset, self.stride, out_spatial)]
            np.copyto(idx, k, where=xs > out)
            np.maximum(out, xs, out=out)  # propagates NaN, so a diverged replica stays visible
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        if not need_input_grad:
            return None
        dx = np.zeros(self.input.shape, dtype=grad_out.dtype)
        for k, offset in enumerate(self._offsets()):
            dx[window_slices(offset, self.stride, self._out)] += np.where(
                self._argmax == k, grad_out, 0
            )
        return dx


class _AvgPool(_Pool):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = out_spatial = checked_spatial_out(self, x)
        self.input = x
        offsets = self._offsets()
        out = x[window_slices(offsets[0], self.stride, out_spatial)].copy()
        for offset in offsets[1:]:
            out += x[window_slices(offset, self.stride, out_spatial)]
        out *= 1.0 / len(offsets)
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        if not need_input_grad:
            return None
        share = grad_out * (1.0 / math.prod(self.size))
        dx = np.zeros(self.input.shape, dtype=share.dtype)
        for offset in self._offsets():
            dx[window_slices(offset, self.stride, self._out)] += share
        return dx


class MaxPool1D(_MaxPool):
    """1-D max pooling: y[r, b, t, c] = max_{k < size} x[r, b, t*stride + k, c].

    x: (R, B, L, C) -> (R, B, L_out, C), L_out = floor((L - size) / stride) + 1; stride defaults
    to size (windows side by side). No parameters. Backward routes each output's gradient to the
    first position of its maximum; overlapping windows (stride < size) add up.
    Reference: LeCun et al. 1998 (subsampling); max pooling: Ranzato et al. 2007.
    """

    n = 1
    kind = "maxpool1d"


class MaxPool2D(_MaxPool):
    """2-D max pooling: y[r, b, i, j, c] = max_{u, v} x[r, b, i*sh + u, j*sw + v, c].

    x: (R, B, H, W, C) -> (R, B, H_out, W_out, C); size and stride an int or a pair (stride
    defaults to size). Backward routes each gradient to the first maximum (row-major order).
    Reference: Ranzato et al. 2007; LeCun et al. 1998.
    """

    n = 2
    kind = "maxpool2d"


class AvgPool1D(_AvgPool):
    """1-D average pooling: y[r, b, t, c] = mean_{k < size} x[r, b, t*stride + k, c].

    x: (R, B, L, C) -> (R, B, L_out, C); stride defaults to size. Backward spreads each
    output's gradient evenly, g / size, over its window. Reference: LeCun et al. 1998.
    """

    n = 1
    kind = "avgpool1d"


class AvgPool2D(_AvgPool):
    """2-D average pooling: y[r, b, i, j, c] = mean_{u, v} x[r, b, i*sh + u, j*sw + v, c].

    x: (R, B, H, W, C) -> (R, B, H_out, W_out, C); backward spreads g / (size_h * size_w).
    Reference: LeCun et al. 1998.
    """

    n = 2
    kind = "avgpool2d"


class Flatten:
    """Flatten: (R, B, d1, d2, ...) -> (R, B, d1 * d2 * ...), row-major (channels fastest).

    No parameters; backward reshapes the gradient back to the input's shape.
    """

    kind = "flatten"
    n = 0  # takes any input

    def __init__(self, name=None):
        self.name = name or self.kind
        self.params, self.grads = {}, {}
        self.input = None

    @classmethod
    def shape_from_spec(cls, spec, input_shape, label, widen=1):
        return (math.prod(input_shape),)

    @classmethod
    def from_spec(cls, spec, input_shape, output_shape, draw):
        return cls(name=spec.get("token"))

    def output_shape(self, input_shape) -> tuple[int, ...]:
        shape = tuple(int(s) for s in input_shape)
        if any(s <= 0 for s in shape):
            raise ShapeError(self.name, f"input shape {shape} has an empty axis")
        return (math.prod(shape),)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.input = x
        return x.reshape(*x.shape[:2], -1)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        return grad_out.reshape(self.input.shape) if need_input_grad else None

    def __repr__(self):
        return "Flatten()"
