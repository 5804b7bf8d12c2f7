"""Experiments: a spec expanded into groups of seeds, trained (here, on a local pool or a Dask
cluster), stored as they finish, and summarised with statistics.

The names below are imported when first used, so that importing one module of the package
(``actlab.experiments.axes``, to declare an axis before the Spec and the Group are built from
the declaration) does not build the others first."""

from importlib import import_module

_WHERE = {
    "Group": "plan",
    "expand": "plan",
    "Spec": "spec",
    "preset": "spec",
    "RunStore": "store",
    "RunResult": "sweep",
    "run_spec": "sweep",
}

__all__ = ["Group", "RunResult", "RunStore", "Spec", "expand", "preset", "run_spec"]


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
