"""What every explain topic shares: the result record, the verdict wording, small statistics
and figure saving (matplotlib is imported only when a figure is drawn)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HOLDS = "the seed's claim holds here"
FAILS = "the seed's claim does not hold here"


@dataclass
class ExplainResult:
    """What one topic measured.

    topic : the topic name; claim : the seed's claim, one English sentence (paraphrased from
    the Korean); lines : the measurements as printable lines, each verdict computed from the
    numbers; figures : the files written (PNG and SVG); measurements : the numbers, JSON-ready.
    """

    topic: str
    claim: str
    lines: list[str] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    measurements: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"topic": self.topic, "claim": self.claim, "lines": list(self.lines),
                "figures": [str(p) for p in self.figures], "measurements": self.measurements}


def verdict(holds: bool) -> str:
    """The closing words of a verdict line; ``holds`` must come from a measurement."""
    return HOLDS if holds else FAILS


def mean_sd(values) -> tuple[float, float]:
    """Mean and sample standard deviation of the finite values (NaN, NaN if there are none)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def pm(values, digits: int = 3) -> str:
    """'0.962 +- 0.004 (n=5)' over the finite values."""
    m, s = mean_sd(values)
    n = int(np.isfinite(np.asarray(values, dtype=np.float64)).sum())
    return f"{m:.{digits}f} +- {s:.{digits}f} (n={n})"


def jsonable(obj):
    """numpy scalars and arrays as floats and lists; NaN and inf as None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj


def pyplot():
    """matplotlib.pyplot on the Agg backend (files only, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, stem: str | Path) -> list[Path]:
    """Write ``stem.png`` (and ``stem.svg`` when asked for: report.common.svg_figures) through
    the one save function of actlab's figures, close the figure, return the paths written."""
    from ..report.common import save

    return [p for p in save(fig, Path(stem), dpi=110, tight=True) if p is not None]


def replica_ok(history) -> np.ndarray:
    """Boolean mask (R,) of the replicas that did not diverge."""
    return np.array([s == "ok" for s in history.status])
