"""Training curves: per activation, the mean over seeds, a min..max band and thin per-seed lines.

One column per init: the seed's two comparison graphs (good init vs the prototype's U(-1, 1)).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .common import as_array, color_map, group, init_title, nanmean, ordered, plain, plt, save

METRICS = (("train_loss", "train loss", True), ("test_acc", "test accuracy", False))


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
    """Rows: train loss (log scale) and test accuracy; columns: inits; lines: activations."""
    inits, acts = ordered(records, "init"), ordered(records, "activation")
    colors = color_map(acts)
    fig, axes = plt.subplots(2, len(inits), figsize=(5.6 * len(inits), 7.4), squeeze=False,
                             sharex=True, sharey="row")
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
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(acts), 8), frameon=False)
    fig.text(0.5, 0.005, "thick line: mean over seeds; band: lowest..highest seed; thin lines: "
             "each seed", ha="center", fontsize=9, color="0.35")
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    return save(fig, stem)


def plot_loss_curves(records: list[dict], path: str | Path, metric: str = "train_loss") -> Path:
    """Kept for ``actlab compare``'s loss_curves.png: the training curves' PNG at ``path``."""
    path = Path(path)
    from .common import svg_figures

    with svg_figures(False):
        return plot_training_curves(records, path.with_suffix(""))[0]
