"""What every claim module shares: the Decision and Result records, running one claim
(measure -> decide -> draw), and small helpers (JSON-ready numbers, healthy replicas,
figures through the report's one save function)."""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .verdict import Part, weakest


@dataclass
class Decision:
    """The verdict of a claim and the parts it was decided from."""

    verdict: str
    parts: list[Part] = field(default_factory=list)


def decision(parts, verdict=None) -> Decision:
    """A Decision whose verdict is the weakest part's, unless the claim's rule gives one."""
    parts = list(parts)
    return Decision(verdict or weakest(parts), parts)


@dataclass
class Result:
    """One claim measured and decided: what explain prints and reproduce tabulates."""

    name: str
    claim: str
    source: str
    published: str
    rule: str
    setup: str = ""
    measured: str = ""
    verdict: str = ""
    parts: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    measurements: dict = field(default_factory=dict)
    seconds: float = 0.0
    quick: bool = False

    def to_dict(self) -> dict:
        d = {
            k: getattr(self, k)
            for k in (
                "name",
                "claim",
                "source",
                "published",
                "rule",
                "setup",
                "measured",
                "verdict",
                "parts",
                "lines",
                "seconds",
                "quick",
            )
        }
        d["figures"] = [str(p) for p in self.figures]
        d["measurements"] = jsonable(self.measurements)
        return d


def rule_of(module) -> str:
    """The claim's decide rule: the docstring of its ``decide``, as one paragraph."""
    return " ".join(inspect.getdoc(module.decide).split())


def run(module, out_dir, quick: bool = False) -> Result:
    """measure -> decide -> describe -> draw, timed."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    m = jsonable(module.measure(quick=bool(quick)))
    d = module.decide(m)
    setup, measured, lines = module.describe(m)
    figures = module.draw(m, out_dir / f"claim_{module.NAME}")
    return Result(
        module.NAME,
        module.CLAIM,
        module.SOURCE,
        module.PUBLISHED,
        rule_of(module),
        setup,
        measured,
        d.verdict,
        [p.text() for p in d.parts],
        lines,
        [Path(f) for f in figures if str(f).endswith(".png")],
        m,
        time.perf_counter() - start,
        bool(quick),
    )


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


def arr(values) -> np.ndarray:
    """A JSON list (None for NaN) back as a float array."""

    def clean(x):
        if isinstance(x, list):
            return [clean(v) for v in x]
        return np.nan if x is None else x

    return np.asarray(clean(values), dtype=float)


def replica_ok(history) -> np.ndarray:
    """Boolean mask (R,) of the replicas that did not diverge."""
    return np.array([s == "ok" for s in history.status])


def final_acc(history) -> np.ndarray:
    """Per seed, the last test accuracy; a diverged seed counts as 0 (it learned nothing)."""
    return np.nan_to_num(np.asarray(history["test_acc"], dtype=float)[:, -1], nan=0.0)


def figure(*args, **kwargs):
    """A new matplotlib figure on the report's backend."""
    from ..report.common import plt

    return plt.subplots(*args, **kwargs)


def save(fig, stem, tight: bool = True) -> list[Path]:
    """The report's one save function (PNG; SVG too inside report.common.svg_figures), cropped
    to the drawing so rotated tick labels are not cut (``tight=False``: a figure that placed
    its axes itself, saved without the extra draw that cropping costs)."""
    from ..report.common import save as report_save

    return [p for p in report_save(fig, stem, tight=tight) if p is not None]


def digits(quick: bool, n_quick: int = 400):
    from ..datasets import load_dataset

    Xtr, ytr, Xte, yte = load_dataset("digits", seed=0)
    if quick:
        Xtr, ytr = Xtr[:n_quick], ytr[:n_quick]
    return Xtr, ytr, Xte, yte
