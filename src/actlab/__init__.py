"""actlab: a laboratory for activation functions.

A multi-layer network written by hand in NumPy (every array carries a leading replica axis, so
many seeds train in lockstep), every activation of the seed document and more, the weight
initializations it contrasts, and an experiment engine that compares them.

The core names below are imported eagerly and need only NumPy. The scikit-learn estimators and
the comparison (``compare``, ``load``), which need scikit-learn, SciPy or pandas, are imported
on first use (PEP 562), so ``import actlab.activations`` works without them.
"""

from importlib import import_module

from ._version import __version__
from .activations import (
    Activation,
    available_activations,
    get_activation,
    register_activation,
)
from .datasets import Dataset, available_datasets, from_arrays, load_dataset
from .errors import (
    ActlabError,
    DataError,
    DivergenceError,
    ParameterError,
    UnknownNameError,
)
from .initializers import available_initializers
from .network import Network
from .training import History, Trainer

# name -> module that defines it, imported on first access
_LAZY = {
    "MLPClassifier": ".estimators",
    "MLPRegressor": ".estimators",
    "Comparison": ".comparison",
    "compare": ".comparison",
    "load": ".comparison",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'actlab' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Activation",
    "ActlabError",
    "Comparison",
    "DataError",
    "Dataset",
    "DivergenceError",
    "History",
    "MLPClassifier",
    "MLPRegressor",
    "Network",
    "ParameterError",
    "Trainer",
    "UnknownNameError",
    "__version__",
    "available_activations",
    "available_datasets",
    "available_initializers",
    "compare",
    "from_arrays",
    "get_activation",
    "load",
    "load_dataset",
    "register_activation",
]
