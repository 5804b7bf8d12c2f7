"""Layers with a hand-written backward pass. Arrays carry a leading replica axis R.

``base`` (the parameter layer: W, b, their gradients, the input it saw), ``dense``, ``conv``
(1-D and 2-D convolutions), ``pool`` (max and average pooling, flatten), ``shapes`` (the shape
arithmetic they share with actlab.arch, which maps architecture strings onto these classes).
"""

from .base import ParamLayer
from .conv import Conv1D, Conv2D, conv_fans, conv_output_shape
from .dense import Dense
from .pool import AvgPool1D, AvgPool2D, Flatten, MaxPool1D, MaxPool2D, pool_output_shape
from .shapes import ShapeError

__all__ = [
    "AvgPool1D",
    "AvgPool2D",
    "Conv1D",
    "Conv2D",
    "Dense",
    "Flatten",
    "MaxPool1D",
    "MaxPool2D",
    "ParamLayer",
    "ShapeError",
    "conv_fans",
    "conv_output_shape",
    "pool_output_shape",
]
