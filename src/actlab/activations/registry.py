"""The registry of activations by name, and ``get_activation``: names and specs to instances."""

from __future__ import annotations

import inspect

from ..errors import ParameterError, UnknownNameError
from .base import Activation

_REGISTRY: dict[str, type[Activation]] = {}  # canonical names and aliases


def register(cls):
    """Class decorator: make ``cls`` available by ``cls.name`` and its ``aliases``."""
    for key in (cls.name, *cls.aliases):
        _REGISTRY[key] = cls
    return cls


def unregister(cls) -> None:
    """Remove ``cls`` under every name that points at it."""
    for key in [k for k, v in _REGISTRY.items() if v is cls]:
        del _REGISTRY[key]


def is_registered(name: str) -> bool:
    return name.strip().lower() in _REGISTRY


def available_activations(include_aliases: bool = False) -> list[str]:
    """Sorted registered names (canonical names; aliases too if asked)."""
    if include_aliases:
        return sorted(_REGISTRY)
    return sorted({cls.name for cls in _REGISTRY.values()})


def lookup(name: str) -> type[Activation]:
    """The class registered as ``name`` (case and surrounding spaces ignored)."""
    key = name.strip().lower()
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownNameError("activation", name, available_activations(True)) from None


def _parse_value(text: str):
    """The text after ':' in a spec: an int, a float, or the string itself."""
    text = text.strip()
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def constructor_parameters(cls) -> dict:
    """The constructor's parameters and their defaults (what a spec may set)."""
    sig = inspect.signature(cls.__init__)
    return {p.name: p.default for p in sig.parameters.values() if p.name != "self"}


def get_activation(spec, **params) -> Activation:
    """A NEW activation from a name, a ``"name:value"`` string, a class or an instance.

    ``"leaky_relu:0.1"`` sets the class's first parameter (``positional``: leaky_relu slope,
    elu alpha, swish beta, maxout pieces, prelu init, gelu approximate). Keyword ``params``
    go to the constructor. An instance gives a fresh, unbuilt copy of its configuration.
    """
    if isinstance(spec, Activation):
        if params:
            raise ParameterError("activation parameters", params, "none when given an instance")
        return type(spec)(**spec.config)
    if isinstance(spec, type) and issubclass(spec, Activation):
        cls = spec
    elif isinstance(spec, str) and spec.strip().lower().startswith("formula:"):
        from .formula import formula_activation  # a typed formula of z, e.g. "formula:z*tanh(z)"

        cls = formula_activation(spec.strip()[len("formula:") :])
    elif isinstance(spec, str):
        name, sep, value = spec.partition(":")
        cls = lookup(name)
        if sep:
            if cls.positional is None:
                raise ParameterError(
                    "activation", spec, f"{cls.name!r} without ':value' (it takes no parameter)"
                )
            if cls.positional in params:
                raise ParameterError(
                    f"{cls.name} {cls.positional}",
                    params[cls.positional],
                    "given once, either in the name or as a keyword",
                )
            params[cls.positional] = _parse_value(value)
    else:
        raise ParameterError(
            "activation", spec, "a name, a 'name:value' string or an Activation instance"
        )
    allowed = list(constructor_parameters(cls))
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ParameterError(
            f"{cls.name} parameter",
            unknown[0],
            ", ".join(allowed) if allowed else "none (it takes no parameters)",
        )
    return cls(**params)
