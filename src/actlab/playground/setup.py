"""What a playground session trains: data set, activations, network, optimizer, seeds.

A ``Setup`` is immutable and always valid: ``Setup.from_query`` checks every field and raises a
ParameterError (one line: the setting, the value, what is allowed) before anything changes.
Its query form (``to_query``) is the page's URL, so a link reproduces a setup.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from urllib.parse import parse_qs, urlencode

from ..activations import get_activation
from ..errors import ParameterError, UnknownNameError
from ..initializers import available_initializers, parse_init
from ..optimizers import available_optimizers

DATASETS = ("spiral", "moons", "circles", "xor", "gaussians")
MAX_LAYERS, MAX_UNITS = 6, 32  # the neuron thumbnails stay readable; a step stays fast
MAX_ACTIVATIONS, MAX_SEEDS = 4, 10
LAYER_SEPARATOR = ";"  # "relu;tanh": relu in the first hidden layer, tanh in the second
VIEWS = ("mean", "seed0")  # the decision boundary: mean over seeds, or seed 0 alone

# query key -> field name (the URL stays short)
KEYS = {
    "data": "dataset",
    "noise": "noise",
    "ratio": "train_ratio",
    "n": "n_samples",
    "act": "activations",
    "init": "init",
    "hidden": "hidden",
    "opt": "optimizer",
    "lr": "lr",
    "batch": "batch_size",
    "l2": "l2",
    "seeds": "seeds",
    "dseed": "data_seed",
    "view": "view",
    "epf": "epochs_per_frame",
    "follow": "follow",
}
# settings that change a running session without retraining from scratch
LIVE = ("lr", "l2", "view", "epochs_per_frame", "follow")


@dataclass(frozen=True)
class Setup:
    dataset: str = "spiral"
    noise: float = 0.2
    train_ratio: float = 0.5
    n_samples: int = 400
    activations: tuple[str, ...] = ("sigmoid", "tanh", "relu")
    init: str = "auto"
    hidden: tuple[int, ...] = (8, 8)
    optimizer: str = "adam"
    lr: float = 0.01
    batch_size: int = 16
    l2: float = 0.0
    seeds: int = 3
    data_seed: int = 0
    view: str = "mean"
    epochs_per_frame: int = 1
    follow: str = ""  # "L.U": the weight path of unit U of weight layer L ("": the default)

    # --- validation ------------------------------------------------------------------------
    def validated(self) -> Setup:
        """This setup if every field is allowed, else ParameterError naming the first bad one."""
        if self.dataset not in DATASETS:
            raise UnknownNameError("data", self.dataset, DATASETS)
        _number("noise", self.noise, 0.0, 2.0)
        _number("ratio", self.train_ratio, 0.1, 0.9)
        _integer("n", self.n_samples, 40, 2000)
        if self.init.startswith("formula"):
            raise ParameterError("init", self.init, "an initializer name")
        parse_init(self.init)
        if not isinstance(self.hidden, tuple) or len(self.hidden) > MAX_LAYERS:
            raise ParameterError(
                "hidden", _text(self.hidden), f"0 to {MAX_LAYERS} layer widths, e.g. 8,8"
            )
        for width in self.hidden:
            _integer(
                "hidden",
                width,
                1,
                MAX_UNITS,
                shown=_text(self.hidden),
                allowed=f"widths from 1 to {MAX_UNITS} units, e.g. 8,8",
            )
        if not 1 <= len(self.activations) <= MAX_ACTIVATIONS:
            raise ParameterError(
                "act", list(self.activations), f"1 to {MAX_ACTIVATIONS} activations to compare"
            )
        for spec in self.activations:
            self.layer_activations(spec)
        if self.optimizer not in available_optimizers():
            raise UnknownNameError("opt", self.optimizer, available_optimizers())
        _number("lr", self.lr, 0.0, 10.0, open_low=True)
        _integer("batch", self.batch_size, 1, self.n_train)
        _number("l2", self.l2, 0.0, 10.0)
        _integer("seeds", self.seeds, 1, MAX_SEEDS)
        _integer("dseed", self.data_seed, 0, 2**31 - 1)
        if self.view not in VIEWS:
            raise UnknownNameError("view", self.view, VIEWS)
        _integer("epf", self.epochs_per_frame, 1, 50)
        if self.follow:
            self.followed()
        return self

    def followed(self) -> tuple[int, int] | None:
        """(weight layer, unit), 0-based, whose two first incoming weights the page follows."""
        if not self.follow:
            return None
        widths = [2, *self.hidden, 2]  # inputs, hidden layers, the two class outputs
        layer, _, unit = str(self.follow).partition(".")
        allowed = (
            f"LAYER.UNIT with a weight layer 1..{len(widths) - 1} whose units see at "
            "least 2 inputs, e.g. 2.1"
        )
        try:
            layer, unit = int(layer), int(unit)
        except ValueError:
            raise ParameterError("follow", self.follow, allowed) from None
        if not (1 <= layer < len(widths) and widths[layer - 1] >= 2 and 1 <= unit <= widths[layer]):
            raise ParameterError("follow", self.follow, allowed)
        return layer - 1, unit - 1

    @property
    def n_train(self) -> int:
        return max(1, round(self.n_samples * self.train_ratio))

    def layer_activations(self, spec: str) -> str | list[str]:
        """``spec`` as Network takes it: one name, or one per hidden layer ("relu;tanh")."""
        parts = [p.strip() for p in str(spec).split(LAYER_SEPARATOR)]
        if any(not p for p in parts):
            raise ParameterError("act", spec, "an activation name, or one per layer split by ';'")
        if len(parts) > 1 and len(parts) != len(self.hidden):
            raise ParameterError(
                "act",
                spec,
                f"one activation, or {len(self.hidden)} (one per hidden layer) split by ';'",
            )
        for part in parts:
            try:
                get_activation(part)
            except ParameterError as exc:  # the same line, named as the page names it
                text = str(exc)
                hint = text[text.find(exc.allowed) + len(exc.allowed) :].strip(" ()")
                raise ParameterError("act", part, exc.allowed, hint) from None
        return parts if len(parts) > 1 else parts[0]

    # --- the URL form ------------------------------------------------------------------------
    def to_query(self) -> str:
        values = {key: getattr(self, name) for key, name in KEYS.items()}
        values["hidden"] = _text(self.hidden)
        values["act"] = list(self.activations)
        return urlencode(values, doseq=True)

    @classmethod
    def from_query(cls, query: str | dict, base: Setup | None = None) -> Setup:
        """A validated setup from a query string (or parse_qs dict); missing keys keep ``base``."""
        parsed = (
            parse_qs(query.lstrip("?"), keep_blank_values=True)
            if isinstance(query, str)
            else {k: v if isinstance(v, list) else [v] for k, v in query.items()}
        )
        base = base or cls()
        changes = {}
        types = {f.name: f.type for f in fields(cls)}
        for key, values in parsed.items():
            if key not in KEYS:
                raise UnknownNameError("setting", key, KEYS)
            name = KEYS[key]
            if name == "activations":
                changes[name] = tuple(str(v).strip() for v in values if str(v).strip())
            elif name == "hidden":
                changes[name] = _hidden(str(values[-1]))
            else:
                changes[name] = _convert(key, str(values[-1]), types[name])
        if "follow" not in changes and changes.get("hidden", base.hidden) != base.hidden:
            changes["follow"] = ""  # a new network: the followed unit may no longer exist
        return replace(base, **changes).validated()

    def as_dict(self) -> dict:
        d = asdict(self)
        d["activations"], d["hidden"] = list(self.activations), list(self.hidden)
        return d


def _text(hidden) -> str:
    return ",".join(map(str, hidden))


def _hidden(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("", "none", "0"):
        return ()
    try:
        return tuple(int(p) for p in text.split(","))
    except ValueError:
        raise ParameterError(
            "hidden", text, f"comma-separated widths from 1 to {MAX_UNITS}, e.g. 8,8"
        ) from None


def _convert(key, text, kind):
    kind = str(kind)
    try:
        if kind == "float":
            value = float(text)
        elif kind == "int":
            value = int(text)
        else:
            return text.strip()
    except ValueError:
        raise ParameterError(key, text, "an integer" if kind == "int" else "a number") from None
    return value


def _number(key, value, low, high, open_low=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value > high or value < low or (open_low and value == low):
        left = "(" if open_low else "["
        raise ParameterError(key, value, f"a number in {left}{low:g}, {high:g}]")


def _integer(key, value, low, high, shown=None, allowed=None):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ParameterError(
            key,
            shown if shown is not None else value,
            allowed or f"an integer from {low} to {high}",
        )


def choices() -> dict:
    """What the page's menus offer."""
    from ..activations import available_activations

    return {
        "datasets": list(DATASETS),
        "optimizers": available_optimizers(),
        "inits": available_initializers(),
        "views": list(VIEWS),
        "activations": [a for a in available_activations() if not a.startswith("formula:")],
        "limits": {
            "layers": MAX_LAYERS,
            "units": MAX_UNITS,
            "activations": MAX_ACTIVATIONS,
            "seeds": MAX_SEEDS,
        },
    }
