"""Convolution, pooling and flatten layers, and the architecture strings that stack them.

Layout is channels-last with the replica axis first: a 1-D signal is (R, B, L, C), an image
(R, B, H, W, C). The layers keep the Dense contract (actlab.layers): ``params`` / ``grads``
dicts of arrays of equal shapes, ``forward(x)`` caches what ``backward`` needs, and
``backward(grad_out, need_input_grad=True)`` OVERWRITES the gradients in place (``out=``; the
Network re-points params and grads at views of one flat buffer) and returns dL/dx or None.

A convolution is one matrix product per replica (im2col, Chellapilla et al. 2006): every
receptive field of the input is copied into a row of ``cols`` (flattened as (K..., C_in)), and
out = cols @ W + b with W of shape (R, K*C_in, C_out). Backward is the same product turned
around: dW = cols^T g, db = sum g, dcols = g W^T, and dcols is added back into the input
positions it was read from (col2im) with one strided slice per kernel offset: K is small.

``parse_arch`` reads an architecture string ("conv1d:25x5,relu,maxpool1d:2,flatten,dense:10")
into layer specs and ``infer_shapes`` walks them, so an impossible architecture is refused,
with the layer and the shapes named, before any weight is drawn.
"""

from __future__ import annotations

import math
import re
from itertools import product

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .activations import available_activations, get_activation
from .errors import ActlabError, ParameterError, UnknownNameError

__all__ = [
    "AvgPool1D", "AvgPool2D", "Conv1D", "Conv2D", "Flatten", "MaxPool1D", "MaxPool2D",
    "ShapeError", "conv_fans", "infer_shapes", "parse_arch",
]


class ShapeError(ParameterError):
    """An input or architecture whose shapes do not fit a layer.

    The message reads ``<layer>: <what does not fit, with the shapes>``, e.g.
    ``conv1d layer 2: kernel 7 larger than its input length 5 (padding 0)``.
    """

    def __init__(self, layer: str, message: str):
        self.parameter, self.value, self.allowed = layer, None, message
        ActlabError.__init__(self, f"{layer}: {message}")


# ---------------------------------------------------------------------------------------------
# shape arithmetic, shared by the layers and by infer_shapes

_AXES = {1: ("length",), 2: ("height", "width")}


