"""scikit-learn's bundled 8x8 digits: the built-in default data set."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from .base import _check_bool, _check_dtype, _check_seed, _check_test_size
from .splits import _split_and_finish

# --------------------------------------------------------------------------- digits


def digits_file() -> Path | None:
    """scikit-learn's bundled digits.csv.gz, found without importing scikit-learn (or None)."""
    spec = importlib.util.find_spec("sklearn")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root, "datasets", "data", "digits.csv.gz")
        if path.is_file():
            return path
    return None


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(X, y) as sklearn.datasets.load_digits returns them: its file read the way it reads it
    (np.loadtxt, the last column the label), without importing scikit-learn, whose import
    (scipy, pandas) took about a second, most of ``actlab compare``'s start-up."""
    path = digits_file()
    if path is None:  # a scikit-learn that keeps its data elsewhere
        from sklearn.datasets import load_digits

        bunch = load_digits()
        return bunch.data, bunch.target
    with gzip.open(path, mode="rt", encoding="utf-8") as f:
        data = np.loadtxt(f, delimiter=",")
    return data[:, :-1], data[:, -1].astype(int)


def _load_digits(*, seed, test_size, standardize, dtype):
    seed, test_size = _check_seed(seed), _check_test_size(test_size)
    standardize, dt = _check_bool("standardize", standardize), _check_dtype(dtype)
    X, y = digits_arrays()
    X = X.astype(np.float64)
    y = y.astype(np.int64)
    return _split_and_finish(
        "digits",
        X,
        y,
        task="classification",
        classes=np.arange(10),
        test_size=test_size,
        seed=seed,
        standardize=standardize,
        dtype=dt,
        feature_names=[f"pixel_{r}_{c}" for r in range(8) for c in range(8)],
        description="UCI optical handwritten digits: 1797 images of 8x8 pixels (0-16), 10 classes",
        source="sklearn.datasets.load_digits (bundled with scikit-learn)",
        options={
            "seed": seed,
            "test_size": test_size,
            "standardize": standardize,
            "dtype": dt.name,
        },
    )
