"""Reading a run directory for the report: config.json, records.jsonl, table.json, cost.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ParameterError
from ..experiments import axes
from ..experiments.store import RunStore

# fields that, when they differ between records, split a group beyond (init, activation): the
# grid's settings (axes.py: dataset, hidden, arch, optimizer, lr) and the group's
VARIANT_FIELDS = (
    *(k for a in axes.by_role("setting") for k, _ in a.group_fields()),
    "momentum",
    "batch_size",
    "epochs",
)


@dataclass
class Run:
    path: Path
    config: dict
    meta: dict
    records: list[dict]
    rows: list[dict]
    cost: list[dict] | None
    variants: list[str] = field(default_factory=list)


def _json(path: Path, what: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ParameterError(
            "RUN_DIR",
            str(path.parent),
            f"a run directory with a readable {what}",
            f"{path.name}: {exc}",
        ) from None


def load_run(run_dir) -> Run:
    """Everything the page needs, or a ParameterError naming the directory and what is missing."""
    path = Path(run_dir)
    if not path.is_dir():
        raise ParameterError(
            "RUN_DIR",
            str(path),
            "a run directory (made by actlab compare or run)",
            "no such directory",
        )
    missing = [n for n in ("config.json", "records.jsonl") if not (path / n).is_file()]
    if missing:
        raise ParameterError(
            "RUN_DIR",
            str(path),
            "a run directory holding config.json and records.jsonl",
            "missing: " + ", ".join(missing),
        )
    meta = _json(path / "config.json", "config.json")
    records = RunStore(path).records()
    if not records:
        raise ParameterError(
            "RUN_DIR",
            str(path),
            "a run directory with at least one finished group",
            "records.jsonl holds no complete record",
        )
    table = _json(path / "table.json", "table.json") if (path / "table.json").is_file() else {}
    rows = table.get("rows", []) if isinstance(table, dict) else []
    cost = None
    if (path / "cost.json").is_file():
        from .cost import cost_rows

        cost = cost_rows(_json(path / "cost.json", "cost.json"))
    config = meta.get("config", meta) if isinstance(meta, dict) else {}
    records, variants = label_variants(in_config_order(records, config))
    rows = [r for r in rows if isinstance(r, dict)]
    if not any("mark" in r for r in rows):  # tables from before the ranking: config order
        rows = in_config_order(rows, config)  # (ranked tables keep their sort by mean)
    return Run(path, config, meta if isinstance(meta, dict) else {}, records, rows, cost, variants)


def in_config_order(records: list[dict], config: dict) -> list[dict]:
    """Records sorted as the config lists inits and activations (workers finish in any order),
    seeds in order; a stable sort, so anything not listed keeps its place at the end."""

    def rank(values, value):
        values = values if isinstance(values, list) else []
        return values.index(value) if value in values else len(values)

    return sorted(
        records,
        key=lambda r: (
            rank(config.get("inits"), r.get("init")),
            rank(config.get("activations"), r.get("activation")),
            r.get("seed") if isinstance(r.get("seed"), int) else 0,
        ),
    )


def label_variants(records: list[dict]) -> tuple[list[dict], list[str]]:
    """When records differ in data set, depth, optimizer, ... (a sweep), append those values to
    the activation's label so each figure line is one group. Returns copies and the fields."""
    varying = [
        f
        for f in VARIANT_FIELDS
        if len({json.dumps(r.get(f), sort_keys=True) for r in records}) > 1
    ]
    if not varying:
        return records, []
    out = []
    for r in records:
        extra = ", ".join(f"{f}={_short(r.get(f))}" for f in varying)
        out.append(
            {**r, "activation": f"{r['activation']} [{extra}]", "activation_spec": r["activation"]}
        )
    return out, varying


def _short(value) -> str:
    if isinstance(value, list):
        return "-".join(map(str, value)) or "none"
    return str(value)
