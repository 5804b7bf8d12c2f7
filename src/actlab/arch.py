"""Architecture strings -> layer specs -> shapes; the one table from a layer kind to its class.

``parse_arch`` reads "conv1d:25x5,relu,maxpool1d:2,flatten,dense:10" into layer specs (dicts
with "kind" and "token"), ``infer_shapes`` folds each layer's output shape from the input
shape on, so an impossible architecture is refused, with the layer and the shapes named,
before any weight is drawn. An MLP's ``hidden=[...]`` is an architecture too (``mlp_specs``),
so the Network has one build path. Every layer class answers for its own kind:
``shape_from_spec`` (its output shape) and ``from_spec`` (the layer, weights drawn by the
caller's ``draw``).
"""

from __future__ import annotations

import re

from .activations import available_activations, get_activation
from .errors import ParameterError, UnknownNameError
from .layers import (
    AvgPool1D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    Dense,
    Flatten,
    MaxPool1D,
    MaxPool2D,
    ParamLayer,
    ShapeError,
)

# the one place that maps a layer kind to its class (activations: "act" and NAME[:VALUE])
LAYER_KINDS = {
    cls.kind: cls
    for cls in (Conv1D, Conv2D, MaxPool1D, AvgPool1D, MaxPool2D, AvgPool2D, Flatten, Dense)
}
ACTIVATION_KINDS = ("act", "activation")  # "act": the activation being compared

_NUM = r"(\d+)"
_PAIR = r"(\d+)(?:x(\d+))?"


def _form(cls) -> str:
    """The token grammar of one layer class (for messages and parse_arch's docstring)."""
    if cls is Dense:
        return f"{cls.kind}:UNITS"
    if cls is Flatten:
        return cls.kind
    conv = cls in (Conv1D, Conv2D)
    if cls.n == 1:
        return (
            f"{cls.kind}:CHANNELSxKERNEL[:sSTRIDE][:pPADDING|:same|:valid]"
            if conv
            else (f"{cls.kind}:SIZE[:sSTRIDE]")
        )
    return (
        f"{cls.kind}:CHANNELSxK[xK2][:sS[xS2]][:pP[xP2]|:same|:valid]"
        if conv
        else (f"{cls.kind}:SIZE[xSIZE2][:sS[xS2]]")
    )


def _ints(match, groups, label, token, allowed, zero_ok=False):
    values = tuple(int(match.group(g)) for g in groups if match.group(g) is not None)
    if any(v < 0 or (v == 0 and not zero_ok) for v in values):
        raise ParameterError("arch", token, allowed, f"{label} must be positive")
    return values


def _parse_conv(token: str, cls) -> dict:
    kind, n, allowed = cls.kind, cls.n, _form(cls)
    size = _PAIR if n == 2 else _NUM
    m = re.fullmatch(rf"{kind}:(\d+)x{size}(?::s{size})?(?::(?:p{size}|(same|valid)))?", token)
    if m is None:
        raise ParameterError("arch", token, allowed)
    channels = _ints(m, [1], "channels", token, allowed)[0]
    kernel = _ints(m, range(2, 2 + n), "kernel", token, allowed)
    stride = _ints(m, range(2 + n, 2 + 2 * n), "stride", token, allowed) or (1,)
    pads = _ints(m, range(2 + 2 * n, 2 + 3 * n), "padding", token, allowed, True) or (0,)
    named = m.group(2 + 3 * n)
    if n == 2:  # "3" means 3x3
        kernel, stride, pads = (v * 2 if len(v) == 1 else v for v in (kernel, stride, pads))
    padding = named if named else (pads if n == 2 else pads[0])
    stride = stride if n == 2 else stride[0]
    if named == "same" and stride not in (1, (1, 1)):
        raise ParameterError("arch", token, allowed, "'same' padding needs stride 1")
    return {
        "kind": kind,
        "token": token,
        "channels": channels,
        "kernel": kernel if n == 2 else kernel[0],
        "stride": stride,
        "padding": padding,
    }


def _parse_pool(token: str, cls) -> dict:
    kind, n, allowed = cls.kind, cls.n, _form(cls)
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


