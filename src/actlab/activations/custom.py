"""Custom activations: registered from two numpy functions, checked by finite differences first."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from .base import Activation
from .registry import is_registered, lookup, register, unregister


def check_derivative(name, forward, derivative, *, rtol=1e-4, atol=1e-6):
    """Compare ``derivative`` with central differences in float64; ParameterError if it differs.

    Points: 201 in [-6, 6] and a few larger magnitudes. A point is skipped where the left and
    right one-sided differences (step 1e-3) disagree: a kink lies within 1e-3 of it.
    Returns the number of points checked (at least one, or ParameterError).
    """
    z = np.concatenate([np.linspace(-6.0, 6.0, 201), [-50.0, -20.0, -10.0, 10.0, 20.0, 50.0]])
    with np.errstate(all="ignore"):
        try:
            f0 = np.asarray(forward(z), dtype=np.float64)
            given = np.asarray(derivative(z), dtype=np.float64)
            h_side = 1e-3
            left = (f0 - np.asarray(forward(z - h_side), dtype=np.float64)) / h_side
            right = (np.asarray(forward(z + h_side), dtype=np.float64) - f0) / h_side
            h = 1e-6 * np.maximum(1.0, np.abs(z))
            numeric = (
                np.asarray(forward(z + h), dtype=np.float64)
                - np.asarray(forward(z - h), dtype=np.float64)
            ) / (2 * h)
        except Exception as exc:  # a function that cannot take an array
            raise ParameterError(
                f"activation {name!r}",
                "forward/derivative",
                "elementwise numpy functions of one array",
                f"calling them failed: {exc}",
            ) from exc
        if f0.shape != z.shape or given.shape != z.shape:
            raise ParameterError(
                f"activation {name!r}",
                f"output shapes {f0.shape}, {given.shape}",
                f"the input's shape {z.shape} (elementwise functions)",
            )
        smooth = np.abs(left - right) <= 1e-2 * (1 + np.abs(left) + np.abs(right))
        ok = smooth & np.isfinite(numeric) & np.isfinite(given) & np.isfinite(f0)
        err = np.where(ok, np.abs(given - numeric) - (atol + rtol * np.abs(numeric)), -np.inf)
    if not ok.any():
        raise ParameterError(
            f"activation {name!r} derivative",
            "unchecked",
            "a derivative that can be checked at some finite, smooth point in [-6, 6]",
        )
    worst = int(np.argmax(err))
    if err[worst] > 0:
        raise ParameterError(
            f"activation {name!r} derivative",
            getattr(derivative, "__name__", derivative),
            "f'(z) matching central finite differences",
            f"differs at z={z[worst]:.6g}: derivative gives {given[worst]:.8g}, "
            f"finite differences give {numeric[worst]:.8g}",
        )
    return int(ok.sum())


def register_activation(
    name: str,
    forward,
    derivative=None,
    *,
    family: str = "other",
    formula: str = "",
    reference: str = "",
    gain: float = 1.0,
    overwrite: bool = False,
) -> type[Activation]:
    """Register a custom elementwise activation from two numpy functions f(z) and f'(z), or
    from a formula of z as text (``register_activation("gelu_s", "z * sigmoid(1.702 * z)")``:
    parsed against a whitelist and differentiated by SymPy, see ``activations.formula``).

    The derivative is checked against central finite differences in float64 first (see
    ``check_derivative``); a wrong one is refused with a ParameterError naming the worst point.
    Returns the new Activation subclass; ``get_activation(name)`` then builds it.
    """
    if not isinstance(name, str) or not name.strip() or ":" in name:
        raise ParameterError("activation name", name, "a non-empty string without ':'")
    key = name.strip().lower()
    if is_registered(key) and not overwrite:
        raise ParameterError(
            "activation name",
            name,
            "a name not registered yet",
            "it already is; pass overwrite=True to replace it",
        )
    if isinstance(forward, str):
        if derivative is not None:
            raise ParameterError(
                f"activation {name!r} derivative",
                derivative,
                "None when the forward is a formula (SymPy derives it)",
            )
        from .formula import compile_formula

        formula = formula or f"f(z) = {forward.strip()}"
        _, _, forward, derivative = compile_formula(forward.strip())
    for what, fn in (("forward", forward), ("derivative", derivative)):
        if not callable(fn):
            raise ParameterError(f"activation {name!r} {what}", fn, "a callable f(z) -> array")
    check_derivative(key, forward, derivative)

    def f(self, z):
        return np.asarray(forward(z)).astype(z.dtype, copy=False)

    def df(self, z, a):
        return np.asarray(derivative(z)).astype(z.dtype, copy=False)

    cls = type(
        "Custom_" + "".join(c if c.isalnum() else "_" for c in key),
        (Activation,),
        {
            "__doc__": f"Custom activation {key!r}: {formula or forward}.",
            "name": key,
            "aliases": (),
            "family": family,
            "formula": formula,
            "reference": reference or "custom",
            "gain": float(gain),
            "f": f,
            "df": df,
        },
    )
    if overwrite and is_registered(key):  # drop aliases that pointed at the class being replaced
        unregister(lookup(key))
    return register(cls)


def unregister_activation(name: str) -> None:
    """Remove a registered activation (and its aliases); mainly for tests of custom ones."""
    unregister(lookup(name))
