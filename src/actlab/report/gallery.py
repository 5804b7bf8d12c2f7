"""The activation gallery: f and f' of each activation, flat (saturated) regions shaded.

A region is saturated where |f'(z)| < eps * max|f'| (eps = 1%, the probes' threshold): there
the seed's chain rule multiplies dL/dW by almost nothing and the weights stop moving.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..activations import get_activation
from ..probes import max_abs_derivative
from .common import margins, plain, plt, save

EPS = 0.01
Z = np.linspace(-8.0, 8.0, 1601)


def _curves(act):
    """(f, f', note) on Z; Maxout is shown as the 1-D max(z, 0.5 z)."""
    if act.pieces > 1:
        pieces = np.stack([Z, 0.5 * Z], axis=-1).reshape(-1)  # pairs (z, 0.5 z)
        f = act(pieces)
        df = np.where(Z >= 0.5 * Z, 1.0, 0.5)  # slope of the winning piece
        return f, df, "illustration: max(z, 0.5z); in a network f' is a 0/1 mask over pieces"
    with np.errstate(all="ignore"):
        return np.asarray(act(Z), float), np.asarray(act.derivative(Z), float), ""


def _shade(ax, flat):
    """Shade every run of True in ``flat`` over Z."""
    edges = np.flatnonzero(np.diff(np.r_[0, flat.astype(int), 0]))
    for start, stop in zip(edges[::2], edges[1::2]):
        ax.axvspan(Z[start], Z[stop - 1], color="tab:red", alpha=0.12, lw=0)


def plot_activation_gallery(names, stem: str | Path, eps: float = EPS) -> tuple[Path, Path]:
    """One panel per activation spec in ``names`` (unknown names raise the usual error)."""
    acts = [(name, get_activation(name)) for name in names]
    cols = min(4, max(1, len(acts)))
    rows = math.ceil(len(acts) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.7 * rows + 0.5), squeeze=False)
    for ax in axes.flat[len(acts) :]:
        ax.axis("off")
    for ax, (name, act) in zip(axes.flat, acts):
        f, df, note = _curves(act)
        if act.pieces == 1:
            top = max_abs_derivative(act)
            _shade(ax, np.abs(df) < eps * top if top > 0 else np.ones_like(df, bool))
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.plot(Z, f, color="tab:blue", lw=2, label="f(z)")
        ax.plot(Z, df, color="tab:orange", lw=1.6, ls="--", label="f'(z)")
        lo, hi = np.nanmin(np.r_[f, df]), np.nanmax(np.r_[f, df])
        ax.set_ylim(max(lo, -3) - 0.15, min(hi, 3) + 0.15)
        ax.set_xlim(Z[0], Z[-1])
        ax.set_title(plain(name), fontsize=11)
        if note:
            ax.text(
                0.02,
                0.97,
                note.replace("; ", ";\n"),
                transform=ax.transAxes,
                fontsize=7,
                va="top",
                color="0.3",
            )
        ax.grid(alpha=0.25)
        ax.tick_params(labelsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles.append(plt.Rectangle((0, 0), 1, 1, color="tab:red", alpha=0.12))
    labels.append(f"saturated: |f'| < {eps:.0%} of max|f'|")
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=9)
    margins(fig, left=0.45, right=0.15, top=0.3, bottom=0.75, wgap=0.45, hgap=0.55)
    return save(fig, stem)