def _parse_layer(token: str, cls) -> dict:
    if cls in (Conv1D, Conv2D):
        return _parse_conv(token, cls)
    if cls is Dense:
        m = re.fullmatch(r"dense:(\d+)", token)
        if m is None or int(m.group(1)) == 0:
            raise ParameterError("arch", token, _form(Dense) + " with UNITS > 0")
        return _dense(int(m.group(1)))
    if cls is Flatten:
        if token != Flatten.kind:
            raise ParameterError("arch", token, "'flatten' without ':value'")
        return {"kind": Flatten.kind, "token": token}
    return _parse_pool(token, cls)


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
        raise ParameterError(
            "arch",
            text,
            "comma-separated layers, e.g. 'conv1d:25x5,relu,maxpool1d:2,flatten,dense:10'",
        )
    specs = []
    for raw in text.split(","):
        token = raw.strip().lower()
        name = token.partition(":")[0]
        if not token:
            raise ParameterError("arch", text, "comma-separated layers", "an empty layer")
        if name in LAYER_KINDS:
            specs.append(_parse_layer(token, LAYER_KINDS[name]))
        elif token == "act":
            specs.append({"kind": "act", "token": token})
        elif name == "act":
            raise ParameterError("arch", token, "'act' without ':value'")
        else:
            if name not in available_activations(include_aliases=True):
                forms = [*LAYER_KINDS, "act", *available_activations()]
                raise UnknownNameError("arch", token, forms)
            try:
                get_activation(token)
            except ParameterError as exc:
                raise ParameterError("arch", token, exc.allowed, exc.parameter) from None
            specs.append({"kind": "activation", "token": token, "name": token})
    return specs


def mlp_specs(hidden, activation) -> list[dict]:
    """The architecture of an MLP: [dense:h, activation] per hidden width (no output layer).

    ``activation``: one name / instance for every hidden layer (the token ``act``), or a list
    with one per hidden layer.
    """
    if isinstance(activation, (list, tuple)):
        if len(activation) != len(hidden):
            raise ParameterError(
                "activation",
                activation,
                f"one activation or a list of {len(hidden)} (one per hidden layer)",
            )
        acts = [{"kind": "activation", "token": str(a), "name": a} for a in activation]
    else:
        acts = [{"kind": "act", "token": "act"}] * len(hidden)
    specs = []
    for width, act in zip(hidden, acts):
        specs += [_dense(width), dict(act)]
    return specs


def _dense(units) -> dict:
    return {"kind": Dense.kind, "token": f"{Dense.kind}:{units}", "units": units}


def with_output(specs: list[dict], n_outputs, arch=None, what="outputs") -> list[dict]:
    """``specs`` ending in the Dense layer that gives the logits (appended if missing)."""
    specs = list(specs)
    if not specs or specs[-1]["kind"] != Dense.kind:
        specs.append(_dense(n_outputs))
    elif n_outputs is not None and specs[-1]["units"] != n_outputs:
        raise ParameterError(
            "arch", arch, f"a last layer dense:{n_outputs} (the data set has {n_outputs} {what})"
        )
    return specs


def activations_of(specs, act=None) -> list:
    """One new Activation per activation spec (``act`` for the token "act"), None elsewhere.

    With ``act`` None the token "act" stands for a shape-preserving activation (None too).
    """
    out = []
    for spec in specs:
        if spec["kind"] == "activation":
            out.append(get_activation(spec["name"]))
        elif spec["kind"] == "act" and act is not None:
            out.append(get_activation(act))
        else:
            out.append(None)
    return out


def spatial_axes(spec) -> int:
    """How many spatial axes the layer of ``spec`` needs in its input (0: a flat vector)."""
    cls = LAYER_KINDS.get(spec["kind"])
    return cls.n if cls is not None else 0


def fold_shapes(specs, input_shape, acts) -> list[tuple[int, ...]]:
    """Per-sample output shape of every spec; ``acts`` from ``activations_of`` (same length)."""
    shape = tuple(int(s) for s in input_shape)
    if not shape or any(s <= 0 for s in shape):
        raise ParameterError("input_shape", input_shape, "positive sizes, e.g. (40, 1)")
    pieces = [1 if a is None else a.pieces for a in acts]
    shapes = []
    for i, spec in enumerate(specs):
        kind = spec["kind"]
        label = f"{kind} layer {i + 1} '{spec.get('token', kind)}'"
        if kind in LAYER_KINDS:
            widen = pieces[i + 1] if i + 1 < len(specs) else 1
            shape = LAYER_KINDS[kind].shape_from_spec(spec, shape, label, widen)
        elif kind in ACTIVATION_KINDS:
            k = pieces[i]
            if k > 1:
                before = LAYER_KINDS.get(specs[i - 1]["kind"]) if i > 0 else None
                produced_here = before is not None and issubclass(before, ParamLayer)
                if not produced_here and shape[-1] % k:
                    raise ShapeError(
                        label,
                        f"maxout with {k} pieces needs a channel count "
                        f"divisible by {k}; got {shape[-1]} "
                        f"(input shape {shape})",
                    )
                shape = (*shape[:-1], shape[-1] // k)
        else:
            raise ParameterError(
                "arch layer kind", kind, ", ".join((*LAYER_KINDS, *ACTIVATION_KINDS))
            )
        shapes.append(shape)
    return shapes


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
    return fold_shapes(specs, input_shape, activations_of(specs, act))
