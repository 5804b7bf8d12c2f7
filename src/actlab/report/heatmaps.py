"""Per-layer heat maps over training: rows are layers, columns are probe epochs (epoch 0 =
before training), one row of panels per (init, activation) group, each cell the mean over the
group's seeds that did not diverge.

Columns: flat units (the probes' saturation fraction: "saturated" for activations flat in both
tails, sigmoid and tanh; "inactive" for those flat only on the negative side, the ReLU family),
|dL/dW| per Dense layer on a log colour scale, and the mean activation. Every panel has its own
colour scale (its colour bar beside it), so one group with huge values cannot wash out the
others; a group whose every seed diverged is drawn as a grey "diverged" panel, not on a scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.ticker import MaxNLocator

from ..experiments.stats import flat_kind
from .common import group, nanmean, ordered, plain, plt, save, seed_stack
from .scalebar import draw_scale

PANELS = (
    ("saturation", "flat units", "magma", "hidden"),
    ("grad_W_norm", "|dL/dW| (log scale)", "viridis", "dense"),
    ("act_mean", "mean activation", "RdBu_r", "hidden"),
)


def _has_probes(records) -> bool:
    return any(r.get("probes", {}).get("saturation") for r in records)


def group_means(records: list[dict], key: str) -> tuple[list, np.ndarray] | None:
    """(probe epochs, mean over the seeds that did not diverge, shape (layers, times))."""
    ok = [r for r in records if "probes" in r and r.get("status", "ok") == "ok"]
    stack = seed_stack(ok, lambda r: r["probes"][key])
    if stack is None or stack.ndim != 3 or stack.size == 0:
        return None
    epochs = next(r["probes"]["epochs"] for r in ok)
    return epochs, nanmean(stack).T


def panel_norm(key, values: np.ndarray):
    """This panel's own colour scale: a fraction on [0, 1]; |dL/dW| on a log scale from its
    smallest positive value to its 98th percentile; the mean activation up to its own 98th
    percentile of |value| (so one wild cell does not wash out the rest), from 0 when every
    value has one sign, else symmetric around 0."""
    v = values[np.isfinite(values)]
    if key == "grad_W_norm":
        pos = v[v > 0]
        lo, hi = (pos.min(), np.percentile(pos, 98)) if pos.size else (1e-8, 1.0)
        return LogNorm(vmin=lo, vmax=max(hi, lo * 10))
    if key == "act_mean":
        top = max(float(np.percentile(np.abs(v), 98)) if v.size else 1.0, 1e-3)
        if v.size and v.min() >= 0:
            return Normalize(0.0, top)
        if v.size and v.max() <= 0:
            return Normalize(-top, 0.0)
        return Normalize(-top, top)
    return Normalize(0.0, 1.0)


def panel_cmap(key, cmap, norm):
    """A one-signed mean activation gets a sequential map (its shades are visible); an exact
    zero gradient (a dead layer) is drawn black, below the scale; NaN light grey."""
    if key == "act_mean" and norm.vmin >= 0:
        cmap = "Reds"
    elif key == "act_mean" and norm.vmax <= 0:
        cmap = "Blues_r"
    return plt.get_cmap(cmap).with_extremes(
        under="black" if key == "grad_W_norm" else None, bad="0.85"
    )


# the grid in inches: room for the group labels at the left, a colour scale beside each panel
LEFT, RIGHT, TOP, BOTTOM = 1.25, 0.55, 0.35, 0.55
PANEL_GAP, BAR_WIDTH, BAR_PAD, ROW_GAP = 1.05, 0.12, 0.06, 0.3
WIDTH = 14.0


def _grid(n_rows: int, n_layers: int):
    """The figure and its (rows, panels) axes, placed at fixed offsets in inches (a layout
    engine would draw the whole figure once more to measure it: most of this figure's time);
    and where each panel's scale goes, (x0, width) in the panel's axes fraction."""
    row_height = 0.32 * n_layers + 0.5
    height = TOP + BOTTOM + n_rows * row_height + (n_rows - 1) * ROW_GAP
    fig = plt.figure(figsize=(WIDTH, height))
    cols = len(PANELS)
    panel = (WIDTH - LEFT - RIGHT - (cols - 1) * PANEL_GAP) / cols - BAR_PAD - BAR_WIDTH
    axes = [[None] * cols for _ in range(n_rows)]
    for row in range(n_rows):
        y = height - TOP - (row + 1) * row_height - row * ROW_GAP
        for col in range(cols):
            x = LEFT + col * (panel + BAR_PAD + BAR_WIDTH + PANEL_GAP)
            axes[row][col] = fig.add_axes(
                (x / WIDTH, y / height, panel / WIDTH, row_height / height)
            )
    return fig, axes, (1 + BAR_PAD / panel, BAR_WIDTH / panel)


def _diverged(ax, text):
    ax.set_facecolor("0.9")
    ax.text(
        0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=9, color="0.3"
    )
    ax.set_xticks([])
    ax.set_yticks([])


def plot_layer_heatmaps(records: list[dict], stem: str | Path) -> tuple[Path, Path] | None:
    """The heat-map grid, or None when the run recorded no probes."""
    if not _has_probes(records):
        return None
    groups = [
        (i, a)
        for i in ordered(records, "init")
        for a in ordered(records, "activation")
        if group(records, i, a)
    ]
    data = {(g, key): group_means(group(records, *g), key) for g in groups for key, *_ in PANELS}
    n_layers = max((v[1].shape[0] for v in data.values() if v is not None), default=1)
    fig, axes, (bar_x, bar_width) = _grid(len(groups), n_layers)
    for row, g in enumerate(groups):
        recs = group(records, *g)
        n_div = sum(r.get("status") == "diverged" for r in recs)
        kind = flat_kind(g[1])
        for col, (key, label, cmap, layer_kind) in enumerate(PANELS):
            ax = axes[row][col]
            if row == 0:
                ax.set_title(
                    label + (" (saturated / inactive)" if key == "saturation" else ""), fontsize=11
                )
            if col == 0:
                note = f"\n{n_div}/{len(recs)} diverged" if n_div else ""
                ax.set_ylabel(
                    plain(f"{g[1]}\ninit={g[0]}{note}"),
                    fontsize=9,
                    rotation=0,
                    ha="right",
                    va="center",
                )
            entry = data[g, key]
            if entry is None:
                _diverged(ax, "diverged (every seed)" if n_div == len(recs) else "no probes")
                continue
            epochs, values = entry
            norm = panel_norm(key, values)
            if key == "grad_W_norm":  # an exact 0 (a dead layer) is drawn black, below the scale
                values = np.where(values == 0, norm.vmin / 10, values)
            colours = panel_cmap(key, cmap, norm)
            ax.imshow(
                np.ma.masked_invalid(values),
                aspect="auto",
                cmap=colours,
                norm=norm,
                interpolation="nearest",
                extent=(epochs[0] - 0.5, epochs[-1] + 0.5, values.shape[0] - 0.5, -0.5),
            )
            names = [f"h{k + 1}" for k in range(values.shape[0])]
            if layer_kind == "dense":
                names = [f"W{k + 1}" for k in range(values.shape[0] - 1)] + ["out"]
            ax.set_yticks(range(values.shape[0]), names, fontsize=8)
            if row == len(groups) - 1:  # every row has the same probe epochs: ticks once
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                ax.tick_params(axis="x", labelsize=8)
            else:
                ax.set_xticks([])
            draw_scale(
                ax,
                norm,
                colours,
                extend={"saturation": "neither", "grad_W_norm": "both"}.get(
                    key, "max" if norm.vmin >= 0 else "min" if norm.vmax <= 0 else "both"
                ),
                label=kind if key == "saturation" else "",
                x0=bar_x,
                width=bar_width,
            )
            if row == len(groups) - 1:
                ax.set_xlabel("epoch (0 = before training)", fontsize=9)
    return save(fig, stem)
