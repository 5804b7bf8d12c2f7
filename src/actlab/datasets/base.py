"""Containers and input checks shared by every data set loader."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from actlab.errors import (
    DataError,
    ParameterError,
    check_flag,
    check_float_dtype,
    check_int,
    is_int,
    is_real,
)

_REQUIRED = object()  # default of an option that the caller must give


# --------------------------------------------------------------------------- containers


@dataclass(eq=False)
class Standardization:
    """Per-feature mean and std fitted on a training split; ``transform`` applies them."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardization:
        """Fit on ``X`` (in float64); features with std 0 (constant) get std 1."""
        X64 = np.asarray(X, dtype=np.float64)
        mean = X64.mean(axis=0)
        std = X64.std(axis=0)
        std = np.where(std > 0.0, std, 1.0)
        return cls(mean=mean, std=std)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``(X - mean) / std`` in the dtype of ``X`` (float32 stays float32)."""
        X = np.asarray(X)
        out = (X.astype(np.float64) - self.mean) / self.std
        return out.astype(X.dtype if X.dtype.kind == "f" else np.float64, copy=False)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """Back to the original feature scale: ``X * std + mean``."""
        X = np.asarray(X)
        out = X.astype(np.float64) * self.std + self.mean
        return out.astype(X.dtype if X.dtype.kind == "f" else np.float64, copy=False)


@dataclass(eq=False)
class Dataset:
    """A train/test split and what is known about it.

    Unpacks as ``X_train, y_train, X_test, y_test``. ``X`` is float32 (or float64 on
    request); ``y`` is int64 class indices 0..K-1 for classification (``classes[k]`` is the
    original label of index k) and float for regression (``n_classes`` and ``classes`` are
    then None). ``standardization`` is the transform already applied to both splits (None
    when ``standardize=False``); use it on new points, e.g. a decision-boundary grid.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str
    task: str
    n_features: int
    n_classes: int | None
    classes: np.ndarray | None
    feature_names: tuple[str, ...] | None = None
    description: str = ""
    source: str = ""
    standardization: Standardization | None = None
    options: dict = field(default_factory=dict)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.X_train, self.y_train, self.X_test, self.y_test))

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.X_test.shape[0])

    def __repr__(self) -> str:
        kind = f"{self.n_classes} classes" if self.task == "classification" else "regression"
        return (
            f"Dataset({self.name!r}, {kind}, train {self.n_train}x{self.n_features}, "
            f"test {self.n_test}x{self.n_features}, {self.X_train.dtype})"
        )


# --------------------------------------------------------------------------- validation


def check_finite_2d(X, name: str = "X") -> np.ndarray:
    """Return ``X`` as a 2-D float array, or raise DataError saying what is wrong.

    Refuses: non-numeric values, a shape that is not 2-D, no rows or no columns, and NaN
    or inf (the message gives how many and where the first one is). Float arrays are
    returned without a copy; anything else is converted to float64.
    """
    try:
        arr = np.asarray(X)
        if arr.dtype.kind not in "fiub":
            arr = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{name}: expected a 2-D array of numbers; could not convert ({exc})"
        ) from None
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if arr.ndim != 2:
        raise DataError(f"{name}: expected a 2-D array (samples x features); got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(
            f"{name}: expected at least one sample and one feature; got shape {arr.shape}"
        )
    finite = np.isfinite(arr)
    if not finite.all():
        bad = np.argwhere(~finite)
        row, col = (int(v) for v in bad[0])
        raise DataError(
            f"{name}: {len(bad)} non-finite value(s) (NaN or inf are refused); "
            f"first at row {row}, column {col}: {float(arr[row, col])!r}"
        )
    return arr


def _check_labels(y, n: int, name: str = "y") -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{name}: expected a 1-D array of labels; got shape {arr.shape}")
    if arr.shape[0] != n:
        raise DataError(f"{name}: has {arr.shape[0]} labels but X has {n} rows; they must match")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        row = int(np.argwhere(~np.isfinite(arr))[0, 0])
        raise DataError(f"{name}: NaN or inf label at row {row}: {float(arr[row])!r}")
    if arr.dtype.kind not in "fiubUSO":
        raise DataError(f"{name}: labels must be numbers or strings; got dtype {arr.dtype}")
    return arr


_is_int, _is_real = is_int, is_real  # the rules live in actlab.errors


def _check_seed(seed) -> int:
    return check_int("seed", seed, 0)


_check_positive_int = check_int


def _check_optional_count(parameter: str, value) -> int | None:
    if value is None:
        return None
    return _check_positive_int(parameter, value)


def _check_test_size(test_size) -> float:
    if not _is_real(test_size) or not 0.0 < float(test_size) < 1.0:
        raise ParameterError("test_size", test_size, "a number strictly between 0 and 1")
    return float(test_size)


def _check_noise(noise) -> float:
    if not _is_real(noise) or not math.isfinite(float(noise)) or float(noise) < 0:
        raise ParameterError("noise", noise, "a finite number >= 0")
    return float(noise)


_check_bool = check_flag


_check_dtype = check_float_dtype


def _check_task(task, allowed=("auto", "classification", "regression")) -> str:
    if task not in allowed:
        raise ParameterError("task", task, " or ".join(repr(t) for t in allowed))
    return task


def _check_fixed_split(name: str, test_size) -> None:
    if test_size is not None:
        raise ParameterError(
            "test_size",
            test_size,
            f"None for {name!r}, which has a fixed published train/test split",
            hint="use n_train / n_test to subsample it",
        )


def _check_path(name: str, path) -> Path:
    if path is _REQUIRED or path is None:
        raise ParameterError(
            "path", None, f"a path to the {name} files on disk (required for {name!r})"
        )
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise ParameterError("path", path, "a file or directory path")
    return Path(os.path.expanduser(os.fspath(path)))
