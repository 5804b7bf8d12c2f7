"""Data sets: digits, MNIST-1D, 2-D toy sets, MNIST / Fashion-MNIST and CSV files from disk.

Everything goes through one door::

    ds = load_dataset("digits", seed=0)
    X_tr, y_tr, X_te, y_te = ds            # a Dataset unpacks like a tuple

A :class:`Dataset` holds the four arrays and what is known about them (task, classes,
feature names, where the data came from, and the standardization fitted on the training
split). The rules every loader follows:

- Validation first. A bad name, option or value raises a one-line
  :class:`~actlab.errors.ParameterError` (or :class:`~actlab.errors.DataError` for bad
  data) before any expensive work; NaN or inf in the data is refused, never trained on.
- Fixed by ``seed``. Splits, subsamples and generated toy data come from numpy
  Generators spawned from ``SeedSequence(seed)``: the same seed gives identical arrays,
  and nothing touches NumPy's global random state (MNIST-1D's generator reseeds the global
  state; actlab saves and restores it).
- Standardization is fitted on the training split only (per-feature mean and std; a
  feature with std 0 keeps std 1) and applied to both splits. Regression targets are not
  standardized.
- Nothing is downloaded and nothing is unpickled: MNIST-1D is generated offline and cached
  as ``.npz``; MNIST comes from files the user already has.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import math
import os
import random
import struct
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from actlab.errors import DataError, ParameterError, UnknownNameError

__all__ = [
    "DEFAULT_DATASET",
    "Dataset",
    "Standardization",
    "available_datasets",
    "cache_dir",
    "check_finite_2d",
    "dataset_options",
    "from_arrays",
    "load_dataset",
    "read_idx",
]

DEFAULT_DATASET = "digits"

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


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _check_seed(seed) -> int:
    if not _is_int(seed) or seed < 0:
        raise ParameterError("seed", seed, "an integer >= 0")
    return int(seed)


def _check_positive_int(parameter: str, value, minimum: int = 1) -> int:
    if not _is_int(value) or value < minimum:
        raise ParameterError(parameter, value, f"an integer >= {minimum}")
    return int(value)


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


def _check_bool(parameter: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(parameter, value, "True or False")
    return bool(value)


def _check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ParameterError("dtype", dtype, "'float32' or 'float64'")
    return dt


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
    scaler = None
    if standardize:
        scaler = Standardization.fit(X_train)
        X_train = scaler.transform(X_train.astype(np.float64))
        X_test = scaler.transform(X_test.astype(np.float64))
        scaler = Standardization(mean=scaler.mean.astype(dtype), std=scaler.std.astype(dtype))
    X_train = np.ascontiguousarray(X_train, dtype=dtype)
    X_test = np.ascontiguousarray(X_test, dtype=dtype)
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


# --------------------------------------------------------------------------- MNIST-1D

_MNIST1D_FEATURES = 40
# what np.load raises on a damaged, truncated or pickle-holding .npz
_NPZ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)
_MNIST1D_TRAIN_SPLIT = 0.8  # the package's own split (4000/1000 of 5000)


def cache_dir() -> Path:
    """Where actlab caches generated data: $ACTLAB_CACHE_DIR, $XDG_CACHE_HOME/actlab, or
    ~/.cache/actlab (the first that is set). Not created until something is written."""
    env = os.environ.get("ACTLAB_CACHE_DIR")
    if env:
        return Path(os.path.expanduser(env))
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(os.path.expanduser(xdg)) / "actlab"
    return Path.home() / ".cache" / "actlab"


def _mnist1d_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return "".join(ch if ch.isalnum() or ch in "._" else "_" for ch in version("mnist1d"))
    except PackageNotFoundError:  # pragma: no cover - metadata missing in odd installs
        return "unknown"


def _mnist1d_cache_file(n_samples: int, data_seed: int) -> Path:
    return cache_dir() / f"mnist1d_n{n_samples}_seed{data_seed}_v{_mnist1d_version()}.npz"


def _generate_mnist1d(n_samples: int, data_seed: int) -> dict[str, np.ndarray]:
    """Run mnist1d's generator offline, leaving NumPy's and Python's global RNGs as found."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:  # pragma: no cover - declared dependency
        raise ImportError(
            "data set 'mnist1d' needs the mnist1d package: pip install mnist1d"
        ) from None
    args = get_dataset_args()
    args.num_samples = n_samples
    args.seed = data_seed
    args.train_split = _MNIST1D_TRAIN_SPLIT
    np_state = np.random.get_state()
    py_state = random.getstate()
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return {
        "x": np.asarray(data["x"], dtype=np.float64),
        "y": np.asarray(data["y"], dtype=np.int64),
        "x_test": np.asarray(data["x_test"], dtype=np.float64),
        "y_test": np.asarray(data["y_test"], dtype=np.int64),
    }


