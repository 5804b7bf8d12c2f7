"""Reading a run directory back: records as a pandas DataFrame."""

from __future__ import annotations

from pathlib import Path

from ..errors import ParameterError
from . import axes
from .stats import area_under_curve, best_epoch, epochs_to_reach, last_finite
from .store import RECORDS, RunStore

# the grid axes' columns (axes.py: dataset, hidden, activation, init, init_resolved, ...), then
# the group's other settings and the replica's own
CONFIG_COLUMNS = (
    "group_id",
    *axes.columns(),
    "momentum",
    "epochs",
    "batch_size",
    "dtype",
    "seed",
    "status",
    "diverged_epoch",
    "error",
)


# the group's fields from table.json repeated on each of its replicas' rows
GROUP_COLUMNS = ("position", "mark", "diff_vs_best", "p_vs_best", "unstable", "chance_acc")


def _table_rows(path: Path) -> dict:
    """table.json's rows by group id ({} when the run has no readable table)."""
    import json

    try:
        rows = json.loads((path / "table.json").read_text(encoding="utf-8"))["rows"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {r.get("group_id"): r for r in rows if isinstance(r, dict)}


def load(run_dir, history: bool = False, target_acc: float = 0.95):
    """The records of a run as a pandas DataFrame.

    history=False: one row per replica with its configuration, status, final metrics and
    derived ones (epochs to ``target_acc`` train accuracy, area under the train loss curve,
    best test epoch), whether this seed collapsed, and its group's place in the stored table
    (``mark``: best / tied / below / unstable / n/a, ``position`` by mean, ``p_vs_best``,
    ``unstable``). history=True: one row per replica and epoch.
    """
    import pandas as pd

    path = Path(run_dir)
    if not (path / RECORDS).exists():
        raise ParameterError("run_dir", str(path), f"a run directory holding {RECORDS}")
    records = RunStore(path).records()
    table = _table_rows(path)
    rows = []
    for rec in records:
        base = {k: rec.get(k) for k in CONFIG_COLUMNS}
        for axis in axes.AXES:
            base.update(axis.cells(rec))  # hidden: "100-100", or the architecture string
        curves = {
            m: rec.get(m) or []
            for m in ("train_loss", "train_acc", "test_loss", "test_acc", "val_loss", "val_acc")
        }
        if history:
            for e in range(len(curves["train_loss"])):
                rows.append({**base, "epoch": e + 1, **{m: c[e] for m, c in curves.items() if c}})
            continue
        base.update({f"final_{m}": last_finite(c) for m, c in curves.items() if c})
        base["epochs_to_target"] = epochs_to_reach(curves["train_acc"], target_acc)
        base["train_loss_auc"] = area_under_curve(curves["train_loss"])
        base["best_epoch"] = best_epoch(curves["test_acc"])
        base["group_seconds"] = rec.get("group_seconds")
        group = table.get(rec.get("group_id"), {})
        below = group.get("collapse_below")
        base["collapsed"] = (
            bool(base.get("final_test_acc", 1.0) < below)
            if isinstance(below, (int, float)) and rec["status"] == "ok"
            else False
        )
        base.update({k: group.get(k) for k in GROUP_COLUMNS})
        rows.append(base)
    return pd.DataFrame(rows)
