"""Training curves: per activation, the mean over seeds, a min..max band and thin per-seed lines.

One column per init: the seed's two comparison graphs (good init vs the prototype's U(-1, 1)).
With more than SMALL_MULTIPLES activations the overlapping bands are unreadable, so each
activation gets its own small panel (one colour per init, the other activations faint grey
behind it for context).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from .common import (
    as_array,
    color_map,
    group,
    init_title,
    margins,
    nanmean,
    ordered,
    plain,
    plain_log_ticks,
    plt,
    save,
)

METRICS = (("train_loss", "train loss", True), ("test_acc", "test accuracy", False))
SMALL_MULTIPLES = 4


def _panel(ax, records, init, acts, colors, metric):
    for act in acts:
        runs = [r for r in group(records, init, act) if r.get(metric)]  # failed groups have none
        if not runs:
            continue
        arr = as_array([r[metric] for r in runs if len(r[metric]) == len(runs[0][metric])])
        epochs = np.arange(1, arr.shape[1] + 1)
        color = colors[act]
        for seed_curve in arr:
            ax.plot(epochs, seed_curve, color=color, lw=0.6, alpha=0.35)
        if np.isfinite(arr).any():
            with warnings.catch_warnings():  # epochs where every seed had diverged are NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanmin(arr, axis=0), np.nanmax(arr, axis=0)
            ax.fill_between(epochs, lo, hi, color=color, alpha=0.18, lw=0)
            ax.plot(epochs, nanmean(arr), color=color, lw=2.2, label=plain(act))


def plot_training_curves(records: list[dict], stem: str | Path) -> tuple[Path, Path]:
    """Rows: train loss (log scale) and test accuracy; columns: inits; lines: activations (small
    multiples instead when there are more than SMALL_MULTIPLES activations)."""
    inits, acts = ordered(records, "init"), ordered(records, "activation")
    if len(acts) > SMALL_MULTIPLES:
        return _small_multiples(records, inits, acts, stem)
    colors = color_map(acts)
    fig, axes = plt.subplots(
        2, len(inits), figsize=(5.6 * len(inits), 7.4), squeeze=False, sharex=True, sharey="row"
    )
    for col, init in enumerate(inits):
        title = init_title(records, init)
        for row, (metric, label, log) in enumerate(METRICS):
            ax = axes[row][col]
            _panel(ax, records, init, acts, colors, metric)
            if log:
                ax.set_yscale("log")
            ax.grid(alpha=0.3, which="both" if not log else "major")
            if col == 0:
                ax.set_ylabel(label)
            if row == 0:
                ax.set_title(title)
            else:
                ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in axes[0]:  # the train loss row, once every panel of it is drawn
        plain_log_ticks(ax)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(acts), 8), frameon=False)
    fig.text(
        0.5,
        0.005,
        "thick line: mean over seeds; band: lowest..highest seed; thin lines: each seed",
        ha="center",
        fontsize=9,
        color="0.35",
    )
    margins(fig, left=0.85, right=0.2, top=0.75, bottom=0.8, wgap=0.25, hgap=0.3)
    return save(fig, stem)


def _mean_curve(runs, metric):
    arr = as_array([r[metric] for r in runs if len(r[metric]) == len(runs[0][metric])])
    return np.arange(1, arr.shape[1] + 1), arr


def _small_multiples(records, inits, acts, stem):
    """One panel per activation and metric; colour = init; grey = the other activations."""
    ncols = min(5, len(acts))
    nrows = -(-len(acts) // ncols)
    colors = color_map(inits)
    fig, axes = plt.subplots(
        2 * nrows, ncols, figsize=(3.1 * ncols, 2.4 * 2 * nrows), squeeze=False
    )
    for m, (metric, label, log) in enumerate(METRICS):
        shared = None
        for k, act in enumerate(acts):
            ax = axes[m * nrows + k // ncols][k % ncols]
            for other in acts:
                for init in inits:
                    runs = [r for r in group(records, init, other) if r.get(metric)]
                    if not runs or other == act:
                        continue
                    x, arr = _mean_curve(runs, metric)
                    ax.plot(x, nanmean(arr), color="0.85", lw=0.8, zorder=1)
            for init in inits:
                runs = [r for r in group(records, init, act) if r.get(metric)]
                if not runs:
                    continue
                x, arr = _mean_curve(runs, metric)
                if np.isfinite(arr).any():
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)
                        lo, hi = np.nanmin(arr, axis=0), np.nanmax(arr, axis=0)
                    ax.fill_between(x, lo, hi, color=colors[init], alpha=0.2, lw=0, zorder=2)
                    ax.plot(
                        x,
                        nanmean(arr),
                        color=colors[init],
                        lw=1.8,
                        zorder=3,
                        label=plain(f"init {init}"),
                    )
            if log:
                ax.set_yscale("log")
            if shared is None:
                shared = ax
            else:
                ax.sharey(shared)
            ax.set_title(plain(f"{act}: {label}"), fontsize=9)
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for k in range(len(acts), nrows * ncols):
            axes[m * nrows + k // ncols][k % ncols].axis("off")
    for ax in axes[:nrows].ravel():  # the train loss panels, once all are drawn
        if ax.get_yscale() == "log":
            plain_log_ticks(ax)
    found = {}
    for ax in axes.ravel():
        for h, lab in zip(*ax.get_legend_handles_labels()):
            found.setdefault(lab, h)
    fig.legend(
        list(found.values()), list(found), loc="upper center", ncol=len(inits), frameon=False
    )
    fig.supxlabel("epoch", fontsize=9, y=0.03)
    fig.text(
        0.5,
        0.005,
        "each panel: one activation, mean over seeds (line) and lowest..highest "
        "seed (band) per init; grey: the other activations' means",
        ha="center",
        fontsize=9,
        color="0.35",
    )
    margins(fig, left=0.6, right=0.15, top=0.7, bottom=0.75, wgap=0.55, hgap=0.45)
    return save(fig, stem)


def plot_loss_curves(records: list[dict], path: str | Path, metric: str = "train_loss") -> Path:
    """Kept for ``actlab compare``'s loss_curves.png: the training curves' PNG at ``path``."""
    path = Path(path)
    from .common import svg_figures

    with svg_figures(False):
        return plot_training_curves(records, path.with_suffix(""))[0]
