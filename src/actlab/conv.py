"""Old home of the convolution layers and the architecture grammar, kept so imports still work.

The layers live in actlab.layers (conv, pool, flatten), the grammar and the shapes in
actlab.arch. New code imports from there.
"""

from .arch import infer_shapes, parse_arch
from .layers import (
    AvgPool1D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    Flatten,
    MaxPool1D,
    MaxPool2D,
    ShapeError,
    conv_fans,
)

__all__ = [
    "AvgPool1D",
    "AvgPool2D",
    "Conv1D",
    "Conv2D",
    "Flatten",
    "MaxPool1D",
    "MaxPool2D",
    "ShapeError",
    "conv_fans",
    "infer_shapes",
    "parse_arch",
]
