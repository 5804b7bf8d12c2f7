"""Shared plumbing for the figures: the Agg backend, saving as PNG + SVG, groups and colors."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:  # in Jupyter keep the inline backend: figures show in cells
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

# the same figure gives the same SVG bytes; text stays text (smaller, searchable)
SVG_RC = {"svg.hashsalt": "actlab", "svg.fonttype": "none"}

DPI = 100


def save(fig, stem: str | Path | None) -> tuple[Path, Path]:
    """Write ``stem.png`` and ``stem.svg``, close the figure, return both paths.

    ``stem=None``: write nothing and return the Figure itself (detached from pyplot, so a
    notebook shows it once, as the value of the cell): how actlab.Comparison draws.
    """
    if stem is None:
        plt.close(fig)
        return fig
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    fig.savefig(png, dpi=DPI, metadata={"Software": None})
    with plt.rc_context(SVG_RC):
        fig.savefig(svg, metadata={"Date": None})
    plt.close(fig)
    return png, svg


def plain(text) -> str:
    """A user-supplied name as matplotlib text: a "$" is a dollar sign, not math."""
    return str(text).replace("$", r"\$")


def init_title(records: list[dict], init) -> str:
    """``init = auto (he_normal, xavier_uniform)``: what ``auto`` resolved to in this run."""
    resolved = sorted({str(r.get("init_resolved", init)) for r in records if r["init"] == init})
    return plain(f"init = {init}" + (f"  ({', '.join(resolved)})" if resolved != [init] else ""))


def ordered(records: list[dict], key: str) -> list:
    """The distinct values of ``key`` in the order they first appear."""
    return list(dict.fromkeys(r[key] for r in records))


def group(records: list[dict], init, act) -> list[dict]:
    return [r for r in records if r["init"] == init and r["activation"] == act]


def color_map(names) -> dict:
    """One stable color per activation (the same in every figure of a page)."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {name: cycle[k % len(cycle)] for k, name in enumerate(names)}


def as_array(rows) -> np.ndarray:
    """Nested lists with None -> float array with NaN."""
    def clean(x):
        if isinstance(x, list):
            return [clean(v) for v in x]
        return np.nan if x is None else x
    return np.array(clean(rows), dtype=float)


def seed_stack(records: list[dict], getter) -> np.ndarray | None:
    """Stack ``getter(record)`` over seeds (ragged or missing entries are dropped)."""
    arrays = []
    for r in records:
        try:
            arrays.append(as_array(getter(r)))
        except (KeyError, TypeError, ValueError, IndexError):
            continue
    if not arrays:
        return None
    shape = arrays[0].shape
    arrays = [a for a in arrays if a.shape == shape]
    return np.stack(arrays)


def nanstd(a, axis=0):
    """Std ignoring NaN, quietly NaN where every value is NaN (conv layers have no coherence)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanstd(a, axis=axis)


def nanmean(a, axis=0):
    """Mean ignoring NaN, quietly NaN where every value is NaN."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=axis)
