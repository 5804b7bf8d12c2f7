"""Per-layer heat maps over training: rows are layers, columns are probe epochs, one row of
panels per (init, activation) group, each cell the mean over seeds.

Columns: saturation fraction (the seed's flat regions), |dL/dW| per Dense layer on a log color
scale (vanishing gradients: the first layers go dark), and the mean activation (sigmoid sits
near 0.5, tanh near 0, ReLU above 0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import LogNorm, Normalize

from .common import group, nanmean, ordered, plain, plt, save, seed_stack

PANELS = (
    ("saturation", "saturation fraction", "magma", "hidden"),
    ("grad_W_norm", "|dL/dW| (log scale)", "viridis", "dense"),
    ("act_mean", "mean activation", "RdBu_r", "hidden"),
)


def _has_probes(records) -> bool:
    return any(r.get("probes", {}).get("saturation") for r in records)


def group_means(records: list[dict], key: str) -> tuple[list, np.ndarray] | None:
    """(probe epochs, mean over seeds as an array of shape (layers, times)) for one group."""
    stack = seed_stack([r for r in records if "probes" in r], lambda r: r["probes"][key])
    if stack is None or stack.ndim != 3 or stack.size == 0:
        return None
    epochs = next(r["probes"]["epochs"] for r in records if "probes" in r)
    return epochs, nanmean(stack).T


def _norm(key, arrays):
    values = np.concatenate([a[np.isfinite(a)].ravel() for a in arrays]) if arrays else np.r_[0.0]
    if key == "grad_W_norm":
        pos = values[values > 0]
        lo, hi = (pos.min(), pos.max()) if pos.size else (1e-8, 1.0)
        return LogNorm(vmin=lo, vmax=max(hi, lo * 10))
    if key == "act_mean":
        # the 95th percentile, so one wild early layer does not wash out every other panel
        top = float(np.percentile(np.abs(values), 95)) if values.size else 1.0
        return Normalize(-max(top, 1e-3), max(top, 1e-3))
    return Normalize(0.0, 1.0)


def plot_layer_heatmaps(records: list[dict], stem: str | Path) -> tuple[Path, Path] | None:
    """The heat-map grid, or None when the run recorded no probes."""
    if not _has_probes(records):
        return None
    groups = [(i, a) for i in ordered(records, "init") for a in ordered(records, "activation")
              if group(records, i, a)]
    data = {(g, key): group_means(group(records, *g), key) for g in groups for key, *_ in PANELS}
    n_layers = max((v[1].shape[0] for v in data.values() if v is not None), default=1)
    height = 0.9 + (0.32 * n_layers + 0.75) * len(groups)
    fig = plt.figure(figsize=(13, height))
    # per panel: the maps, their colorbar, and a gap for the colorbar's tick labels
    grid = fig.add_gridspec(len(groups), 3 * len(PANELS), width_ratios=[1, 0.035, 0.2] * len(PANELS),
                            left=0.12, right=1.0, top=1 - 0.45 / height,
                            bottom=0.55 / height, hspace=0.45, wspace=0.05)
    axes = np.array([[fig.add_subplot(grid[r, 3 * c]) for c in range(len(PANELS))]
                     for r in range(len(groups))])
    for col, (key, label, cmap, kind) in enumerate(PANELS):
        arrays = [data[g, key][1] for g in groups if data[g, key] is not None]
        norm = _norm(key, arrays)
        image = None
        for row, g in enumerate(groups):
            ax = axes[row][col]
            entry = data[g, key]
            if entry is None:
                ax.axis("off")
                continue
            epochs, values = entry
            image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, norm=norm,
                              interpolation="nearest",
                              extent=(epochs[0] - 0.5, epochs[-1] + 0.5, values.shape[0] - 0.5, -0.5))
            names = [f"h{k + 1}" for k in range(values.shape[0])]
            if kind == "dense":
                names = [f"W{k + 1}" for k in range(values.shape[0] - 1)] + ["out"]
            ax.set_yticks(range(values.shape[0]), names, fontsize=8)
            ax.tick_params(axis="x", labelsize=8)
            if row == 0:
                ax.set_title(label, fontsize=11)
            if col == 0:
                ax.set_ylabel(plain(f"{g[1]}\ninit={g[0]}"), fontsize=9, rotation=0,
                              ha="right", va="center")
            if row == len(groups) - 1:
                ax.set_xlabel("epoch (0 = before training)", fontsize=9)
        if image is not None:
            extend = "both" if key == "act_mean" else "neither"
            fig.colorbar(image, cax=fig.add_subplot(grid[:, 3 * col + 1]), extend=extend)
    return save(fig, stem)
