"""Convolutions (1-D and 2-D), channels-last, as one matrix product per replica (im2col).

Layout has the replica axis first: a 1-D signal is (R, B, L, C), an image (R, B, H, W, C).
Every receptive field of the input is copied into a row of ``cols`` (flattened as (K..., C_in))
and out = cols W + b with W of shape (R, K*C_in, C_out) (Chellapilla et al. 2006). Backward is
the same product turned around (actlab.layers.base): dW = cols^T g, db = sum g, dcols = g W^T,
and dcols is added back into the input positions it was read from (col2im) with one strided
slice per kernel offset: K is small.
"""

from __future__ import annotations

import math
from itertools import product

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import ParameterError
from .base import ParamLayer
from .shapes import (
    ShapeError,
    checked_spatial_out,
    fmt,
    int_tuple,
    pads,
    positive_int,
    spatial_input,
    window_output,
    window_slices,
)


def conv_output_shape(label, input_shape, kernel, stride, pads, in_channels, out_channels):
    """Per-sample output shape (*spatial_out, out_channels) of a convolution, or ShapeError."""
    n = len(kernel)
    shape = spatial_input(label, input_shape, n)
    if in_channels is not None and shape[-1] != in_channels:
        raise ShapeError(
            label,
            f"input has {shape[-1]} channels, the kernel expects {in_channels} "
            f"(input shape {shape})",
        )
    return (*window_output(label, shape[:-1], kernel, stride, pads), int(out_channels))


def conv_fans(kernel_size, in_channels: int, out_channels: int) -> tuple[int, int]:
    """(fan_in, fan_out) of a convolution: receptive field size times channels (torch's rule).

    ``kernel_size`` is an int (1-D) or a tuple. Pass the result as ``init_weights(..., fans=)``
    to draw W of shape (K*C_in, C_out) with the scale a K*C_in -> K*C_out layer would get.
    """
    field = math.prod(kernel_size) if isinstance(kernel_size, (tuple, list)) else int(kernel_size)
    return field * int(in_channels), field * int(out_channels)


class _Conv(ParamLayer):
    """Shared code of Conv1D and Conv2D (``n`` spatial axes); see their docstrings."""

    n = 1
    kind = "conv"

    def __init__(self, W, b, stride=1, padding=0, kernel_size=None, name=None):
        self.name = name or self.kind
        n = self.n
        if W.ndim == n + 3:  # (R, *kernel, C_in, C_out): store the im2col matrix
            kernel = W.shape[1 : 1 + n]
            W = W.reshape(W.shape[0], -1, W.shape[-1])
        elif W.ndim == 3:
            if kernel_size is None:
                raise ParameterError(
                    f"{self.name} kernel_size",
                    None,
                    "the kernel size when W is given as (R, K*C_in, C_out)",
                )
            kernel = int_tuple(self.name, "kernel_size", kernel_size, n)
        else:
            raise ParameterError(
                f"{self.name} W shape",
                W.shape,
                f"(R, K*C_in, C_out) or (R, {fmt(['K'] * n)}, C_in, C_out)",
            )
        self.kernel = tuple(int(k) for k in kernel)
        field = math.prod(self.kernel)
        if W.shape[1] % field:
            raise ParameterError(
                f"{self.name} W shape",
                W.shape,
                f"rows a multiple of the kernel size {fmt(self.kernel)}",
            )
        expected_b = (W.shape[0], *([1] * (n + 1)), W.shape[2])
        if b.shape != expected_b:
            raise ParameterError(f"{self.name} b shape", b.shape, f"{expected_b}")
        self.stride = int_tuple(self.name, "stride", stride, n)
        self.padding = padding
        self.pads = pads(self.name, padding, self.kernel, self.stride)
        super().__init__(W, b)
        self._shapes = {}  # input shape -> output shape, checked once
        self._cols = self._padded_shape = self._out = None

    # --- from an architecture spec (actlab.arch) -------------------------------------------
    @classmethod
    def _geometry(cls, spec, label):
        kernel = int_tuple(label, "kernel", spec["kernel"], cls.n)
        stride = int_tuple(label, "stride", spec.get("stride", 1), cls.n)
        return kernel, stride, pads(label, spec.get("padding", 0), kernel, stride)

    @classmethod
    def shape_from_spec(cls, spec, input_shape, label, widen=1):
        """Output shape of a conv spec (``widen`` x channels before a maxout)."""
        kernel, stride, padding = cls._geometry(spec, label)
        channels = positive_int(label, "channels", spec["channels"]) * widen
        return conv_output_shape(label, input_shape, kernel, stride, padding, None, channels)

    @classmethod
    def from_spec(cls, spec, input_shape, output_shape, draw):
        kernel = int_tuple(cls.kind, "kernel", spec["kernel"], cls.n)
        c_in, c_out = input_shape[-1], output_shape[-1]
        W = draw(math.prod(kernel) * c_in, c_out, fans=conv_fans(kernel, c_in, c_out))
        b = np.zeros((W.shape[0],) + (1,) * (cls.n + 1) + (c_out,), dtype=W.dtype)
        return cls(
            W,
            b,
            stride=spec.get("stride", 1),
            padding=spec.get("padding", 0),
            kernel_size=spec["kernel"],
            name=spec.get("token"),
        )

    # --- the layer -------------------------------------------------------------------------
    @property
    def in_channels(self) -> int:
        return self.W.shape[1] // math.prod(self.kernel)

    @property
    def out_channels(self) -> int:
        return self.W.shape[2]

    def output_shape(self, input_shape) -> tuple[int, ...]:
        """Per-sample output shape (*spatial_out, C_out) for a per-sample input shape."""
        return conv_output_shape(
            self.name,
            input_shape,
            self.kernel,
            self.stride,
            self.pads,
            self.in_channels,
            self.out_channels,
        )

    def _trivial(self) -> bool:
        """A 1x1 kernel, stride 1, no padding: cols is x itself."""
        return (
            all(k == 1 for k in self.kernel)
            and all(s == 1 for s in self.stride)
            and not any(lo or hi for lo, hi in self.pads)
        )

    def forward(self, x: np.ndarray) -> np.ndarray:
        n, (R, B), C_in = self.n, x.shape[:2], x.shape[-1]
        out_spatial = checked_spatial_out(self, x)
        self.input, self._out = x, out_spatial
        if self._trivial():
            cols = x.reshape(R, -1, C_in)
        else:
            if any(lo or hi for lo, hi in self.pads):  # zero border, without np.pad's overhead
                padded = (s + lo + hi for s, (lo, hi) in zip(x.shape[2:], self.pads))
                xp = np.zeros((R, B, *padded, C_in), dtype=x.dtype)
                inner = (slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], self.pads))
                xp[(slice(None), slice(None), *inner)] = x
            else:
                xp = x
            self._padded_shape = xp.shape
            # windows: (R, B, *positions, C_in, *kernel) -> every stride-th position
            windows = sliding_window_view(xp, self.kernel, axis=tuple(range(2, 2 + n)))
            every = tuple(slice(None, None, s) for s in self.stride)
            windows = windows[(slice(None), slice(None), *every)]
            # (R, B, *out, *kernel, C_in): a patch is flattened as (K..., C_in), as W's rows are
            order = (0, 1, *range(2, 2 + n), *range(3 + n, 3 + 2 * n), 2 + n)
            cols = windows.transpose(order).reshape(R, -1, math.prod(self.kernel) * C_in)
        self._cols = cols
        z = np.matmul(cols, self.W).reshape(R, B, *out_spatial, self.out_channels)
        z += self.b
        return z

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        g = self.fill_grads(self._cols, grad_out)
        if not need_input_grad:
            return None
        x_shape = self.input.shape
        if self._trivial():
            return self.rows_grad(g).reshape(x_shape)
        # dcols = g W^T, computed per kernel offset k as g W_k^T with W_k the k-th (C_in, C_out)
        # block of W, so each offset's columns are one contiguous (B, *out, C_in) block: col2im
        # then adds whole blocks into strided slices of dx, much faster than strided-to-strided
        R, B, C_in = g.shape[0], x_shape[1], x_shape[-1]
        field = math.prod(self.kernel)
        W_k = self.W.reshape(R, field, C_in, self.out_channels).transpose(0, 1, 3, 2)
        dcols = np.matmul(g[:, None], W_k).reshape(R, field, B, *self._out, C_in)
        # col2im: add each kernel offset's block back where forward read it
        dxp = np.zeros(self._padded_shape, dtype=dcols.dtype)
        for k, offset in enumerate(product(*(range(k) for k in self.kernel))):
            dxp[window_slices(offset, self.stride, self._out)] += dcols[:, k]
        if dxp.shape == x_shape:
            return dxp
        inner = (slice(lo, lo + s) for s, (lo, _) in zip(x_shape[2:], self.pads))
        return dxp[(slice(None), slice(None), *inner)]

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.in_channels} -> {self.out_channels}, "
            f"kernel={fmt(self.kernel)}, stride={fmt(self.stride)}, "
            f"padding={self.padding!r}, replicas={self.W.shape[0]})"
        )


