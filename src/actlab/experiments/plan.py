"""The plan: a spec expanded into run groups.

A group is one configuration (data set, architecture, activation, init, optimizer, learning
rate) with all its seeds; the seeds train together in lockstep on the replica axis.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import asdict, dataclass

from .spec import Spec


@dataclass(frozen=True)
class Group:
    dataset: str
    data_options: tuple  # sorted (key, value) pairs, hashable
    hidden: tuple[int, ...]
    arch: str  # an architecture string ("" for the MLP given by ``hidden``)
    activation: str
    init: str
    optimizer: str
    lr: float
    momentum: float
    epochs: int
    batch_size: int
    seeds: tuple[int, ...]
    dtype: str
    probes: bool
    l2: float = 0.0
    weight_decay: float = 0.0
    schedule: str = "constant"

    @property
    def id(self) -> str:
        """A stable identifier of the configuration and its seeds (resume keys on it)."""
        text = json.dumps(self.config(), sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:12]

    def config(self) -> dict:
        d = asdict(self)
        d["data_options"] = dict(self.data_options)
        d["hidden"] = list(self.hidden)
        d["seeds"] = list(self.seeds)
        for key, default in _OPTIONAL.items():  # left out at their defaults: ids stay as before
            if d[key] == default:
                del d[key]
        return d

    def label(self) -> str:
        shape = self.arch or "-".join(map(str, self.hidden)) or "linear"
        return f"{self.activation} init={self.init} {self.dataset} {shape} {self.optimizer} lr={self.lr}"


_OPTIONAL = {"l2": 0.0, "weight_decay": 0.0, "schedule": "constant"}


def expand(spec: Spec) -> list[Group]:
    """Every combination of the spec's grid axes, in a fixed order (dataset, hidden, optimizer,
    lr, init, activation)."""
    spec.validate()
    options = tuple(sorted(spec.data_options.items()))
    groups = []
    shapes = [((), arch) for arch in spec.archs] or [(tuple(h), "") for h in spec.hidden]
    for dataset, (hidden, arch), optimizer, lr, init, activation in itertools.product(
        spec.datasets, shapes, spec.optimizers, spec.lrs, spec.inits, spec.activations
    ):
        groups.append(
            Group(
                dataset=dataset,
                data_options=options,
                hidden=hidden,
                arch=arch,
                activation=activation,
                init=init,
                optimizer=optimizer,
                lr=float(lr),
                momentum=float(spec.momentum),
                epochs=spec.epochs,
                batch_size=spec.batch_size,
                seeds=tuple(spec.seeds),
                dtype=spec.dtype,
                probes=spec.probes,
                l2=float(spec.l2),
                weight_decay=float(spec.weight_decay),
                schedule=spec.schedule,
            )
        )
    return groups


def describe_plan(spec: Spec, groups: list[Group]) -> list[str]:
    """The plan in a few lines: its size, then each grid axis with its values (a long list
    shows its first and last values and its length)."""
    n_seeds = len(spec.seeds)
    shapes = ("archs", spec.archs) if spec.archs else ("hidden", spec.hidden)
    axes = [
        ("datasets", spec.datasets),
        shapes,
        ("optimizers", spec.optimizers),
        ("lrs", spec.lrs),
        ("inits", spec.inits),
        ("activations", spec.activations),
        ("seeds", spec.seeds),
    ]
    lines = [
        (
            f"spec {spec.name!r}: {len(groups)} groups x {n_seeds} seeds = "
            f"{len(groups) * n_seeds} trainings of {spec.epochs} epochs"
        )
    ]
    for name, values in axes:
        lines.append(f"  {name:<12} {len(values):>3}  {compact(values)}")
    return lines


def compact(values, head: int = 4, tail: int = 2, width: int = 88) -> str:
    """``a, b, c, d, ..., y, z`` for a long list; every value when they fit in ``width``."""
    text = ", ".join(map(str, values))
    if len(values) <= head + tail or len(text) <= width:
        return text
    shown = [*map(str, values[:head]), "...", *map(str, values[-tail:])]
    return ", ".join(s if len(s) <= 30 else s[:27] + "..." for s in shown)
