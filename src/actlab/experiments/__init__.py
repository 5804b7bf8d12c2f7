"""Experiments: a spec expanded into groups of seeds, trained (here, on a local pool or a Dask
cluster), stored as they finish, and summarised with statistics."""

from .plan import Group, expand
from .spec import Spec, preset
from .store import RunStore
from .sweep import RunResult, run_spec

__all__ = ["Group", "RunResult", "RunStore", "Spec", "expand", "preset", "run_spec"]