def _positive_int(label: str, what: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ParameterError(f"{label} {what}", value, "a positive integer")
    return int(value)


def _tuple(label: str, what: str, value, n: int) -> tuple[int, ...]:
    """An int or an n-tuple of positive ints, as an n-tuple."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n:
        raise ParameterError(f"{label} {what}", value, f"a positive integer or {n} of them")
    return tuple(_positive_int(label, what, v) for v in values)


def _pads(label: str, padding, kernel: tuple[int, ...], stride: tuple[int, ...]):
    """((lo, hi), ...) per spatial axis from an int, an n-tuple, 'same' or 'valid'."""
    n = len(kernel)
    allowed = "an integer >= 0" + (", a pair" if n > 1 else "") + ", 'same' (stride 1) or 'valid'"
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ParameterError(f"{label} padding", padding, allowed,
                                     f"stride is {_fmt(stride)}")
            return tuple(((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel)  # as torch
        raise ParameterError(f"{label} padding", padding, allowed)
    values = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * n
    if len(values) != n or any(
        isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 0 for p in values
    ):
        raise ParameterError(f"{label} padding", padding, allowed)
    return tuple((int(p), int(p)) for p in values)


def _fmt(values) -> str:
    """(5,) -> '5', (3, 4) -> '3x4'."""
    return "x".join(str(v) for v in values)


def _spatial_input(label: str, input_shape, n: int) -> tuple[int, ...]:
    """Check a per-sample shape (*spatial, channels) with n spatial axes; return it as ints."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != n + 1:
        names = ", ".join((*_AXES[n], "channels"))
        hint = "; a flat input needs reshaping, and nothing spatial follows flatten or dense" \
            if len(shape) == 1 else ""
        raise ShapeError(label, f"needs input ({names}); got shape {shape}{hint}")
    if any(s <= 0 for s in shape):
        raise ShapeError(label, f"input shape {shape} has an empty axis")
    return shape


def _window_output(label, spatial, window, stride, pads, what="kernel"):
    """floor((in + lo + hi - window) / stride) + 1 per axis; refuses a window above its input."""
    n = len(spatial)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    if any(w > p for w, p in zip(window, padded)):
        where = (f"input {' x '.join(_AXES[n])} {_fmt(spatial)}" if n > 1
                 else f"input length {spatial[0]}")
        padding = f" (padding {_fmt(lo for lo, _ in pads)})" if what == "kernel" else ""
        raise ShapeError(label, f"{what} {_fmt(window)} larger than its {where}{padding}")
    return tuple((p - w) // s + 1 for p, w, s in zip(padded, window, stride))


def conv_output_shape(label, input_shape, kernel, stride, pads, in_channels, out_channels):
    """Per-sample output shape (*spatial_out, out_channels) of a convolution, or ShapeError."""
    n = len(kernel)
    shape = _spatial_input(label, input_shape, n)
    if in_channels is not None and shape[-1] != in_channels:
        raise ShapeError(label, f"input has {shape[-1]} channels, the kernel expects "
                                f"{in_channels} (input shape {shape})")
    return (*_window_output(label, shape[:-1], kernel, stride, pads), int(out_channels))


def pool_output_shape(label, input_shape, size, stride):
    """Per-sample output shape (*spatial_out, channels) of a pooling layer, or ShapeError."""
    n = len(size)
    shape = _spatial_input(label, input_shape, n)
    return (*_window_output(label, shape[:-1], size, stride, ((0, 0),) * n, "pool"), shape[-1])


def conv_fans(kernel_size, in_channels: int, out_channels: int) -> tuple[int, int]:
    """(fan_in, fan_out) of a convolution: receptive field size times channels (torch's rule).

    ``kernel_size`` is an int (1-D) or a tuple. Pass the result as ``init_weights(..., fans=)``
    to draw W of shape (K*C_in, C_out) with the scale a K*C_in -> K*C_out layer would get.
    """
    field = math.prod(kernel_size) if isinstance(kernel_size, (tuple, list)) else int(kernel_size)
    return field * int(in_channels), field * int(out_channels)


def _slices(offset, stride, out_spatial):
    """Index of the input positions that kernel offset ``offset`` reads, for every output."""
    return (slice(None), slice(None),
            *(slice(o, o + s * (m - 1) + 1, s) for o, s, m in zip(offset, stride, out_spatial)),
            slice(None))


# ---------------------------------------------------------------------------------------------
# convolution


def _checked_spatial_out(layer, x) -> tuple[int, ...]:
    """The output's spatial shape for x (R, B, *spatial, C), checked once per input shape."""
    key = x.shape[2:]
    out = layer._shapes.get(key)
    if out is None:
        if x.ndim != layer.n + 3:
            raise ShapeError(layer.name, f"needs x of shape (R, B, {', '.join(_AXES[layer.n])},"
                                         f" channels); got {x.shape}")
        out = layer._shapes[key] = layer.output_shape(key)
    return out[:-1]


class _Conv:
    """Shared code of Conv1D and Conv2D (``n`` spatial axes); see their docstrings."""

    n = 1
    kind = "conv"

    def __init__(self, W, b, stride=1, padding=0, kernel_size=None, name=None):
        self.name = name or self.kind
        n = self.n
        if W.ndim == n + 3:  # (R, *kernel, C_in, C_out): store the im2col matrix
            kernel = W.shape[1:1 + n]
            W = W.reshape(W.shape[0], -1, W.shape[-1])
        elif W.ndim == 3:
            if kernel_size is None:
                raise ParameterError(f"{self.name} kernel_size", None,
                                     "the kernel size when W is given as (R, K*C_in, C_out)")
            kernel = _tuple(self.name, "kernel_size", kernel_size, n)
        else:
            raise ParameterError(f"{self.name} W shape", W.shape,
                                 f"(R, K*C_in, C_out) or (R, {_fmt(['K'] * n)}, C_in, C_out)")
        self.kernel = tuple(int(k) for k in kernel)
        field = math.prod(self.kernel)
        if W.shape[1] % field:
            raise ParameterError(f"{self.name} W shape", W.shape,
                                 f"rows a multiple of the kernel size {_fmt(self.kernel)}")
        expected_b = (W.shape[0], *([1] * (n + 1)), W.shape[2])
        if b.shape != expected_b:
            raise ParameterError(f"{self.name} b shape", b.shape, f"{expected_b}")
        self.stride = _tuple(self.name, "stride", stride, n)
        self.padding = padding
        self.pads = _pads(self.name, padding, self.kernel, self.stride)
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self._shapes = {}  # input shape -> output shape, checked once
        self._cols = self._x_shape = self._padded_shape = self._out = None

    @property
    def W(self):
        return self.params["W"]

    @property
    def b(self):
        return self.params["b"]

    @property
    def in_channels(self) -> int:
        return self.W.shape[1] // math.prod(self.kernel)

    @property
    def out_channels(self) -> int:
        return self.W.shape[2]

    def output_shape(self, input_shape) -> tuple[int, ...]:
        """Per-sample output shape (*spatial_out, C_out) for a per-sample input shape."""
        return conv_output_shape(self.name, input_shape, self.kernel, self.stride, self.pads,
                                 self.in_channels, self.out_channels)

    def _checked(self, x):
        return _checked_spatial_out(self, x)

    def _trivial(self) -> bool:
        """A 1x1 kernel, stride 1, no padding: cols is x itself."""
        return (all(k == 1 for k in self.kernel) and all(s == 1 for s in self.stride)
                and not any(lo or hi for lo, hi in self.pads))

    def forward(self, x: np.ndarray) -> np.ndarray:
        n, (R, B), C_in = self.n, x.shape[:2], x.shape[-1]
        out_spatial = self._checked(x)
        self._x_shape, self._out = x.shape, out_spatial
        if self._trivial():
            cols = x.reshape(R, -1, C_in)
        else:
            if any(lo or hi for lo, hi in self.pads):  # zero border, without np.pad's overhead
                xp = np.zeros((R, B, *(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], self.pads)),
                               C_in), dtype=x.dtype)
                xp[(slice(None), slice(None),
                    *(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], self.pads)))] = x
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
        R = grad_out.shape[0]
        g = grad_out.reshape(R, -1, self.out_channels)
        np.matmul(self._cols.transpose(0, 2, 1), g, out=self.grads["W"])
        np.add.reduce(grad_out, axis=tuple(range(1, self.n + 2)), keepdims=True,
                      out=self.grads["b"])
        if not need_input_grad:
            return None
        if self._trivial():
            return np.matmul(g, self.W.transpose(0, 2, 1)).reshape(self._x_shape)
        # dcols = g W^T, computed per kernel offset k as g W_k^T with W_k the k-th (C_in, C_out)
        # block of W, so each offset's columns are one contiguous (B, *out, C_in) block: col2im
        # then adds whole blocks into strided slices of dx, much faster than strided-to-strided
        B, C_in = self._x_shape[1], self._x_shape[-1]
        field = math.prod(self.kernel)
        W_k = self.W.reshape(R, field, C_in, self.out_channels).transpose(0, 1, 3, 2)
        dcols = np.matmul(g[:, None], W_k).reshape(R, field, B, *self._out, C_in)
        # col2im: add each kernel offset's block back where forward read it
        dxp = np.zeros(self._padded_shape, dtype=dcols.dtype)
        for k, offset in enumerate(product(*(range(k) for k in self.kernel))):
            dxp[_slices(offset, self.stride, self._out)] += dcols[:, k]
        if dxp.shape == self._x_shape:
            return dxp
        return dxp[(slice(None), slice(None),
                    *(slice(lo, lo + s) for s, (lo, _) in zip(self._x_shape[2:], self.pads)))]

    def __repr__(self):
        return (f"{type(self).__name__}({self.in_channels} -> {self.out_channels}, "
                f"kernel={_fmt(self.kernel)}, stride={_fmt(self.stride)}, "
                f"padding={self.padding!r}, replicas={self.W.shape[0]})")


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


