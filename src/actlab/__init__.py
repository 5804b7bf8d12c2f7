"""actlab: a laboratory for activation functions.

A multi-layer network written by hand in NumPy (every array carries a leading replica axis, so
many seeds train in lockstep), every activation of the seed document and more, the weight
initializations it contrasts, and an experiment engine that compares them.
"""

__version__ = "0.1.0"

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
from .estimators import MLPClassifier, MLPRegressor
from .comparison import Comparison, compare, load
from .initializers import available_initializers
from .network import Network
from .training import History, Trainer

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
