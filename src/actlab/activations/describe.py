"""``describe``: what ``actlab list`` prints about each activation."""

from __future__ import annotations

from .registry import available_activations, constructor_parameters, lookup


def describe(name: str | None = None):
    """A dict per activation (all of them if ``name`` is None).

    Keys: name, aliases, formula, family, gain, reference, parameters (name -> default).
    """
    if name is None:
        return [describe(n) for n in available_activations()]
    cls = lookup(name)
    return {
        "name": cls.name,
        "aliases": list(cls.aliases),
        "formula": cls.formula,
        "family": cls.family,
        "gain": cls.gain,
        "reference": cls.reference,
        "parameters": constructor_parameters(cls),
    }
