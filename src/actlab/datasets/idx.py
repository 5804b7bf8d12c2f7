"""MNIST-style sets (MNIST, Fashion-MNIST, KMNIST) from IDX (.gz) or Keras-layout .npz files:
the user's own (``path=``), or fetched once into the cache and verified (see fetch.py)."""

from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path

import numpy as np

from actlab.errors import DataError

from .base import (
    _check_bool,
    _check_dtype,
    _check_fixed_split,
    _check_optional_count,
    _check_path,
    _check_seed,
    check_finite_2d,
)
from .mnist1d import _NPZ_ERRORS
from .splits import _encode_labels, _finish, _rngs, _subsample

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
    if len(x) == 0:
        raise DataError(f"{source}: {key}: the file holds 0 images; expected at least one")
    flat = x.reshape(len(x), -1)
    if flat.dtype.kind in "iu":
        return flat.astype(np.float64) / 255.0
    return check_finite_2d(flat, f"{source}: {key}").astype(np.float64)


def _mnist_loader(name: str, title: str):
    def load(*, path, seed, standardize, dtype, n_train, n_test, test_size):
        if path is None:  # fetched on first use (after the cheap checks below)
            p = None
        else:
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
        if p is None:
            from .fetch import fetch

            p = fetch(name)
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
            description=f"{title}: 28x28 grey images flattened to pixels in [0, 1], "
            "official train/test split",
            source=src,
            options={
                "path": None if path is None else str(p),
                "seed": seed,
                "n_train": n_train,
                "n_test": n_test,
                "standardize": standardize,
                "dtype": dt.name,
            },
        )

    return load
