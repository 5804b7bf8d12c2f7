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
- Nothing is unpickled. MNIST-1D is generated offline and cached as ``.npz``; MNIST,
  Fashion-MNIST and KMNIST come from ``path=`` or are downloaded once into the cache and
  checked against their published SHA-256 (see ``fetch.py``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from actlab.errors import ParameterError, UnknownNameError

from .base import _REQUIRED, Dataset, Standardization, check_finite_2d
from .csv_file import _load_csv
from .digits import _load_digits
from .idx import _mnist_loader, read_idx
from .mnist1d import _load_mnist1d, cache_dir
from .splits import from_arrays
from .toy import (
    _check_factor,
    _check_n_classes,
    _check_turns,
    _make_circles,
    _make_gaussians,
    _make_moons,
    _make_spiral,
    _make_xor,
    _toy_loader,
)

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
    "MNIST digits, 60000/10000 x 784 (fetched once, or path= IDX directory / Keras .npz)",
    {**_FIXED, "path": None},
)
_register(
    "fashion-mnist",
    _mnist_loader("fashion-mnist", "Fashion-MNIST clothing images"),
    "Fashion-MNIST clothes, 60000/10000 x 784 (fetched once, or path= IDX directory / .npz)",
    {**_FIXED, "path": None},
)
_register(
    "kmnist",
    _mnist_loader("kmnist", "Kuzushiji-MNIST cursive Japanese characters"),
    "Kuzushiji-MNIST characters, 60000/10000 x 784 (fetched once, or path= IDX directory)",
    {**_FIXED, "path": None},
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
    "k-mnist": "kmnist",
    "kuzushiji-mnist": "kmnist",
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
