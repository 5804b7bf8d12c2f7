"""Training curves: the mean over seeds with a band from the lowest to the highest seed."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def plot_loss_curves(records: list[dict], path: str | Path, metric: str = "train_loss") -> Path:
    """One panel per init, one line per activation (mean over seeds, band min..max).

    This is the seed's pair of comparison graphs: the same activations under a good and a bad
    weight initialization.
    """
    inits = list(dict.fromkeys(r["init"] for r in records))
    acts = list(dict.fromkeys(r["activation"] for r in records))
    fig, axes = plt.subplots(1, len(inits), figsize=(5.5 * len(inits), 4), squeeze=False,
                             sharey=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, init in zip(axes[0], inits):
        for k, act in enumerate(acts):
            curves = [r[metric] for r in records if r["init"] == init and r["activation"] == act]
            if not curves:
                continue
            arr = np.array([[np.nan if v is None else v for v in c] for c in curves], dtype=float)
            epochs = np.arange(1, arr.shape[1] + 1)
            color = colors[k % len(colors)]
            with np.errstate(all="ignore"):
                if np.isfinite(arr).any():
                    ax.plot(epochs, np.nanmean(arr, axis=0), color=color, label=act, lw=2)
                    ax.fill_between(epochs, np.nanmin(arr, axis=0), np.nanmax(arr, axis=0),
                                    color=color, alpha=0.2, lw=0)
        ax.set_title(f"init = {init}")
        ax.set_xlabel("epoch")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(metric.replace("_", " ") + " (mean over seeds, band: min..max)")
    axes[0][-1].legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
