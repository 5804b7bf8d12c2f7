import os

import numpy as np
import pytest

# No test may need the internet: data sets fetched on first use go to a closed local port
# (connection refused at once) unless a test points ACTLAB_DATA_URL at its own 127.0.0.1 server.
# Set here, before any test runs, so the CLI subprocesses inherit it too.
os.environ["ACTLAB_DATA_URL"] = "http://127.0.0.1:9"


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


@pytest.fixture(scope="module")
def blobs():
    """Three Gaussian blobs in 6-D: 200 training rows, 100 test rows (X, y, X_test, y_test)."""
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=3, size=(3, 6))
    y = rng.integers(0, 3, size=300)
    X = centers[y] + rng.normal(size=(300, 6))
    return X[:200], y[:200], X[200:], y[200:]