# ---------------------------------------------------------------------------------------------
# pooling and flatten: no parameters


class _Pool:
    """Shared code of the pooling layers: a ``size`` window moved by ``stride`` (default size)."""

    n = 1
    kind = "pool"

    def __init__(self, size, stride=None, name=None):
        self.name = name or self.kind
        self.size = _tuple(self.name, "size", size, self.n)
        self.stride = self.size if stride is None else _tuple(self.name, "stride", stride, self.n)
        self.params, self.grads = {}, {}
        self._shapes = {}
        self._x_shape = self._out = None

    def output_shape(self, input_shape) -> tuple[int, ...]:
        """Per-sample output shape (*spatial_out, C) for a per-sample input shape."""
        return pool_output_shape(self.name, input_shape, self.size, self.stride)

    def _checked(self, x):
        return _checked_spatial_out(self, x)

    def _offsets(self):
        return list(product(*(range(k) for k in self.size)))

    def __repr__(self):
        return f"{type(self).__name__}(size={_fmt(self.size)}, stride={_fmt(self.stride)})"


class _MaxPool(_Pool):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = out_spatial = self._checked(x)
        self._x_shape = x.shape
        offsets = self._offsets()
        out = x[_slices(offsets[0], self.stride, out_spatial)].copy()
        # which offset won, per output: the first maximum (strict >), as torch
        self._argmax = idx = np.zeros(out.shape, dtype=np.int16 if len(offsets) > 127 else np.int8)
        for k, offset in enumerate(offsets[1:], 1):
            xs = x[_slices(offset, self.stride, out_spatial)]
            np.copyto(idx, k, where=xs > out)
            np.maximum(out, xs, out=out)  # propagates NaN, so a diverged replica stays visible
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        if not need_input_grad:
            return None
        dx = np.zeros(self._x_shape, dtype=grad_out.dtype)
        for k, offset in enumerate(self._offsets()):
            dx[_slices(offset, self.stride, self._out)] += np.where(self._argmax == k, grad_out, 0)
        return dx


