"""Errors actlab raises for bad input: one line naming the parameter, the value and what is allowed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ActlabError(ValueError):
    """Base class of actlab's input errors (a ValueError, so callers may catch either)."""


class ParameterError(ActlabError):
    """A parameter has a value that is not allowed.

    The message reads ``<parameter>: got <value>; allowed: <allowed>`` and may end with a hint.
    """

    def __init__(self, parameter: str, value, allowed: str, hint: str = ""):
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        message = f"{parameter}: got {value!r}; allowed: {allowed}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class UnknownNameError(ParameterError):
    """A name (activation, initializer, data set, ...) that is not registered."""

    def __init__(self, parameter: str, value: str, choices: Iterable[str]):
        choices = sorted(choices)
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}?" if close else ""
        super().__init__(parameter, value, "one of " + ", ".join(choices), hint)
        self.choices = choices


class DataError(ActlabError):
    """Data that cannot be used: missing file, NaN or inf cells, no label column."""


class DivergenceError(RuntimeError):
    """Training produced NaN or inf (loss or weights); the message says when and what to try.

    Raised by the scikit-learn estimators, which train one network; the experiment engine
    records a diverged replica as a result instead.
    """


def check_float_dtype(value, parameter: str = "dtype"):
    """``value`` as np.float32 or np.float64, the two dtypes actlab computes in."""
    import numpy as np

    try:
        dt = np.dtype(value)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ParameterError(parameter, value, "'float32' or 'float64'")
    return dt
