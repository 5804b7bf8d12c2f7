"""Summaries of a group of seeds: mean and spread, epochs to a target, divergence counts."""

from __future__ import annotations

import math

import numpy as np


def epochs_to_reach(curve, target: float, higher_is_better: bool = True):
    """The first epoch (1-based) at which ``curve`` reaches ``target``, or None."""
    values = np.asarray(curve, dtype=float)
    hit = values >= target if higher_is_better else values <= target
    idx = np.flatnonzero(hit & np.isfinite(values))
    return int(idx[0]) + 1 if idx.size else None


def mean_std(values):
    """Mean and sample standard deviation (ddof=1; 0 for one value) of the finite values."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if v.size == 0:
        return math.nan, math.nan
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def last_finite(curve):
    """The last finite value of a per-epoch list (None and NaN are skipped)."""
    for x in reversed(list(curve)):
        if x is not None and math.isfinite(x):
            return float(x)
    return math.nan


def summarize_group(records: list[dict], target_acc: float) -> dict:
    """One row of the comparison table from the records of one group (one per seed)."""
    ok = [r for r in records if r["status"] == "ok"]
    acc_mean, acc_std = mean_std([last_finite(r["test_acc"]) for r in ok])
    loss_mean, loss_std = mean_std([last_finite(r["train_loss"]) for r in ok])
    reach = [epochs_to_reach(r["train_acc"], target_acc) for r in ok]
    reached = [e for e in reach if e is not None]
    epochs_mean, _ = mean_std(reached)
    first = records[0]
    row = {
        "activation": first["activation"], "init": first["init"],
        "init_resolved": first.get("init_resolved", first["init"]),
        "test_acc_mean": acc_mean, "test_acc_std": acc_std,
        "train_loss_mean": loss_mean, "train_loss_std": loss_std,
        "epochs_to_target_mean": epochs_mean, "n_reached_target": len(reached),
        "target_train_acc": target_acc,
        "seconds": first["group_seconds"],
        "n_seeds": len(records), "n_ok": len(ok),
        "n_diverged": sum(r["status"] == "diverged" for r in records),
    }
    if "probes" in first:
        row.update(probe_summary(ok))
    return row


def probe_summary(records: list[dict]) -> dict:
    """Means over seeds, at the last probe: last hidden layer's saturation, dead fraction and
    mean activation, and the ratio of the first layer's |dL/dW| to the last layer's."""
    def final(key, layer=None):
        vals = []
        for r in records:
            series = r["probes"].get(key) or []
            if series:
                v = series[-1] if layer is None else (series[-1][layer] if series[-1] else None)
                vals.append(math.nan if v is None else v)
        return mean_std(vals)[0]

    return {"last_hidden_saturation": final("saturation", -1), "last_hidden_dead": final("dead", -1),
            "last_hidden_act_mean": final("act_mean", -1), "grad_ratio": final("grad_ratio")}