class _AvgPool(_Pool):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = out_spatial = self._checked(x)
        self._x_shape = x.shape
        offsets = self._offsets()
        out = x[_slices(offsets[0], self.stride, out_spatial)].copy()
        for offset in offsets[1:]:
            out += x[_slices(offset, self.stride, out_spatial)]
        out *= 1.0 / len(offsets)
        return out

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        if not need_input_grad:
            return None
        share = grad_out * (1.0 / math.prod(self.size))
        dx = np.zeros(self._x_shape, dtype=share.dtype)
        for offset in self._offsets():
            dx[_slices(offset, self.stride, self._out)] += share
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

    def __init__(self, name=None):
        self.name = name or self.kind
        self.params, self.grads = {}, {}
        self._x_shape = None

    def output_shape(self, input_shape) -> tuple[int, ...]:
        shape = tuple(int(s) for s in input_shape)
        if any(s <= 0 for s in shape):
            raise ShapeError(self.name, f"input shape {shape} has an empty axis")
        return (math.prod(shape),)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x_shape = x.shape
        return x.reshape(*x.shape[:2], -1)

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True):
        return grad_out.reshape(self._x_shape) if need_input_grad else None

    def __repr__(self):
        return "Flatten()"


# ---------------------------------------------------------------------------------------------
# architecture strings

_NUM = r"(\d+)"
_PAIR = r"(\d+)(?:x(\d+))?"
_FORMS = {
    "conv1d": "conv1d:CHANNELSxKERNEL[:sSTRIDE][:pPADDING|:same|:valid]",
    "conv2d": "conv2d:CHANNELSxK[xK2][:sS[xS2]][:pP[xP2]|:same|:valid]",
    "pool1d": "{kind}:SIZE[:sSTRIDE]",
    "pool2d": "{kind}:SIZE[xSIZE2][:sS[xS2]]",
    "dense": "dense:UNITS",
    "flatten": "flatten",
}
_LAYERS = ("conv1d", "conv2d", "maxpool1d", "avgpool1d", "maxpool2d", "avgpool2d",
           "flatten", "dense")
LAYER_CLASSES = {"conv1d": Conv1D, "conv2d": Conv2D, "maxpool1d": MaxPool1D,
                 "avgpool1d": AvgPool1D, "maxpool2d": MaxPool2D, "avgpool2d": AvgPool2D,
                 "flatten": Flatten}


def _ints(match, groups, label, token, allowed, zero_ok=False):
    values = tuple(int(match.group(g)) for g in groups if match.group(g) is not None)
    if any(v < 0 or (v == 0 and not zero_ok) for v in values):
        raise ParameterError("arch", token, allowed, f"{label} must be positive")
    return values


