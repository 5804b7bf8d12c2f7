"""actlab: a laboratory for activation functions."""

__version__ = "0.1.0"