class Conv1D(_Conv):
    """1-D convolution (cross-correlation, as in deep learning libraries), batched over replicas.

    z[r, b, t, o] = b[r, o] + sum_{k, c} x_pad[r, b, t*stride + k, c] * W[r, k*C_in + c, o]

    x: (R, B, L, C_in) -> z: (R, B, L_out, C_out), L_out = floor((L + 2p - K) / stride) + 1.
    W: (R, K*C_in, C_out), the im2col matrix (rows ordered (k, c)); a (R, K, C_in, C_out) array
    is accepted and reshaped. b: (R, 1, 1, C_out). ``kernel_size`` is needed with the 3-D W.
    padding: an int p (zeros on both ends), "valid" (0) or "same" (stride 1; L_out = L, the odd
    zero on the right for an even K, as torch does).
    Backward: dW = cols^T g, db = sum_{b,t} g, dx = col2im(g W^T).
    Reference: LeCun et al. 1998 (gradient-based learning applied to document recognition);
    im2col: Chellapilla, Puri & Simard 2006.
    """

    n = 1
    kind = "conv1d"

    @property
    def kernel_size(self) -> int:
        return self.kernel[0]


class Conv2D(_Conv):
    """2-D convolution (cross-correlation), channels-last, batched over replicas.

    z[r, b, i, j, o] = b[r, o]
        + sum_{u, v, c} x_pad[r, b, i*sh + u, j*sw + v, c] * W[r, (u*KW + v)*C_in + c, o]

    x: (R, B, H, W, C_in) -> z: (R, B, H_out, W_out, C_out),
    H_out = floor((H + 2ph - KH) / sh) + 1 and likewise W_out.
    W: (R, KH*KW*C_in, C_out), rows ordered (u, v, c); a (R, KH, KW, C_in, C_out) array is
    accepted and reshaped. b: (R, 1, 1, 1, C_out). stride and padding: an int or a pair;
    padding also "valid" or "same" (stride 1).
    Backward: dW = cols^T g, db = sum_{b,i,j} g, dx = col2im(g W^T), one slice per (u, v).
    Reference: LeCun et al. 1998; im2col: Chellapilla, Puri & Simard 2006.
    """

    n = 2
    kind = "conv2d"

    @property
    def kernel_size(self) -> tuple[int, int]:
        return self.kernel
