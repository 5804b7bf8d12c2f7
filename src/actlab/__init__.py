"""actlab: a laboratory for activation functions.

A multi-layer network written by hand in NumPy (every array carries a leading replica axis, so
many seeds train in lockstep), every activation of the seed document and more, the weight
initializations it contrasts, and an experiment engine that compares them.
"""

__version__ = "0.1.0"

from .activations import (  # noqa: E402
    Activation,
    available_activations,
    get_activation,
    register_activation,
)
from .datasets import Dataset, available_datasets, from_arrays, load_dataset  # noqa: E402
from .errors import ActlabError, DataError, ParameterError, UnknownNameError  # noqa: E402
from .initializers import available_initializers  # noqa: E402
from .network import Network  # noqa: E402
from .training import History, Trainer  # noqa: E402

__all__ = [
    "Activation", "ActlabError", "DataError", "Dataset", "History", "Network", "ParameterError",
    "Trainer", "UnknownNameError", "available_activations", "available_datasets",
    "available_initializers", "from_arrays", "get_activation", "load_dataset",
    "register_activation",
]
