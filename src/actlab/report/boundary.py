"""Decision boundaries on 2-D toy data, in the manner of TensorFlow Playground: the background
is colored by the predicted class with the confidence as opacity, the training points on top.
One panel per activation (columns) and init (rows); replica 0 (the first seed) of each group.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import to_rgb

from .common import margins, ordered, plain, plt, save

CLASS_COLORS = (
    "#f59322",
    "#0877bd",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def _background(boundary: dict) -> np.ndarray:
    label = np.asarray(boundary["label"], dtype=int)
    conf = np.asarray(boundary["confidence"], dtype=float)
    k = max(int(label.max()) + 1, 2)
    rgba = np.zeros((*label.shape, 4))
    rgba[..., :3] = np.array([to_rgb(CLASS_COLORS[c % len(CLASS_COLORS)]) for c in range(k)])[label]
    # confidence 1/k (a coin toss) is transparent, certainty is 65% opaque
    rgba[..., 3] = 0.65 * np.clip((conf - 1 / k) / (1 - 1 / k), 0, 1)
    return rgba


def plot_decision_boundaries(
    records: list[dict], data, stem: str | Path
) -> tuple[Path, Path] | None:
    """``data``: the run's data set (X_train, y_train), reloaded as the run loaded it, or a
    callable record -> data set (a sweep over several data sets)."""
    firsts = {}
    for r in records:
        if "boundary" in r:
            firsts.setdefault((r["init"], r["activation"]), r)
    if not firsts:
        return None
    inits = [i for i in ordered(records, "init") if any(k[0] == i for k in firsts)]
    acts = [a for a in ordered(records, "activation") if any(k[1] == a for k in firsts)]
    fig, axes = plt.subplots(
        len(inits), len(acts), figsize=(3.2 * len(acts), 3.3 * len(inits)), squeeze=False
    )
    for row, init in enumerate(inits):
        for col, act in enumerate(acts):
            ax = axes[row][col]
            rec = firsts.get((init, act))
            if rec is None:
                ax.axis("off")
                continue
            b = rec["boundary"]
            xs, ys = b["x"], b["y"]
            ax.imshow(
                _background(b),
                origin="lower",
                extent=(xs[0], xs[-1], ys[0], ys[-1]),
                aspect="auto",
                interpolation="bilinear",
            )
            d = data(rec) if callable(data) else data
            X, y = np.asarray(d.X_train), np.asarray(d.y_train).astype(int)
            ax.scatter(
                X[:, 0],
                X[:, 1],
                c=[CLASS_COLORS[c % len(CLASS_COLORS)] for c in y],
                s=9,
                edgecolors="white",
                linewidths=0.4,
            )
            acc = rec["test_acc"][-1] if rec.get("test_acc") else None
            title = f"{act}\ninit={init}" + (f", test acc {acc:.2f}" if acc is not None else "")
            ax.set_title(plain(title), fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.text(
        0.5,
        0.005,
        "background: predicted class, stronger where the network is more "
        "confident (first seed); points: training data",
        ha="center",
        fontsize=9,
        color="0.35",
    )
    margins(fig, left=0.1, right=0.1, top=0.5, bottom=0.3, wgap=0.15, hgap=0.55)
    return save(fig, stem)
