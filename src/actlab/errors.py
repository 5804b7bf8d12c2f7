"""Errors for bad input (one line: the parameter, the value, what is allowed), and the checks."""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable

import numpy as np


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
        super().__init__(
            parameter, value, "one of " + ", ".join(choices), did_you_mean(value, choices)
        )
        self.choices = choices


def did_you_mean(value, choices) -> str:
    """For the start of a name, such as 'he', every name it begins (up to three: 'did you mean
    'he_normal' or 'he_uniform'?'); else the nearest name ('sigmod' -> 'sigmoid'); else ''."""
    text = str(value).strip().lower()
    starts = [c for c in choices if text and c.lower().startswith(text)][:3]
    if starts:
        return "did you mean " + " or ".join(repr(c) for c in starts) + "?"
    close = difflib.get_close_matches(text, choices, n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}?" if close else ""


class DataError(ActlabError):
    """Data that cannot be used: missing file, NaN or inf cells, no label column."""


class DivergenceError(RuntimeError):
    """Training produced NaN or inf (loss or weights); the message says when and what to try.

    Raised by the scikit-learn estimators, which train one network; the experiment engine
    records a diverged replica as a result instead.
    """


def check_float_dtype(value, parameter: str = "dtype"):
    """``value`` as np.float32 or np.float64, the two dtypes actlab computes in."""
    try:
        dt = np.dtype(value)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ParameterError(parameter, value, "'float32' or 'float64'")
    return dt


# ---------------------------------------------------------------------------------------------
# the shared argument checks: each rule once, used by the CLI, specs, estimators and the trainer


def is_int(value) -> bool:
    """An integer (Python or NumPy), not a bool."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )


def is_real(value) -> bool:
    """A real number (Python or NumPy), not a bool."""
    return isinstance(value, (numbers.Real, np.number)) and not isinstance(
        value, (bool, np.bool_, np.complexfloating)
    )


def check_int(parameter: str, value, minimum: int = 1, *, given=None) -> int:
    """``value`` as an int >= ``minimum`` (1: "a positive integer"), or ParameterError.

    ``given``: what the user typed, shown in the message instead of ``value`` (CLI text).
    """
    if not is_int(value) or value < minimum:
        allowed = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ParameterError(parameter, value if given is None else given, allowed)
    return int(value)


def check_flag(parameter: str, value) -> bool:
    """``value`` as a bool: only True or False (NumPy's bools too), never 0, 1 or "yes"."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(parameter, value, "True or False")
    return bool(value)


def check_choice(parameter: str, value, choices: Iterable[str]):
    """``value`` if it is one of ``choices``, else UnknownNameError ("did you mean ...?")."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise UnknownNameError(parameter, value, choices)
    return value


def parse_number(parameter: str, text: str, kind=float, positive: bool = True):
    """The number a user typed (CLI text) as ``kind``; positive unless ``positive=False``."""
    try:
        value = kind(text)
    except ValueError:
        raise ParameterError(
            parameter,
            text,
            f"a {'positive ' if positive else ''}{'integer' if kind is int else 'number'}",
        ) from None
    if positive and kind is int:
        return check_int(parameter, value, given=text)
    if positive and not value > 0:
        raise ParameterError(parameter, text, "a positive number")
    return value
