"""scikit-learn's bundled 8x8 digits: the built-in default data set."""

from __future__ import annotations

import numpy as np

from .base import _check_bool, _check_dtype, _check_seed, _check_test_size
from .splits import _split_and_finish

# --------------------------------------------------------------------------- digits


def _load_digits(*, seed, test_size, standardize, dtype):
    seed, test_size = _check_seed(seed), _check_test_size(test_size)
    standardize, dt = _check_bool("standardize", standardize), _check_dtype(dtype)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.data.astype(np.float64)
    y = bunch.target.astype(np.int64)
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
