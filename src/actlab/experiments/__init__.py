"""Experiments: a configuration expanded into groups of seeds, trained, stored and summarised."""

from .compare import CompareConfig, run_compare
from .store import RunStore

__all__ = ["CompareConfig", "RunStore", "run_compare"]
