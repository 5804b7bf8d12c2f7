"""Splitting by seed, label encoding and the final assembly of a Dataset."""

from __future__ import annotations

import math

import numpy as np

from actlab.errors import DataError, ParameterError

from .base import (
    Dataset,
    Standardization,
    _check_bool,
    _check_dtype,
    _check_labels,
    _check_seed,
    _check_task,
    _check_test_size,
    check_finite_2d,
)

# --------------------------------------------------------------------------- splitting


def _rngs(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent Generators spawned from ``SeedSequence(seed)``."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def _allocate(counts: np.ndarray, k: int) -> np.ndarray:
    """Split ``k`` picks over classes in proportion to ``counts`` (largest remainder)."""
    exact = counts * (k / counts.sum())
    base = np.floor(exact).astype(np.int64)
    extra = k - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:extra]] += 1
    return base


def _choose(y: np.ndarray | None, k: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``k`` row indices; stratified by class when ``y`` holds class indices."""
    n = len(y)
    if y.dtype.kind != "i":
        return np.sort(rng.permutation(n)[:k])
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    picks = _allocate(counts, k)
    chosen = []
    for c in range(len(classes)):
        members = np.flatnonzero(inverse == c)
        chosen.append(rng.permutation(members)[: picks[c]])
    return np.sort(np.concatenate(chosen))


def _split(y: np.ndarray, test_size: float, rng: np.random.Generator, name: str):
    """Indices (train, test); stratified for class indices (int), shuffled order."""
    n = len(y)
    n_test = math.ceil(test_size * n)
    if n_test >= n or n_test < 1:
        raise DataError(
            f"{name}: {n} samples cannot be split with test_size={test_size} "
            "(both splits need at least one sample)"
        )
    if y.dtype.kind == "i":
        values, counts = np.unique(y, return_counts=True)
        if counts.min() < 2:
            raise DataError(
                f"{name}: class index {int(values[counts.argmin()])} has only 1 example; "
                "a stratified split needs at least 2 per class"
            )
    test = _choose(y, n_test, rng)
    mask = np.ones(n, dtype=bool)
    mask[test] = False
    train = np.flatnonzero(mask)
    return rng.permutation(train), rng.permutation(test)


def _subsample(parameter: str, y: np.ndarray, k: int | None, rng: np.random.Generator):
    if k is None:
        return np.arange(len(y))
    if k > len(y):
        raise ParameterError(
            parameter, k, f"an integer from 1 to {len(y)} (the size of that split)"
        )
    return rng.permutation(_choose(y, k, rng))


# --------------------------------------------------------------------------- labels


_MAX_AUTO_CLASSES = 20


def _encode_labels(raw: np.ndarray, task: str, name: str):
    """Return (y, task, classes). ``raw`` is a 1-D array of numbers or strings.

    ``task="auto"``: strings -> classification; integer-valued numbers with at most 20
    distinct values and at least two examples per value on average -> classification;
    anything else -> regression.
    """
    numeric = raw.dtype.kind in "fiub"
    if not numeric and raw.dtype.kind == "O":
        try:
            raw = raw.astype(np.float64)
            numeric = True
        except (TypeError, ValueError):
            raw = raw.astype(str)
    if task == "auto":
        if not numeric:
            task = "classification"
        else:
            values = np.unique(raw)
            integral = bool(np.all(np.equal(np.mod(values, 1), 0)))
            few = len(values) <= _MAX_AUTO_CLASSES and 2 * len(values) <= len(raw)
            task = "classification" if integral and few else "regression"
    if task == "regression":
        if not numeric:
            row = next(i for i, v in enumerate(raw) if not _parses_as_float(v))
            raise DataError(
                f"{name}: task='regression' needs numeric labels; row {row} has {str(raw[row])!r}"
            )
        return raw.astype(np.float64), task, None
    classes, y = np.unique(raw, return_inverse=True)
    if numeric and classes.dtype.kind == "f" and np.all(np.mod(classes, 1) == 0):
        classes = classes.astype(np.int64)
    if len(classes) < 2:
        raise DataError(
            f"{name}: classification needs at least 2 distinct labels; found only {classes.tolist()}"
        )
    return y.astype(np.int64).reshape(-1), task, classes


def _parses_as_float(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- assembly


def _finish(
    name: str,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    task: str,
    classes,
    standardize: bool,
    dtype: np.dtype,
    feature_names=None,
    description: str = "",
    source: str = "",
    options: dict | None = None,
) -> Dataset:
    X_train = check_finite_2d(X_train, f"{name}: X_train")
    X_test = check_finite_2d(X_test, f"{name}: X_test")
    if X_train.shape[1] != X_test.shape[1]:
        raise DataError(
            f"{name}: X_train has {X_train.shape[1]} features but X_test has {X_test.shape[1]}"
        )
    for part, arr in (("X_train", X_train), ("X_test", X_test)):  # as given, then as used
        _cast_checked(arr, dtype, f"{name}: {part}", False)
    scaler = None
    if standardize:
        scaler = Standardization.fit(X_train)
        X_train = scaler.transform(X_train.astype(np.float64))
        X_test = scaler.transform(X_test.astype(np.float64))
        scaler = Standardization(mean=scaler.mean.astype(dtype), std=scaler.std.astype(dtype))
    X_train = _cast_checked(X_train, dtype, f"{name}: X_train", standardize)
    X_test = _cast_checked(X_test, dtype, f"{name}: X_test", standardize)
    if task == "classification":
        y_train = np.ascontiguousarray(y_train, dtype=np.int64)
        y_test = np.ascontiguousarray(y_test, dtype=np.int64)
        n_classes = len(classes)
    else:
        y_train = np.ascontiguousarray(y_train, dtype=dtype)
        y_test = np.ascontiguousarray(y_test, dtype=dtype)
        n_classes = None
    return Dataset(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        name=name,
        task=task,
        n_features=int(X_train.shape[1]),
        n_classes=n_classes,
        classes=None if classes is None else np.asarray(classes),
        feature_names=None if feature_names is None else tuple(str(f) for f in feature_names),
        description=description,
        source=source,
        standardization=scaler,
        options=dict(options or {}),
    )


def _cast_checked(X, dtype, name: str, standardized: bool) -> np.ndarray:
    """``X`` in the training dtype; DataError if a value that was finite overflows there
    (1e300 is finite in float64 and inf in float32): the data is checked as it will be used."""
    with np.errstate(over="ignore"):
        out = np.ascontiguousarray(X, dtype=dtype)
    finite = np.isfinite(out)
    if not finite.all():
        row, col = (int(v) for v in np.argwhere(~finite)[0])
        raise DataError(
            f"{name}: {int((~finite).sum())} value(s) overflow {np.dtype(dtype).name} (largest "
            f"{np.finfo(dtype).max:.3g}){' after standardization' if standardized else ''}; first "
            f"at row {row}, column {col}: {float(X[row, col])!r}; rescale it, or load and "
            "train in float64 (actlab run/compare --dtype float64 loads in float64; here: "
            "dtype='float64')"
        )
    return out


def _split_and_finish(name, X, y, *, task, classes, test_size, seed, standardize, dtype, **meta):
    (rng,) = _rngs(seed, 1)
    train, test = _split(y, test_size, rng, name)
    return _finish(
        name,
        X[train],
        y[train],
        X[test],
        y[test],
        task=task,
        classes=classes,
        standardize=standardize,
        dtype=dtype,
        **meta,
    )


def from_arrays(
    X,
    y,
    *,
    X_test=None,
    y_test=None,
    name: str = "arrays",
    task: str = "auto",
    test_size: float = 0.25,
    seed: int = 0,
    standardize: bool = True,
    dtype="float32",
    feature_names=None,
    description: str = "",
    source: str = "arrays given in Python",
) -> Dataset:
    """Make a Dataset from arrays already in memory, with the same checks as the loaders.

    ``X`` must be 2-D and finite, ``y`` 1-D with one label per row (numbers or strings).
    Without ``X_test``/``y_test`` the data is split by ``seed`` (stratified for
    classification); with them, that split is used as given and ``test_size`` is ignored.
    ``task`` is "auto", "classification" or "regression" (see the module docs for auto).
    """
    task = _check_task(task)
    seed = _check_seed(seed)
    standardize = _check_bool("standardize", standardize)
    dt = _check_dtype(dtype)
    if (X_test is None) != (y_test is None):
        raise ParameterError(
            "X_test" if X_test is None else "y_test", None, "given together with the other"
        )
    if X_test is None:
        test_size = _check_test_size(test_size)
    X = check_finite_2d(X, "X")
    y = _check_labels(y, X.shape[0], "y")
    if feature_names is not None and len(feature_names) != X.shape[1]:
        raise ParameterError(
            "feature_names", feature_names, f"a sequence of {X.shape[1]} names (one per column)"
        )
    meta = {"feature_names": feature_names, "description": description, "source": source}
    if X_test is None:
        y_enc, task, classes = _encode_labels(y, task, "y")
        if task == "classification":
            y_enc = y_enc.astype(np.int64)
        return _split_and_finish(
            name,
            X,
            y_enc,
            task=task,
            classes=classes,
            test_size=test_size,
            seed=seed,
            standardize=standardize,
            dtype=dt,
            **meta,
        )
    X_test = check_finite_2d(X_test, "X_test")
    y_test = _check_labels(y_test, X_test.shape[0], "y_test")
    if X_test.shape[1] != X.shape[1]:
        raise DataError(f"X_test: has {X_test.shape[1]} features but X has {X.shape[1]}")
    if y.dtype.kind in "fiub" and y_test.dtype.kind in "fiub":
        both = np.concatenate([y.astype(np.float64), y_test.astype(np.float64)])
    else:
        both = np.concatenate([y.astype(str), y_test.astype(str)])
    y_enc, task, classes = _encode_labels(both, task, "y")
    n = X.shape[0]
    return _finish(
        name,
        X,
        y_enc[:n],
        X_test,
        y_enc[n:],
        task=task,
        classes=classes,
        standardize=standardize,
        dtype=dt,
        **meta,
    )
