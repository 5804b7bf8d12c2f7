"""The plan: a spec expanded into run groups.

A group is one configuration (one value of each grid axis: data set, network, activation,
init, optimizer, learning rate; axes.py) with all its seeds; the seeds train together in
lockstep on the replica axis.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import asdict, dataclass

from . import axes
from .axes import AXES, compact
from .spec import Spec


def _with_axes(cls):
    """Give the class every grid axis's Group fields (axes.py) before its own; an axis added
    later defaults to its implicit value (a group made without naming it is as before)."""
    fields = {key: kind for axis in AXES for key, kind in axis.group_fields()}
    cls.__annotations__ = {**fields, **cls.__annotations__}
    for axis in AXES:
        for key, value in axis.implicit_fields().items():
            setattr(cls, key, value)
    return cls


@dataclass(frozen=True, kw_only=True)  # keywords only: defaults may come before other fields
@_with_axes
class Group:
    # the grid axes' fields come first (axes.py: dataset, hidden, arch, activation, ...)
    data_options: tuple  # sorted (key, value) pairs, hashable
    momentum: float
    epochs: int
    batch_size: int
    seeds: tuple[int, ...]
    dtype: str
    probes: bool
    l2: float = 0.0
    weight_decay: float = 0.0
    schedule: str = "constant"
    compiled: bool = False

    @property
    def id(self) -> str:
        """A stable identifier of the configuration and its seeds (resume keys on it): the
        SHA-1 of config() as JSON with sorted keys, so the order of the fields plays no part."""
        config = self.config()
        for axis in AXES:  # axes added later: at the value groups had before, as before
            for key, value in axis.implicit_fields().items():
                if config[key] == value:
                    del config[key]
        text = json.dumps(config, sort_keys=True)
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
        return axes.label(self)


# left out of config() and the id at these values: groups made before the field keep their ids
# (a compiled group's id differs: its numbers are the compiled step's, never mixed on resume)
_OPTIONAL = {"l2": 0.0, "weight_decay": 0.0, "schedule": "constant", "compiled": False}


def expand(spec: Spec) -> list[Group]:
    """Every combination of the spec's grid axes, in a fixed order: the settings (data set,
    network, optimizer, learning rate), then init, then activation (axes.expand_order)."""
    spec.validate()
    common = {
        "data_options": tuple(sorted(spec.data_options.items())),
        "momentum": float(spec.momentum),
        "epochs": spec.epochs,
        "batch_size": spec.batch_size,
        "seeds": tuple(spec.seeds),
        "dtype": spec.dtype,
        "probes": spec.probes,
        "l2": float(spec.l2),
        "weight_decay": float(spec.weight_decay),
        "schedule": spec.schedule,
        "compiled": spec.compiled,
    }
    grid = itertools.product(*(axis.choices(spec) for axis in axes.expand_order()))
    return [
        Group(**{k: v for choice in combo for k, v in choice.items()}, **common) for combo in grid
    ]


def n_groups(spec: Spec) -> int:
    """How many groups ``expand(spec)`` makes, without making them: the product of the grid
    axes' lengths (a spec of 10^6 groups is counted, and refused, in microseconds; expanding
    it took 8.5 s and 480 MB). ``spec`` has been validated (Spec.validate)."""
    return math.prod(axis.count(spec) for axis in axes.expand_order())


def compiled_note(spec: Spec) -> str:
    """ ", compiled step" for a compiled spec, with the groups that will train on the NumPy step
    instead and why (an arch, an activation without a compiled loop: actlab.compiled's rules,
    checked before anything trains); "" otherwise. The run line and the plan print it."""
    if not spec.compiled:
        return ""
    from ..compiled import why_not_activation

    off = ["archs: not a dense MLP"] if spec.archs else []
    for name in spec.activations:
        reason = why_not_activation(name, spec.dtype)
        if reason is not None:
            off.append(f"{name}: {reason}")
    return ", compiled step" + (f" (NumPy step for {'; '.join(off)})" if off else "")


def describe_plan(spec: Spec, groups: list[Group] | None = None) -> list[str]:
    """The plan in a few lines: its size, then each grid axis with its values (a long list
    shows its first and last values and its length). Counted from the axes: the grid is not
    expanded (``groups`` is accepted for callers that have it, and must be ``expand(spec)``)."""
    n_seeds = len(spec.seeds)
    n = n_groups(spec) if groups is None else len(groups)
    lines = [
        (
            f"spec {spec.name!r}: {n} groups x {n_seeds} seeds = "
            f"{n * n_seeds} trainings of {spec.epochs} epochs{compiled_note(spec)}"
        )
    ]
    for name, values in [*(a.plan_line(spec) for a in axes.expand_order()), ("seeds", spec.seeds)]:
        lines.append(f"  {name:<12} {len(values):>3}  {compact(values)}")
    return lines
