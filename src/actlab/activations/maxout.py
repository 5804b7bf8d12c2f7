"""Maxout: the one activation that changes width (the layer before makes k pieces per unit)."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError, check_int
from .base import SQRT2, Activation
from .registry import register


@register
class Maxout(Activation):
    """Maxout: f(z)_j = max_i z_(j, i), the max over ``pieces`` = k linear pieces per unit.

    The layer before produces units * k values on the last axis; they are read as (units, k)
    (consecutive groups of k) and the max is taken, so the output has ``units`` on the last axis.
    The gradient flows only to the winning piece (the first one in a tie).
    ``derivative(z)`` is the 0/1 mask of winners, in the input's shape.
    Default k = 2 (Goodfellow et al. used k = 5 on MNIST).
    Reference: Goodfellow et al. 2013, arXiv 1302.4389.
    """

    name = "maxout"
    formula = "f(z)_j = max(z_j1, ..., z_jk)   (k = 2 pieces)"
    reference = "Goodfellow et al. 2013, arXiv 1302.4389"
    family = "relu"
    gain = SQRT2
    positional = "pieces"

    def __init__(self, pieces: int = 2):
        super().__init__()
        self.pieces = check_int("maxout pieces", pieces, 2)
        self.config = {"pieces": self.pieces}

    def _split(self, z):
        n = z.shape[-1]
        if n % self.pieces:
            raise ParameterError(
                "maxout input last axis", n, f"a multiple of pieces = {self.pieces}"
            )
        return z.reshape(*z.shape[:-1], n // self.pieces, self.pieces)

    def f(self, z):
        return self._split(z).max(axis=-1)

    def vjp(self, z, a, grad_a):  # grad_a goes to the winning piece, 0 to the others
        winner = self._split(z).argmax(axis=-1)[..., None]
        grad = np.zeros((*winner.shape[:-1], self.pieces), dtype=np.result_type(grad_a, z))
        np.put_along_axis(grad, winner, grad_a[..., None], axis=-1)
        return grad.reshape(z.shape)
