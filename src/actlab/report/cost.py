"""What each activation costs to compute, from ``cost.json`` (written by the benchmarks)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def cost_rows(obj) -> list[dict]:
    """The rows of a cost.json, which may be a list or {"rows": [...]}."""
    rows = obj.get("rows", []) if isinstance(obj, dict) else obj
    return [r for r in rows if isinstance(r, dict) and "activation" in r]


def _num(row, key):
    v = row.get(key)
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else np.nan


def _by_rank(rows, acts):
    """Per activation its rows sorted by size; the k-th of each is one size class (Maxout's
    timed size differs from the others' by its pieces)."""
    per = {
        a: sorted((r for r in rows if str(r["activation"]) == a), key=lambda r: _num(r, "size"))
        for a in acts
    }
    n = max((len(v) for v in per.values()), default=0)
    ref = max(per.values(), key=len)
    return per, [ref[k].get("size") for k in range(n)]


def plot_cost(rows: list[dict], stem: str | Path) -> tuple[Path, Path] | None:
    """Left: ns per element, forward and forward+backward, at the largest size measured.
    Right: forward+backward time relative to ReLU, per size."""
    if not rows:
        return None
    from .common import color_map, margins, plain, plt, save  # matplotlib: only to draw

    acts = list(dict.fromkeys(str(r["activation"]) for r in rows))
    per, sizes = _by_rank(rows, acts)
    top = {a: (v[-1] if v else {}) for a, v in per.items()}
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 0.45 * len(acts) + 1.8))
    y = np.arange(len(acts))
    left.barh(
        y - 0.2,
        [_num(top[a], "fwd_ns_per_element") for a in acts],
        0.4,
        label="forward",
        color="#9ecae1",
    )
    left.barh(
        y + 0.2,
        [_num(top[a], "fwd_bwd_ns_per_element") for a in acts],
        0.4,
        label="forward + backward",
        color="#3182bd",
    )
    left.set_yticks(y, [plain(a) for a in acts])
    left.invert_yaxis()
    left.set_xlabel(
        "ns per element"
        + (
            f" (largest size, {sizes[-1]:,} elements)"
            if sizes and isinstance(sizes[-1], int)
            else ""
        )
    )
    left.legend(frameon=False, fontsize=9)
    colors = color_map(range(len(sizes)))
    width = 0.8 / max(len(sizes), 1)
    for k, size in enumerate(sizes):
        ratio = [
            _num(per[a][k], "fwd_bwd_ratio_to_relu") if k < len(per[a]) else np.nan for a in acts
        ]
        label = f"{size:,} elements" if isinstance(size, int) else f"size {k + 1}"
        right.barh(
            y + (k - (len(sizes) - 1) / 2) * width, ratio, width, color=colors[k], label=label
        )
    right.axvline(1.0, color="0.3", lw=0.8, ls="--")
    right.set_yticks(y, [plain(a) for a in acts])
    right.invert_yaxis()
    right.set_xlabel("forward + backward time / ReLU's (dashed line: as fast as ReLU)")
    right.legend(frameon=False, fontsize=8)
    for ax in (left, right):
        ax.grid(axis="x", alpha=0.3)
    margins(fig, left=1.0, right=0.15, top=0.15, bottom=0.55, wgap=1.1)
    return save(fig, stem)
