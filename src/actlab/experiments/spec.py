"""Experiment specs: a grid over activations, inits, data sets, depths and widths, optimizers,
learning rates (the axes, declared in axes.py) and seeds, from a TOML file, CLI flags or
Python; named presets.

Every field is validated before any training; an error names the field, the value and what is
allowed.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..errors import ParameterError, UnknownNameError, check_int, is_int, is_real
from ..schedules import check_schedule
from .axes import AXES, spellings, text_order

# Greydanus 2020's MNIST-1D CNN: three 25-channel convolutions (kernel 5, 3, 3), strides 2
MNIST1D_CNN = "conv1d:25x5:s2:p1,act,conv1d:25x3:s2:p1,act,conv1d:25x3:s2:p1,act,flatten,dense:10"
DIGITS_CNN = (
    "conv2d:32x3:p1,act,conv2d:32x3:p1,act,maxpool2d:2,conv2d:64x3:p1,act,maxpool2d:2,"
    "flatten,dense:128,act,dense:10"
)
TEN_ACTIVATIONS = [
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "selu",
    "swish",
    "maxout",
]


def _with_axes(cls):
    """Give the class every grid axis's Spec fields (axes.py), after ``name``."""
    own = dict(cls.__annotations__)
    annotations = {"name": own.pop("name")}
    for axis in AXES:
        for name, kind, default in axis.spec_fields():
            annotations[name] = kind
            setattr(cls, name, default)
    cls.__annotations__ = {**annotations, **own}
    return cls


@dataclass
@_with_axes
class Spec:
    """What to run. Lists are grid axes: every combination is one group of ``seeds``."""

    name: str = "compare"
    # the grid axes' fields come here (axes.py: datasets, hidden, archs, activations, ...)
    data_options: dict = field(default_factory=dict)
    momentum: float = 0.9
    l2: float = 0.0  # scikit-learn's alpha: L2 on the weights (see actlab.optimizers.WeightPenalty)
    weight_decay: float = 0.0  # decoupled weight decay
    schedule: str = "constant"  # learning-rate schedule: constant, invscaling, adaptive
    epochs: int = 30
    batch_size: int = 32
    seeds: list[int] = field(default_factory=lambda: list(range(5)))
    target_acc: float = 0.95
    target_loss: float | None = None
    dtype: str = "float32"
    probes: bool = True
    compiled: bool = False  # Trainer(compiled=True): the compiled step where it applies
    workers: int | None = None
    scheduler: str | None = None

    def validate(self) -> Spec:
        for axis in text_order():
            axis.validate(self)
        if not isinstance(self.data_options, dict):
            raise ParameterError("data_options", self.data_options, "a table of data set options")
        if not (is_real(self.momentum) and 0 <= self.momentum < 1):
            raise ParameterError("momentum", self.momentum, "a number in [0, 1)")
        for key in ("l2", "weight_decay"):
            value = getattr(self, key)
            if not (is_real(value) and math.isfinite(value) and value >= 0):
                raise ParameterError(key, value, "a finite number >= 0")
        check_schedule(self.schedule)
        for key in ("epochs", "batch_size"):
            check_int(key, getattr(self, key))
        if (
            not isinstance(self.seeds, list)
            or not self.seeds
            or not all(is_int(s) and s >= 0 for s in self.seeds)
            or len(set(self.seeds)) != len(self.seeds)
        ):
            raise ParameterError(
                "seeds", _short(self.seeds), "a count N > 0 or a list of distinct integers >= 0"
            )
        if not (is_real(self.target_acc) and 0 < self.target_acc <= 1):
            raise ParameterError("target_acc", self.target_acc, "a number in (0, 1]")
        if self.target_loss is not None and not (
            is_real(self.target_loss) and self.target_loss > 0
        ):
            raise ParameterError("target_loss", self.target_loss, "a positive number")
        if self.dtype not in ("float32", "float64"):
            raise ParameterError("dtype", self.dtype, "float32 or float64")
        if not isinstance(self.probes, bool):
            raise ParameterError("probes", self.probes, "true or false")
        if not isinstance(self.compiled, bool):
            raise ParameterError("compiled", self.compiled, "true or false")
        if self.compiled:
            from ..activations.jitkernels import available

            if not available():  # before any work: never a run of NumPy-step groups so named
                raise ParameterError(
                    "compiled", True, "false here (numba is not installed or ACTLAB_NUMBA=0)"
                )
        if self.workers is not None:
            check_int("workers", self.workers)
        if self.scheduler is not None:
            check_address(self.scheduler)
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, source: str = "spec") -> Spec:
        """Build from a flat dict, or one with [grid], [train], [data] and [cluster] tables."""
        flat: dict = {}
        for key, value in data.items():
            if key in _SECTIONS and isinstance(value, dict):
                if key == "data":
                    flat["data_options"] = value
                else:
                    flat.update(value)
            else:
                flat[key] = value
        allowed = [f.name for f in fields(cls)]
        for key in flat:
            if key not in allowed and key not in _SINGULAR:
                raise UnknownNameError(f"{source} key", key, allowed)
        for singular, plural in _SINGULAR.items():
            if singular in flat:
                if plural in flat:
                    raise ParameterError(
                        f"{source} key", singular, f"either {singular} or {plural}"
                    )
                value = flat.pop(singular)
                flat[plural] = value if isinstance(value, list) else [value]
        if "seeds" in flat and is_int(flat["seeds"]):
            if flat["seeds"] <= 0:
                raise ParameterError("seeds", flat["seeds"], "a count N > 0 or a list of integers")
            flat["seeds"] = list(range(flat["seeds"]))
        for axis in AXES:
            axis.normalize(flat)
        return cls(**flat)

    @classmethod
    def from_toml(cls, path) -> Spec:
        path = Path(path)
        if not path.is_file():
            raise ParameterError("spec", str(path), "a TOML file that exists")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ParameterError("spec", str(path), f"valid TOML ({exc})") from None
        return cls.from_dict(data, source=path.name)


