"""Zig-zag: how often a weight update has one sign across a whole unit's incoming weights.

The seed: with sigmoid (or ReLU) feeding a layer, every input x_i >= 0, so the per-sample
gradient x_i * delta_j of unit j's weights has one sign for all i and the weights can only
move "all up" or "all down" (a zig-zag path to the optimum). tanh feeds mixed signs.
Bars per Dense layer, mean over seeds and over all probe times:
- coherence: the fraction of (sample, unit) pairs whose per-sample gradient is single-signed;
- batch coherence: the same for one minibatch's summed gradient;
- flip fraction: how often a gradient entry changes sign between consecutive steps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .common import (
    color_map,
    group,
    init_title,
    margins,
    nanmean,
    nanstd,
    ordered,
    plain,
    plt,
    save,
    seed_stack,
)

PANELS = (
    ("coherence", "per-sample sign coherence"),
    ("batch_coherence", "minibatch sign coherence"),
    ("flip_fraction", "sign flips between steps"),
)


def layer_values(records: list[dict], key: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(mean, std over seeds) per Dense layer, each seed first averaged over probe times."""
    stack = seed_stack([r for r in records if "probes" in r], lambda r: r["probes"][key])
    if stack is None or stack.ndim != 3 or stack.shape[1] == 0:
        return None
    per_seed = nanmean(stack, axis=1)  # (seeds, layers)
    return nanmean(per_seed, axis=0), np.nan_to_num(nanstd(per_seed, axis=0))


def plot_zigzag(records: list[dict], stem: str | Path) -> tuple[Path, Path] | None:
    """Rows: inits; columns: the three measures; bars: activations per Dense layer."""
    if not any(r.get("probes", {}).get("coherence") for r in records):
        return None
    inits, acts = ordered(records, "init"), ordered(records, "activation")
    colors = color_map(acts)
    fig, axes = plt.subplots(
        len(inits), len(PANELS), figsize=(13, 3.2 * len(inits) + 0.8), squeeze=False, sharey=True
    )
    width = 0.8 / max(len(acts), 1)
    for row, init in enumerate(inits):
        for col, (key, label) in enumerate(PANELS):
            ax = axes[row][col]
            n_layers = 0
            for k, act in enumerate(acts):
                entry = layer_values(group(records, init, act), key)
                if entry is None:
                    continue
                mean, std = entry
                n_layers = max(n_layers, len(mean))
                x = np.arange(len(mean)) + (k - (len(acts) - 1) / 2) * width
                bars = ax.bar(
                    x,
                    mean,
                    width,
                    yerr=std,
                    color=colors[act],
                    label=plain(act),
                    error_kw={"lw": 0.8, "capsize": 2},
                )
                if len(acts) <= 5:  # a bar of height 0 is a result too: print its value
                    ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2, color="0.3")
            ax.set_xticks(
                range(n_layers), [f"W{k + 1}" for k in range(n_layers - 1)] + ["out"][:n_layers]
            )
            ax.set_ylim(0, 1.12)
            ax.grid(axis="y", alpha=0.3)
            if row == 0:
                ax.set_title(label, fontsize=11)
            if col == 0:
                ax.set_ylabel(init_title(records, init).replace("  ", "\n"), fontsize=9)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=min(len(acts), 8), frameon=False)
    fig.text(
        0.5,
        0.005,
        "bars: mean over seeds of the mean over training; whiskers: spread "
        "(std) across seeds. W1 sees the data; later layers see the activations.",
        ha="center",
        fontsize=9,
        color="0.35",
    )
    margins(fig, left=0.95, right=0.15, top=0.65, bottom=0.55, wgap=0.25, hgap=0.35)
    return save(fig, stem)
