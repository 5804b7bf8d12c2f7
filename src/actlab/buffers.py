"""Output arrays a layer reuses from one training step to the next.

A layer normally returns fresh arrays. During the Trainer's steps (``Network.loss_and_grad(x, y,
reuse=True)``) it writes its outputs (forward output, what its backward keeps, gradient at its
input) into arrays it keeps, one per role and shape: no allocation, and for large arrays no page
faults and zero-filling by the operating system, which made a fresh output cost twice a copy at
64 MiB. What a step returns is then overwritten by the next step with ``reuse=True``; every
other call (``forward``, ``evaluate``, probes) gets fresh arrays.
"""

from __future__ import annotations

import numpy as np


class OutputBuffers:
    """``get(role, shape, dtype)``: np.empty(shape, dtype), or, while ``on``, the array kept
    for that role and shape (created on first use)."""

    __slots__ = ("arrays", "on")

    def __init__(self):
        self.arrays: dict = {}
        self.on = False

    def get(self, role: str, shape: tuple, dtype) -> np.ndarray:
        if not self.on:
            return np.empty(shape, dtype)
        key = (role, shape, dtype)
        buf = self.arrays.get(key)
        if buf is None:
            if len(self.arrays) > 32:  # shapes that keep changing: do not hoard memory
                self.arrays.clear()
            buf = self.arrays[key] = np.empty(shape, dtype)
        return buf
