"""Shape arithmetic shared by the layers and by the architecture grammar (actlab.arch).

A per-sample shape has no replica or batch axis: (features,) for a vector, (length, channels)
for a 1-D signal, (height, width, channels) for an image (channels-last).
"""

from __future__ import annotations

from ..errors import ActlabError, ParameterError, check_int, is_int

AXES = {1: ("length",), 2: ("height", "width")}


class ShapeError(ParameterError):
    """An input or architecture whose shapes do not fit a layer.

    The message reads ``<layer>: <what does not fit, with the shapes>``, e.g.
    ``conv1d layer 2: kernel 7 larger than its input length 5 (padding 0)``.
    """

    def __init__(self, layer: str, message: str):
        self.parameter, self.value, self.allowed = layer, None, message
        ActlabError.__init__(self, f"{layer}: {message}")


def positive_int(label: str, what: str, value) -> int:
    return check_int(f"{label} {what}", value)


def int_tuple(label: str, what: str, value, n: int) -> tuple[int, ...]:
    """An int or an n-tuple of positive ints, as an n-tuple."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n:
        raise ParameterError(f"{label} {what}", value, f"a positive integer or {n} of them")
    return tuple(positive_int(label, what, v) for v in values)


def fmt(values) -> str:
    """(5,) -> '5', (3, 4) -> '3x4'."""
    return "x".join(str(v) for v in values)


def pads(label: str, padding, kernel: tuple[int, ...], stride: tuple[int, ...]):
    """((lo, hi), ...) per spatial axis from an int, an n-tuple, 'same' or 'valid'."""
    n = len(kernel)
    allowed = "an integer >= 0" + (", a pair" if n > 1 else "") + ", 'same' (stride 1) or 'valid'"
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ParameterError(
                    f"{label} padding", padding, allowed, f"stride is {fmt(stride)}"
                )
            return tuple(((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel)  # as torch
        raise ParameterError(f"{label} padding", padding, allowed)
    values = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * n
    if len(values) != n or any(not is_int(p) or p < 0 for p in values):
        raise ParameterError(f"{label} padding", padding, allowed)
    return tuple((int(p), int(p)) for p in values)


def spatial_input(label: str, input_shape, n: int) -> tuple[int, ...]:
    """Check a per-sample shape (*spatial, channels) with n spatial axes; return it as ints."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) != n + 1:
        names = ", ".join((*AXES[n], "channels"))
        hint = (
            "; a flat input needs reshaping, and nothing spatial follows flatten or dense"
            if len(shape) == 1
            else ""
        )
        raise ShapeError(label, f"needs input ({names}); got shape {shape}{hint}")
    if any(s <= 0 for s in shape):
        raise ShapeError(label, f"input shape {shape} has an empty axis")
    return shape


def window_output(label, spatial, window, stride, pads, what="kernel"):
    """floor((in + lo + hi - window) / stride) + 1 per axis; refuses a window above its input."""
    n = len(spatial)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    if any(w > p for w, p in zip(window, padded)):
        where = (
            f"input {' x '.join(AXES[n])} {fmt(spatial)}" if n > 1 else f"input length {spatial[0]}"
        )
        padding = f" (padding {fmt(lo for lo, _ in pads)})" if what == "kernel" else ""
        raise ShapeError(label, f"{what} {fmt(window)} larger than its {where}{padding}")
    return tuple((p - w) // s + 1 for p, w, s in zip(padded, window, stride))


def window_slices(offset, stride, out_spatial):
    """Index of the input positions that window offset ``offset`` reads, for every output."""
    return (
        slice(None),
        slice(None),
        *(slice(o, o + s * (m - 1) + 1, s) for o, s, m in zip(offset, stride, out_spatial)),
        slice(None),
    )


def checked_spatial_out(layer, x) -> tuple[int, ...]:
    """The output's spatial shape for x (R, B, *spatial, C), checked once per input shape."""
    key = x.shape[2:]
    out = layer._shapes.get(key)
    if out is None:
        if x.ndim != layer.n + 3:
            raise ShapeError(
                layer.name,
                f"needs x of shape (R, B, {', '.join(AXES[layer.n])}, channels); got {x.shape}",
            )
        out = layer._shapes[key] = layer.output_shape(key)
    return out[:-1]
