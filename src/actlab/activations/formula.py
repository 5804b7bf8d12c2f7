"""Activations typed as a formula of z, e.g. ``formula:z * sigmoid(1.702 * z)``.

The text is never evaluated as Python (a URL of the playground can carry it): Python's ``ast``
parses it, and only a whitelist of node types, names and functions is turned into a SymPy
expression. SymPy derives f'(z); both are compiled to NumPy with stable forms (sigmoid and
softplus are primitives here, and ``log(1 + exp(u))`` / ``1 / (1 + exp(u))`` are rewritten to
them before differentiating). Before use, f' is checked against central finite differences
(``activations.custom.check_derivative``) and f, f' are evaluated in float32 and float64 on points
from -1e4 to 1e4: any overflow, NaN or division by zero refuses the formula.

Its name is ``formula:<text without spaces>``; ``get_activation`` builds it from that spec, so
specs, the CLI's ``--activations`` and the playground all accept it;
``register_activation(name, "<formula>")`` gives it a short name.
"""

from __future__ import annotations

import ast
import math
from functools import lru_cache

import numpy as np
import sympy as sp
from scipy.special import erf as _np_erf
from sympy.codegen.cfunctions import expm1, log1p

from ..errors import ParameterError
from ..numerics import sigmoid as _sigmoid
from .base import Activation
from .custom import check_derivative

PREFIX = "formula:"
MAX_LENGTH = 200  # characters
MAX_NODES = 100  # syntax-tree nodes
MAX_EXPONENT = 100  # |constant exponent|: keeps SymPy's exact arithmetic small
MAX_CONSTANT = 1e6  # |numeric literal|
Z = sp.Symbol("z", real=True)


class sigmoid(sp.Function):  # lower case: the name users type
    """sigmoid(u) = 1 / (1 + e^-u); sigmoid'(u) = sigmoid(u) (1 - sigmoid(u))."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)


class softplus(sp.Function):
    """softplus(u) = log(1 + e^u), computed as logaddexp(0, u); softplus'(u) = sigmoid(u)."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])


# name -> (number of arguments, builder of the SymPy expression)
FUNCTIONS = {
    "exp": (1, sp.exp),
    "log": (1, sp.log),
    "log1p": (1, log1p),
    "expm1": (1, expm1),
    "sqrt": (1, sp.sqrt),
    "abs": (1, sp.Abs),
    "tanh": (1, sp.tanh),
    "sinh": (1, sp.sinh),
    "cosh": (1, sp.cosh),
    "sin": (1, sp.sin),
    "cos": (1, sp.cos),
    "atan": (1, sp.atan),
    "erf": (1, sp.erf),
    "sigmoid": (1, sigmoid),
    "softplus": (1, softplus),
}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
OPERATORS = {
    ast.Add: sp.Add,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: sp.Mul,
    ast.Div: lambda a, b: a / b,
    ast.Pow: sp.Pow,
}
ALLOWED = (
    f"an expression of z with numbers, + - * / ** (or ^), pi, e and {', '.join(sorted(FUNCTIONS))}"
)


def _refuse(text, why: str):
    return ParameterError("formula", text, ALLOWED, why)


