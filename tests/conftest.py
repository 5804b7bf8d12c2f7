import numpy as np
import pytest


def numerical_grad(f, x, eps=1e-6):
    """Central differences of the scalar function f at every entry of x (float64, in place)."""
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
