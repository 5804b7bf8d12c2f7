"""The grid's axes, declared once.

An axis is a list in the spec (``lrs = [0.1, 0.01]``) of which each group takes one value
(``lr``); every combination of the axes' values is one group of seeds (plan.expand). The
places that deal with axes read :data:`AXES` instead of naming them: the Spec's fields, their
checks and TOML spellings (spec.py), the CLI flags (cli.py), the groups and the plan's
description (plan.py), the Network's and the Trainer's arguments (runner.py), the table's
blocks, titles and columns (stats.py, compare.py, conclusion.py) and the columns of
``actlab.load`` (results.py, comparison.py, report/load.py). Adding an axis is one entry.

An axis plays one of three roles:

- ``setting`` (data set, network, optimizer, learning rate): groups that differ here are in
  different blocks; a table's title names them when the run has more than one block.
- ``split`` (init): a table per value, always named in the title.
- ``compared`` (activation): the rows of one table, ranked against each other.

Orders follow from the declaration, so that every output stays as it was: groups expand and
blocks are keyed settings, then splits, then the compared axis (the compared axis varies
fastest); labels and table rows put the compared axis first, then splits, then settings;
flags, checks and the run's first line put the compared axis first, then the rest in
declaration order; the Group, its records and ``actlab.load`` keep declaration order.

To add an axis, append an :class:`Axis` to AXES: its Spec field, its Group key, the default
values, the check and the CLI flag, ``to`` for the Network or Trainer keyword its value
becomes, and ``implicit``, the value every run had before, so that the groups of earlier run
directories keep their ids and resume. tests/test_axes.py adds one (the Trainer's ``shuffle``)
and follows it from TOML and the CLI to the records, the table and ``actlab.load``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import ParameterError, UnknownNameError, is_int, is_real, parse_number

ROLES = ("setting", "split", "compared")
_NONE = object()  # no implicit value: the axis was there from the start


def compact(values, head: int = 4, tail: int = 2, width: int = 88) -> str:
    """``a, b, c, d, ..., y, z`` for a long list; every value when they fit in ``width``.
    A list too long to fit whatever its values (each takes a character and its ", ") is not
    joined whole: 10^6 learning rates are shown in microseconds."""
    if len(values) <= head + tail or 3 * len(values) - 2 <= width:
        text = ", ".join(map(str, values))
        if len(values) <= head + tail or len(text) <= width:
            return text
    shown = [*map(str, values[:head]), "...", *map(str, values[-tail:])]
    return ", ".join(s if len(s) <= 30 else s[:27] + "..." for s in shown)


def comma_list(text: str) -> list[str]:
    """``"a, b,c"`` -> ``["a", "b", "c"]`` (a CLI flag's list of names)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def names(check_one: Callable[[str], object] | None = None):
    """The check of a list of names: non-empty, strings, each accepted by ``check_one``."""

    def check(field_name, values):
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise ParameterError(field_name, values, "a non-empty list of names")
        for value in values if check_one is not None else ():
            check_one(value)

    return check


@dataclass(frozen=True)
class Axis:
    """One grid axis. The defaults suit a new axis of names: give ``field``, ``key``,
    ``default``, ``check`` and ``flag``; the texts then read ``key=value``."""

    field: str  # the spec's list, e.g. "lrs"
    key: str  # a group's value: the Group's field, the records' and the table's column, "lr"
    default: tuple  # the spec's values when it gives none
    check: Callable  # check(field, values): raises the one-line ParameterError
    flag: str  # the CLI flag, e.g. "--lr"; its text becomes the list by ``parse``
    help: str = ""
    parse: Callable[[str], list] = comma_list
    role: str = "setting"
    to: tuple[str, str] | None = None  # ("network" or "trainer", keyword) a group's value goes to
    coerce: Callable = lambda value: value  # a spec's value as the group holds it (float(lr))
    kind: type = str  # the type of a group's value (the Group field's annotation)
    singular: str | None = None  # the TOML spelling of one value: lr = 0.1 for lrs = [0.1]
    resolved: str | None = None  # a record's column of what the value resolved to ("auto")
    same_cost: bool = False  # groups that differ only here train equally fast (plan's estimate)
    implicit: object = _NONE  # the value every group had before the axis existed: a group at it
    # keeps its id, and a run directory of a spec at [implicit] resumes (axes added later)
    label: str = "{key}={}"  # the group in a progress line: "lr=0.05"
    title: str = ", {key} {}"  # a table's title (with the separator before it): ", lr 0.05"
    summary: str = ", {key} {}"  # the run's first line: its values (compact)
    joiner: str = ", "  # between the values in ``summary``

    def __post_init__(self):
        if self.role not in ROLES:
            raise ParameterError("role", self.role, "one of " + ", ".join(ROLES))

    # --- the spec ---------------------------------------------------------------------------
    def spec_fields(self) -> list[tuple]:
        """(name, type, dataclasses.field) of the Spec's fields for this axis."""
        default = self.default
        return [(self.field, list, field(default_factory=lambda: list(default)))]

    def spellings(self) -> dict[str, str]:
        """{singular: plural} TOML keys that a spec may give one value under."""
        return {self.singular: self.field} if self.singular else {}

    def normalize(self, flat: dict) -> None:
        """Turn the TOML spellings of this axis in ``flat`` into its Spec fields (in place)."""

    def validate(self, spec) -> None:
        self.check(self.field, getattr(spec, self.field))

    def add_flags(self, parser) -> None:
        parser.add_argument(self.flag, help=self.help)

    def from_flags(self, args) -> dict:
        """The Spec fields the user's flags set ({} when none was given)."""
        text = getattr(args, _dest(self.flag))
        return {} if text is None else {self.field: self.parse(text)}

    def plan_line(self, spec) -> tuple[str, list]:
        return self.field, getattr(spec, self.field)

    def count(self, spec) -> int:
        """How many values the spec gives this axis (the groups are their product)."""
        return len(getattr(spec, self.field))

    def summarize(self, spec) -> str:
        shown = compact(getattr(spec, self.field)).replace(", ", self.joiner)
        return self.summary.format(shown, key=self.key)

    # --- groups -----------------------------------------------------------------------------
    def group_fields(self) -> list[tuple[str, type]]:
        return [(self.key, self.kind)]

    def choices(self, spec) -> list[dict]:
        """One {Group field: value} per value of the spec's list, in its order."""
        return [{self.key: self.coerce(v)} for v in getattr(spec, self.field)]

    def label_of(self, group) -> str:
        return self.label.format(getattr(group, self.key), key=self.key)

    def kwargs(self, group, where: str) -> dict:
        """What this axis gives the Network (``where="network"``) or the Trainer."""
        if self.to is None or self.to[0] != where:
            return {}
        return {self.to[1]: getattr(group, self.key)}

    def implicit_fields(self) -> dict:
        """{Group field: value} a group's id leaves out (so that it stays as before)."""
        return {} if self.implicit is _NONE else {self.key: self.implicit}

    def implicit_spec(self) -> dict:
        """{Spec field: value} a spec's stored config may leave out (run directories made
        before the axis existed)."""
        return {} if self.implicit is _NONE else {self.field: [self.implicit]}

    def cost_keys(self) -> tuple[str, ...]:
        return () if self.same_cost else tuple(k for k, _ in self.group_fields())

    # --- records and tables -----------------------------------------------------------------
    def columns(self) -> tuple[str, ...]:
        """The table's (and actlab.load's) columns of this axis."""
        return (self.key,) if self.resolved is None else (self.key, self.resolved)

    def cells(self, record: dict, summary: bool = False) -> dict:
        """This axis's columns from a record; a table row (``summary``) shows an unresolved
        value where the record has none resolved (records from before it was recorded)."""
        missing = None if self.implicit is _NONE else self.implicit  # records from before it
        out = {self.key: record.get(self.key, missing)}
        if self.resolved is not None:
            default = record.get(self.key) if summary else None
            out[self.resolved] = record.get(self.resolved, default)
        return out

    def title_of(self, rows: list[dict]) -> str:
        value = rows[0][self.key]
        text = self.title.format(value, key=self.key)
        if self.resolved is not None:
            resolved = sorted({str(r[self.resolved]) for r in rows})
            text += f" ({', '.join(resolved)})" if resolved != [value] else ""
        return text


@dataclass(frozen=True)
class Shape(Axis):
    """The network: hidden-layer sizes (``hidden``, an MLP) or architecture strings
    (``archs``, which replace ``hidden`` when given). Two Spec fields, two Group fields
    (``hidden``, ``arch``), one column (``hidden``: the architecture string or the sizes)."""

    field: str = "hidden"
    key: str = "hidden"
    default: tuple = ((100, 100),)
    check: Callable | None = None  # validate() below checks both fields
    flag: str = "--hidden"

    def spec_fields(self):
        default = self.default
        return [
            ("hidden", list[list[int]], field(default_factory=lambda: [list(h) for h in default])),
            ("archs", list[str], field(default_factory=list)),  # architectures; replace hidden
        ]

    def spellings(self):
        return {"arch": "archs"}

    def normalize(self, flat):
        hidden = flat.get("hidden")
        if isinstance(hidden, list) and hidden and all(is_int(h) for h in hidden):
            flat["hidden"] = [hidden]  # one architecture given as a plain list

    def validate(self, spec):
        if not isinstance(spec.hidden, list) or not spec.hidden:
            raise ParameterError(
                "hidden", spec.hidden, "a list of layer-size lists, e.g. [[100, 100]]"
            )
        for sizes in spec.hidden:
            if not isinstance(sizes, list) or not all(is_int(h) and h > 0 for h in sizes):
                raise ParameterError(
                    "hidden",
                    spec.hidden,
                    "a list of lists of positive integers, e.g. [[100, 100], [50]]",
                )
        if not isinstance(spec.archs, list) or not all(isinstance(a, str) for a in spec.archs):
            raise ParameterError("archs", spec.archs, "a list of architecture strings")
        for arch in spec.archs:
            from ..arch import parse_arch

            parse_arch(arch)

    def add_flags(self, parser):
        parser.add_argument(
            "--hidden", help="hidden layer sizes (default: 100,100; 'none' for none)"
        )
        parser.add_argument(
            "--arch",
            action="append",
            metavar="LAYERS",
            help="a network as layers instead of --hidden, e.g. "
            "'conv1d:25x5:s2:p1,act,conv1d:25x3:s2:p1,act,flatten,dense:10' ('act' is the "
            "activation being compared); repeat for several",
        )

    def from_flags(self, args):
        out = {} if args.hidden is None else {"hidden": [parse_hidden(args.hidden)]}
        return out if args.arch is None else {**out, "archs": args.arch}

    def plan_line(self, spec):
        return ("archs", spec.archs) if spec.archs else ("hidden", spec.hidden)

    def count(self, spec):
        return len(spec.archs or spec.hidden)

    def summarize(self, spec):
        shapes = spec.archs or [",".join(map(str, h)) or "none" for h in spec.hidden]
        return f", network {compact(shapes).replace(', ', ' | ')}"

    def group_fields(self):
        return [("hidden", tuple), ("arch", str)]  # arch "": the MLP given by hidden

    def choices(self, spec):
        if spec.archs:
            return [{"hidden": (), "arch": arch} for arch in spec.archs]
        return [{"hidden": tuple(h), "arch": ""} for h in spec.hidden]

    def label_of(self, group):
        return group.arch or "-".join(map(str, group.hidden)) or "linear"

    def kwargs(self, group, where):
        if where != "network":
            return {}
        return {"hidden": list(group.hidden), "arch": group.arch or None}

    def columns(self):
        return ("hidden",)

    def cells(self, record, summary=False):
        return {"hidden": record.get("arch") or "-".join(map(str, record.get("hidden", [])))}

    def title_of(self, rows):
        return f", network {rows[0]['hidden'] or 'linear'}"


def parse_hidden(text: str) -> list[int]:
    """``--hidden 100,100`` -> [100, 100]; ``none`` or nothing: no hidden layer."""
    if text.strip().lower() in ("", "none"):
        return []
    allowed = "comma-separated positive integers, e.g. 100,100"
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise ParameterError("--hidden", text, allowed) from None
    if any(s <= 0 for s in sizes):
        raise ParameterError("--hidden", text, allowed)
    return sizes


def _check_lrs(field_name, values):
    if (
        not isinstance(values, list)
        or not values
        or not all(is_real(x) and math.isfinite(x) and x > 0 for x in values)
    ):
        raise ParameterError(field_name, values, "a list of positive numbers")


def _activation(name):
    from ..activations import get_activation

    get_activation(name)


def _dataset(name):
    from ..datasets import dataset_options

    dataset_options(name)


def _init(name):
    from ..initializers import parse_init

    parse_init(name)


def _optimizer(name):
    from ..optimizers import available_optimizers

    if name not in available_optimizers():
        raise UnknownNameError("optimizer", name, available_optimizers())


AXES: tuple[Axis, ...] = (
    Axis(
        "datasets",
        "dataset",
        ("digits",),
        names(_dataset),
        "--dataset",
        help="data set name (default: digits)",
        parse=lambda text: [text],
        singular="dataset",
        label="{}",
        title=", {}",
        summary=" on {}",
    ),
    Shape(),
    Axis(
        "activations",
        "activation",
        ("sigmoid", "tanh", "relu"),
        names(_activation),
        "--activations",
        help="comma list of activation names, with a parameter as in "
        "leaky_relu:0.1 (compare default: sigmoid,tanh,relu)",
        role="compared",
        to=("network", "activation"),
        singular="activation",
        label="{}",
        summary=", {}",
    ),
    Axis(
        "inits",
        "init",
        ("auto", "prototype"),
        names(_init),
        "--init",
        help="comma list of initializers (default: auto,prototype)",
        role="split",
        to=("network", "init"),
        singular="init",
        resolved="init_resolved",
        same_cost=True,
        title=", init = {}",
        summary=", init {}",
    ),
    Axis(
        "optimizers",
        "optimizer",
        ("sgd",),
        names(_optimizer),
        "--optimizer",
        help="gd, sgd, nesterov or adam (default: sgd)",
        parse=lambda text: [text],
        to=("trainer", "optimizer"),
        singular="optimizer",
        label="{}",
        title=", {}",
        summary=", {}",
        joiner="/",
    ),
    Axis(
        "lrs",
        "lr",
        (0.03,),
        _check_lrs,
        "--lr",
        help="learning rate (default: 0.03)",
        parse=lambda text: [parse_number("--lr", text)],
        to=("trainer", "lr"),
        coerce=float,
        kind=float,
        singular="lr",
        same_cost=True,
        title=" lr {}",
        summary=" lr {}",
        joiner="/",
    ),
)


def by_role(*roles: str, axes=None) -> list[Axis]:
    """The axes of these roles, role by role in the order given, each in declaration order."""
    axes = AXES if axes is None else axes
    return [a for role in roles for a in axes if a.role == role]


def expand_order() -> list[Axis]:
    """Groups expand, and tables are blocked, settings first and the compared axis last."""
    return by_role("setting", "split", "compared")


def label_order() -> list[Axis]:
    """Labels and table rows: the compared axis first, then splits, then settings."""
    return by_role("compared", "split", "setting")


def text_order() -> list[Axis]:
    """Flags, checks and the run's first line: the compared axis, then declaration order."""
    compared = by_role("compared")
    return compared + [a for a in AXES if a not in compared]


def columns() -> tuple[str, ...]:
    """Every axis's columns in declaration order (actlab.load's configuration)."""
    return tuple(c for a in AXES for c in a.columns())


def block_keys() -> tuple[str, ...]:
    """The table's block: the columns of every axis but the compared one (not the resolved
    values: a block of inits is one block however each activation resolved ``auto``)."""
    return tuple(a.columns()[0] for a in expand_order() if a.role != "compared")


def row_cells(record: dict) -> dict:
    """A table row's axis columns from a group's record, in label order."""
    return {k: v for a in label_order() for k, v in a.cells(record, summary=True).items()}


def varies(rows: list[dict]) -> bool:
    """Whether the rows span more than one value of a setting (then titles name them)."""
    keys = [a.columns()[0] for a in by_role("setting")]
    return any(len({r.get(k) for r in rows}) > 1 for k in keys)


def title(rows: list[dict], many: bool) -> str:
    """A block's title: its settings (when ``many``), then its splits."""
    shown = by_role("setting", "split") if many else by_role("split")
    return "".join(a.title_of(rows) for a in shown).removeprefix(", ")


def label(group) -> str:
    """A group in a line of text: ``relu init=auto digits 100-100 sgd lr=0.03``."""
    return " ".join(a.label_of(group) for a in label_order())


def network_kwargs(group) -> dict:
    return {k: v for a in AXES for k, v in a.kwargs(group, "network").items()}


def trainer_kwargs(group) -> dict:
    return {k: v for a in AXES for k, v in a.kwargs(group, "trainer").items()}


def spellings() -> dict[str, str]:
    return {s: p for a in AXES for s, p in a.spellings().items()}


def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")