def parse(text: str) -> sp.Expr:
    """The SymPy expression of ``text``, built node by node from a whitelist (never eval)."""
    if not isinstance(text, str) or not text.strip():
        raise _refuse(text, "it is empty")
    if len(text) > MAX_LENGTH:
        raise _refuse(text[:40] + "...", f"it is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")  # ^: power, as in math
    except SyntaxError as exc:
        raise _refuse(text, f"not a formula: {exc.msg}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise _refuse(text, f"more than {MAX_NODES} parts")
    expr = _build(tree.body, text)
    if not expr.has(Z):
        raise _refuse(text, "it does not depend on z")
    return expr


def _build(node, text):
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _refuse(text, f"{value!r} is not a real number")
        if not (math.isfinite(value) and abs(value) <= MAX_CONSTANT):
            raise _refuse(text, f"the number {value!r} is not within +-{MAX_CONSTANT:g}")
        return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
    if isinstance(node, ast.Name):
        if node.id == "z":
            return Z
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise _refuse(text, f"unknown name {node.id!r} (the variable is z)")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _build(node.operand, text)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _build(node.left, text), _build(node.right, text)
        big_power = isinstance(node.op, ast.Pow) and right.is_number
        if big_power and not abs(float(right)) <= MAX_EXPONENT:
            raise _refuse(text, f"a constant exponent beyond +-{MAX_EXPONENT}")
        return OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            what = ast.unparse(node.func) if name is None else name
            raise _refuse(text, f"unknown function {what!r}")
        n_args, builder = FUNCTIONS[name]
        if node.keywords or len(node.args) != n_args:
            raise _refuse(text, f"{name} takes {n_args} argument(s), no keywords")
        return builder(*(_build(a, text) for a in node.args))
    raise _refuse(text, f"{type(node).__name__} is not allowed ({ast.unparse(node)!r})")


def stable_form(expr: sp.Expr) -> sp.Expr:
    """log(1 + e^u) -> softplus(u), 1 / (1 + e^u) -> sigmoid(-u), log1p(e^u) -> softplus(u)."""
    u = sp.Wild("u")
    expr = expr.replace(sp.log(1 + sp.exp(u)), softplus(u))
    expr = expr.replace(log1p(sp.exp(u)), softplus(u))
    return expr.replace(1 / (1 + sp.exp(u)), sigmoid(-u))


def _softplus_np(x):
    return np.logaddexp(0, x)


NUMPY_NAMES = {
    "sigmoid": _sigmoid,
    "softplus": _softplus_np,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "erf": _np_erf,
}


def _compile(expr: sp.Expr):
    raw = sp.lambdify(Z, expr, modules=[NUMPY_NAMES, "numpy"])

    def f(z):
        z = np.asarray(z)
        out = np.asarray(raw(z))
        if out.shape != z.shape:  # a constant (the derivative of a linear piece)
            out = np.broadcast_to(out, z.shape)
        return out.astype(z.dtype, copy=False) if z.dtype.kind == "f" else out

    return f


# z where the formula must stay finite without warnings: fine steps near 0, magnitudes to 1e4
CHECK_POINTS = np.concatenate(
    [np.linspace(-20.0, 20.0, 801), np.logspace(-6, 4, 300), -np.logspace(-6, 4, 300)]
)


def check_finite(text, f, df) -> None:
    """ParameterError unless f and f' are finite, warning-free, on CHECK_POINTS (float32, 64)."""
    for dtype in (np.float32, np.float64):
        z = CHECK_POINTS.astype(dtype)
        for what, fn in (("f(z)", f), ("f'(z)", df)):
            with np.errstate(all="ignore"):
                values = fn(z)
            bad = ~np.isfinite(values)
            if bad.any():
                at = float(z[np.argmax(bad)])
                raise _refuse(
                    text,
                    f"{what} is {values[np.argmax(bad)]} at z={at:g} in {np.dtype(dtype).name}",
                )
            try:
                with np.errstate(over="raise", invalid="raise", divide="raise"):
                    fn(z)
            except FloatingPointError as exc:
                raise _refuse(text, f"{what} warns in {np.dtype(dtype).name} ({exc})") from None


def _family(f) -> str:
    """'relu' (He init under ``auto``) when f is ~0 far left and ~z far right, else 'other'."""
    left, right = f(np.array([-20.0])), f(np.array([20.0]))
    return "relu" if abs(left[0]) < 0.5 and abs(right[0] - 20.0) < 0.5 else "other"


def canonical(text: str) -> str:
    return "".join(str(text).split())


@lru_cache(maxsize=256)
def compile_formula(text: str):
    """(expr, derivative expr, f, f') for ``text``, parsed, differentiated, compiled, checked."""
    expr = stable_form(parse(text))
    dexpr = sp.diff(expr, Z)
    f, df = _compile(expr), _compile(dexpr)
    check_finite(text, f, df)
    try:
        check_derivative(PREFIX + canonical(text), f, df)
    except ParameterError as exc:
        raise _refuse(text, str(exc)) from None
    return expr, dexpr, f, df


_CLASSES: dict[str, type[Activation]] = {}  # kept apart from the registry: `actlab list`
# and the choices in error messages stay the built-in names however many formulas were typed


def formula_activation(text: str) -> type[Activation]:
    """The Activation class of ``formula:<text>`` (built on first use, then cached)."""
    key = PREFIX + canonical(text)
    if key not in _CLASSES:
        _CLASSES[key] = formula_class(key, text)
    return _CLASSES[key]


def formula_class(name: str, text: str) -> type[Activation]:
    """A new Activation class named ``name`` computing ``text`` (not registered)."""
    expr, dexpr, f, df = compile_formula(text.strip())
    family = _family(f)
    return type(
        "Formula_" + "".join(c if c.isalnum() else "_" for c in name),
        (Activation,),
        {
            "__doc__": f"f(z) = {expr}; f'(z) = {dexpr} (derived by SymPy).",
            "name": name,
            "aliases": (),
            "family": family,
            "gain": math.sqrt(2.0) if family == "relu" else 1.0,
            "formula": f"f(z) = {text.strip()}; f'(z) = {dexpr}",
            "reference": "typed formula",
            "f": lambda self, z: f(z),
            "df": lambda self, z, a: df(z),
        },
    )