def _parse_conv(token: str, n: int) -> dict:
    kind = f"conv{n}d"
    allowed = _FORMS[kind]
    size = _PAIR if n == 2 else _NUM
    pattern = (rf"{kind}:(\d+)x{size}(?::s{size})?(?::(?:p{size}|(same|valid)))?")
    m = re.fullmatch(pattern, token)
    if m is None:
        raise ParameterError("arch", token, allowed)
    g = 1
    channels = _ints(m, [g], "channels", token, allowed)[0]
    kernel = _ints(m, range(g + 1, g + 1 + n), "kernel", token, allowed)
    stride = _ints(m, range(g + 1 + n, g + 1 + 2 * n), "stride", token, allowed) or (1,)
    pads = _ints(m, range(g + 1 + 2 * n, g + 1 + 3 * n), "padding", token, allowed, True) or (0,)
    named = m.group(g + 1 + 3 * n)
    if n == 2:  # "3" means 3x3
        kernel, stride, pads = (v * 2 if len(v) == 1 else v for v in (kernel, stride, pads))
    padding = named if named else (pads if n == 2 else pads[0])
    stride = stride if n == 2 else stride[0]
    if named == "same" and stride not in (1, (1, 1)):
        raise ParameterError("arch", token, allowed, "'same' padding needs stride 1")
    return {"kind": kind, "token": token, "channels": channels,
            "kernel": kernel if n == 2 else kernel[0], "stride": stride, "padding": padding}


def _parse_pool(token: str, kind: str, n: int) -> dict:
    allowed = _FORMS[f"pool{n}d"].format(kind=kind)
    size = _PAIR if n == 2 else _NUM
    m = re.fullmatch(rf"{kind}:{size}(?::s{size})?", token)
    if m is None:
        raise ParameterError("arch", token, allowed)
    sizes = _ints(m, range(1, 1 + n), "size", token, allowed)
    stride = _ints(m, range(1 + n, 1 + 2 * n), "stride", token, allowed) or None
    if n == 2:
        sizes = sizes * 2 if len(sizes) == 1 else sizes
        stride = stride * 2 if stride is not None and len(stride) == 1 else stride
    else:
        sizes, stride = sizes[0], stride[0] if stride else None
    return {"kind": kind, "token": token, "size": sizes, "stride": stride}


def parse_arch(text: str) -> list[dict]:
    """Layer specs from an architecture string; a one-line ParameterError names a bad token.

    Grammar (comma-separated tokens, no spaces needed; case-insensitive)::

        arch    := token ("," token)*
        token   := conv1d:CxK[:sS][:pP | :same | :valid]
                 | conv2d:CxK[xK2][:sS[xS2]][:pP[xP2] | :same | :valid]   (K means KxK)
                 | maxpool1d:N[:sS] | avgpool1d:N[:sS]                  (stride defaults to N)
                 | maxpool2d:N[xN2][:sS[xS2]] | avgpool2d:N[xN2][:sS[xS2]]
                 | flatten
                 | dense:N
                 | act                       (the activation being compared)
                 | NAME[:VALUE]              (a registered activation: relu, leaky_relu:0.1,
                                              maxout:2, ... as actlab.activations.get_activation)

    Example: "conv1d:25x5,relu,conv1d:25x3:s2,relu,maxpool1d:2,flatten,dense:10".

    Specs are dicts with "kind" and "token": conv1d/conv2d {channels, kernel, stride,
    padding}, pools {size, stride (None = size)}, dense {units}, flatten {}, activation
    {name}, act {}. 1-D values are ints, 2-D values pairs; padding may be "same" or "valid".
    """
    if not isinstance(text, str) or not text.strip():
        raise ParameterError("arch", text, "comma-separated layers, e.g. "
                             "'conv1d:25x5,relu,maxpool1d:2,flatten,dense:10'")
    specs = []
    for raw in text.split(","):
        token = raw.strip().lower()
        name = token.partition(":")[0]
        if not token:
            raise ParameterError("arch", text, "comma-separated layers", "an empty layer")
        if name in ("conv1d", "conv2d"):
            specs.append(_parse_conv(token, int(name[4])))
        elif name in ("maxpool1d", "avgpool1d", "maxpool2d", "avgpool2d"):
            specs.append(_parse_pool(token, name, int(name[-2])))
        elif name == "dense":
            m = re.fullmatch(r"dense:(\d+)", token)
            if m is None or int(m.group(1)) == 0:
                raise ParameterError("arch", token, _FORMS["dense"] + " with UNITS > 0")
            specs.append({"kind": "dense", "token": token, "units": int(m.group(1))})
        elif token in ("flatten", "act"):
            specs.append({"kind": token, "token": token})
        elif name == "flatten" or name == "act":
            raise ParameterError("arch", token, f"{name!r} without ':value'")
        else:
            if name not in available_activations(include_aliases=True):
                forms = [*_LAYERS, "act", *available_activations()]
                raise UnknownNameError("arch", token, forms)
            try:
                get_activation(token)
            except ParameterError as exc:
                raise ParameterError("arch", token, exc.allowed, exc.parameter) from None
            specs.append({"kind": "activation", "token": token, "name": token})
    return specs