def _read_mnist1d_cache(path: Path, n_samples: int) -> dict[str, np.ndarray] | None:
    """The cached arrays, or None if the file is missing, unreadable or not the right shape."""
    if not path.is_file():
        return None
    n_train = int(n_samples * _MNIST1D_TRAIN_SPLIT)
    expected = {
        "x": (n_train, _MNIST1D_FEATURES),
        "y": (n_train,),
        "x_test": (n_samples - n_train, _MNIST1D_FEATURES),
        "y_test": (n_samples - n_train,),
    }
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {key: np.array(z[key]) for key in expected}
    except _NPZ_ERRORS:  # corrupt zip, truncated file, missing key, object array: regenerate
        return None
    for key, shape in expected.items():
        arr = data[key]
        if arr.shape != shape or arr.dtype.kind not in "fi" or not np.isfinite(arr).all():
            return None
    return data


def _write_atomically(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _load_mnist1d(*, n_samples, data_seed, seed, test_size, standardize, dtype, n_train, n_test):
    n_samples = _check_positive_int("n_samples", n_samples, minimum=20)
    if n_samples % 10:
        raise ParameterError(
            "n_samples", n_samples, "a multiple of 10 (MNIST-1D makes equally many per class)"
        )
    data_seed = _check_seed(data_seed) if _is_int(data_seed) and data_seed >= 0 else None
    if data_seed is None:
        raise ParameterError("data_seed", data_seed, "an integer >= 0")
    seed = _check_seed(seed)
    _check_fixed_split("mnist1d", test_size)
    standardize, dt = _check_bool("standardize", standardize), _check_dtype(dtype)
    n_train, n_test = (
        _check_optional_count("n_train", n_train),
        _check_optional_count("n_test", n_test),
    )

    path = _mnist1d_cache_file(n_samples, data_seed)
    data = _read_mnist1d_cache(path, n_samples)
    if data is None:
        data = _generate_mnist1d(n_samples, data_seed)
        try:
            _write_atomically(path, data)
        except OSError as exc:
            warnings.warn(f"mnist1d: could not write cache file {path}: {exc}", stacklevel=3)

    rng_train, rng_test = _rngs(seed, 2)
    tr = _subsample("n_train", data["y"], n_train, rng_train)
    te = _subsample("n_test", data["y_test"], n_test, rng_test)
    return _finish(
        "mnist1d",
        data["x"][tr],
        data["y"][tr],
        data["x_test"][te],
        data["y_test"][te],
        task="classification",
        classes=np.arange(10),
        standardize=standardize,
        dtype=dt,
        feature_names=[f"t{i}" for i in range(_MNIST1D_FEATURES)],
        description=(
            f"MNIST-1D: {n_samples} 1-D signals of length 40, 10 classes, the package's "
            f"{int(n_samples * _MNIST1D_TRAIN_SPLIT)}/{n_samples - int(n_samples * _MNIST1D_TRAIN_SPLIT)} "
            "train/test split"
        ),
        source=f"mnist1d package (Greydanus 2020), generated offline with seed {data_seed}; cache {path}",
        options={
            "n_samples": n_samples,
            "data_seed": data_seed,
            "seed": seed,
            "n_train": n_train,
            "n_test": n_test,
            "standardize": standardize,
            "dtype": dt.name,
        },
    )


# --------------------------------------------------------------------------- 2-D toy sets


def _toy_common(seed, test_size, standardize, dtype, n_samples, noise, n_classes=2):
    seed = _check_seed(seed)
    test_size = _check_test_size(test_size)
    standardize, dt = _check_bool("standardize", standardize), _check_dtype(dtype)
    n_classes = _check_positive_int("n_classes", n_classes, minimum=2)
    n_samples = _check_positive_int("n_samples", n_samples, minimum=2 * n_classes)
    noise = _check_noise(noise)
    return seed, test_size, standardize, dt, n_samples, noise, n_classes


def _class_sizes(n: int, k: int) -> np.ndarray:
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _make_moons(n, noise, rng, **_):
    from sklearn.datasets import make_moons

    X, y = make_moons(
        n_samples=n, noise=noise, random_state=np.random.RandomState(rng.bit_generator)
    )
    return X, y


def _make_circles(n, noise, rng, factor, **_):
    from sklearn.datasets import make_circles

    X, y = make_circles(
        n_samples=n,
        noise=noise,
        factor=factor,
        random_state=np.random.RandomState(rng.bit_generator),
    )
    return X, y


def _make_xor(n, noise, rng, **_):
    """Label from the clean point (sign of x*y: class 1 for +1), then Gaussian jitter."""
    sizes = _class_sizes(n, 2)  # class 0: x*y < 0, class 1: x*y > 0
    y = np.repeat(np.arange(2), sizes)
    mag = rng.uniform(1e-3, 1.0, size=(n, 2))
    sx = rng.choice([-1.0, 1.0], size=n)
    sy = np.where(y == 1, sx, -sx)
    X = mag * np.stack([sx, sy], axis=1)
    X = X + noise * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return X[order], y[order]


def _make_spiral(n, noise, rng, n_classes, turns, **_):
    """``n_classes`` interleaved arms; ``noise`` is the std of the angle jitter (radians)."""
    sizes = _class_sizes(n, n_classes)
    y = np.repeat(np.arange(n_classes), sizes)
    r = rng.uniform(0.05, 1.0, size=n)
    theta = 2 * np.pi * (y / n_classes + turns * r) + noise * rng.standard_normal(n)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    order = rng.permutation(n)
    return X[order], y[order]


def _make_gaussians(n, noise, rng, n_classes, **_):
    """Blobs of std ``noise`` around centres on a circle of radius 1.5."""
    sizes = _class_sizes(n, n_classes)
    y = np.repeat(np.arange(n_classes), sizes)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 1.5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    X = centres[y] + noise * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return X[order], y[order]


def _toy_loader(name: str, make: Callable, description: str, **extra_checks):
    def load(*, seed, test_size, standardize, dtype, n_samples, noise, **extra):
        seed, test_size, standardize, dt, n_samples, noise, n_classes = _toy_common(
            seed, test_size, standardize, dtype, n_samples, noise, extra.get("n_classes", 2)
        )
        for key, check in extra_checks.items():
            extra[key] = check(extra[key])
        if "n_classes" in extra:
            extra["n_classes"] = n_classes
        rng_data, rng_split = _rngs(seed, 2)
        X, y = make(
            n_samples,
            noise,
            rng_data,
            n_classes=n_classes,
            **{k: v for k, v in extra.items() if k != "n_classes"},
        )
        y = np.asarray(y, dtype=np.int64)
        classes = np.array([-1, 1]) if name == "xor" else np.arange(n_classes)
        train, test = _split(y, test_size, rng_split, name)
        options = dict(
            seed=seed,
            test_size=test_size,
            standardize=standardize,
            dtype=dt.name,
            n_samples=n_samples,
            noise=noise,
            **extra,
        )
        return _finish(
            name,
            X[train],
            y[train],
            X[test],
            y[test],
            task="classification",
            classes=classes,
            standardize=standardize,
            dtype=dt,
            feature_names=("x1", "x2"),
            description=description,
            source=f"generated by actlab ({name}, seed {seed})",
            options=options,
        )

    return load


def _check_factor(factor) -> float:
    if not _is_real(factor) or not 0.0 < float(factor) < 1.0:
        raise ParameterError("factor", factor, "a number strictly between 0 and 1")
    return float(factor)


def _check_turns(turns) -> float:
    if not _is_real(turns) or not 0.0 < float(turns) <= 10.0:
        raise ParameterError("turns", turns, "a number in (0, 10]")
    return float(turns)


def _check_n_classes(n_classes) -> int:
    return _check_positive_int("n_classes", n_classes, minimum=2)


# --------------------------------------------------------------------------- IDX / MNIST

_IDX_IMAGES = 2051
_IDX_LABELS = 2049
_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def _read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise DataError(f"{path}: corrupt or truncated gzip file ({exc})") from None
    return raw


def read_idx(path, magic: int | None = None) -> np.ndarray:
    """Read an IDX file of unsigned bytes (gzip or plain), as used by MNIST.

    ``magic`` is the expected magic number (2051 for images, 2049 for labels); a
    different one, a truncated file or trailing bytes raise DataError naming the file.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataError(f"{path}: truncated IDX file ({len(raw)} bytes, no header)")
    found = int.from_bytes(raw[:4], "big")
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or (magic is not None and found != magic):
        want = f"{magic}" if magic is not None else "an unsigned-byte IDX magic (0x0000080N)"
        raise DataError(f"{path}: bad IDX magic number {found} (0x{found:08x}); expected {want}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{path}: truncated IDX header (ndim {ndim}, {len(raw)} bytes)")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    size = math.prod(dims)
    if len(raw) - header != size:
        what = "truncated" if len(raw) - header < size else "too long"
        raise DataError(
            f"{path}: {what} IDX file: header shape {dims} needs {size} data bytes, "
            f"found {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, count=size, offset=header).reshape(dims)


def _find_idx(directory: Path, base: str) -> Path | None:
    dotted = base.replace("-idx", ".idx")
    for candidate in (base, base + ".gz", dotted, dotted + ".gz"):
        p = directory / candidate
        if p.is_file():
            return p
    return None


def _read_mnist_dir(directory: Path, name: str):
    found = {key: _find_idx(directory, base) for key, base in _MNIST_FILES.items()}
    missing = [_MNIST_FILES[k] + "[.gz]" for k, p in found.items() if p is None]
    if missing:
        raise DataError(f"{name}: {directory} lacks the IDX file(s) " + ", ".join(missing))
    arrays = {}
    for key, p in found.items():
        arr = read_idx(p, _IDX_IMAGES if key.endswith("images") else _IDX_LABELS)
        if key.endswith("images") and arr.ndim != 3:
            raise DataError(f"{p}: images must have 3 dimensions (n, rows, cols); got {arr.shape}")
        if key.endswith("labels") and arr.ndim != 1:
            raise DataError(f"{p}: labels must have 1 dimension; got {arr.shape}")
        arrays[key] = arr
    for split in ("train", "test"):
        ni, nl = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if ni != nl:
            raise DataError(
                f"{name}: {found[split + '_images']} has {ni} images but "
                f"{found[split + '_labels']} has {nl} labels"
            )
    return (
        arrays["train_images"],
        arrays["train_labels"],
        arrays["test_images"],
        arrays["test_labels"],
        str(directory),
    )


def _read_mnist_npz(path: Path, name: str):
    keys = ("x_train", "y_train", "x_test", "y_test")
    try:
        with np.load(path, allow_pickle=False) as z:
            absent = [k for k in keys if k not in z.files]
            if absent:
                raise DataError(
                    f"{path}: missing key(s) {', '.join(absent)}; found {', '.join(z.files) or 'none'} "
                    "(expected x_train, y_train, x_test, y_test)"
                )
            arrays = [np.array(z[k]) for k in keys]
    except DataError:
        raise
    except _NPZ_ERRORS as exc:
        raise DataError(f"{path}: not a readable .npz without pickled objects ({exc})") from None
    for k, arr in zip(keys, arrays):
        if arr.dtype.kind not in "fiu":
            raise DataError(f"{path}: {k} must hold numbers; got dtype {arr.dtype}")
    for split, (x, y) in {"train": arrays[:2], "test": arrays[2:]}.items():
        if len(x) != len(y.reshape(-1)):
            raise DataError(
                f"{path}: x_{split} has {len(x)} images but y_{split} has {len(y)} labels"
            )
    return (*arrays, str(path))


def _images_to_features(x: np.ndarray, source: str, key: str) -> np.ndarray:
    if x.ndim < 2:
        raise DataError(
            f"{source}: {key} must be images (n, rows, cols) or (n, features); got {x.shape}"
        )
    flat = x.reshape(len(x), -1)
    if flat.dtype.kind in "iu":
        return flat.astype(np.float64) / 255.0
    return check_finite_2d(flat, f"{source}: {key}").astype(np.float64)


def _mnist_loader(name: str, title: str):
    def load(*, path, seed, standardize, dtype, n_train, n_test, test_size):
        p = _check_path(name, path)
        seed = _check_seed(seed)
        _check_fixed_split(name, test_size)
        standardize, dt = _check_bool("standardize", standardize), _check_dtype(dtype)
        n_train, n_test = (
            _check_optional_count("n_train", n_train),
            _check_optional_count("n_test", n_test),
        )
        expected = (
            "a directory with "
            + ", ".join(b + "[.gz]" for b in _MNIST_FILES.values())
            + ", or an .npz with x_train, y_train, x_test, y_test"
        )
        if not p.exists():
            raise DataError(f"{name}: path {str(p)!r} does not exist; expected {expected}")
        if p.is_dir():
            xtr, ytr, xte, yte, src = _read_mnist_dir(p, name)
        elif p.suffix.lower() == ".npz":
            xtr, ytr, xte, yte, src = _read_mnist_npz(p, name)
        else:
            raise DataError(
                f"{name}: path {str(p)!r} is neither a directory nor an .npz; expected {expected}"
            )
        Xtr = _images_to_features(xtr, src, "train images")
        Xte = _images_to_features(xte, src, "test images")
        labels = np.concatenate([np.asarray(ytr).reshape(-1), np.asarray(yte).reshape(-1)])
        y_all, _, classes = _encode_labels(labels, "classification", f"{name} labels")
        ytr_e, yte_e = y_all[: len(Xtr)], y_all[len(Xtr) :]
        rng_train, rng_test = _rngs(seed, 2)
        tr = _subsample("n_train", ytr_e, n_train, rng_train)
        te = _subsample("n_test", yte_e, n_test, rng_test)
        return _finish(
            name,
            Xtr[tr],
            ytr_e[tr],
            Xte[te],
            yte_e[te],
            task="classification",
            classes=classes,
            standardize=standardize,
            dtype=dt,
            description=f"{title}: 28x28 grey images flattened to pixels in [0, 1], official train/test split",
            source=src,
            options={
                "path": str(p),
                "seed": seed,
                "n_train": n_train,
                "n_test": n_test,
                "standardize": standardize,
                "dtype": dt.name,
            },
        )

    return load


# --------------------------------------------------------------------------- CSV


def _load_csv(*, path, label, task, delimiter, seed, test_size, standardize, dtype):
    p = _check_path("csv", path)
    if label is _REQUIRED or label is None:
        raise ParameterError(
            "label", None, "the name of the label column in the CSV header (required)"
        )
    if not isinstance(label, str) or not label.strip():
        raise ParameterError("label", label, "a column name (a non-empty string)")
    label = label.strip()
    task = _check_task(task)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ParameterError("delimiter", delimiter, "a single character such as ',' or ';'")
    seed, test_size = _check_seed(seed), _check_test_size(test_size)
    standardize, dt = _check_bool("standardize", standardize), _check_dtype(dtype)
    if not p.exists():
        raise DataError(
            f"csv: path {str(p)!r} does not exist; expected a CSV file with a header row"
        )
    if not p.is_file():
        raise DataError(f"csv: path {str(p)!r} is not a file")

    X, raw_labels, names, line_of_row = _read_csv(p, label, delimiter)
    try:
        y, task, classes = _encode_labels(raw_labels, task, f"{p}: column {label!r}")
    except DataError:
        # name the line of the offending label, not only its row index
        if task == "regression":
            row = next(i for i, v in enumerate(raw_labels) if not _parses_as_float(v))
            raise DataError(
                f"{p}: line {line_of_row[row]}, column {label!r}: label {str(raw_labels[row])!r} is not "
                "a number (task='regression' needs numeric labels)"
            ) from None
        raise
    return _split_and_finish(
        p.stem,
        X,
        y,
        task=task,
        classes=classes,
        test_size=test_size,
        seed=seed,
        standardize=standardize,
        dtype=dt,
        feature_names=names,
        description=f"CSV file {p.name}: {X.shape[0]} rows, {X.shape[1]} features, label {label!r} ({task})",
        source=str(p),
        options={
            "path": str(p),
            "label": label,
            "task": task,
            "delimiter": delimiter,
            "seed": seed,
            "test_size": test_size,
            "standardize": standardize,
            "dtype": dt.name,
        },
    )


def _read_csv(p: Path, label: str, delimiter: str):
    """Parse a numeric CSV; every bad cell raises DataError with file, line, column, value."""
    try:
        fh = open(p, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed by `with` below
    except OSError as exc:
        raise DataError(f"{p}: cannot open ({exc.strerror or exc})") from None
    with fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader, None)
            while header is not None and not any(cell.strip() for cell in header):
                header = next(reader, None)
            if header is None:
                raise DataError(
                    f"{p}: empty file; expected a header row of column names, then data rows"
                )
            header = [h.strip() for h in header]
            dupes = sorted({h for h in header if header.count(h) > 1})
            if dupes:
                raise DataError(f"{p}: line {reader.line_num}: duplicate column name(s) {dupes}")
            if label not in header:
                raise DataError(
                    f"{p}: no column {label!r} for the label; columns found: {', '.join(header)}"
                )
            li = header.index(label)
            names = [h for i, h in enumerate(header) if i != li]
            if not names:
                raise DataError(
                    f"{p}: only the label column {label!r}; need at least one feature column"
                )
            rows, labels, lines = [], [], []
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue  # blank line
                line = reader.line_num
                if len(cells) != len(header):
                    raise DataError(
                        f"{p}: line {line}: {len(cells)} cells, but the header has {len(header)} columns"
                    )
                row = []
                for i, cell in enumerate(cells):
                    if i == li:
                        continue
                    text = cell.strip()
                    try:
                        value = float(text)
                    except ValueError:
                        what = "an empty cell" if not text else f"value {text!r} is not a number"
                        raise DataError(f"{p}: line {line}, column {header[i]!r}: {what}") from None
                    if not math.isfinite(value):
                        raise DataError(
                            f"{p}: line {line}, column {header[i]!r}: value {text!r} is not finite "
                            "(NaN or inf are refused)"
                        )
                    row.append(value)
                text = cells[li].strip()
                if not text:
                    raise DataError(f"{p}: line {line}, column {label!r}: empty label")
                if _parses_as_float(text) and not math.isfinite(float(text)):
                    raise DataError(
                        f"{p}: line {line}, column {label!r}: label {text!r} is not finite "
                        "(NaN or inf are refused)"
                    )
                rows.append(row)
                labels.append(text)
                lines.append(line)
        except csv.Error as exc:
            raise DataError(f"{p}: line {reader.line_num}: malformed CSV ({exc})") from None
        except UnicodeDecodeError as exc:
            raise DataError(f"{p}: not UTF-8 text ({exc.reason})") from None
    if not rows:
        raise DataError(f"{p}: header only, no data rows")
    raw = np.array(labels)
    if all(_parses_as_float(v) for v in labels):
        raw = raw.astype(np.float64)
    return np.array(rows, dtype=np.float64), raw, names, lines


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class _Entry:
    name: str
    loader: Callable[..., Dataset]
    description: str
    options: dict


_COMMON = {"seed": 0, "test_size": 0.25, "standardize": True, "dtype": "float32"}
_FIXED = {
    "seed": 0,
    "test_size": None,
    "standardize": True,
    "dtype": "float32",
    "n_train": None,
    "n_test": None,
}

_REGISTRY: dict[str, _Entry] = {}


def _register(name, loader, description, options):
    _REGISTRY[name] = _Entry(name, loader, description, dict(options))


_register(
    "digits",
    _load_digits,
    "8x8 handwritten digits from scikit-learn: 1797 x 64, 10 classes (built in)",
    _COMMON,
)
_register(
    "mnist1d",
    _load_mnist1d,
    "MNIST-1D: 1-D digit signals, 4000/1000 x 40, 10 classes (generated offline, cached)",
    {**_FIXED, "n_samples": 5000, "data_seed": 42},
)
_register(
    "moons",
    _toy_loader(
        "moons", _make_moons, "two interleaving half circles (2-D toy set, sklearn.make_moons)"
    ),
    "two interleaving half moons, 2-D, 2 classes (noise 0.2)",
    {**_COMMON, "n_samples": 500, "noise": 0.2},
)
_register(
    "circles",
    _toy_loader(
        "circles",
        _make_circles,
        "a circle inside a ring (2-D toy set, sklearn.make_circles)",
        factor=_check_factor,
    ),
    "a small circle inside a larger one, 2-D, 2 classes (noise 0.1, factor 0.5)",
    {**_COMMON, "n_samples": 500, "noise": 0.1, "factor": 0.5},
)
_register(
    "xor",
    _toy_loader(
        "xor",
        _make_xor,
        "XOR: points in [-1,1]^2 labelled by sign(x*y), then jittered by Gaussian noise",
    ),
    "XOR quadrants in [-1,1]^2 labelled by sign(x*y), 2 classes (jitter 0.1)",
    {**_COMMON, "n_samples": 500, "noise": 0.1},
)
_register(
    "spiral",
    _toy_loader(
        "spiral",
        _make_spiral,
        "interleaved spiral arms (2-D toy set); noise jitters the angle",
        turns=_check_turns,
    ),
    "interleaved spiral arms, 2-D, n_classes arms (default 2, angle noise 0.2)",
    {**_COMMON, "n_samples": 500, "noise": 0.2, "n_classes": 2, "turns": 0.75},
)
_register(
    "gaussians",
    _toy_loader(
        "gaussians",
        _make_gaussians,
        "Gaussian blobs on a circle of radius 1.5 (2-D toy set)",
        n_classes=_check_n_classes,
    ),
    "n_classes Gaussian blobs (default 2, std 0.5), 2-D",
    {**_COMMON, "n_samples": 500, "noise": 0.5, "n_classes": 2},
)
_register(
    "mnist",
    _mnist_loader("mnist", "MNIST handwritten digits"),
    "MNIST from your files (path= IDX directory or Keras .npz), 60000/10000 x 784",
    {**_FIXED, "path": _REQUIRED},
)
_register(
    "fashion-mnist",
    _mnist_loader("fashion-mnist", "Fashion-MNIST clothing images"),
    "Fashion-MNIST from your files (path= IDX directory or .npz), 60000/10000 x 784",
    {**_FIXED, "path": _REQUIRED},
)
_register(
    "csv",
    _load_csv,
    "any numeric CSV file: path=FILE, label=COLUMN (classification or regression)",
    {**_COMMON, "path": _REQUIRED, "label": _REQUIRED, "task": "auto", "delimiter": ","},
)

_ALIASES = {
    "fashion_mnist": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
    "mnist-1d": "mnist1d",
    "mnist_1d": "mnist1d",
}


def available_datasets() -> dict[str, str]:
    """Registered data set names, sorted, each with a one-line description."""
    return {name: _REGISTRY[name].description for name in sorted(_REGISTRY)}


def dataset_options(name: str) -> dict:
    """The options a data set accepts and their defaults (required ones shown as None)."""
    entry = _lookup(name)
    return {k: (None if v is _REQUIRED else v) for k, v in entry.options.items()}


def _lookup(name) -> _Entry:
    if not isinstance(name, str):
        raise ParameterError("dataset", name, "a data set name: " + ", ".join(sorted(_REGISTRY)))
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise UnknownNameError("dataset", name, _REGISTRY)
    return _REGISTRY[key]


def load_dataset(name: str = DEFAULT_DATASET, **options) -> Dataset:
    """Load a registered data set by name; see :func:`available_datasets` for the names.

    Common options: ``seed=0`` (split / subsample / generation), ``test_size=0.25``,
    ``standardize=True``, ``dtype="float32"``. Per data set: ``n_samples`` and ``noise``
    for the toy sets (plus ``factor`` for circles, ``n_classes`` for spiral and gaussians,
    ``turns`` for spiral); ``n_samples``, ``data_seed``, ``n_train``, ``n_test`` for
    mnist1d; ``path``, ``n_train``, ``n_test`` for mnist and fashion-mnist; ``path``,
    ``label``, ``task``, ``delimiter`` for csv. Sets with a fixed published split (mnist1d,
    mnist, fashion-mnist) take no ``test_size``. An unknown option raises ParameterError
    listing the options that data set accepts.
    """
    entry = _lookup(name)
    allowed = sorted(entry.options)
    for key, value in options.items():
        if key not in entry.options:
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            raise ParameterError(
                key,
                value,
                f"an option of data set {entry.name!r}: " + ", ".join(allowed),
                hint=f"did you mean {close[0]!r}?" if close else "",
            )
    return entry.loader(**{**entry.options, **options})