_SECTIONS = ("grid", "train", "data", "cluster")
_SINGULAR = spellings()  # activation = "relu" for activations = ["relu"], ...

PRESETS: dict[str, dict] = {
    "compare": {},
    # the seed's prototype: two weight matrices, sigmoid, U(-1, 1), full-batch gradient descent
    "prototype": {
        "name": "prototype",
        "activations": ["sigmoid"],
        "inits": ["prototype"],
        "hidden": [[100]],
        "optimizers": ["gd"],
        "lrs": [0.5],
        "epochs": 60,
    },
    "sweep": {"name": "sweep", "activations": TEN_ACTIVATIONS, "seeds": list(range(10))},
    "mnist1d": {
        "name": "mnist1d",
        "datasets": ["mnist1d"],
        "inits": ["auto"],
        "activations": ["relu", "tanh", "sigmoid", "elu", "swish"],
        "optimizers": ["adam"],
        "lrs": [0.01],
        "batch_size": 100,
        "epochs": 40,
    },
    "mnist1d-cnn": {
        "name": "mnist1d-cnn",
        "datasets": ["mnist1d"],
        "inits": ["auto"],
        "activations": ["relu", "tanh", "sigmoid"],
        "optimizers": ["adam"],
        "lrs": [0.01],
        "batch_size": 100,
        "epochs": 40,
        "seeds": [0, 1, 2],
        "archs": [MNIST1D_CNN],
    },
    "digits-cnn": {
        "name": "digits-cnn",
        "inits": ["auto"],
        "activations": ["relu", "tanh", "sigmoid"],
        "optimizers": ["adam"],
        "lrs": [0.001],
        "epochs": 25,
        "seeds": [0, 1, 2],
        "archs": [DIGITS_CNN],
    },
}


def preset(name: str, **overrides) -> Spec:
    """A named spec: compare (the default job), sweep (10 activations x 2 inits x 10 seeds on
    digits), mnist1d."""
    if name not in PRESETS:
        raise UnknownNameError("preset", name, PRESETS)
    return Spec.from_dict({**PRESETS[name], **overrides})


def check_address(address: str) -> str:
    """tcp://HOST:PORT with a port in 1..65535 (inproc:// and others pass through to Dask)."""
    allowed = "an address like tcp://HOST:PORT (port 1-65535)"
    if not isinstance(address, str) or "://" not in address:
        raise ParameterError("scheduler", address, allowed)
    scheme, rest = address.split("://", 1)
    if scheme in ("tcp", "tls", "ws", "wss"):
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ParameterError("scheduler", address, allowed)
    return address


def _short(values, limit=8):
    """A list as given, or its first values and its length when it is long (for messages)."""
    if isinstance(values, list) and len(values) > limit:
        return f"[{', '.join(map(repr, values[:limit]))}, ... ({len(values)} values)]"
    return values