def _pieces(spec, act) -> int:
    if spec["kind"] == "activation":
        return get_activation(spec["name"]).pieces
    if spec["kind"] == "act" and act is not None:
        return get_activation(act).pieces
    return 1


def infer_shapes(specs, input_shape, act=None) -> list[tuple[int, ...]]:
    """Per-sample output shape of every spec, from ``input_shape`` on; ShapeError if impossible.

    ``specs``: parse_arch's list (or the string itself). ``input_shape``: one sample, e.g.
    (40, 1) for a 1-D signal, (8, 8, 1) for an image, (64,) for a vector. ``act``: the
    activation ``act`` stands for (a name or instance; None = shape-preserving).

    Maxout follows the Dense rule of the DESIGN: a conv or dense directly before a k-piece
    maxout produces k times its channels / units (its shape here says so), and the maxout
    brings them back, so "conv1d:25x5,maxout:2" gives 25 channels. A maxout after anything
    else (pool, flatten, another activation) needs a channel count divisible by k.
    Errors name the layer by kind, 1-based position and token, and give the shapes.
    """
    if isinstance(specs, str):
        specs = parse_arch(specs)
    shape = tuple(int(s) for s in input_shape)
    if not shape or any(s <= 0 for s in shape):
        raise ParameterError("input_shape", input_shape, "positive sizes, e.g. (40, 1)")
    shapes = []
    for i, spec in enumerate(specs):
        kind = spec["kind"]
        label = f"{kind} layer {i + 1} '{spec.get('token', kind)}'"
        following = specs[i + 1] if i + 1 < len(specs) else None
        widen = _pieces(following, act) if following is not None else 1
        if kind in ("conv1d", "conv2d"):
            n = int(kind[4])
            kernel = _tuple(label, "kernel", spec["kernel"], n)
            stride = _tuple(label, "stride", spec.get("stride", 1), n)
            pads = _pads(label, spec.get("padding", 0), kernel, stride)
            channels = _positive_int(label, "channels", spec["channels"]) * widen
            shape = conv_output_shape(label, shape, kernel, stride, pads, None, channels)
        elif kind in ("maxpool1d", "avgpool1d", "maxpool2d", "avgpool2d"):
            n = int(kind[-2])
            size = _tuple(label, "size", spec["size"], n)
            stride = spec.get("stride")
            stride = size if stride is None else _tuple(label, "stride", stride, n)
            shape = pool_output_shape(label, shape, size, stride)
        elif kind == "flatten":
            shape = (math.prod(shape),)
        elif kind == "dense":
            if len(shape) != 1:
                raise ShapeError(label, f"dense needs flat input; add flatten before it "
                                        f"(input shape {shape})")
            shape = (_positive_int(label, "units", spec["units"]) * widen,)
        elif kind in ("activation", "act"):
            pieces = _pieces(spec, act)
            if pieces > 1:
                produced_here = i > 0 and specs[i - 1]["kind"] in ("conv1d", "conv2d", "dense")
                if not produced_here and shape[-1] % pieces:
                    raise ShapeError(label, f"maxout with {pieces} pieces needs a channel count "
                                            f"divisible by {pieces}; got {shape[-1]} "
                                            f"(input shape {shape})")
                shape = (*shape[:-1], shape[-1] // pieces)
        else:
            raise ParameterError("arch layer kind", kind,
                                 ", ".join((*_LAYERS, "activation", "act")))
        shapes.append(shape)
    return shapes
