"""MNIST-1D (Greydanus 2020), generated offline by the mnist1d package and cached as .npz."""

from __future__ import annotations

import os
import random
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from actlab.errors import ParameterError

from .base import (
    _check_bool,
    _check_dtype,
    _check_fixed_split,
    _check_optional_count,
    _check_positive_int,
    _check_seed,
    _is_int,
)
from .splits import _finish, _rngs, _subsample

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
